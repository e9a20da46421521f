/**
 * createLightNode: the light node, written once (DESIGN §1). Its transport and store are passed in
 * (js-libp2p style), so Node, browsers and workerd run this same core. It pins the genesis, syncs
 * and verifies headers from several peers, samples every block with blobs, keeps the accepted-header
 * log, runs the optional storage contributor, and reports everything as status and events.
 */
import type { LightBlock } from '../protocol/chain/index.js'
import { DEFAULT_MAX_CLOCK_DRIFT_MS } from '../protocol/chain/index.js'
import { jsKzg, type KzgCellVerifier } from '../protocol/da/index.js'
import { LightNodeStateError } from './errors.js'
import { Emitter, type LightNodeEventName, type Listener } from './events.js'
import { pinGenesis, type PinnedGenesis } from './genesis.js'
import { HeaderLog } from './header-log.js'
import { HeaderSync } from './header-sync.js'
import { validateCheckpoint } from './checkpoint.js'
import { PeerBook } from './peers.js'
import { Sampler, type SamplerStats } from './sampler.js'
import type { CellCache } from './cell-cache.js'
import { createQueries, type AvailabilityReport, type LightQueries } from './api.js'
import type { AcceptedHeader, LightStatus, LightStore, LightTransport, PeerOffence, StorageContributor } from './types.js'
import { linkSignals } from '../protocol/signals.js'
import { pause } from '../protocol/sleep.js'

/** Two weeks: CometBFT's usual trusting period (below a three-week unbonding period). */
export const DEFAULT_TRUSTING_PERIOD_MS = 14 * 86_400_000

/** Options of createLightNode. */
export interface LightNodeOptions {
  transport: LightTransport
  store: LightStore
  /** The genesis document's exact bytes and the sha256 we pin (0x-hex): a mismatch is refused. */
  genesis: { bytes: Uint8Array, hash: string }
  /** Cell verifier; default pure-JS `jsKzg()` (runs in browsers and workerd too). */
  kzg?: KzgCellVerifier
  /** Storage contribution (client/storage), started after the first verified header. */
  storage?: StorageContributor
  /** Where verified cells are kept to serve other light nodes (cell-cache.ts openCellCache); default none. */
  cells?: CellCache
  /** Columns sampled per block; default 16. */
  sampleCount?: number
  /** How long a verified header may anchor verification; default 14 days. */
  trustingPeriodMs?: number
  /**
   * Start from this recent header (height + header hash, checkpoint.ts) instead of header 1 when no
   * unexpired trusted block is stored: nothing below it is fetched. Malformed: InvalidCheckpointError.
   */
  checkpoint?: { height: bigint | number, hash: string, chainId?: string }
  maxClockDriftMs?: number
  /** Stops the node when aborted. */
  signal?: AbortSignal
  /** Debug log lines (default: none). */
  log?: (message: string) => void
  /** How often peers are polled for their head, ms; default 1000 (gossip wakes it sooner). */
  pollMs?: number
  /**
   * While gossip keeps bringing verified headers (one within 2 · pollMs), peers are polled for their
   * head only this often, ms; default 10,000. Gossip going quiet, or a gossiped header that isn't
   * the next one, brings polling back to every pollMs at once. Each poll asks headPeers full nodes
   * for `latest`: at 1 block/s that was a third of a light client's requests to its full node
   * (bench/fanout.mjs).
   */
  freshGossipPollMs?: number
  /** Heights below a new head filled in (and sampled) backwards; default 600 (the devnet's DA window). */
  backfillBlocks?: number
  /** Peers asked for their head per round; default 3. */
  headPeers?: number
  /** Peers the sampled columns are spread over; default 3. */
  samplePeers?: number
  /** Rounds of sampling before a block is unavailable; default 3. */
  sampleAttempts?: number
  /** First retry delay of sampling, ms (doubling); default 500. */
  retryDelayMs?: number
  /** How long after a NOT_AVAILABLE the peer is asked again before it counts as withholding (and the block gets a late round), ms; default 3000. */
  refusalGraceMs?: number
  /** Blocks sampled at once; default 2. */
  sampleConcurrency?: number
  /** How long a peer caught lying is not asked, ms; default 10 minutes. */
  quarantineMs?: number
  /** Per-request timeout, ms; default 10 s. */
  requestTimeoutMs?: number
  /** Clock (ms since the epoch); default Date.now. */
  now?: () => number
}

