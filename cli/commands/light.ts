/**
 * `glowmesh light`: the light node in Node (the same client/ core as the browser and the edge),
 * over libp2p through Helia, with its key and store in `<home>/light/`.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type Command, UsageError } from '../command.js'
import { parseFlags, takeHome } from '../home.js'
import { rpcFor } from '../rpc.js'
import { createLightNode, parseCheckpoint, pinGenesis, readHeaderLog, type Checkpoint } from '../../client/index.js'
import { createFileStore, createNodeTransport, loadOrCreateKey } from '../../client/node/index.js'
import { createStorageContributor, createVerifiedAccess, type StorageContributor } from '../../client/storage/index.js'
import { genesisHash } from '../../fullnode/genesis.js'
import { requestProvenState } from '../../fullnode/pora/state-service.js'
import { ensureFunded } from '../../client/storage/faucet.js'
import { peerIdFromString } from '@libp2p/peer-id'

/** `<home>/light`: key.json and store/. */
export function lightDir (home: string): string { return join(home, 'light') }

/** Parses a size such as 256MiB, 64M, 1GiB or 4194304. */
export function parseSize (s: string): number {
  const m = /^(\d+)\s*(k|kb|kib|m|mb|mib|g|gb|gib)?$/i.exec(s.trim())
  if (m === null) throw new UsageError(`--pledge takes a size such as 256MiB, got '${s}'`)
  const unit = (m[2] ?? '').toLowerCase()
  const mult = unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 ** 2 : unit.startsWith('g') ? 1024 ** 3 : 1
  const n = Number(m[1]) * mult
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError('--pledge must be positive')
  return n
}

/** Parses a trusting period such as 14d, 336h, 90m or 3600s (a bare number is seconds) into ms. */
export function parseTrustingPeriod (s: string): number {
  const m = /^(\d+)\s*(s|m|h|d)?$/i.exec(s.trim())
  if (m === null || Number(m[1]) <= 0) throw new UsageError(`--trusting-period takes a positive duration such as 14d, 336h, 90m or 3600s, got '${s}'`)
  const unit = (m[2] ?? 's').toLowerCase()
  return Number(m[1]) * 1000 * (unit === 'd' ? 86_400 : unit === 'h' ? 3600 : unit === 'm' ? 60 : 1)
}

// Errors that end a checkpoint-started node before its first verified header: the operator must act.
const CHECKPOINT_FATAL = new Set(['CheckpointMismatchError', 'InvalidCheckpointError', 'TrustExpiredError'])

