import { mkdir, readFile, writeFile, copyFile, access } from 'node:fs/promises'
import { join } from 'node:path'
import { type Command, UsageError } from '../command.js'
import { parseFlags, takeHome } from '../home.js'
import { startFullNode } from '../../fullnode/node.js'
import { parseGenesis } from '../../fullnode/genesis.js'
import type { NodeConfig } from '../../fullnode/config.js'
import { devnetPorts } from '../../fullnode/devnet.js'
import { generateKey, keyToFile } from '../../protocol/chain/index.js'
import { stateSyncSetup } from '../state-sync.js'

/** `glowmesh node`: runs the full node whose folder is the home (config.json, key.json, genesis). */
export const nodeCommand: Command = {
  path: ['node'],
  summary: 'run a full node (the app and its supervised cometbft) from its home folder',
  usage: 'glowmesh node [--home NODE_DIR]',
  async run (argv, io) {
    const { home, rest } = takeHome(argv)
    parseFlags(rest, [])
    const controller = new AbortController()
    let exitCode = 0
    const node = await startFullNode({
      nodeDir: home,
      signal: controller.signal,
      log: (l) => io.stderr(l + '\n'),
      onFatal: () => { exitCode = 1 }
    })
    const onSignal = (): void => { controller.abort() }
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    io.stdout(JSON.stringify({ moniker: node.config.moniker, rpc: node.rpcUrl, engine: node.engine.rpcUrl, multiaddrs: node.net.multiaddrs().map(String), genesisHash: node.genesisHash }) + '\n')
    await node.stopped
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    // node-datachannel's native threads can outlive libp2p's stop(): don't let them hold the process.
    setTimeout(() => process.exit(exitCode), 500).unref()
    return exitCode
  }
}

async function exists (p: string): Promise<boolean> { try { await access(p); return true } catch { return false } }

/** `glowmesh init`: a single node's home from a genesis file (any machine; a real network is the same code). */
export const initCommand: Command = {
  path: ['init'],
  summary: "make a node's home from a genesis file: config.json, key.json, genesis.json",
  usage: 'glowmesh init --genesis FILE [--moniker NAME] [--base-port N] [--host IP] [--key FILE] [--peer PUBKEY@HOST:P2PPORT]… [--libp2p-peer MULTIADDR]… [--snapshot-interval N] [--state-sync RPC1,RPC2 [--trust-height H --trust-hash HEX] [--trust-period 7d] [--discovery-time 15s]] [--home DIR]\n' +
    '  --snapshot-interval N  take a state-sync snapshot every N heights (default 100; 0 = none)\n' +
    '  --state-sync RPC1,RPC2 join a running chain from a snapshot (CometBFT RPC addresses); without --trust-height/--trust-hash, RPC1\'s latest commit is the trust (printed)',
  async run (argv, io) {
    const { home, rest } = takeHome(argv)
    // --peer / --libp2p-peer may repeat: collect them before the flag parser.
    const peers: string[] = []
    const libp2p: string[] = []
    const others: string[] = []
    for (let i = 0; i < rest.length; i++) {
      if (rest[i] === '--peer') peers.push(rest[++i] ?? '')
      else if (rest[i] === '--libp2p-peer') libp2p.push(rest[++i] ?? '')
      else others.push(rest[i])
    }
    const { flags } = parseFlags(others, ['genesis', 'moniker', 'base-port', 'host', 'key', 'block-time', 'snapshot-interval', 'state-sync', 'trust-height', 'trust-hash', 'trust-period', 'discovery-time'])
    if (typeof flags.genesis !== 'string') throw new UsageError('--genesis FILE is required')
    if (await exists(join(home, 'config.json'))) throw new UsageError(`${home} already holds a node (config.json exists)`)
    const genesis = parseGenesis(await readFile(flags.genesis))
    const basePort = flags['base-port'] === undefined ? 26650 : Number(flags['base-port'])
    const host = typeof flags.host === 'string' ? flags.host : '127.0.0.1'
    const ports = devnetPorts(basePort, 0)
    ports.rpc.host = host
    ports.p2p.host = host
    const engine = peers.map((p) => {
      const m = /^([A-Za-z0-9+/]{43}=)@([^:]+):(\d+)$/.exec(p)
      if (m === null) throw new UsageError(`--peer must be PUBKEY_BASE64@HOST:P2PPORT, got '${p}'`)
      return { publicKey: m[1], host: m[2], p2pPort: Number(m[3]) }
    })
    const config: NodeConfig = {
      chainId: genesis.chainId,
      moniker: typeof flags.moniker === 'string' ? flags.moniker : 'node',
      ...ports,
      dataDir: 'data',
      blockTimeMs: flags['block-time'] === undefined ? 1000 : Number(flags['block-time']),
      peers: { engine, libp2p }
    }
    // Joining a running chain (issue 13): snapshots served, and state sync from RPC1,RPC2.
    if (flags['snapshot-interval'] !== undefined) {
      const interval = Number(flags['snapshot-interval'])
      if (!Number.isSafeInteger(interval) || interval < 0) throw new UsageError('--snapshot-interval takes a whole number of heights (0 = no snapshots)')
      config.snapshots = { interval }
    }
    if (typeof flags['state-sync'] === 'string') {
      const str = (k: string): string | undefined => typeof flags[k] === 'string' ? flags[k] as string : undefined
      const { stateSync, trustFrom } = await stateSyncSetup({ stateSync: flags['state-sync'], trustHeight: str('trust-height'), trustHash: str('trust-hash'), trustPeriod: str('trust-period'), discoveryTime: str('discovery-time') })
      config.stateSync = stateSync
      io.stderr(`state sync from ${stateSync.rpcServers.join(', ')}; trusting height ${stateSync.trustHeight} hash ${stateSync.trustHash}${trustFrom === 'flags' ? '' : ` (${trustFrom}'s latest commit: check it against a source you trust)`}\n`)
    } else if (['trust-height', 'trust-hash', 'trust-period', 'discovery-time'].some((k) => flags[k] !== undefined)) throw new UsageError('--trust-height, --trust-hash, --trust-period and --discovery-time go with --state-sync')
    await mkdir(join(home, 'data'), { recursive: true })
    await copyFile(flags.genesis, join(home, 'genesis.json'))
    if (typeof flags.key === 'string') await copyFile(flags.key, join(home, 'key.json'))
    else await writeFile(join(home, 'key.json'), JSON.stringify(keyToFile(generateKey()), null, 2) + '\n', { mode: 0o600 })
    await writeFile(join(home, 'config.json'), JSON.stringify(config, null, 2) + '\n')
    io.stdout(`${home}\n`)
    return 0
  }
}