/** A running light node. */
export interface LightNode {
  /** Pins the genesis, restores the store, starts syncing and sampling. Throws GenesisMismatchError. */
  start: () => Promise<void>
  /** Stops syncing, sampling and storage, and closes nothing it was given (transport and store are the caller's). */
  stop: () => Promise<void>
  /** DESIGN §8's status object. */
  status: () => LightStatus
  /** Every accepted header, by height. */
  headers: () => AcceptedHeader[]
  /** Subscribes to an event; returns the unsubscribe function. */
  on: <E extends LightNodeEventName>(event: E, fn: Listener<E>) => () => void
  /** The newest verified light block. */
  trusted: () => LightBlock | undefined
  /** Sampling counters beyond the status object (empty and unavailable blocks, backlog). */
  samplingStats: () => SamplerStats & { backlog: number }
  /** Resolves once verifiedHeight ≥ height. */
  waitForHeight: (height: number, options?: { signal?: AbortSignal }) => Promise<void>
  /** The verified header at a height (client/api.ts): logged, or verified now; never one peer's word. */
  verifyHeader: (height: number, options?: { signal?: AbortSignal }) => Promise<AcceptedHeader>
  /** Samples (or reuses the sampler's result for) a height: a report with confidence and cost (client/api.ts). */
  checkAvailability: (height: number, options?: { signal?: AbortSignal }) => Promise<AvailabilityReport>
  /** Availability reports of the newest sampled heights, newest last (the dashboard's chart). */
  recentAvailability: (limit?: number) => AvailabilityReport[]
  /** Asks ONE peer (full node or browser) for columns of a recently verified height and verifies them like any sample (sampler.ts sampleFrom). */
  sampleFrom: (peer: string, height: number, columns: number[], options?: { signal?: AbortSignal }) => Promise<{ height: number, columns: number[], blobs: number, peer: string }>
  /** Reports a peer through the node's peer book (quarantine, transport, `peer:report` event), e.g. fetchFile's 'bad-segment'. */
  reportPeer: (peer: string, offence: PeerOffence, detail: string) => void
}

/**
 * Creates a light node from its components.
 * @example
 * const node = createLightNode({ transport, store, genesis: { bytes, hash } })
 * node.on('sampled', s => console.log(s.height, s.confidence))
 * await node.start()
 * node.status() // { peerId, peers, verifiedHeight, sampledBlocks, lastConfidence, cachedBytes, challengesAnswered, challengesFailed }
 */