export const lightCommand: Command = {
  path: ['light'],
  summary: 'run a light node (verify headers, sample DA, optionally contribute storage); --headers prints its header log',
  usage: 'glowmesh light [--pledge SIZE] [--json] [--headers] [--peer MULTIADDR]… [--rpc URL | --node N] [--genesis-hash 0x…] [--checkpoint HEIGHT:0xHASH] [--trusting-period 14d] [--sample-count K] [--verbose] [--home DIR]\n' +
    '  --checkpoint HEIGHT:0xHASH  start from this recent header (its hash, e.g. from /headers/HEIGHT) instead of header 1;\n' +
    '                              nothing below it is fetched; used when the store holds no unexpired trusted header\n' +
    '  --trusting-period DURATION  how long a verified header anchors verification (default 14d; s, m, h or d)',
  async run (argv, io) {
    const { home, rest } = takeHome(argv)
    const peers: string[] = []
    const others: string[] = []
    for (let i = 0; i < rest.length; i++) {
      if (rest[i] === '--peer') { const p = rest[++i]; if (p === undefined) throw new UsageError('--peer needs a multiaddr'); peers.push(p) } else others.push(rest[i])
    }
    const { flags } = parseFlags(others, ['pledge', 'rpc', 'node', 'genesis-hash', 'sample-count', 'checkpoint', 'trusting-period'], ['json', 'headers', 'verbose'])
    const dir = lightDir(home)

    if (flags.headers === true) {
      const store = await createFileStore({ dir: join(dir, 'store') })
      for (const h of await readHeaderLog(store)) io.stdout(JSON.stringify(h) + '\n')
      await store.close()
      return 0
    }

    const log = (m: string): void => { if (flags.verbose === true) io.stderr(m + '\n') }
    // the pinned genesis: a flag, else the devnet's genesis file in the home folder
    let pinned = typeof flags['genesis-hash'] === 'string' ? flags['genesis-hash'] : undefined
    if (pinned === undefined) {
      try { pinned = genesisHash(new Uint8Array(await readFile(join(home, 'devnet', 'genesis.json')))) } catch {
        throw new UsageError(`no genesis to pin: pass --genesis-hash 0x… or run in a devnet home (${join(home, 'devnet', 'genesis.json')} is missing)`)
      }
    }
    const sampleCount = flags['sample-count'] === undefined ? 16 : Number(flags['sample-count'])
    if (!Number.isInteger(sampleCount) || sampleCount < 1 || sampleCount > 128) throw new UsageError('--sample-count takes 1..128')
    const pledge = flags.pledge === undefined ? undefined : parseSize(flags.pledge as string)
    const checkpoint: Checkpoint | undefined = typeof flags.checkpoint === 'string' ? parseCheckpoint(flags.checkpoint) : undefined
    const trustingPeriodMs = typeof flags['trusting-period'] === 'string' ? parseTrustingPeriod(flags['trusting-period']) : undefined
    const key = await loadOrCreateKey(join(dir, 'key.json'))

    const controller = new AbortController()
    const onSignal = (): void => { controller.abort() }
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    const rpc = await rpcFor(home, flags)
    const genesisBytes = await rpc.genesis(controller.signal)
    const genesis = pinGenesis({ bytes: genesisBytes, hash: pinned }) // refuses a served genesis that doesn't match
    const bootstrap = peers.length > 0 ? peers : (await rpc.bootstrap(controller.signal)).multiaddrs
    const store = await createFileStore({ dir: join(dir, 'store') })
    // IPFS blocks this light node holds are kept on disk and served to peers over bitswap (issue 9 item 5).
    const blocks = await createFileStore({ dir: join(dir, 'blocks') })
    const transport = await createNodeTransport({ key, chainId: genesis.chainId, peers: bootstrap, signal: controller.signal, log, blocks })
    let storage: StorageContributor | undefined
    if (pledge !== undefined) {
      // registration needs funds for the bond and fees; without them the contributor says so in its status
      await ensureFunded({ rpcUrl: rpc.url, address: key.address, signal: controller.signal, log: (m) => io.stderr(m + '\n') })
        .catch((err) => { if (controller.signal.aborted) throw err; io.stderr(`${(err as Error).message}\n`) })
      // state over /glowmesh/pora-state/1.0.0, checked against this node's verified headers (node is created below)
      const access = createVerifiedAccess({
        transport,
        node: { waitForHeight: async (height, o) => { await node.waitForHeight(height, o) }, headers: () => node.headers() },
        fetchState: async (peer, path, o) => {
          const { height, entries } = await requestProvenState(transport.libp2p, peerIdFromString(peer), [path], { signal: o?.signal })
          return { height, value: entries[0].value, proof: entries[0].proof }
        }
      })
      storage = createStorageContributor({ pledgeBytes: pledge, secretKey: key.privateKey, ...access, log })
      storage.on((e) => {
        if (e.type === 'error') io.stderr(`storage: ${e.message}\n`)
        else if (e.type !== 'challenge') io.stderr(`storage: ${JSON.stringify(e)}\n`)
      })
    }
    const node = createLightNode({ transport, store, genesis: { bytes: genesisBytes, hash: pinned }, storage, sampleCount, log, checkpoint, trustingPeriodMs })
    let fatal: Error | undefined
    node.on('error', (e) => {
      if (checkpoint === undefined || e.during !== 'sync' || !CHECKPOINT_FATAL.has(e.error.name) || node.status().verifiedHeight > 0) return
      fatal ??= e.error
      controller.abort()
    })
    node.on('unavailable', (u) => { io.stderr(`block ${u.height} UNAVAILABLE: columns ${u.missing.join(',')} not served (${u.reason})\n`) })
    node.on('peer:report', (r) => { io.stderr(`peer ${r.peer} reported: ${r.offence}: ${r.detail}\n`) })
    node.on('error', (e) => { io.stderr(`${e.during}: ${e.error.name}: ${e.error.message}\n`) })
    if (flags.verbose === true) node.on('sampled', (s) => { io.stderr(`sampled ${s.height}: ${s.blobs} blob(s), ${s.columns.length} columns from ${s.peers.length} peer(s), confidence ${s.confidence}\n`) })
    try {
      await node.start()
      const print = (): void => {
        const st = node.status()
        if (flags.json === true) io.stdout(JSON.stringify(st) + '\n')
        else io.stdout(`height ${st.verifiedHeight}  peers ${st.peers}  sampled ${st.sampledBlocks}  confidence ${st.lastConfidence}  cached ${st.cachedBytes} B  challenges ${st.challengesAnswered} ok / ${st.challengesFailed} failed\n`)
      }
      const timer = setInterval(print, 1000)
      await new Promise<void>((resolve) => {
        if (controller.signal.aborted) resolve()
        controller.signal.addEventListener('abort', () => { resolve() }, { once: true })
      })
      clearInterval(timer)
      if (fatal !== undefined) throw fatal
      print()
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      await node.stop()
      await transport.close()
      await store.close()
    }
    return 0
  }
}
