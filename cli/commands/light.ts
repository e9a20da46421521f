/**
 * `glowmesh light`: the light node in Node (the same client/ core as the browser and the edge),
 * over libp2p through Helia, with its key and store in `<home>/light/`.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type Command, UsageError } from '../command.js'
import { parseFlags, takeHome } from '../home.js'
import { rpcFor } from '../rpc.js'
import { createLightNode, pinGenesis, readHeaderLog, type LightNode } from '../../client/index.js'
import { createFileStore, createNodeTransport, loadOrCreateKey, type NodeTransport } from '../../client/node/index.js'
import { createStorageContributor, createVerifiedQuery, UnverifiedStateError, type StorageContributor } from '../../client/storage/index.js'
import { genesisHash } from '../../fullnode/genesis.js'
import { requestProvenState } from '../../fullnode/pora/state-service.js'
import type { RpcClient } from '../../fullnode/rpc/client.js'
import { peerIdFromString } from '@libp2p/peer-id'
import { hashHeader } from '../../protocol/chain/header.js'
import { fromHex, toHex } from '../../protocol/bytes.js'

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

/**
 * A new identity has no funds to bond its pledge: on a devnet, ask the faucet of the RPC we
 * bootstrap from, then wait until the transfer is in a block. Resolves at once when funded.
 * @example await ensureFunded(rpc, key.address, { signal, stderr })
 */
export async function ensureFunded (rpc: RpcClient, address: string, o: { signal?: AbortSignal, stderr: (t: string) => void }): Promise<void> {
  const balance = async (): Promise<bigint> => BigInt((await rpc.account(address, false, o.signal)).balance)
  // Several faucets (one per full node) share the faucet key, so a drip can lose a nonce race: retry.
  for (let attempt = 1; await balance() === 0n; attempt++) {
    try {
      await rpc.faucet(address, o.signal)
      for (let i = 0; i < 40 && await balance() === 0n; i++) await sleep(250, o.signal)
    } catch (err) {
      if (attempt >= 8) { o.stderr(`faucet: ${(err as Error).message} (registration needs funds for the bond and fees)\n`); return }
      await sleep(500 * attempt, o.signal)
    }
  }
}

async function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted()
  await new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * The contributor's verified chain access: state over `/glowmesh/pora-state/1.0.0` with MPT
 * proofs checked against app hashes of headers this light node verified, and block hashes from
 * its accepted-header log (PoRA spot-check seeds).
 */
function verifiedAccess (transport: NodeTransport, node: () => LightNode): { query: NonNullable<Parameters<typeof createStorageContributor>[0]['query']>, blockHash: NonNullable<Parameters<typeof createStorageContributor>[0]['blockHash']> } {
  const appHashes = new Map<number, Uint8Array>()
  const verifiedHash = async (height: number, signal?: AbortSignal): Promise<string> => {
    await node().waitForHeight(height, { signal })
    // A skipping step can accept a newer header first; the log fills the heights below it backwards.
    for (let i = 0; i < 100; i++) {
      const h = node().headers().findLast((x) => x.height === height)
      if (h !== undefined) return h.hash
      await sleep(100, signal)
    }
    throw new UnverifiedStateError(`header ${height} is not in the accepted-header log`)
  }
  const appHashAt = async (height: number, o?: { signal?: AbortSignal }): Promise<Uint8Array> => {
    const known = appHashes.get(height)
    if (known !== undefined) return known
    const want = await verifiedHash(height, o?.signal)
    for (const peer of transport.peers()) {
      try {
        const lb = await transport.lightBlock(peer, BigInt(height), o)
        if (toHex(hashHeader(lb.signedHeader.header)) !== want) { transport.reportPeer(peer, 'forged-header', `header ${height} differs from the verified one`); continue }
        const appHash = lb.signedHeader.header.appHash
        appHashes.set(height, appHash)
        if (appHashes.size > 256) appHashes.delete(appHashes.keys().next().value!)
        return appHash
      } catch {}
    }
    throw new UnverifiedStateError(`no peer served header ${height}`)
  }
  const query = createVerifiedQuery({
    peers: () => transport.peers(),
    fetch: async (peer, path, o) => {
      const { height, entries } = await requestProvenState(transport.libp2p, peerIdFromString(peer), [path], { signal: o?.signal })
      return { height, value: entries[0].value, proof: entries[0].proof }
    },
    appHashAt,
    onLie: (peer, detail) => { transport.reportPeer(peer, 'malformed', detail) }
  })
  return { query, blockHash: async (height, o) => fromHex(await verifiedHash(height, o?.signal), 32) }
}

export const lightCommand: Command = {
  path: ['light'],
  summary: 'run a light node (verify headers, sample DA, optionally contribute storage); --headers prints its header log',
  usage: 'glowmesh light [--pledge SIZE] [--json] [--headers] [--peer MULTIADDR]… [--rpc URL | --node N] [--genesis-hash 0x…] [--sample-count K] [--verbose] [--home DIR]',
  async run (argv, io) {
    const { home, rest } = takeHome(argv)
    const peers: string[] = []
    const others: string[] = []
    for (let i = 0; i < rest.length; i++) {
      if (rest[i] === '--peer') { const p = rest[++i]; if (p === undefined) throw new UsageError('--peer needs a multiaddr'); peers.push(p) } else others.push(rest[i])
    }
    const { flags } = parseFlags(others, ['pledge', 'rpc', 'node', 'genesis-hash', 'sample-count'], ['json', 'headers', 'verbose'])
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
      await ensureFunded(rpc, key.address, { signal: controller.signal, stderr: io.stderr })
      const access = verifiedAccess(transport, () => node)
      storage = createStorageContributor({ pledgeBytes: pledge, secretKey: key.privateKey, ...access, log })
      storage.on((e) => {
        if (e.type === 'error') io.stderr(`storage: ${e.message}\n`)
        else if (e.type !== 'challenge') io.stderr(`storage: ${JSON.stringify(e)}\n`)
      })
    }
    const node = createLightNode({ transport, store, genesis: { bytes: genesisBytes, hash: pinned }, storage, sampleCount, log })
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