export function createLightNode (options: LightNodeOptions): LightNode {
  const { transport, store } = options
  const checkpoint = options.checkpoint === undefined ? undefined : validateCheckpoint(options.checkpoint)
  const emitter = new Emitter()
  const debug = options.log ?? (() => {})
  const now = options.now ?? Date.now
  const kzg = options.kzg ?? jsKzg()
  const controller = new AbortController()
  const signal = controller.signal
  const peers = new PeerBook({ transport, emitter, quarantineMs: options.quarantineMs ?? 600_000, now, log: debug })
  let genesis: PinnedGenesis | undefined
  let sync: HeaderSync | undefined
  let headerLog: HeaderLog | undefined
  let sampler: Sampler | undefined
  let queries: LightQueries | undefined
  let state: 'new' | 'starting' | 'running' | 'stopped' = 'new'
  let storageStarted = false
  const headerListeners = new Set<(h: AcceptedHeader) => void>()
  const heightWaiters = new Set<() => void>()
  let loops: Promise<unknown>[] = []
  let kick: (() => void) | undefined
  let gossipAcceptedAt = 0 // when gossip last brought the next verified header (pollLoop polls less while fresh)
  // one queue for everything that changes the trusted state (polls and gossip)
  let queue: Promise<unknown> = Promise.resolve()
  const serial = async <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn)
    queue = run.catch(() => {})
    return await run
  }

  const verifiedHeight = (): number => Number(sync?.height ?? 0n)

  const startStorage = (): void => {
    const storage = options.storage
    if (storage === undefined || storageStarted || state !== 'running') return
    storageStarted = true
    storage.start({
      transport,
      store,
      trusted: () => sync?.trusted,
      onHeader: (fn) => { headerListeners.add(fn); return () => { headerListeners.delete(fn) } },
      emitChallenge: (e) => { emitter.emit('challenge', e) },
      signal,
      log: debug
    }).catch((error) => { emitter.emit('error', { error, during: 'storage' }) })
  }

  const pollLoop = async (): Promise<void> => {
    const pollMs = options.pollMs ?? 1000
    const freshPollMs = options.freshGossipPollMs ?? 10_000
    let lastPoll = 0
    let kicked = false
    while (!signal.aborted) {
      const gossipFresh = Date.now() - gossipAcceptedAt <= 2 * pollMs
      if (kicked || !gossipFresh || Date.now() - lastPoll >= freshPollMs) {
        kicked = false
        lastPoll = Date.now()
        try {
          await serial(async () => { await sync!.syncOnce(signal) })
        } catch (error) {
          if (signal.aborted) return
          emitter.emit('error', { error: error as Error, during: 'sync' })
        }
      }
      await pause(pollMs, signal, (wake) => { kick = () => { kicked = true; wake() } })
      kick = undefined
    }
  }

  const node: LightNode = {
    async start () {
      if (state !== 'new') throw new LightNodeStateError(`start() called on a ${state} light node`)
      state = 'starting'
      if (options.signal?.aborted === true) { state = 'stopped'; options.signal.throwIfAborted() }
      genesis = pinGenesis(options.genesis)
      const log = await HeaderLog.open(store, genesis.hash)
      headerLog = log
      const nodeId = new TextEncoder().encode(transport.localPeerId())
      const samplerOptions = {
        sampleCount: options.sampleCount ?? 16,
        samplePeers: options.samplePeers ?? 3,
        sampleAttempts: options.sampleAttempts ?? 3,
        retryDelayMs: options.retryDelayMs ?? 500,
        refusalGraceMs: options.refusalGraceMs,
        requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
        concurrency: options.sampleConcurrency ?? 2,
        windowBlocks: genesis.daWindowBlocks // the chain's DA window: older heights can't be sampled (sampler.ts)
      }
      queries = createQueries({ transport, kzg, peers, emitter, debug, nodeId, cells: options.cells, log, chainId: genesis.chainId, trusted: () => sync?.trusted, waitForHeight: async (h, o) => { await node.waitForHeight(h, o) } }, {
        trustingPeriodMs: options.trustingPeriodMs ?? DEFAULT_TRUSTING_PERIOD_MS,
        maxClockDriftMs: options.maxClockDriftMs ?? DEFAULT_MAX_CLOCK_DRIFT_MS,
        requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
        now,
        sampler: samplerOptions
      })
      sampler = new Sampler({ transport: queries.meteredTransport, kzg, peers, emitter, debug, nodeId, cells: options.cells }, samplerOptions)
      const s = sampler
      sync = new HeaderSync({
        transport,
        genesis,
        log,
        peers,
        emitter,
        debug,
        onAccepted: (accepted) => {
          for (const a of accepted) {
            s.enqueue(a.header)
            for (const fn of headerListeners) { try { fn(a.entry) } catch {} }
          }
          for (const w of [...heightWaiters]) w()
          startStorage()
        }
      }, {
        trustingPeriodMs: options.trustingPeriodMs ?? DEFAULT_TRUSTING_PERIOD_MS,
        maxClockDriftMs: options.maxClockDriftMs ?? DEFAULT_MAX_CLOCK_DRIFT_MS,
        headPeers: options.headPeers ?? 3,
        backfillBlocks: options.backfillBlocks ?? 600,
        requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
        now,
        checkpoint
      })
      await sync.restore()
      const y = sync
      transport.onHeader?.((lb, from) => {
        if (state !== 'running') return
        serial(async () => await y.offer(lb, from, signal))
          .then((accepted) => { if (accepted) gossipAcceptedAt = Date.now(); else kick?.() })
          .catch((error) => { if (!signal.aborted) emitter.emit('error', { error, during: 'sync' }) })
      })
      options.signal?.addEventListener('abort', () => { node.stop().catch(() => {}) }, { once: true })
      state = 'running'
      loops = [pollLoop(), s.run(signal)]
      if (sync.trusted !== undefined) startStorage()
    },

    async stop () {
      if (state === 'stopped') return
      state = 'stopped'
      controller.abort(new LightNodeStateError('light node stopped'))
      for (const w of [...heightWaiters]) w()
      if (storageStarted) await options.storage!.stop().catch((error) => { emitter.emit('error', { error, during: 'storage' }) })
      await Promise.allSettled(loops)
      await queue
    },

    status () {
      const st = options.storage?.status()
      return {
        peerId: transport.localPeerId(),
        peers: transport.peers().length,
        verifiedHeight: verifiedHeight(),
        sampledBlocks: sampler?.stats.sampledBlocks ?? 0,
        lastConfidence: sampler?.stats.lastConfidence ?? 0,
        cachedBytes: st?.cachedBytes ?? 0,
        challengesAnswered: st?.challengesAnswered ?? 0,
        challengesFailed: st?.challengesFailed ?? 0
      }
    },

    headers: () => headerLog?.all() ?? [],
    on: (event, fn) => emitter.on(event, fn),
    trusted: () => sync?.trusted,
    verifyHeader: async (height, o) => { if (queries === undefined || state === 'stopped') throw new LightNodeStateError(`verifyHeader on a ${state} light node`); return await queries.verifyHeader(height, o) },
    checkAvailability: async (height, o) => { if (queries === undefined || state === 'stopped') throw new LightNodeStateError(`checkAvailability on a ${state} light node`); return await queries.checkAvailability(height, o) },
    recentAvailability: (limit) => queries?.recentAvailability(limit) ?? [],
    reportPeer: (peer, offence, detail) => { peers.report(peer, offence, detail) },
    sampleFrom: async (peer, height, columns, o) => {
      if (sampler === undefined || state === 'stopped') throw new LightNodeStateError(`sampleFrom on a ${state} light node`)
      const s = linkSignals(signal, o?.signal)
      try { return await sampler.sampleFrom(peer, BigInt(height), columns, s) } finally { s.clear() }
    },
    samplingStats: () => ({ ...(sampler?.stats ?? { sampledBlocks: 0, emptyBlocks: 0, unavailableBlocks: 0, expiredBlocks: 0, lastConfidence: 0, lastSampledHeight: 0 }), backlog: sampler?.backlog ?? 0 }),

    async waitForHeight (height, o = {}) {
      while (verifiedHeight() < height) {
        if (state === 'stopped') throw new LightNodeStateError('light node stopped')
        o.signal?.throwIfAborted()
        await new Promise<void>((resolve) => {
          const done = (): void => { heightWaiters.delete(done); o.signal?.removeEventListener('abort', done); resolve() }
          heightWaiters.add(done)
          o.signal?.addEventListener('abort', done, { once: true })
        })
      }
    }
  }
  return node
}
