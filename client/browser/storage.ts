/**
 * Storage contribution in the browser (issue 10 item 5): the core's createStorageContributor with
 * sealing and proving in the dedicated Worker (worker/), the IndexedDB LightStore, verified chain
 * access (client/storage/verified-access.ts over `/glowmesh/pora-state/1.0.0`) and the faucet.
 * It plugs into createLightNode({ storage }) once and is switched on and off at run time:
 * `startContributing({ pledgeBytes })` asks `navigator.storage.persist()` once, refuses a pledge the
 * `navigator.storage.estimate()` can't hold (QuotaTooSmallError) before doing anything, funds a new
 * identity, then registers, seals, commits, proves and answers challenges. Lost, evicted or corrupt
 * records are found by a challenge or the periodic check, counted in `refetches`, re-fetched and
 * re-sealed; a stored chunk whose proof doesn't lead to the committed root is never sent.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { decodeRecord } from '../../protocol/chain/state-proof.js'
import { toHex } from '../../protocol/bytes.js'
import { GlowmeshError, InvalidInputError } from '../../protocol/errors.js'
import { ChallengeStatus, type Challenge, type ChallengeAnswer } from '../../protocol/wire/index.js'
import type { Ed25519Key } from '../../protocol/chain/keyfile.js'
import { requestProvenState } from '../../fullnode/pora/state-service.js'
import { createStorageContributor, createVerifiedAccess, type StorageContributor as CoreContributor, type StorageEvent, type SealFn, type ProveFn, type VerifiedAccessNode } from '../storage/index.js'
import type { LightStore, LightTransport, PeerRef, StorageContext, StorageContributor, StorageStatus } from '../types.js'
import { ensureFunded } from '../storage/faucet.js'

/** The pledge doesn't fit the origin's storage quota (navigator.storage.estimate()); nothing was started. */
export class QuotaTooSmallError extends GlowmeshError {
  override name = 'QuotaTooSmallError'
  constructor (readonly pledgeBytes: number, readonly availableBytes: number) {
    super('QUOTA_TOO_SMALL', `a pledge of ${pledgeBytes} bytes does not fit: the browser grants this origin ${availableBytes} more bytes`, { exitCode: 2 })
  }
}

/** IndexedDB refused a write for lack of space (QuotaExceededError) while keeping sealed segments. */
export class StorageQuotaExceededError extends GlowmeshError {
  override name = 'StorageQuotaExceededError'
  constructor (message: string, options?: { cause?: unknown }) { super('QUOTA_EXCEEDED', message, options) }
}

/** startContributing/stopContributing called in a state that doesn't allow it (e.g. after stop). */
export class ContributionStateError extends GlowmeshError {
  override name = 'ContributionStateError'
  constructor (message: string) { super('CONTRIBUTION_STATE', message) }
}

/** One challenge as the dashboard lists it. */
export interface ChallengeRecord { id: string, ok: boolean, latencyMs: number, at: number }

/** What `contribution()` returns (the dashboard shows these). */
export interface Contribution {
  /** 'idle' (not pledged), 'funding' (faucet), 'waiting' (for the first verified header), 'running', 'stopped'. */
  state: 'idle' | 'funding' | 'waiting' | 'running' | 'stopped'
  pledgeBytes: number
  /** In the registry (verified state). */
  registered: boolean
  /** Committed sectors (verified state). */
  sectors: number
  /** Sealed bytes held in IndexedDB. */
  cachedBytes: number
  /** Rewards earned, decimal base units (verified state). */
  rewards: string
  /** Penalties, decimal base units (verified state). */
  penalties: string
  /** The last 50 challenges, newest last. */
  challenges: ChallengeRecord[]
  /** Sectors found missing, evicted or corrupt and re-fetched + re-sealed (or being). */
  refetches: number
  /** navigator.storage.persist()'s answer (undefined: not asked yet or unsupported). */
  persisted?: boolean
  /** The newest error the contribution survived (quota, faucet, a failed pass…). */
  lastError?: { name: string, code?: string, message: string, at: number }
}

