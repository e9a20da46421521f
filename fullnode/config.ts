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
  /** State-sync snapshots this node takes and serves (fullnode/app): every `interval` heights (0 = none; default 100), the `keepRecent` newest kept (default 2), chunks of ≤ `chunkBytes` (default 10 MB). */
  snapshots?: { interval?: number, keepRecent?: number, chunkBytes?: number }
  /** Join by CometBFT state sync (`glowmesh init --state-sync`): becomes the engine's `[statesync]`; CometBFT ignores it once the node has state. */
  stateSync?: NodeStateSync
}

/** A joining node's state-sync settings (fullnode/engine/toml.ts `StateSyncOptions` without `enable`). */
export interface NodeStateSync {
  /** ≥ 2 CometBFT RPC URLs (`http://host:port`) of nodes that serve light blocks. */
  rpcServers: string[]
  /** The operator's trust: a height and its block hash (64 hex). */
  trustHeight: number
  trustHash: string
  /** How long that trust lasts (default 168 h). */
  trustPeriodMs?: number
  /** How long CometBFT collects snapshot offers before choosing (default 15 s; CometBFT's minimum 5 s). */
  discoveryTimeMs?: number
}

function checkSnapshots (v: unknown): void {
  if (v === undefined) return
  const s = v as Record<string, unknown>
  if (s === null || typeof s !== 'object') throw new InvalidInputError('config: snapshots must be an object')
  for (const [k, min] of [['interval', 0], ['keepRecent', 1], ['chunkBytes', 1024]] as const) {
    if (s[k] !== undefined && (!Number.isSafeInteger(s[k]) || (s[k] as number) < min)) throw new InvalidInputError(`config: snapshots.${k} must be an integer ≥ ${min}`)
  }
}

function checkStateSync (v: unknown): void {
  if (v === undefined) return
  const s = v as Record<string, unknown>
  if (s === null || typeof s !== 'object') throw new InvalidInputError('config: stateSync must be an object')
  if (!Array.isArray(s.rpcServers) || s.rpcServers.length < 2 || !s.rpcServers.every((u) => typeof u === 'string' && u.length > 0)) throw new InvalidInputError('config: stateSync.rpcServers must list at least two CometBFT RPC URLs')
  if (!Number.isSafeInteger(s.trustHeight) || (s.trustHeight as number) < 1) throw new InvalidInputError('config: stateSync.trustHeight must be a height ≥ 1')
  if (typeof s.trustHash !== 'string' || !/^[0-9a-fA-F]{64}$/.test(s.trustHash)) throw new InvalidInputError('config: stateSync.trustHash must be 64 hex digits')
  for (const k of ['trustPeriodMs', 'discoveryTimeMs'] as const) {
    if (s[k] !== undefined && (!Number.isSafeInteger(s[k]) || (s[k] as number) < 1)) throw new InvalidInputError(`config: stateSync.${k} must be a positive integer`)
  }
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
  checkSnapshots(c.snapshots)
  checkStateSync(c.stateSync)
  c.rpc.host ??= '127.0.0.1'
  c.p2p.host ??= '127.0.0.1'
  return c as NodeConfig
}
