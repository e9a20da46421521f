/**
 * The alignment monitor (issue 11 item 5; README.md): a full-node service that follows the jobs
 * with a result in its own committed ledger state, keeps sliding windows of their predictions per
 * model and per worker against the model's published reference distribution, re-executes a
 * secretly seeded share of them (and every job of a flagged worker) on the CPU, disputes a wrong
 * result while its challenge window is open, and reports a worker whose drift or disagreement
 * crosses its threshold with `compute.report` signed by the node's validator key.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { equalBytes, fromHex, toHex } from '../../protocol/bytes.js'
import { encodeBody, type LedgerTxKind } from '../../protocol/chain/bodies.js'
import { addressFromPublicKey, encodeTx, signTx, txHash } from '../../protocol/chain/tx.js'
import { decodeRecord, stateKeys } from '../../protocol/chain/state-proof.js'
import { decodeDistribution, JobState, type JobRecord, type ModelRecord } from '../../protocol/chain/compute.js'
import { sha256 } from '@noble/hashes/sha2.js'
import type { Model, Trace } from '../../protocol/compute/index.js'
import { disputeEvidence } from '../../protocol/compute/dispute.js'
import type { KvReader } from '../ledger/state.js'
import { ledgerKeys, Records } from '../ledger/records.js'
import { classCounts, compareDistribution, DEFAULT_THRESHOLDS, disagreementVerdict, driftVerdict, selectForReexecution, selectionSeed, type MonitorThresholds } from './stats.js'
import { loadRegisteredModel, reexecuteJob } from './reexec.js'
import { sleep } from '../../protocol/sleep.js'
import { monitorSnapshot, type MonitorSnapshot, type MonitorView } from './snapshot.js'

export { MonitorError } from './reexec.js'
export type { MonitorSnapshot } from './snapshot.js'

/** Tunables (config.json `monitor`, or startFullNode's `monitor` option); thresholds: stats.ts. */
export interface MonitorOptions extends Partial<MonitorThresholds> {
  /** Share of finished jobs re-executed (0..1, default 0.25); a flagged worker's jobs always are. */
  share?: number
  /** Poll period, ms (default 1000). */
  intervalMs?: number
  /** Sliding window: the last N jobs per model, per worker, and the last N re-executions per worker (default 50). */
  window?: number
  /** Send `compute.job.dispute` for a wrong result still in its window (default true). */
  dispute?: boolean
  /**
   * Blocks after the result before the monitor disputes (default: half the challenge window): the
   * monitor is the backstop, the requester who verified its own result disputes first and earns the
   * disputer's share; 0 = at once.
   */
  disputeDelayBlocks?: number
  /** Send `compute.report` on an anomaly (default true). */
  report?: boolean
  signal?: AbortSignal
}

/** What the monitor needs from its node. */
export interface MonitorComponents {
  /** The validator's ed25519 secret key (32 B): signs disputes and reports, seeds the selection. */
  secretKey: Uint8Array
  /** The last committed state, or undefined before the chain is initialised. */
  state: () => { height: number, reader: KvReader, chainId: string, minFee: bigint } | undefined
  /** A stored file's bytes by 0x root (the node's flow store, else the RPC). */
  readFile: (root: string, signal: AbortSignal) => Promise<Uint8Array>
  /** broadcast_tx_sync. */
  submitTx: (tx: Uint8Array, o: { signal: AbortSignal }) => Promise<{ code: number, log: string }>
  /** A tx's execution result once in a block (undefined while pending). */
  txResult?: (hash: string, o: { signal: AbortSignal }) => Promise<{ code: number, height: number, log: string } | undefined>
  log?: (line: string) => void
}

/** A running monitor. */
export interface Monitor {
  /** Statistics and anomalies now (what `GET /compute/monitor` answers). */
  snapshot: () => MonitorSnapshot
  /** Runs one poll now (tests); resolves when it is done. */
  tick: () => Promise<void>
  stop: () => Promise<void>
}

interface Pending { id: Uint8Array, job: JobRecord, attempts: number, forced: boolean }
interface Wrong { id: Uint8Array, job: JobRecord, model: Model, trace: Trace, layer: number }

