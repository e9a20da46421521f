/**
 * A full node's `config.json` (DESIGN §8), in its home folder beside `key.json`, `data/` and
 * `cometbft/` (the engine's own home). `host` defaults to 127.0.0.1; the namespace harness sets
 * each host's own address.
 */
import { InvalidInputError } from '../protocol/errors.js'

export interface NodeConfig {
  chainId: string
  moniker: string
  /** glowmesh's HTTP + JSON RPC (fullnode/rpc). */
  rpc: { host: string, port: number }
  /** libp2p listen ports (Helia owns the node). */
  p2p: { host: string, tcp: number, ws: number, webrtcDirect: number }
  /** The IPFS trustless gateway (content-addressing issue). */
  gateway: { port: number }
  /** The engine: its RPC and P2P ports, and the ABCI socket port our app listens on. */
  cometbft: { rpcPort: number, p2pPort: number, abciPort: number }
  /** Where the app keeps its state (LevelDB, flow log), relative to the node folder unless absolute. */
  dataDir: string
  /** Block time in ms (CometBFT's timeout_commit is derived from it); devnets may set it small. */
  blockTimeMs?: number
  /** Peers to join: engines by key and P2P address, libp2p by multiaddr (with /p2p/<id>). A devnet lists every other node. */
  peers?: { engine?: Array<{ publicKey: string, host: string, p2pPort: number }>, libp2p?: string[] }
}

function port (v: unknown, name: string): number {
  if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 65535) throw new InvalidInputError(`config: ${name} must be a port number`)
  return v as number
}

/** Parses and checks a node config (text or object). */
export function parseNodeConfig (input: string | object): NodeConfig {
  let c: any = input
  if (typeof input === 'string') {
    try { c = JSON.parse(input) } catch (err) { throw new InvalidInputError('config.json: not JSON', { cause: err }) }
  }
  if (typeof c?.chainId !== 'string' || typeof c.moniker !== 'string') throw new InvalidInputError('config.json: chainId and moniker are required')
  port(c.rpc?.port, 'rpc.port')
  port(c.p2p?.tcp, 'p2p.tcp'); port(c.p2p?.ws, 'p2p.ws'); port(c.p2p?.webrtcDirect, 'p2p.webrtcDirect')
  port(c.gateway?.port, 'gateway.port')
  port(c.cometbft?.rpcPort, 'cometbft.rpcPort'); port(c.cometbft?.p2pPort, 'cometbft.p2pPort'); port(c.cometbft?.abciPort, 'cometbft.abciPort')
  if (typeof c.dataDir !== 'string') throw new InvalidInputError('config.json: dataDir is required')
  c.rpc.host ??= '127.0.0.1'
  c.p2p.host ??= '127.0.0.1'
  return c as NodeConfig
}
