/**
 * DA sampling (DESIGN §3). For each verified height with transactions, k distinct columns are drawn
 * (seeded by our node id, the height and fresh local randomness, so full nodes can't predict them),
 * spread over several peers, checked against the header's data_hash, and each peer's columns
 * verified in one KZG batch (split per column only when the batch fails, to find the bad column). Blob lists of different peers are merged: a peer that omits a blob another
 * proves is reported and its columns asked again elsewhere. Columns that no peer serves correctly
 * after the retries make the block *unavailable* (event + status), never silently trusted.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes, equalBytes } from '../protocol/bytes.js'
import type { Header } from '../protocol/chain/index.js'
import { confidence, sampleColumns, verifyColumn, type KzgCellVerifier } from '../protocol/da/index.js'
import { InvalidSampleResponseError, NoPeersError } from './errors.js'
import type { Emitter } from './events.js'
import type { PeerBook } from './peers.js'
import { offenceOf } from './header-sync.js'
import { EMPTY_DATA_HASH, checkSampleResponse, type CheckedSample, type ProvenBlob } from './sample-check.js'
import type { LightTransport, PeerOffence, PeerRef } from './types.js'
import { CellsNotHeldError, SampleRefusedError, type CellCache, type VerifiedSample } from './cell-cache.js'
import type { SampleResponse } from '../protocol/wire/index.js'
import { withTimeout } from '../protocol/signals.js'

/** Tunables of the sampler (defaults in createLightNode). */
export interface SamplerOptions {
  sampleCount: number
  /** Peers the columns are spread over (at least 2 when there are 2). */
  samplePeers: number
  /** Rounds of asking before a block is unavailable. */
  sampleAttempts: number
  /** Wait before round n is retryDelayMs · 2^(n−1). */
  retryDelayMs: number
  requestTimeoutMs: number
  /** Blocks sampled at once. */
  concurrency: number
  /**
   * The sampling window: queued heights this far behind the newest header are dropped (full nodes
   * no longer hold their cells: DESIGN §3) and counted in `expiredBlocks`, never reported
   * unavailable; so the queue is bounded. Default: unbounded (genesis `daWindowBlocks` in createLightNode).
   */
  windowBlocks?: number
  /**
   * A NOT_AVAILABLE answer is an `unavailable` offence only when the peer still refuses this long
   * later: a full node that has not yet received a fresh block's cells (replication races the first
   * samples) is not withholding them. Measured in a soak: ~60 % of blob blocks drew such a refusal
   * from an honest node. The same grace buys a block one late round of asking when refusals are all
   * that keep it from "sampled", so replication lag doesn't make an honest block unavailable.
   * Default 3000 ms.
   */
  refusalGraceMs?: number
}

/** Components the sampler uses. */
export interface SamplerComponents {
  transport: LightTransport
  kzg: KzgCellVerifier
  peers: PeerBook
  emitter: Emitter
  debug: (m: string) => void
  /** Our node id (bytes), mixed into the column seed. */
  nodeId: Uint8Array
  /** Where verified cells are kept and served from (cell-cache.ts); none = not kept. */
  cells?: CellCache
}

/** Counters the status object shows. */
export interface SamplerStats {
  sampledBlocks: number
  emptyBlocks: number
  unavailableBlocks: number
  /** Queued heights dropped unsampled because they left the sampling window. */
  expiredBlocks: number
  lastConfidence: number
  lastSampledHeight: number
}

/** Outcome of sampling one block. */
export type SampleOutcome =
  | { kind: 'empty' }
  | { kind: 'sampled', confidence: number, columns: number[], peers: PeerRef[], blobs: number, sample?: VerifiedSample }
  | { kind: 'unavailable', missing: number[], reason: string }

const sleep = async (ms: number, signal: AbortSignal): Promise<void> => {
  await new Promise<void>((resolve) => {
    const t = setTimeout(done, ms)
    function done (): void { clearTimeout(t); signal.removeEventListener('abort', done); resolve() }
    signal.addEventListener('abort', done, { once: true })
  })
  signal.throwIfAborted()
}

/**
 * Samples queued heights, newest first, a few at a time.
 * @example const s = new Sampler(components, options); s.enqueue(header); s.run(signal)
 */