/**
 * Starts the monitor loop.
 * @example const m = startMonitor({ secretKey, state, readFile, submitTx }, { share: 0.25 }); m.snapshot()
 */
export function startMonitor (c: MonitorComponents, options: MonitorOptions = {}): Monitor {
  const th: MonitorThresholds = { ...DEFAULT_THRESHOLDS, ...pick(options) }
  const share = options.share ?? 0.25
  const window = Math.max(1, Math.floor(options.window ?? 50))
  const log = c.log ?? (() => {})
  const publicKey = ed25519.getPublicKey(c.secretKey)
  const address = addressFromPublicKey(publicKey)
  const seed = selectionSeed(c.secretKey)
  const controller = new AbortController()
  const signal = options.signal === undefined ? controller.signal : AbortSignal.any([options.signal, controller.signal])
  const view: MonitorView = {
    address, share, window, thresholds: th, height: 0, validator: false,
    models: new Map(), workers: new Map(), anomalies: [], disputes: [], reexecMs: [], observedJobs: 0, reexecuted: 0
  }
  const observed = new Set<string>()
  const pending = new Map<string, Pending>()
  const models = new Map<string, Model>()
  const wrong = new Map<string, Wrong>() // disagreements waiting for their dispute time
  let nextNonce = 0n
  let sending: Promise<unknown> = Promise.resolve()

  const worker = (addr: string): ReturnType<MonitorView['workers']['get']> & object => {
    let w = view.workers.get(addr)
    if (w === undefined) { w = { address: addr, models: new Map(), reexec: [], reexecTotal: 0, jobs: 0, unavailable: 0, reportedAt: new Map(), chainFlagged: false }; view.workers.set(addr, w) }
    return w
  }

  function observe (hex: string, j: JobRecord, m: ModelRecord): void {
    const root = toHex(j.modelRoot)
    const sample = { id: hex, height: j.resultHeight, predictions: [...j.predictions] }
    let ms = view.models.get(root)
    if (ms === undefined) { ms = { root, reference: decodeDistribution(m.referenceDistribution), jobs: [], total: 0 }; view.models.set(root, ms) }
    push(ms.jobs, sample, window); ms.total++
    const w = worker(toHex(j.worker))
    w.jobs++
    let wm = w.models.get(root)
    if (wm === undefined) { wm = { jobs: [], total: 0 }; w.models.set(root, wm) }
    push(wm.jobs, sample, window); wm.total++
    view.observedJobs++
  }

  /** Signs and submits a tx with the next nonce (serialised; a nonce clash re-reads the account and retries). */
  async function send (kind: LedgerTxKind, body: unknown): Promise<{ code: number, log: string, txHash: string }> {
    const run = async (): Promise<{ code: number, log: string, txHash: string }> => {
      for (let attempt = 0; ; attempt++) {
        const s = c.state()!
        const acct = await new Records(s.reader).account(address)
        const nonce = acct.nonce > nextNonce ? acct.nonce : nextNonce
        const tx = encodeTx(signTx({ chainId: s.chainId, nonce, fee: s.minFee, kind, body: encodeBody(kind, body as never) }, c.secretKey))
        const res = await c.submitTx(tx, { signal })
        if (res.code === 0) { nextNonce = nonce + 1n; return { ...res, txHash: toHex(txHash(tx)) } }
        if (!/nonce/i.test(res.log) || attempt >= 8) return { ...res, txHash: toHex(txHash(tx)) }
        nextNonce = 0n // re-read the committed nonce after a block
        await sleep(400, signal)
      }
    }
    const p = sending.then(run, run)
    sending = p.catch(() => {})
    return await p
  }

  async function loadModel (root: string, record: ModelRecord): Promise<Model> {
    const have = models.get(root)
    if (have !== undefined) return have
    const m = await loadRegisteredModel(root, record, c.readFile, signal)
    models.set(root, m)
    return m
  }

  /** Re-executes one pending job; false = try again at the next poll (its trace is not here yet). */
  async function reexecute (hex: string, p: Pending, r: Records, height: number): Promise<boolean> {
    const j = p.job
    const root = toHex(j.modelRoot)
    const record = await modelRecord(r.kv, root)
    if (record === null) return true
    let traceBytes: Uint8Array
    let model: Model
    try {
      model = await loadModel(root, record)
      traceBytes = await c.readFile(toHex(j.traceRoot), signal)
    } catch (err) {
      if (signal.aborted) throw err
      p.attempts++
      // keep trying while a dispute could still land, and a little after
      if (height <= j.challengeEnd + 5 && p.attempts < 120) return false
      worker(toHex(j.worker)).unavailable++
      log(`monitor: job ${hex.slice(0, 12)}…: gave up re-executing: ${(err as Error).message}`)
      return true
    }
    const v = reexecuteJob(model, j, traceBytes)
    const w = worker(toHex(j.worker))
    push(w.reexec, { id: hex, agree: v.agree, ms: v.ms, modelRoot: root }, window)
    w.reexecTotal++
    push(view.reexecMs, v.ms, 500)
    view.reexecuted++
    if (v.agree) return true
    log(`monitor: job ${hex.slice(0, 12)}… by ${toHex(j.worker)} disagrees: ${v.reason}`)
    if (options.dispute !== false && v.layer !== undefined && v.trace !== undefined) wrong.set(hex, { id: p.id, job: j, model, trace: v.trace, layer: v.layer })
    return true
  }

  /** Disputes a wrong result once its delay passed, while it is still resulted and its window open. */
  async function disputeDue (hex: string, w: Wrong, r: Records, height: number): Promise<boolean> {
    const now = await jobRecord(r.kv, hex)
    if (now?.status !== JobState.resulted || height >= now.challengeEnd) return true // settled, disputed by someone, or too late
    const delay = options.disputeDelayBlocks ?? Math.ceil((now.challengeEnd - now.resultHeight) / 2)
    if (height < now.resultHeight + delay) return false
    const sent = await send('compute.job.dispute', disputeEvidence({ jobId: w.id, model: w.model, trace: w.trace, layer: w.layer }))
    view.disputes.push({ jobId: hex, worker: toHex(w.job.worker), layer: w.layer, txHash: sent.txHash, status: sent.code === 0 ? 'sent' : 'refused', log: sent.log, height })
    log(`monitor: dispute of job ${hex.slice(0, 12)}… layer ${w.layer}: ${sent.code === 0 ? 'sent' : `refused (${sent.code}) ${sent.log}`}`)
    return true
  }

  /** Posts compute.report for every (worker, kind) whose verdict crossed its threshold, once per window. */
  async function judge (): Promise<void> {
    for (const w of view.workers.values()) {
      for (const [root, wm] of w.models) {
        const ref = view.models.get(root)?.reference
        if (ref === undefined) continue
        const v = driftVerdict(compareDistribution(classCounts(wm.jobs.flatMap((s) => s.predictions), ref.length), ref), th)
        if (v.anomaly) await anomaly(w, root, 'drift', v.score, v.reason)
      }
      const dis = w.reexec.filter((x) => !x.agree)
      const v = disagreementVerdict(dis.length, w.reexec.length, th)
      if (v.anomaly) await anomaly(w, dis[dis.length - 1].modelRoot, 'disagreement', v.score, v.reason)
    }
  }

  async function anomaly (w: ReturnType<typeof worker>, root: string, kind: 'drift' | 'disagreement', score: number, reason: string): Promise<void> {
    // once per window: again only after the worker's window has turned over (window new jobs / re-executions)
    const key = kind === 'drift' ? `drift:${root}` : 'disagreement'
    const count = kind === 'drift' ? (w.models.get(root)?.total ?? 0) : w.reexecTotal
    const last = w.reportedAt.get(key)
    if (last !== undefined && count - last < window) return
    w.reportedAt.set(key, count)
    const entry = { worker: w.address, modelRoot: root, kind, score, reason, height: view.height, txHash: null as string | null, status: 'observed', log: '' }
    view.anomalies.push(entry)
    if (view.anomalies.length > 200) view.anomalies.shift()
    log(`monitor: ${kind} anomaly of ${w.address} on ${root.slice(0, 12)}…: score ${score}‰ (${reason})`)
    if (options.report === false || !view.validator) return
    const sent = await send('compute.report', { worker: fromHex(w.address, 20), modelRoot: fromHex(root, 32), kind, score })
    entry.txHash = sent.txHash
    entry.status = sent.code === 0 ? 'sent' : 'refused'
    entry.log = sent.log
  }

  /** Confirms sent reports and disputes from their tx results. */
  async function confirm (): Promise<void> {
    if (c.txResult === undefined) return
    for (const e of [...view.anomalies, ...view.disputes]) {
      if (e.status !== 'sent' || e.txHash === null) continue
      const r = await c.txResult(e.txHash, { signal }).catch(() => undefined)
      if (r === undefined) continue
      e.status = r.code === 0 ? 'committed' : 'failed'
      e.log = r.log
    }
  }

  async function poll (): Promise<void> {
    const s = c.state()
    if (s === undefined) return
    const r = new Records(s.reader)
    view.height = s.height
    view.validator = (await r.validators()).some((v) => v.power > 0n && equalBytes(v.publicKey, publicKey))
    const ids = [...await r.roots(ledgerKeys.computeIndex('resulted')), ...await r.roots(ledgerKeys.computeIndex('done'))]
    for (const id of ids) {
      const hex = toHex(id)
      if (observed.has(hex)) continue
      observed.add(hex)
      const j = await jobRecord(s.reader, hex)
      if (j === null || j.resultHeight === 0) continue // never answered: nothing to watch
      const m = await modelRecord(s.reader, toHex(j.modelRoot))
      if (m === null) continue
      observe(hex, j, m)
      const w = worker(toHex(j.worker))
      w.chainFlagged = (await workerRecord(s.reader, w.address))?.flagged === 1
      if (!view.validator) continue
      const hash = (await s.reader.get(new TextDecoder().decode(stateKeys.blockHash(j.resultHeight)))) ?? sha256(j.resultDigest)
      const forced = w.chainFlagged || w.reportedAt.size > 0
      if (forced || selectForReexecution(seed, hash, id, share)) pending.set(hex, { id, job: j, attempts: 0, forced })
    }
    // forget jobs the ledger pruned (the lists hold every job still in state)
    if (observed.size > ids.length) { const live = new Set(ids.map(toHex)); for (const h of observed) if (!live.has(h)) observed.delete(h) }
    for (const [hex, p] of pending) {
      if (signal.aborted) return
      if (await reexecute(hex, p, r, s.height)) pending.delete(hex)
    }
    for (const [hex, w] of wrong) if (await disputeDue(hex, w, r, s.height)) wrong.delete(hex)
    await judge()
    await confirm()
  }

  let running: Promise<void> | undefined
  const tick = async (): Promise<void> => {
    if (running !== undefined) { await running; return }
    running = poll().catch((err) => { if (!signal.aborted) log(`monitor: poll failed: ${(err as Error).message}`) }).finally(() => { running = undefined })
    await running
  }
  const timer = setInterval(() => { void tick() }, options.intervalMs ?? 1000)
  log(`monitor: ${address} re-executes ${Math.round(share * 100)}% of finished jobs; window ${window} jobs`)
  return {
    snapshot: () => monitorSnapshot(view, pending.size),
    tick,
    async stop () { clearInterval(timer); controller.abort(); await running }
  }
}

function pick (o: MonitorOptions): Partial<MonitorThresholds> {
  const out: Partial<MonitorThresholds> = {}
  for (const k of Object.keys(DEFAULT_THRESHOLDS) as Array<keyof MonitorThresholds>) if (typeof o[k] === 'number') out[k] = o[k]
  return out
}

function push<T> (list: T[], item: T, max: number): void { list.push(item); while (list.length > max) list.shift() }

const td = new TextDecoder()
async function jobRecord (kv: KvReader, id: string): Promise<JobRecord | null> {
  const v = await kv.get(td.decode(stateKeys.job(id)))
  return v === null ? null : decodeRecord('job', v)
}
async function modelRecord (kv: KvReader, root: string): Promise<ModelRecord | null> {
  const v = await kv.get(td.decode(stateKeys.model(root)))
  return v === null ? null : decodeRecord('model', v)
}
async function workerRecord (kv: KvReader, address: string): Promise<{ flagged: number } | null> {
  const v = await kv.get(td.decode(stateKeys.worker(address)))
  return v === null ? null : decodeRecord('worker', v)
}