/** Everything the contributor reports, plus quota and challenge outcomes. */
export type ContributionEvent = StorageEvent | { type: 'quota-exceeded', message: string } | { type: 'answered', challenge: ChallengeRecord }

/** Options of createBrowserStorage. */
export interface BrowserStorageOptions {
  store: LightStore
  /** The browser transport (needs `libp2p` for proven state and `handleChallenges` for challenges). */
  transport: LightTransport & { libp2p: Parameters<typeof requestProvenState>[0] }
  /** This node's identity (node id = public key). */
  key: Ed25519Key
  /** The RPC the page bootstrapped from (faucet). */
  rpcUrl: string
  /** The light node (verified headers); a getter since the node is created after this. */
  node: () => VerifiedAccessNode
  /** Worker-backed sealing (worker/client.ts); default sealSector in the page (janks: tests only). */
  seal?: SealFn
  prove?: ProveFn
  /** Contributor maintenance period, ms (default 3000); chain state is re-read as often. */
  checkIntervalMs?: number
  log?: (line: string) => void
}

/** The switchable storage module: a client/types StorageContributor plus the page's controls. */
export interface BrowserStorage extends StorageContributor {
  /** Checks the quota, funds the identity, then contributes `pledgeBytes` (QuotaTooSmallError, FaucetError, InvalidInputError). */
  startContributing: (options: { pledgeBytes: number, signal?: AbortSignal }) => Promise<void>
  /** Stops answering, sealing and committing (what is stored stays, and is served again on start). */
  stopContributing: () => Promise<void>
  contribution: () => Contribution
  /** Subscribes to contribution events; returns the unsubscribe function. */
  on: (listener: (event: ContributionEvent) => void) => () => void
}

const MAX_CHALLENGES = 50

/** Asks the browser for persistence once per page (navigator.storage.persist()). */
let persistAsked: Promise<boolean | undefined> | undefined
async function askPersist (): Promise<boolean | undefined> {
  persistAsked ??= (async () => {
    try { return typeof navigator !== 'undefined' && navigator.storage?.persist !== undefined ? await navigator.storage.persist() : undefined } catch { return undefined }
  })()
  return await persistAsked
}

/**
 * Free space for this origin by navigator.storage.estimate() (quota − usage); undefined if unknown.
 * @example const free = await storageAvailable() // bytes
 */
export async function storageAvailable (): Promise<number | undefined> {
  if (typeof navigator === 'undefined' || navigator.storage?.estimate === undefined) return undefined
  const { quota, usage } = await navigator.storage.estimate()
  return quota === undefined ? undefined : Math.max(0, quota - (usage ?? 0))
}

/**
 * Refuses a pledge this origin can't hold, before anything starts: InvalidInputError for a non-positive size,
 * QuotaTooSmallError when it exceeds navigator.storage.estimate()'s free space (plus the sealed bytes already held).
 * Asks navigator.storage.persist() once per page; resolves with its answer.
 * @example await checkPledge(64 << 20, store) // throws QuotaTooSmallError on a small quota
 */
export async function checkPledge (pledgeBytes: number, store: LightStore): Promise<{ persisted?: boolean, availableBytes?: number }> {
  if (!Number.isSafeInteger(pledgeBytes) || pledgeBytes <= 0) throw new InvalidInputError(`pledgeBytes must be a positive integer, got ${String(pledgeBytes)}`)
  const persisted = await askPersist()
  const free = await storageAvailable()
  if (free === undefined) return { persisted }
  // what we hold already counts in `usage` and is reused
  const available = free + (await store.keys('pora/seg/')).length * 256 * 1024
  if (pledgeBytes > available) throw new QuotaTooSmallError(pledgeBytes, available)
  return { persisted, availableBytes: available }
}

function isQuotaError (err: unknown): boolean {
  const e = err as { name?: string, cause?: { name?: string } }
  return e?.name === 'QuotaExceededError' || e?.cause?.name === 'QuotaExceededError'
}

/**
 * The browser's storage contribution; pass it as createLightNode({ storage }) and switch it with startContributing/stopContributing.
 * @example
 * const storage = createBrowserStorage({ store, transport, key, rpcUrl, node: () => node, seal: lw.seal, prove: lw.prove })
 * const node = createLightNode({ transport, store, genesis, storage })
 * await storage.startContributing({ pledgeBytes: 4 << 20 }); storage.contribution().rewards
 */