export class Sampler {
  readonly stats: SamplerStats = { sampledBlocks: 0, emptyBlocks: 0, unavailableBlocks: 0, expiredBlocks: 0, lastConfidence: 0, lastSampledHeight: 0 }
  private newest = 0n
  private readonly pending = new Map<bigint, Header>()
  /** Recently verified headers (bounded) for sampleFrom. */
  private readonly recent = new Map<bigint, Header>()
  private wake: (() => void) | undefined
  private active = 0

  constructor (private readonly c: SamplerComponents, private readonly o: SamplerOptions) {}

  /** Queues a verified header for sampling. */
  enqueue (header: Header): void {
    this.recent.delete(header.height)
    this.recent.set(header.height, header)
    if (this.recent.size > 2048) this.recent.delete(this.recent.keys().next().value!)
    this.pending.set(header.height, header)
    if (header.height > this.newest) this.newest = header.height
    const w = this.o.windowBlocks
    if (w !== undefined && this.newest > BigInt(w)) {
      for (const h of this.pending.keys()) if (h <= this.newest - BigInt(w)) { this.pending.delete(h); this.stats.expiredBlocks++ }
    }
    this.wake?.()
  }

  /** Heights waiting to be sampled (tests, status). */
  get backlog (): number { return this.pending.size + this.active }

  /** Runs until the signal aborts. */
  async run (signal: AbortSignal): Promise<void> {
    const workers = Array.from({ length: Math.max(1, this.o.concurrency) }, async () => { await this.worker(signal) })
    await Promise.allSettled(workers)
  }

