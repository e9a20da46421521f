/**
 * A local devnet's home (DESIGN §8): `<home>/devnet/genesis.json` and `node0` … `nodeN-1`, each with
 * `config.json` (its ports), `key.json`, `data/` and `cometbft/` (written by the engine at start).
 * An existing devnet is resumed as it is; only a missing one is created.
 */
import { mkdir, readFile, writeFile, access } from 'node:fs/promises'
import { join } from 'node:path'
import { type Genesis, defaultParams } from './genesis.js'
import type { NodeConfig } from './config.js'
import { generateKey, keyToFile, bytesToBase64 } from '../protocol/chain/index.js'
import { formatRfc3339, timestampFromMs } from '../protocol/chain/index.js'

export interface DevnetOptions {
  home: string
  validators?: number
  /** First port; node i uses basePort + 10·i … + 7. */
  basePort?: number
  blockTimeMs?: number
  chainId?: string
  host?: string
}

/** Ports of node `i` from the base port: 8 consecutive ports per node. */
export function devnetPorts (basePort: number, i: number): Pick<NodeConfig, 'rpc' | 'p2p' | 'gateway' | 'cometbft'> {
  const b = basePort + 10 * i
  return {
    rpc: { host: '127.0.0.1', port: b },
    cometbft: { rpcPort: b + 1, p2pPort: b + 2, abciPort: b + 3 },
    p2p: { host: '127.0.0.1', tcp: b + 4, ws: b + 5, webrtcDirect: b + 6 },
    gateway: { port: b + 7 }
  }
}

async function exists (path: string): Promise<boolean> {
  try { await access(path); return true } catch { return false }
}

/** The devnet folder of a home. */
export const devnetDir = (home: string): string => join(home, 'devnet')
/** Node `i`'s folder. */
export const devnetNodeDir = (home: string, i: number): string => join(home, 'devnet', `node${i}`)

/**
 * Creates the devnet home unless one exists; returns its genesis and node folders.
 * @example const { nodes } = await ensureDevnetHome({ home: '.glowmesh' })
 */
export async function ensureDevnetHome (options: DevnetOptions): Promise<{ created: boolean, genesisPath: string, nodes: string[] }> {
  const dir = devnetDir(options.home)
  const genesisPath = join(dir, 'genesis.json')
  if (await exists(genesisPath)) {
    const genesis = JSON.parse(await readFile(genesisPath, 'utf8')) as Genesis
    return { created: false, genesisPath, nodes: genesis.validators.map((_, i) => devnetNodeDir(options.home, i)) }
  }
  const n = options.validators ?? 4
  const basePort = options.basePort ?? 26650
  const chainId = options.chainId ?? 'glowmesh-devnet'
  const keys = Array.from({ length: n }, () => generateKey())
  const faucet = generateKey()
  const genesis: Genesis = {
    chainId,
    genesisTime: formatRfc3339(timestampFromMs(Date.now())),
    validators: keys.map((k, i) => ({ publicKey: bytesToBase64(k.publicKey), power: 10, moniker: `node${i}` })),
    accounts: [
      { address: faucet.address, balance: (10n ** 24n).toString() },
      ...keys.map((k) => ({ address: k.address, balance: (10n ** 18n).toString() }))
    ],
    faucet: { ...keyToFile(faucet), dripAmount: (10n ** 15n).toString() },
    params: defaultParams()
  }
  const nodes: string[] = []
  for (let i = 0; i < n; i++) {
    const nodeDir = devnetNodeDir(options.home, i)
    await mkdir(join(nodeDir, 'data'), { recursive: true })
    const ports = devnetPorts(basePort, i)
    if (options.host !== undefined) { ports.rpc.host = options.host; ports.p2p.host = options.host }
    const config: NodeConfig = { chainId, moniker: `node${i}`, ...ports, dataDir: 'data', blockTimeMs: options.blockTimeMs ?? 1000 }
    await writeFile(join(nodeDir, 'config.json'), JSON.stringify(config, null, 2) + '\n')
    await writeFile(join(nodeDir, 'key.json'), JSON.stringify(keyToFile(keys[i]), null, 2) + '\n', { mode: 0o600 })
    nodes.push(nodeDir)
  }
  // Written last: its presence marks a complete devnet home.
  await writeFile(genesisPath, JSON.stringify(genesis, null, 2) + '\n')
  return { created: true, genesisPath, nodes }
}

/** libp2p peer id (base58btc) of an ed25519 public key (base64), as the node's libp2p identity will have it. */
export async function peerIdOfPublicKey (publicKeyB64: string): Promise<string> {
  const { publicKeyFromRaw } = await import('@libp2p/crypto/keys')
  const { peerIdFromPublicKey } = await import('@libp2p/peer-id')
  return peerIdFromPublicKey(publicKeyFromRaw(new Uint8Array(Buffer.from(publicKeyB64, 'base64')))).toString()
}

/**
 * Writes each devnet node's peers (every other node's engine and libp2p TCP address) into its
 * config.json, so a node needs nothing but its own folder to join.
 */
export async function linkDevnetPeers (home: string): Promise<void> {
  const genesis = JSON.parse(await readFile(join(devnetDir(home), 'genesis.json'), 'utf8')) as Genesis
  const nodes = await Promise.all(genesis.validators.map(async (v, i) => {
    const config = JSON.parse(await readFile(join(devnetNodeDir(home, i), 'config.json'), 'utf8')) as NodeConfig
    return { v, config, peerId: await peerIdOfPublicKey(v.publicKey) }
  }))
  for (let i = 0; i < nodes.length; i++) {
    const others = nodes.filter((_, j) => j !== i)
    const config = { ...nodes[i].config }
    config.peers = {
      engine: others.map((o) => ({ publicKey: o.v.publicKey, host: o.config.p2p.host, p2pPort: o.config.cometbft.p2pPort })),
      libp2p: others.map((o) => `/ip4/${o.config.p2p.host}/tcp/${o.config.p2p.tcp}/p2p/${o.peerId}`)
    }
    await writeFile(join(devnetNodeDir(home, i), 'config.json'), JSON.stringify(config, null, 2) + '\n')
  }
}