export function createBrowserStorage (o: BrowserStorageOptions): BrowserStorage {
  const log = o.log ?? (() => {})
  const nodeHex = toHex(o.key.publicKey)
  const listeners = new Set<(e: ContributionEvent) => void>()
  const emit = (e: ContributionEvent): void => { for (const l of listeners) { try { l(e) } catch {} } }
  const info: Contribution = { state: 'idle', pledgeBytes: 0, registered: false, sectors: 0, cachedBytes: 0, rewards: '0', penalties: '0', challenges: [], refetches: 0 }
  const base: StorageStatus = { cachedBytes: 0, challengesAnswered: 0, challengesFailed: 0 }
  let ctx: StorageContext | undefined
  let ctxReady: (() => void) | undefined
  const ctxPromise = new Promise<void>((resolve) => { ctxReady = resolve })
  let inner: CoreContributor | undefined
  let run: AbortController | undefined
  let pollTimer: ReturnType<typeof setTimeout> | undefined
  let handlerInstalled = false
  let access: ReturnType<typeof createVerifiedAccess> | undefined
  let closed = false

  const fail = (err: unknown): void => {
    const e = err as { name?: string, code?: string, message?: string }
    info.lastError = { name: e?.name ?? 'Error', code: e?.code, message: e?.message ?? String(err), at: Date.now() }
  }

  // Sealed segments go through this store: a full disk becomes a typed error the dashboard shows.
  const store: LightStore = {
    get: async (k) => await o.store.get(k),
    delete: async (k) => { await o.store.delete(k) },
    keys: async (p) => await o.store.keys(p),
    close: async () => {},
    async put (k, v) {
      try { await o.store.put(k, v) } catch (err) {
        if (!isQuotaError(err)) throw err
        const q = new StorageQuotaExceededError(`IndexedDB is full while keeping ${k}: free space or pledge less`, { cause: err })
        fail(q)
        emit({ type: 'quota-exceeded', message: q.message })
        throw q
      }
    }
  }

  const accessFor = (): ReturnType<typeof createVerifiedAccess> => {
    access ??= createVerifiedAccess({
      transport: o.transport,
      node: o.node(),
      fetchState: async (peer: PeerRef, path: string, w) => {
        const { height, entries } = await requestProvenState(o.transport.libp2p, peerIdFromString(peer), [path], { signal: w?.signal })
        return { height, value: entries[0].value, proof: entries[0].proof }
      }
    })
    return access
  }

  // One challenge handler on the transport for the page's lifetime; it answers with the current contributor.
  const answer = async (c: Challenge, from: PeerRef): Promise<ChallengeAnswer> => {
    const t0 = performance.now()
    const a = inner !== undefined
      ? await inner.answer(c, from)
      : { status: ChallengeStatus.NOT_HELD, message: 'not contributing', challengeId: c.id, nodeId: o.key.publicKey, chunks: [] }
    const rec: ChallengeRecord = { id: toHex(c.id), ok: a.status === ChallengeStatus.OK, latencyMs: Math.round((performance.now() - t0) * 10) / 10, at: Date.now() }
    info.challenges.push(rec)
    if (info.challenges.length > MAX_CHALLENGES) info.challenges.splice(0, info.challenges.length - MAX_CHALLENGES)
    emit({ type: 'answered', challenge: rec })
    return a
  }
  const installHandler = (): void => {
    if (handlerInstalled) return
    if (o.transport.handleChallenges === undefined) { fail(new ContributionStateError('this transport cannot receive challenges')); log('storage: the transport has no handleChallenges'); return }
    o.transport.handleChallenges(answer)
    handlerInstalled = true
  }

  // Registry entry from verified state: registered, sectors, rewards, penalties.
  const pollChain = async (signal: AbortSignal): Promise<void> => {
    try {
      const v = await accessFor().query(`node/${nodeHex}`, { signal })
      const rec = v === null ? null : decodeRecord('node', v)
      info.registered = rec !== null
      info.sectors = rec?.sectors?.length ?? 0
      info.rewards = (rec?.rewards ?? 0n).toString()
      info.penalties = (rec?.penalties ?? 0n).toString()
    } catch (err) {
      if (!signal.aborted) log(`storage: registry read: ${(err as Error).message}`)
    }
    if (inner !== undefined) info.cachedBytes = inner.status().cachedBytes
    if (!signal.aborted) pollTimer = setTimeout(() => { void pollChain(signal) }, o.checkIntervalMs ?? 3000)
  }

  const stopInner = async (): Promise<void> => {
    run?.abort(new ContributionStateError('contribution stopped'))
    run = undefined
    if (pollTimer !== undefined) clearTimeout(pollTimer)
    pollTimer = undefined
    const c = inner
    inner = undefined
    if (c !== undefined) {
      await c.stop()
      const s = c.status()
      base.challengesAnswered += s.challengesAnswered
      base.challengesFailed += s.challengesFailed
      base.cachedBytes = s.cachedBytes
    }
  }

  const storage: BrowserStorage = {
    async start (context) {
      ctx = context
      ctxReady?.()
      context.signal.addEventListener('abort', () => { void storage.stop() }, { once: true })
      base.cachedBytes = (await o.store.keys('pora/seg/')).length * 256 * 1024
      info.cachedBytes = base.cachedBytes
    },

    async stop () {
      closed = true
      await stopInner()
      if (info.state !== 'idle') info.state = 'stopped'
    },

    status () {
      const s = inner?.status()
      return {
        cachedBytes: s?.cachedBytes ?? base.cachedBytes,
        challengesAnswered: base.challengesAnswered + (s?.challengesAnswered ?? 0),
        challengesFailed: base.challengesFailed + (s?.challengesFailed ?? 0)
      }
    },

    async startContributing ({ pledgeBytes, signal }) {
      if (closed) throw new ContributionStateError('the light node has stopped')
      signal?.throwIfAborted()
      try { info.persisted = (await checkPledge(pledgeBytes, o.store)).persisted } catch (err) { fail(err); throw err }
      await stopInner()
      const controller = new AbortController()
      run = controller
      const stopSignal = signal === undefined ? controller.signal : AbortSignal.any([signal, controller.signal])
      info.pledgeBytes = pledgeBytes
      try {
        info.state = 'funding'
        await ensureFunded({ rpcUrl: o.rpcUrl, address: o.key.address, signal: stopSignal, log })
        info.state = 'waiting'
        await Promise.race([ctxPromise, new Promise((_resolve, reject) => {
          stopSignal.addEventListener('abort', () => { reject(stopSignal.reason) }, { once: true })
        })])
        stopSignal.throwIfAborted()
        const c = createStorageContributor({ secretKey: o.key.privateKey, pledgeBytes, seal: o.seal, prove: o.prove, checkIntervalMs: o.checkIntervalMs, ...accessFor(), log })
        c.on((e) => {
          if (e.type === 'lost') info.refetches++
          // a pass that failed on a typed error we recorded already (e.g. the quota) keeps that one
          if (e.type === 'error' && e.message !== info.lastError?.message) fail({ name: 'StorageContributorError', code: 'STORAGE_CONTRIBUTOR', message: e.message })
          emit(e)
        })
        installHandler()
        // the core's own handler registration is ours (one per page): hand it a transport without it
        const { handleChallenges: _ignored, ...rest } = ctx!.transport
        await c.start({ transport: rest as LightTransport, store, emitChallenge: ctx!.emitChallenge, log })
        inner = c
        info.state = 'running'
        void pollChain(controller.signal)
      } catch (err) {
        if (run === controller) { run = undefined; info.state = 'idle' }
        fail(err)
        throw err
      }
    },

    async stopContributing () {
      await stopInner()
      info.state = closed ? 'stopped' : 'idle'
    },

    contribution () {
      const s = storage.status()
      return { ...info, cachedBytes: s.cachedBytes, challenges: info.challenges.slice(), lastError: info.lastError === undefined ? undefined : { ...info.lastError } }
    },

    on (listener) { listeners.add(listener); return () => { listeners.delete(listener) } }
  }
  return storage
}