  private async worker (signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const next = this.takeNewest()
      if (next === undefined) {
        await new Promise<void>((resolve) => {
          const done = (): void => { signal.removeEventListener('abort', done); this.wake = undefined; resolve() }
          this.wake = done
          signal.addEventListener('abort', done, { once: true })
        })
        continue
      }
      this.active++
      try {
        const out = await this.sampleBlock(next, signal)
        this.record(next.height, out)
      } catch (err) {
        if (signal.aborted) return
        if (err instanceof NoPeersError) {
          // not the block's fault: put it back and wait for peers
          this.pending.set(next.height, next)
          await sleep(this.o.retryDelayMs, signal).catch(() => {})
        } else {
          this.c.emitter.emit('error', { error: err as Error, during: 'sample' })
        }
      } finally {
        this.active--
      }
    }
  }

  private takeNewest (): Header | undefined {
    let best: bigint | undefined
    for (const h of this.pending.keys()) if (best === undefined || h > best) best = h
    if (best === undefined) return undefined
    const header = this.pending.get(best)!
    this.pending.delete(best)
    return header
  }

  private record (height: bigint, out: SampleOutcome): void {
    const h = Number(height)
    if (out.kind === 'empty') { this.stats.emptyBlocks++; return }
    if (out.kind === 'unavailable') {
      this.stats.unavailableBlocks++
      this.c.debug(`block ${h} unavailable: ${out.reason}`)
      this.c.emitter.emit('unavailable', { height: h, missing: out.missing, reason: out.reason })
      return
    }
    this.stats.sampledBlocks++
    if (out.sample !== undefined) this.c.cells?.put(out.sample).catch((error) => { this.c.emitter.emit('error', { error, during: 'sample' }) })
    if (h >= this.stats.lastSampledHeight) {
      this.stats.lastSampledHeight = h
      this.stats.lastConfidence = out.confidence
    }
    this.c.emitter.emit('sampled', { height: h, confidence: out.confidence, columns: out.columns, peers: out.peers, blobs: out.blobs })
  }

  /**
   * Samples one block: empty, sampled (every column verified against every proven blob), or
   * unavailable. Throws NoPeersError when there is nobody to ask at all.
   */
  async sampleBlock (header: Header, signal: AbortSignal): Promise<SampleOutcome> {
    const { height, dataHash } = header
    // No transactions: no DA tx can be in it, nothing to sample (and nothing to ask).
    if (equalBytes(dataHash, EMPTY_DATA_HASH)) return { kind: 'empty' }
    if (this.c.peers.usable().length === 0) throw new NoPeersError()
    const h8 = new Uint8Array(8)
    new DataView(h8.buffer).setBigUint64(0, height)
    const seed = sha256(concatBytes(this.c.nodeId, h8, globalThis.crypto.getRandomValues(new Uint8Array(32))))
    const columns = sampleColumns(this.o.sampleCount, seed)

    const union = new Map<string, ProvenBlob>()
    const answered = new Set<PeerRef>()
    // per column: the peers already tried, and the verified answer (with the blob keys it covers)
    const tried = new Map<number, Set<PeerRef>>(columns.map(c => [c, new Set()]))
    const verified = new Map<number, { peer: PeerRef, keys: Set<string> }>()
    // per verified column: its cells in its response's blob order, and that response (kept for the cell cache)
    const kept = new Map<number, { order: string[], cells: Uint8Array[], proofs: Uint8Array[], res: SampleResponse }>()
    let lastReason = 'no peer served the columns'
    // peers that answered NOT_AVAILABLE → the columns they refused (confirmed after a grace: confirmRefusals)
    const refused = new Map<PeerRef, number[]>()

    // After the retries, one late round when refusals are all that stands between this block and
    // "sampled": a fresh block's cells can reach some full nodes seconds after its header (the soak saw
    // a block judged unavailable because every peer asked was still receiving column 47), so the late
    // round re-asks everyone refusalGraceMs later. A withholder costs the sampler that wait, no more.
    const grace = this.refusalGraceMs
    for (let round = 0; round <= this.o.sampleAttempts; round++) {
      const late = round === this.o.sampleAttempts
      if (late && (refused.size === 0 || !columns.every(c => verified.has(c) || [...refused.values()].some(cols => cols.includes(c))))) break
      if (round > 0) await sleep(late ? grace : this.o.retryDelayMs * 2 ** (round - 1), signal)
      // columns verified against a smaller blob list than we now know are not done
      for (const [c, v] of verified) if ([...union.keys()].some(k => !v.keys.has(k))) verified.delete(c)
      const todo = columns.filter(c => !verified.has(c))
      if (todo.length === 0) break
      const groups = this.assign(todo, late ? new Map(todo.map(c => [c, new Set<PeerRef>()])) : tried, round === 0)
      if (groups.size === 0) { lastReason = 'no usable peer left to ask'; continue }
      const results = await Promise.all([...groups].map(async ([peer, cols]) => {
        for (const c of cols) tried.get(c)!.add(peer)
        try {
          const res = await withTimeout(signal, this.o.requestTimeoutMs, async (s) => await this.c.transport.sample(peer, height, cols, { signal: s }))
          if (res?.status !== 'OK') {
            lastReason = `${peer} answered ${String(res?.status)}${res?.message === '' || res?.message === undefined ? '' : `: ${res.message}`}`
            if (res?.status === 'NOT_AVAILABLE') refused.set(peer, [...(refused.get(peer) ?? []), ...cols])
            return undefined
          }
          const checked = checkSampleResponse(res, { height, dataHash, columns: cols })
          answered.add(peer)
          return { peer, cols, checked, res }
        } catch (err) {
          if (signal.aborted) throw err
          lastReason = `${peer}: ${(err as Error)?.message ?? String(err)}`
          const offence: PeerOffence | undefined = (err as Error)?.name === 'InvalidSampleResponseError' ? 'bad-sample' : offenceOf(err)
          if (offence !== undefined) this.report(peer, offence, `height ${height}: ${lastReason}`)
          else this.c.debug(`sample ${height} from ${peer}: ${lastReason}`)
          return undefined
        }
      }))
      const ok = results.filter((r): r is { peer: PeerRef, cols: number[], checked: CheckedSample, res: SampleResponse } => r !== undefined)
      const keep = (r: { checked: CheckedSample, res: SampleResponse }, c: number): void => {
        const col = r.checked.columns.get(c)!
        kept.set(c, { order: r.checked.blobs.map(b => b.key), cells: col.cells, proofs: col.proofs, res: r.res })
      }
      for (const r of ok) for (const b of r.checked.blobs) union.set(b.key, b)
      for (const r of ok) {
        const keys = new Set(r.checked.blobs.map(b => b.key))
        const omitted = [...union.keys()].filter(k => !keys.has(k))
        if (omitted.length > 0) {
          lastReason = `${r.peer} omitted ${omitted.length} proven blob(s)`
          this.report(r.peer, 'bad-sample', `height ${height}: omits blob ${omitted[0]} that another peer proves`)
          continue
        }
        if (union.size === 0) {
          for (const c of r.cols) verified.set(c, { peer: r.peer, keys })
          continue
        }
        const commitments = r.checked.blobs.map(b => b.commitment)
        // All of this peer's columns in one KZG batch (pure JS pays a large fixed cost per batch:
        // measured 16 one-column batches ≈ 20× one 16-column batch); only a failed batch is split
        // per column to find the bad one.
        let allGood = false
        try {
          const batch = { commitments: [] as Uint8Array[], cellIndices: [] as number[], cells: [] as Uint8Array[], proofs: [] as Uint8Array[] }
          for (const c of r.cols) {
            const col = r.checked.columns.get(c)!
            commitments.forEach((cm, i) => { batch.commitments.push(cm); batch.cellIndices.push(c); batch.cells.push(col.cells[i]); batch.proofs.push(col.proofs[i]) })
          }
          allGood = await this.c.kzg.verifyCells(batch, { signal })
        } catch (err) {
          if (signal.aborted) throw err
        }
        if (allGood) { for (const c of r.cols) { verified.set(c, { peer: r.peer, keys }); keep(r, c) } continue }
        for (const c of r.cols) {
          const col = r.checked.columns.get(c)!
          let good = false
          try {
            good = await verifyColumn({ column: c, commitments, cells: col.cells, proofs: col.proofs }, { backend: this.c.kzg, signal })
          } catch (err) {
            if (signal.aborted) throw err
            lastReason = `${r.peer}: column ${c}: ${(err as Error).message}`
          }
          if (good) { verified.set(c, { peer: r.peer, keys }); keep(r, c) } else {
            lastReason = `${r.peer}: column ${c} fails KZG verification`
            this.report(r.peer, 'bad-sample', `height ${height}: column ${c} fails KZG verification`)
            break
          }
        }
      }
      for (const [c, v] of verified) if ([...union.keys()].some(k => !v.keys.has(k))) verified.delete(c)
      if (verified.size === columns.length) break
    }

    if (refused.size > 0) this.confirmRefusals(header, refused, signal)
    const missing = columns.filter(c => !verified.has(c))
    if (missing.length > 0) return { kind: 'unavailable', missing, reason: lastReason }
    if (union.size === 0) return { kind: 'empty' }
    return { kind: 'sampled', confidence: confidence(columns.length), columns, peers: [...new Set([...verified.values()].map(v => v.peer))], blobs: union.size, sample: this.assemble(height, columns, kept) }
  }

  // In the background, after the grace: ask each refusing peer again for what it refused. Still
  // NOT_AVAILABLE → the `unavailable` offence; an answer that doesn't match the header → `bad-sample`
  // (a peer can't dodge the report by answering junk the second time); anything else → no report.
  private confirmRefusals (header: Header, refused: Map<PeerRef, number[]>, signal: AbortSignal): void {
    const { height, dataHash } = header
    const grace = this.refusalGraceMs
    void (async () => {
      await sleep(grace, signal)
      await Promise.all([...refused].map(async ([peer, cols]) => {
        const columns = [...new Set(cols)].sort((a, b) => a - b)
        try {
          const res = await withTimeout(signal, this.o.requestTimeoutMs, async (s) => await this.c.transport.sample(peer, height, columns, { signal: s }))
          if (res?.status === 'NOT_AVAILABLE') this.report(peer, 'unavailable', `height ${height}: ${peer} answered NOT_AVAILABLE, and again ${grace} ms later`)
          else if (res?.status === 'OK') checkSampleResponse(res, { height, dataHash, columns })
        } catch (err) {
          if (signal.aborted) return
          if ((err as Error)?.name === 'InvalidSampleResponseError') this.report(peer, 'bad-sample', `height ${height}: refused, then answered: ${(err as Error).message}`)
          else this.c.debug(`sample ${height}: re-asking ${peer}: ${(err as Error)?.message ?? String(err)}`)
        }
      }))
    })().catch(() => {})
  }

  // The verified pieces in one blob order (the first column's response's), for the cell cache.
  private assemble (height: bigint, columns: number[], kept: Map<number, { order: string[], cells: Uint8Array[], proofs: Uint8Array[], res: SampleResponse }>): VerifiedSample | undefined {
    const ref = kept.get(columns[0])
    if (ref === undefined) return undefined
    const out: VerifiedSample = { height, blobs: ref.res.blobs, txs: ref.res.txs, columns: [] }
    for (const c of columns) {
      const k = kept.get(c)
      if (k === undefined) return undefined
      const at = ref.order.map(key => k.order.indexOf(key))
      if (at.some(i => i < 0) || k.order.length !== ref.order.length) return undefined
      out.columns.push({ index: c, cells: at.map(i => k.cells[i]), proofs: at.map(i => k.proofs[i]) })
    }
    return out
  }

  /**
   * Asks ONE peer (a full node or a browser light node) for `columns` of a verified height and checks
   * the answer like any sample (inclusion under data_hash, then one KZG batch); a wrong answer is
   * reported 'bad-sample' and throws InvalidSampleResponseError, a refusal throws SampleRefusedError.
   */
  async sampleFrom (peer: PeerRef, height: bigint, columns: number[], signal: AbortSignal): Promise<{ height: number, columns: number[], blobs: number, peer: PeerRef }> {
    const header = this.recent.get(height)
    if (header === undefined) throw new CellsNotHeldError(`height ${height} is not a recently verified header of this node`)
    const res = await withTimeout(signal, this.o.requestTimeoutMs, async (s) => await this.c.transport.sample(peer, height, columns, { signal: s }))
    if (res?.status !== 'OK') throw new SampleRefusedError(peer, String(res?.status), res?.message ?? '')
    let checked: CheckedSample
    try { checked = checkSampleResponse(res, { height, dataHash: header.dataHash, columns }) } catch (err) {
      this.report(peer, 'bad-sample', `height ${height}: ${(err as Error).message}`)
      throw err
    }
    const commitments = checked.blobs.map(b => b.commitment)
    if (commitments.length > 0) {
      const batch = { commitments: [] as Uint8Array[], cellIndices: [] as number[], cells: [] as Uint8Array[], proofs: [] as Uint8Array[] }
      for (const c of columns) {
        const col = checked.columns.get(c)!
        commitments.forEach((cm, i) => { batch.commitments.push(cm); batch.cellIndices.push(c); batch.cells.push(col.cells[i]); batch.proofs.push(col.proofs[i]) })
      }
      let good = false
      try { good = await this.c.kzg.verifyCells(batch, { signal }) } catch (err) { if (signal.aborted) throw err }
      if (!good) {
        this.report(peer, 'bad-sample', `height ${height}: columns fail KZG verification`)
        throw new InvalidSampleResponseError(`height ${height}: columns from ${peer} fail KZG verification`)
      }
    }
    return { height: Number(height), columns: columns.slice(), blobs: checked.blobs.length, peer }
  }

  // Spreads columns over peers, round robin over a shuffled list: the first round over ≥ 2 peers
  // when there are 2 (so ≥ 2 blob lists are merged), retries preferring peers not yet tried for
  // that column. Liars are quarantined by the peer book, so they are never asked again.
  /** How long a refusal waits before it is re-asked (SamplerOptions.refusalGraceMs). */
  private get refusalGraceMs (): number { return this.o.refusalGraceMs ?? 3000 }

  private assign (todo: number[], tried: Map<number, Set<PeerRef>>, first: boolean): Map<PeerRef, number[]> {
    const peers = this.c.peers.usable()
    const width = first ? Math.min(peers.length, Math.max(2, this.o.samplePeers)) : peers.length
    const use = peers.slice(0, width)
    const groups = new Map<PeerRef, number[]>()
    todo.forEach((c, i) => {
      if (use.length === 0) return
      let pick = use[i % use.length]
      for (let j = 0; j < use.length; j++) {
        const p = use[(i + j) % use.length]
        if (!tried.get(c)!.has(p)) { pick = p; break }
      }
      const g = groups.get(pick) ?? []
      g.push(c)
      groups.set(pick, g)
    })
    return groups
  }

  private report (peer: PeerRef, offence: PeerOffence, detail: string): void {
    this.c.peers.report(peer, offence, detail)
  }
}
