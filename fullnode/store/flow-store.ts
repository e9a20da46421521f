/**
 * FlowStore: a full node's copy of the flow (DESIGN §2) — the global, append-only log of all
 * submitted data in the order the chain committed the submissions, addressed by 256-byte chunk
 * position. Bytes live in part files (FlowLog, positioned I/O); everything else in LevelDB
 * (records.ts). The write rule that makes kill -9 safe: a segment is verified against its file's
 * root, written, fdatasync'd, and only then indexed in one synced LevelDB batch — so after a crash
 * a segment is either fully on disk and indexed, or not indexed (stray bytes in an unindexed slot
 * are overwritten by the retry).
 */
import { ClassicLevel } from 'classic-level'
import { join } from 'node:path'
import {
  CHUNK_SIZE, SEGMENT_CHUNKS, SEGMENT_SIZE, type ChunkHasher, type FileLayout, type MerkleProof, SegmentTree,
  chunkProof, fileLayout, rootFromProof, segmentChunkCount, segmentRoot, verifyChunkProof, verifySegmentProof
} from '../../protocol/storage/index.js'
import { equalBytes, fromHex, toHex } from '../../protocol/bytes.js'
import { GlowmeshError, InvalidInputError } from '../../protocol/errors.js'
import { createWasmHasher } from '../../wasm/keccak/index.js'
import { FlowLog, type ReclaimMode } from './flow-log.js'
import { KeyedMutex } from './mutex.js'
import type { CompletionCheck, CompletionVerdict } from './cid-check.js'
import { type FileInfo, type FileStatus, keys, encodeInfo, decodeInfo } from './records.js'
import {
  AllocationConflictError, FilePrunedError, FileTombstonedError, SegmentCorruptError, SegmentMissingError,
  SegmentOutOfRangeError, SegmentProofError, StoreClosedError, StoreLockedError, UnknownFileError
} from './errors.js'

/** A 0G root: 32 bytes, or 0x-hex. */
export type RootLike = Uint8Array | string

export interface FlowStoreOptions {
  /** The store's folder (created if missing): `flow/` part files and `index/` LevelDB. */
  dir: string
  /** Bytes per flow part file (default 1 GiB); fixed when the store is created. */
  partSize?: number
  /** How compact() frees reclaimed ranges (default `auto`: punch holes, else overwrite with zeros). */
  reclaim?: ReclaimMode
  /** keccak backend (default: the WASM kernel). */
  hasher?: ChunkHasher
  /** fsync data and sync LevelDB before acknowledging (default true; false only for throwaway benches). */
  sync?: boolean
  signal?: AbortSignal
  /**
   * Runs when a submission's last data segment is on disk, under its lock, before it is marked
   * complete (the full node checks the CID here: cid-check.ts). A rejection tombstones the range in
   * the same batch that indexes the segment, and putSegment throws the verdict's error.
   */
  completionCheck?: CompletionCheck
  /**
   * Called after a submission completed and its lock was released, with the accepted verdict's
   * `detail` (the full node indexes the file's DAG here). Awaited before putSegment returns; its
   * errors are its own to handle (a throw is swallowed: the upload itself succeeded).
   */
  onComplete?: (file: FileInfo, detail: unknown) => Promise<void>
}

/** What the ledger committed for one storage submission. */
export interface Allocation {
  root: RootLike
  /** The submission's CID ('' when not known yet). */
  cid?: string
  size: number
  /** Chunk position the ledger assigned (the flow length before this submission). */
  flowStart: number
  /** Height of the block that committed it. */
  height: number | bigint
  expiresAtEpoch: number | bigint
}

/** Outcome of putSegment. */
export interface PutSegmentResult {
  /** False when every live submission of the root already held this segment (an idempotent retry). */
  stored: boolean
  /** Data segments now held by the newest live submission, out of `dataSegments`. */
  received: number
  dataSegments: number
  complete: boolean
  /** Submissions of this root that this segment completed and the completion check rejected (tombstoned), when another stays live. */
  rejected?: Array<{ flowStart: number, code: string, message: string }>
}

/** A segment with its proof against the file root. */
export interface StoredSegment {
  /** The segment's file bytes (the last data segment may be short; padding is implicit zeros). */
  bytes: Uint8Array
  proof: MerkleProof
}

/** A chunk at a flow position, with its proof against its file's root (what a PoRA answer needs). */
export interface FlowChunk {
  root: Uint8Array
  flowPosition: number
  /** Chunk index within the file (= proof.index). */
  chunkIndex: number
  chunk: Uint8Array
  proof: MerkleProof
}

/** Totals over the store. */
export interface FlowStoreStats {
  /** File bytes held on disk (live submissions). */
  bytesStored: number
  /** Submissions by status. */
  files: Record<FileStatus, number>
  /** End of the highest allocated range, in chunks. */
  flowChunks: number
  /** Tombstoned or pruned submissions whose bytes compact() has not given back yet. */
  awaitingCompaction: number
}

/** Result of compact(). */
export interface CompactResult {
  submissions: number
  bytes: number
  method?: 'punch-hole' | 'zero'
}

type BatchOp = { type: 'put', key: string, value: Uint8Array } | { type: 'del', key: string }

const LIVE = new Set<FileStatus>(['pending', 'complete'])
const TREE_CACHE = 32

/** Parses a root argument; throws InvalidInputError. */
function rootBytes (root: RootLike): Uint8Array {
  if (typeof root === 'string') return fromHex(root, 32)
  if (!(root instanceof Uint8Array) || root.length !== 32) throw new InvalidInputError('a file root is 32 bytes')
  return root
}

function checkCount (name: string, v: number | bigint): number {
  const n = typeof v === 'bigint' ? Number(v) : v
  if (!Number.isSafeInteger(n) || n < 0 || (typeof v === 'bigint' && BigInt(n) !== v)) throw new InvalidInputError(`${name} must be a non-negative safe integer, got ${String(v)}`)
  return n
}

function layoutOf (info: FileInfo): FileLayout { return fileLayout(info.size) }

/** Bytes segment `index` of a file holds (the last data segment may be short). */
function segmentLength (layout: FileLayout, index: number): number {
  return Math.min(SEGMENT_SIZE, layout.size - index * SEGMENT_SIZE)
}

function encodeSegment (segRoot: Uint8Array, proof: MerkleProof): Uint8Array {
  const out = new Uint8Array(32 * (1 + proof.siblings.length))
  out.set(segRoot)
  proof.siblings.forEach((s, i) => out.set(s, 32 * (i + 1)))
  return out
}

function decodeSegment (value: Uint8Array, index: number, layout: FileLayout): { segRoot: Uint8Array, proof: MerkleProof } {
  const siblings: Uint8Array[] = []
  for (let o = 32; o < value.length; o += 32) siblings.push(value.slice(o, o + 32))
  return { segRoot: value.slice(0, 32), proof: { index, leafCount: layout.segments, siblings } }
}

/**
 * A full node's flow log on disk with its LevelDB indexes.
 * @example const store = await FlowStore.open({ dir: 'data/store' })
 */
export class FlowStore {
  private readonly locks = new KeyedMutex()
  private readonly trees = new Map<number, SegmentTree>()
  private closed = false

  private constructor (
    readonly dir: string,
    private readonly db: ClassicLevel<string, Uint8Array>,
    private readonly log: FlowLog,
    private readonly hasher: ChunkHasher,
    private readonly sync: boolean,
    private readonly completionCheck?: CompletionCheck,
    private readonly onComplete?: (file: FileInfo, detail: unknown) => Promise<void>
  ) {}

  /**
   * Opens (or creates) the store in `dir`; throws StoreLockedError if another process has it open.
   * @example const store = await FlowStore.open({ dir: join(home, 'data', 'store') })
   */
  static async open (options: FlowStoreOptions): Promise<FlowStore> {
    options.signal?.throwIfAborted()
    const db = new ClassicLevel<string, Uint8Array>(join(options.dir, 'index'), { keyEncoding: 'utf8', valueEncoding: 'view' })
    try {
      await db.open()
    } catch (err) {
      if ((err as { cause?: { code?: string } }).cause?.code === 'LEVEL_LOCKED') throw new StoreLockedError(options.dir, { cause: err })
      throw err
    }
    try {
      options.signal?.throwIfAborted()
      // The part size is part of the on-disk format: the first open fixes it.
      const saved = await db.get(keys.partSize)
      let partSize = options.partSize
      if (saved !== undefined) partSize = Number(new TextDecoder().decode(saved))
      const log = await FlowLog.open({ dir: join(options.dir, 'flow'), partSize, reclaim: options.reclaim })
      if (saved === undefined) await db.put(keys.partSize, new TextEncoder().encode(String(log.partSize)), { sync: true })
      return new FlowStore(options.dir, db, log, options.hasher ?? createWasmHasher(), options.sync ?? true, options.completionCheck, options.onComplete)
    } catch (err) {
      await db.close()
      throw err
    }
  }

  private check (): void { if (this.closed) throw new StoreClosedError() }

  // ── reading records ──────────────────────────────────────────────────────────────────────────

  private async entry (flowStart: number): Promise<FileInfo | undefined> {
    const v = await this.db.get(keys.entry(flowStart))
    return v === undefined ? undefined : decodeInfo(v)
  }

  /** Every submission of `root`, newest (highest flowStart) first. */
  private async entriesOf (root: Uint8Array): Promise<FileInfo[]> {
    const out: FileInfo[] = []
    for await (const key of this.db.keys({ ...keys.byRootRange(root), reverse: true })) {
      const e = await this.entry(keys.flowStartAtEnd(key))
      if (e !== undefined) out.push(e)
    }
    return out
  }

  private async requireEntries (root: Uint8Array): Promise<FileInfo[]> {
    const list = await this.entriesOf(root)
    if (list.length === 0) throw new UnknownFileError(root)
    return list
  }

  /** The error a read of a file with no live submission gets: the newest submission's fate. */
  private deadError (root: Uint8Array, newest: FileInfo): GlowmeshError {
    return newest.status === 'tombstoned' ? new FileTombstonedError(root, newest.reason ?? 'rejected') : new FilePrunedError(root)
  }

  /**
   * The newest submission of `root` (a root may be submitted more than once: every submission keeps
   * its own flow range; lookups by root see the newest).
   * @example const info = await store.getFile(root) // { status: 'complete', flowStart, ... }
   */
  async getFile (root: RootLike): Promise<FileInfo> {
    this.check()
    return (await this.requireEntries(rootBytes(root)))[0]
  }

  /**
   * Every submission of `root`, newest first.
   * @example for (const s of await store.submissions(root)) console.log(s.flowStart, s.status)
   */
  async submissions (root: RootLike): Promise<FileInfo[]> {
    this.check()
    return await this.requireEntries(rootBytes(root))
  }

  /**
   * The submission recorded with this CID: the newest complete one, else the newest pending, else
   * the newest of any status — so a later submission that merely *claims* a CID (and is rejected
   * when its bytes arrive) never shadows the file that has it.
   * @example const info = await store.fileByCid('bafkrei...')
   */
  async fileByCid (cid: string): Promise<FileInfo> {
    this.check()
    let pending: FileInfo | undefined
    let newest: FileInfo | undefined
    for await (const key of this.db.keys({ ...keys.byCidRange(checkCid(cid)), reverse: true })) {
      const e = await this.entry(keys.flowStartAtEnd(key))
      if (e === undefined) continue
      if (e.status === 'complete') return e
      newest ??= e
      if (e.status === 'pending') pending ??= e
    }
    const found = pending ?? newest
    if (found === undefined) throw new UnknownFileError(cid)
    return found
  }

  /**
   * The submission whose range covers chunk position `flowPosition`, and the chunk's index in it.
   * @example const { root, chunkIndex } = await store.fileAt(123456)
   */
  async fileAt (flowPosition: number): Promise<FileInfo & { chunkIndex: number }> {
    this.check()
    checkCount('flow position', flowPosition)
    for await (const [key, value] of this.db.iterator({ gte: keys.entryRange.gte, lte: keys.entry(flowPosition), reverse: true, limit: 1 })) {
      const e = decodeInfo(value)
      if (keys.flowStartOfEntryKey(key) + e.paddedChunks > flowPosition) return { ...e, chunkIndex: flowPosition - e.flowStart }
    }
    throw new UnknownFileError(`at flow position ${flowPosition}`)
  }

  /**
   * Data segments of the newest live submission of `root` not received yet (what an upload still owes).
   * @example await store.missingSegments(root) // [3, 4]
   */
  async missingSegments (root: RootLike): Promise<number[]> {
    this.check()
    const r = rootBytes(root)
    const list = await this.requireEntries(r)
    const live = list.find((e) => LIVE.has(e.status))
    if (live === undefined) throw this.deadError(r, list[0])
    const have = new Set<number>()
    for await (const key of this.db.keys(keys.segmentRange(live.flowStart))) have.add(keys.segmentIndexOfKey(key))
    const out: number[] = []
    for (let i = 0; i < live.dataSegments; i++) if (!have.has(i)) out.push(i)
    return out
  }

  // ── writing ──────────────────────────────────────────────────────────────────────────────────

  /**
   * Records a submission the ledger committed, at the flow range it assigned. Idempotent: replaying
   * the same submission (same root, size, CID, height at the same flowStart) is a no-op. A range that
   * overlaps another submission's, or a different submission at a recorded flowStart, is an
   * AllocationConflictError. The same root at a new flowStart is a second submission: both ranges
   * are kept and filled, and lookups by root see the newest.
   * @example await store.allocate({ root, cid, size, flowStart: 0, height: 12, expiresAtEpoch: 40 })
   */
  async allocate (a: Allocation): Promise<FileInfo> {
    this.check()
    const root = rootBytes(a.root)
    const cid = checkCid(a.cid ?? '')
    const flowStart = checkCount('flowStart', a.flowStart)
    const height = checkCount('height', a.height)
    const expiresAtEpoch = checkCount('expiresAtEpoch', a.expiresAtEpoch)
    const layout = fileLayout(checkCount('size', a.size))
    if (!Number.isSafeInteger((flowStart + layout.paddedChunks) * CHUNK_SIZE)) throw new InvalidInputError(`flow range at ${flowStart} is past the addressable flow`)
    const info: FileInfo = {
      root: toHex(root), cid, size: layout.size, flowStart, paddedChunks: layout.paddedChunks, dataSegments: layout.dataSegments,
      submittedAt: height, expiresAtEpoch, status: 'pending', received: 0, storedBytes: 0
    }
    // Allocations come in chain order; one at a time keeps the overlap check exact.
    return await this.locks.run('allocate', async () => {
      const existing = await this.entry(flowStart)
      if (existing !== undefined) {
        if (existing.root === info.root && existing.size === info.size && existing.cid === info.cid && existing.submittedAt === height) return existing
        throw new AllocationConflictError(`flow position ${flowStart} already holds ${existing.root} (size ${existing.size}, height ${existing.submittedAt}); refusing ${info.root} (size ${info.size}, height ${height})`)
      }
      for await (const value of this.db.values({ gte: keys.entryRange.gte, lt: keys.entry(flowStart), reverse: true, limit: 1 })) {
        const prev = decodeInfo(value)
        if (prev.flowStart + prev.paddedChunks > flowStart) throw new AllocationConflictError(`flow range [${flowStart}, ${flowStart + layout.paddedChunks}) overlaps ${prev.root} at [${prev.flowStart}, ${prev.flowStart + prev.paddedChunks})`)
      }
      for await (const value of this.db.values({ gt: keys.entry(flowStart), lt: keys.entryRange.lt, limit: 1 })) {
        const next = decodeInfo(value)
        if (flowStart + layout.paddedChunks > next.flowStart) throw new AllocationConflictError(`flow range [${flowStart}, ${flowStart + layout.paddedChunks}) overlaps ${next.root} at [${next.flowStart}, ${next.flowStart + next.paddedChunks})`)
      }
      const ops: Array<{ type: 'put', key: string, value: Uint8Array }> = [
        { type: 'put', key: keys.entry(flowStart), value: encodeInfo(info) },
        { type: 'put', key: keys.byRoot(root, flowStart), value: new Uint8Array(0) },
        { type: 'put', key: keys.expiry(expiresAtEpoch, flowStart), value: new Uint8Array(0) }
      ]
      if (cid !== '') ops.push({ type: 'put', key: keys.byCid(cid, flowStart), value: new Uint8Array(0) })
      await this.db.batch(ops, { sync: this.sync })
      return info
    })
  }

  /**
   * Accepts segment `index` of `root`: checks `bytes` against the submitted root with `proof` (from
   * the uploader's SegmentTree), writes it at its flow position in every live submission of the root
   * that lacks it, fsyncs, then indexes it. Idempotent for segments already stored.
   * @example await store.putSegment(root, 0, segmentBytes(data, 0), tree.proof(0))
   */
  async putSegment (root: RootLike, index: number, bytes: Uint8Array, proof: MerkleProof, options: { signal?: AbortSignal } = {}): Promise<PutSegmentResult> {
    this.check()
    const r = rootBytes(root)
    if (!(bytes instanceof Uint8Array)) throw new InvalidInputError('segment bytes must be a Uint8Array')
    const list = await this.requireEntries(r)
    const live = list.filter((e) => LIVE.has(e.status))
    if (live.length === 0) throw this.deadError(r, list[0])
    if (!Number.isSafeInteger(index) || index < 0 || index >= Math.max(...live.map((e) => e.dataSegments))) {
      throw new SegmentOutOfRangeError(index, Math.max(...live.map((e) => e.dataSegments)))
    }
    if (typeof proof !== 'object' || proof === null || proof.index !== index) throw new SegmentProofError(`the proof is for segment ${String(proof?.index)}, not ${index}`)

    // Verify once per distinct size (a root does not commit to the size: [1] and [1, 0] share one).
    const verified = new Map<number, Uint8Array>()
    let lastError: unknown
    for (const e of live) {
      if (verified.has(e.size) || index >= e.dataSegments) continue
      try {
        verified.set(e.size, this.verify(r, layoutOf(e), index, bytes, proof))
      } catch (err) { lastError = err }
    }
    if (verified.size === 0) throw lastError instanceof GlowmeshError ? lastError : new SegmentProofError(`segment ${index} does not verify`, { cause: lastError })

    let stored = false
    let sawLive = false
    const rejected: Array<{ flowStart: number, error: GlowmeshError }> = []
    const completed: Array<{ info: FileInfo, detail: unknown }> = []
    for (const e of live) {
      const segRoot = verified.get(e.size)
      if (segRoot === undefined || index >= e.dataSegments) continue
      options.signal?.throwIfAborted()
      const wrote = await this.locks.run(keys.entry(e.flowStart), async () => await this.storeSegment(e.flowStart, index, bytes, segRoot, proof))
      if (wrote.outcome !== 'dead') sawLive = true
      if (wrote.outcome === 'stored' || wrote.outcome === 'rejected') stored = true
      if (wrote.outcome === 'rejected') rejected.push({ flowStart: e.flowStart, error: wrote.error })
      if (wrote.outcome === 'stored' && wrote.completed !== undefined) completed.push(wrote.completed)
    }
    for (const c of completed) {
      try { await this.onComplete?.(c.info, c.detail) } catch {}
    }
    const after = await this.requireEntries(r)
    const newest = after.find((e) => LIVE.has(e.status))
    if (newest === undefined && rejected.length > 0) throw rejected[0].error
    if (!sawLive || newest === undefined) throw this.deadError(r, after[0])
    const result: PutSegmentResult = { stored, received: newest.received, dataSegments: newest.dataSegments, complete: newest.status === 'complete' }
    if (rejected.length > 0) result.rejected = rejected.map((x) => ({ flowStart: x.flowStart, code: x.error.code, message: x.error.message }))
    return result
  }

  /** Checks a segment against the root; returns its segment root. */
  private verify (root: Uint8Array, layout: FileLayout, index: number, bytes: Uint8Array, proof: MerkleProof): Uint8Array {
    // Capture the segment root verifySegmentProof computes, so the segment is hashed once.
    let seen: Uint8Array | undefined
    const recording: ChunkHasher = { ...this.hasher, chunksRoot: (d) => (seen = this.hasher.chunksRoot(d)) }
    let ok: boolean
    try {
      ok = verifySegmentProof(root, layout, bytes, proof, recording)
    } catch (err) {
      throw new SegmentProofError(`segment ${index} rejected: ${(err as Error).message}`, { cause: err })
    }
    if (!ok) throw new SegmentProofError(`segment ${index} does not match root ${toHex(root)}`)
    return seen ?? segmentRoot(bytes, segmentChunkCount(layout, index), this.hasher)
  }

  /**
   * Under the submission's lock: write → fsync → (last segment: completion check) → index. A
   * rejected completion tombstones the range in the same batch that indexes the segment (so
   * compact() gives back every byte of it, this segment included).
   */
  private async storeSegment (flowStart: number, index: number, bytes: Uint8Array, segRoot: Uint8Array, proof: MerkleProof): Promise<
    { outcome: 'had' | 'dead' } | { outcome: 'stored', completed?: { info: FileInfo, detail: unknown } } | { outcome: 'rejected', error: GlowmeshError }
  > {
    const e = await this.entry(flowStart)
    if (e === undefined || !LIVE.has(e.status)) return { outcome: 'dead' }
    if (await this.db.get(keys.segment(flowStart, index)) !== undefined) return { outcome: 'had' }
    await this.log.write((flowStart + index * SEGMENT_CHUNKS) * CHUNK_SIZE, bytes, { sync: this.sync })
    const next: FileInfo = { ...e, received: e.received + 1, storedBytes: e.storedBytes + bytes.length }
    const ops: BatchOp[] = [{ type: 'put', key: keys.segment(flowStart, index), value: encodeSegment(segRoot, proof) }]
    let completed: { info: FileInfo, detail: unknown } | undefined
    if (next.received === e.dataSegments) {
      await this.completeTree(next, index, segRoot)
      let verdict: CompletionVerdict = { accept: true }
      if (this.completionCheck !== undefined) {
        const base = flowStart * CHUNK_SIZE
        verdict = await this.completionCheck(next, async (offset, length) => await this.log.read(base + offset, length))
        if (!verdict.accept) {
          // Before rejecting, rule out our own disk: every earlier segment must still hash to the
          // root it had on arrival. A corrupt one is un-indexed (the upload repairs it) instead.
          const corrupt = await this.corruptSegments(next, index)
          if (corrupt.length > 0) {
            for (const c of corrupt) ops.push({ type: 'del', key: keys.segment(flowStart, c.index) })
            next.received -= corrupt.length
            next.storedBytes -= corrupt.reduce((n, c) => n + c.length, 0)
            this.trees.delete(flowStart)
            ops.push({ type: 'put', key: keys.entry(flowStart), value: encodeInfo(next) })
            await this.db.batch(ops, { sync: this.sync })
            return { outcome: 'stored' }
          }
          const dead: FileInfo = { ...next, status: 'tombstoned', reason: verdict.error.message }
          ops.push({ type: 'put', key: keys.entry(flowStart), value: encodeInfo(dead) }, { type: 'put', key: keys.reclaim(flowStart), value: new Uint8Array(0) })
          await this.db.batch(ops, { sync: this.sync })
          this.trees.delete(flowStart)
          return { outcome: 'rejected', error: verdict.error }
        }
      }
      next.status = 'complete'
      completed = { info: next, detail: verdict.detail }
    }
    ops.push({ type: 'put', key: keys.entry(flowStart), value: encodeInfo(next) })
    await this.db.batch(ops, { sync: this.sync })
    return { outcome: 'stored', completed }
  }

  /** Stored segments of a submission (all but `except`, just written) whose bytes no longer hash to their recorded root. */
  private async corruptSegments (info: FileInfo, except: number): Promise<Array<{ index: number, length: number }>> {
    const layout = layoutOf(info)
    const out: Array<{ index: number, length: number }> = []
    for await (const [key, value] of this.db.iterator(keys.segmentRange(info.flowStart))) {
      const i = keys.segmentIndexOfKey(key)
      if (i === except) continue
      const length = segmentLength(layout, i)
      const bytes = await this.log.read((info.flowStart + i * SEGMENT_CHUNKS) * CHUNK_SIZE, length)
      if (!equalBytes(segmentRoot(bytes, segmentChunkCount(layout, i), this.hasher), value.subarray(0, 32))) out.push({ index: i, length })
    }
    return out
  }

  /** Rebuilds the SegmentTree from the stored roots (plus the one being added) and checks it against the file root. */
  private async completeTree (info: FileInfo, addedIndex: number, addedRoot: Uint8Array): Promise<SegmentTree> {
    const layout = layoutOf(info)
    const roots = new Array<Uint8Array>(layout.dataSegments)
    for await (const [key, value] of this.db.iterator(keys.segmentRange(info.flowStart))) roots[keys.segmentIndexOfKey(key)] = value.subarray(0, 32)
    roots[addedIndex] = addedRoot
    if (roots.some((x) => x === undefined)) throw new GlowmeshError('STORE_INDEX', `segment index of ${info.root} is inconsistent: received count says complete but segments are missing`)
    const tree = SegmentTree.fromDataSegmentRoots(layout, roots, this.hasher)
    if (toHex(tree.root) !== info.root) throw new GlowmeshError('STORE_INDEX', `segment roots of ${info.root} fold to ${toHex(tree.root)}`)
    this.cacheTree(info.flowStart, tree)
    return tree
  }

  private cacheTree (flowStart: number, tree: SegmentTree): void {
    this.trees.delete(flowStart)
    this.trees.set(flowStart, tree)
    if (this.trees.size > TREE_CACHE) this.trees.delete(this.trees.keys().next().value!)
  }

  private async treeOf (info: FileInfo): Promise<SegmentTree> {
    const cached = this.trees.get(info.flowStart)
    if (cached !== undefined) { this.cacheTree(info.flowStart, cached); return cached }
    const layout = layoutOf(info)
    const roots: Uint8Array[] = []
    for await (const value of this.db.values(keys.segmentRange(info.flowStart))) roots.push(value.slice(0, 32))
    if (roots.length !== layout.dataSegments) throw new GlowmeshError('STORE_INDEX', `segment index of ${info.root} holds ${roots.length}/${layout.dataSegments} roots`)
    const tree = SegmentTree.fromDataSegmentRoots(layout, roots, this.hasher)
    if (toHex(tree.root) !== info.root) throw new GlowmeshError('STORE_INDEX', `segment roots of ${info.root} fold to ${toHex(tree.root)}`)
    this.cacheTree(info.flowStart, tree)
    return tree
  }

  // ── reading data ─────────────────────────────────────────────────────────────────────────────

  /**
   * Segment `index` of `root` with its proof against the root, read from the flow log and checked
   * (segment root and proof) before it is returned. Works before the upload completes for the
   * segments present (the uploader's proofs are kept). Throws FileTombstonedError, FilePrunedError,
   * SegmentMissingError, SegmentOutOfRangeError, UnknownFileError, SegmentCorruptError.
   * @example const { bytes, proof } = await store.getSegment(root, 3)
   */
  async getSegment (root: RootLike, index: number): Promise<StoredSegment> {
    this.check()
    const r = rootBytes(root)
    const list = await this.requireEntries(r)
    const live = list.filter((e) => LIVE.has(e.status))
    if (live.length === 0) throw this.deadError(r, list[0])
    if (!Number.isSafeInteger(index) || index < 0 || index >= Math.max(...live.map((e) => e.dataSegments))) {
      throw new SegmentOutOfRangeError(index, Math.max(...live.map((e) => e.dataSegments)))
    }
    for (const e of live) {
      if (index >= e.dataSegments) continue
      const got = await this.readSegment(r, e, index)
      if (got !== undefined) return got
    }
    // A lifecycle change may have happened while we read.
    const again = await this.requireEntries(r)
    if (!again.some((e) => LIVE.has(e.status))) throw this.deadError(r, again[0])
    throw new SegmentMissingError(r, index)
  }

  /** Reads one stored segment with its kept proof, without checking the bytes; undefined when not stored. */
  private async readSegmentUnchecked (e: FileInfo, index: number): Promise<StoredSegment | undefined> {
    const value = await this.db.get(keys.segment(e.flowStart, index))
    if (value === undefined) return undefined
    const layout = layoutOf(e)
    const bytes = await this.log.read((e.flowStart + index * SEGMENT_CHUNKS) * CHUNK_SIZE, segmentLength(layout, index))
    return { bytes, proof: decodeSegment(value, index, layout).proof }
  }

  /** Reads and checks one stored segment of one submission; undefined when not stored. */
  private async readSegment (root: Uint8Array, e: FileInfo, index: number): Promise<StoredSegment | undefined> {
    const value = await this.db.get(keys.segment(e.flowStart, index))
    if (value === undefined) return undefined
    const layout = layoutOf(e)
    const { segRoot, proof } = decodeSegment(value, index, layout)
    const offset = (e.flowStart + index * SEGMENT_CHUNKS) * CHUNK_SIZE
    const len = segmentLength(layout, index)
    const bytes = await this.log.read(offset, len)
    if (equalBytes(segmentRoot(bytes, segmentChunkCount(layout, index), this.hasher), segRoot) && equalBytes(rootFromProof(segRoot, proof, this.hasher.hashPair), root)) {
      return { bytes, proof }
    }
    // Mismatch: either compaction zeroed the range under us (then the status says so), or the disk
    // is corrupt — then un-index the segment so the upload path can repair it.
    return await this.locks.run(keys.entry(e.flowStart), async () => {
      const now = await this.entry(e.flowStart)
      if (now === undefined || !LIVE.has(now.status)) return undefined
      if (await this.db.get(keys.segment(e.flowStart, index)) === undefined) return undefined
      const reread = await this.log.read(offset, len)
      if (equalBytes(segmentRoot(reread, segmentChunkCount(layout, index), this.hasher), segRoot)) return { bytes: reread, proof }
      const next: FileInfo = { ...now, status: 'pending', received: now.received - 1, storedBytes: now.storedBytes - len }
      await this.db.batch([
        { type: 'del', key: keys.segment(e.flowStart, index) },
        { type: 'put', key: keys.entry(e.flowStart), value: encodeInfo(next) }
      ], { sync: this.sync })
      this.trees.delete(e.flowStart)
      throw new SegmentCorruptError(root, index)
    })
  }

  /**
   * The chunk at flow position `flowPosition` with its proof against its file's root, for PoRA
   * answers (padding chunks included, as zeros, once the file is complete).
   * @example const { root, chunk, proof } = await store.getChunk(position)
   */
  async getChunk (flowPosition: number): Promise<FlowChunk> {
    return await this.chunkAt(flowPosition, true)
  }

  private async chunkAt (flowPosition: number, retry: boolean): Promise<FlowChunk> {
    const e = await this.fileAt(flowPosition)
    const root = fromHex(e.root, 32)
    if (!LIVE.has(e.status)) throw this.deadError(root, e)
    const layout = layoutOf(e)
    const seg = Math.floor(e.chunkIndex / SEGMENT_CHUNKS)
    let segment: Uint8Array
    let segProof: MerkleProof
    if (seg < layout.dataSegments) {
      // Fast path: the bytes and the proof kept at upload, unchecked — the composed chunk proof is
      // verified below, which catches a corrupt segment anyway; only then take the checking path.
      const got = await this.readSegmentUnchecked(e, seg) ?? await this.readSegment(root, e, seg)
      if (got === undefined) {
        const now = await this.entry(e.flowStart)
        if (now !== undefined && !LIVE.has(now.status)) throw this.deadError(root, now)
        throw new SegmentMissingError(root, seg)
      }
      segment = got.bytes
      segProof = got.proof
    } else {
      // A whole padding segment: zeros; its proof needs every data segment root (complete files only).
      if (e.status !== 'complete') throw new SegmentMissingError(root, seg)
      segment = new Uint8Array(0)
      segProof = (await this.treeOf(e)).proof(seg)
    }
    const proof = chunkProof(layout, segment, e.chunkIndex, segProof, this.hasher)
    const chunk = new Uint8Array(CHUNK_SIZE)
    const inSeg = (e.chunkIndex % SEGMENT_CHUNKS) * CHUNK_SIZE
    chunk.set(segment.subarray(Math.min(inSeg, segment.length), Math.min(inSeg + CHUNK_SIZE, segment.length)))
    if (!verifyChunkProof(root, chunk, proof, this.hasher)) {
      if (seg >= layout.dataSegments || !retry) throw new SegmentCorruptError(root, seg)
      // Corrupt on disk, or reclaimed under us: the checking path un-indexes it (and throws), or
      // the retry sees the new status.
      await this.readSegment(root, e, seg)
      return await this.chunkAt(flowPosition, false)
    }
    return { root, flowPosition, chunkIndex: e.chunkIndex, chunk, proof }
  }

  /**
   * Raw flow bytes: `chunks` chunks from chunk `position`, as every node holding the same committed
   * data has them — file bytes of complete submissions, zeros for padding, unallocated space and
   * dead (tombstoned, pruned) submissions. PoRA seals these. Throws SegmentMissingError while a
   * submission in the range is still being uploaded here (its bytes would read as zeros, wrongly).
   * @example const bytes = await store.readFlow(4096, 1024) // one 256 KiB segment
   */
  async readFlow (position: number, chunks: number): Promise<Uint8Array> {
    this.check()
    checkCount('flow position', position)
    checkCount('chunk count', chunks)
    if (chunks > 1 << 16) throw new InvalidInputError('readFlow reads at most 16 MiB at once')
    const end = position + chunks
    const out = new Uint8Array(chunks * CHUNK_SIZE)
    // The submission covering `position` (if any), then every one starting inside the range.
    const infos: FileInfo[] = []
    for await (const [, value] of this.db.iterator({ gte: keys.entryRange.gte, lte: keys.entry(position), reverse: true, limit: 1 })) infos.push(decodeInfo(value))
    for await (const [, value] of this.db.iterator({ gt: keys.entry(position), lt: keys.entry(end) })) infos.push(decodeInfo(value))
    for (const e of infos) {
      const from = Math.max(position, e.flowStart)
      const to = Math.min(end, e.flowStart + e.paddedChunks)
      if (to <= from || !LIVE.has(e.status)) continue // outside the range, or dead: zeros
      if (e.status !== 'complete') throw new SegmentMissingError(fromHex(e.root, 32), Math.floor((from - e.flowStart) / SEGMENT_CHUNKS))
      // Only the file's own bytes were written; padding past them is a hole (zeros) in the log.
      const dataEnd = Math.min(to, e.flowStart + Math.ceil(e.size / CHUNK_SIZE))
      if (dataEnd > from) out.set(await this.log.read(from * CHUNK_SIZE, (dataEnd - from) * CHUNK_SIZE), (from - position) * CHUNK_SIZE)
    }
    return out
  }

  /**
   * The file's bytes [start, end) as an async iterable of verified pieces (segment by segment).
   * @example for await (const piece of store.stream(root, { signal })) out.write(piece)
   */
  async * stream (root: RootLike, options: { start?: number, end?: number, signal?: AbortSignal } = {}): AsyncGenerator<Uint8Array> {
    this.check()
    const info = await this.getFile(root)
    const start = options.start ?? 0
    const end = options.end ?? info.size
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end > info.size || start > end) {
      throw new InvalidInputError(`byte range [${start}, ${end}) is outside the file's ${info.size} bytes`)
    }
    for (let s = Math.floor(start / SEGMENT_SIZE); s * SEGMENT_SIZE < end; s++) {
      options.signal?.throwIfAborted()
      const { bytes } = await this.getSegment(root, s)
      const base = s * SEGMENT_SIZE
      yield bytes.subarray(Math.max(0, start - base), Math.min(bytes.length, end - base))
    }
  }

  // ── lifecycle ────────────────────────────────────────────────────────────────────────────────

  /** Applies `change` (and, when it changes something, `extra`'s ops in the same batch) to the selected submissions of `root`, each under its lock. */
  private async update (root: RootLike, flowStart: number | undefined, change: (e: FileInfo) => FileInfo | undefined, extra: (e: FileInfo) => BatchOp[] = () => []): Promise<FileInfo[]> {
    this.check()
    const r = rootBytes(root)
    const list = await this.requireEntries(r)
    const chosen = flowStart === undefined ? list : list.filter((e) => e.flowStart === flowStart)
    if (chosen.length === 0) throw new UnknownFileError(`${toHex(r)} at flow position ${String(flowStart)}`)
    const out: FileInfo[] = []
    for (const c of chosen) {
      out.push(await this.locks.run(keys.entry(c.flowStart), async () => {
        const e = (await this.entry(c.flowStart))!
        const next = change(e)
        if (next === undefined) return e
        await this.db.batch([{ type: 'put', key: keys.entry(e.flowStart), value: encodeInfo(next) }, ...extra(e)], { sync: this.sync })
        this.trees.delete(e.flowStart)
        return next
      }))
    }
    return out
  }

  /**
   * Rejects a submission (e.g. its CID turned out wrong): never served again; compact() frees its
   * bytes. All submissions of the root unless `flowStart` picks one. Idempotent.
   * @example await store.tombstone(root, 'CID mismatch', { flowStart })
   */
  async tombstone (root: RootLike, reason: string, options: { flowStart?: number } = {}): Promise<FileInfo[]> {
    return await this.update(root, options.flowStart,
      (e) => e.status === 'tombstoned' ? undefined : { ...e, status: 'tombstoned', reason: String(reason) },
      (e) => e.status === 'pruned' && e.reclaimed !== undefined ? [] : [{ type: 'put', key: keys.reclaim(e.flowStart), value: new Uint8Array(0) }])
  }

  /**
   * Marks expired submissions pruned: the flow range stays allocated, compact() deletes the bytes,
   * and reads throw FilePrunedError. All live submissions of the root unless `flowStart` picks one.
   * @example await store.prune(root)
   */
  async prune (root: RootLike, options: { flowStart?: number } = {}): Promise<FileInfo[]> {
    return await this.update(root, options.flowStart,
      (e) => LIVE.has(e.status) ? { ...e, status: 'pruned' } : undefined,
      (e) => [{ type: 'put', key: keys.reclaim(e.flowStart), value: new Uint8Array(0) }])
  }

  /**
   * Prunes every live submission whose `expiresAtEpoch` ≤ `epoch`; returns them.
   * @example const gone = await store.pruneExpired(currentEpoch)
   */
  async pruneExpired (epoch: number, options: { signal?: AbortSignal } = {}): Promise<FileInfo[]> {
    this.check()
    const out: FileInfo[] = []
    const due: number[] = []
    for await (const key of this.db.keys(keys.expiryUpTo(checkCount('epoch', epoch)))) due.push(keys.flowStartAtEnd(key))
    for (const fs of due) {
      options.signal?.throwIfAborted()
      const e = await this.entry(fs)
      if (e === undefined || !LIVE.has(e.status) || e.expiresAtEpoch > epoch) continue
      out.push(...await this.prune(e.root, { flowStart: fs }))
    }
    return out
  }

  /**
   * Extends a submission's term (a renewal the ledger committed). All live submissions of the root
   * unless `flowStart` picks one; never shortens it.
   * @example await store.renew(root, 120)
   */
  async renew (root: RootLike, expiresAtEpoch: number | bigint, options: { flowStart?: number } = {}): Promise<FileInfo[]> {
    const epoch = checkCount('expiresAtEpoch', expiresAtEpoch)
    return await this.update(root, options.flowStart,
      (e) => LIVE.has(e.status) && epoch > e.expiresAtEpoch ? { ...e, expiresAtEpoch: epoch } : undefined,
      (e) => LIVE.has(e.status) && epoch > e.expiresAtEpoch
        ? [{ type: 'del', key: keys.expiry(e.expiresAtEpoch, e.flowStart) }, { type: 'put', key: keys.expiry(epoch, e.flowStart), value: new Uint8Array(0) }]
        : [])
  }

  /**
   * Gives back the bytes of tombstoned and pruned submissions (punching holes in the part files, or
   * overwriting with zeros where that is unavailable), then drops their segment index. Resumable: a
   * crash mid-way leaves the queue entry, and the next compact() does it again.
   * @example const { bytes } = await store.compact()
   */
  async compact (options: { signal?: AbortSignal } = {}): Promise<CompactResult> {
    this.check()
    const queued: number[] = []
    for await (const key of this.db.keys(keys.reclaimRange)) queued.push(keys.flowStartAtEnd(key))
    const result: CompactResult = { submissions: 0, bytes: 0 }
    for (const fs of queued) {
      options.signal?.throwIfAborted()
      await this.locks.run(keys.entry(fs), async () => {
        const e = await this.entry(fs)
        if (e === undefined || LIVE.has(e.status)) { await this.db.del(keys.reclaim(fs)); return }
        const layout = layoutOf(e)
        const ranges: Array<{ offset: number, length: number }> = []
        const dels: Array<{ type: 'del', key: string }> = []
        let bytes = 0
        for await (const key of this.db.keys(keys.segmentRange(fs))) {
          const i = keys.segmentIndexOfKey(key)
          const offset = (fs + i * SEGMENT_CHUNKS) * CHUNK_SIZE
          const length = segmentLength(layout, i)
          const last = ranges[ranges.length - 1]
          if (last !== undefined && last.offset + last.length === offset) last.length += length
          else ranges.push({ offset, length })
          dels.push({ type: 'del', key })
          bytes += length
        }
        const method = ranges.length > 0 ? await this.log.reclaim(ranges) : (e.reclaimed ?? 'zero')
        await this.db.batch([
          ...dels,
          { type: 'del', key: keys.reclaim(fs) },
          { type: 'put', key: keys.entry(fs), value: encodeInfo({ ...e, received: 0, storedBytes: 0, reclaimed: method }) }
        ], { sync: this.sync })
        result.submissions++
        result.bytes += bytes
        if (ranges.length > 0) result.method = method
      })
    }
    return result
  }

  /**
   * Every submission with the given status (all when omitted), in flow order. O(submissions).
   * @example for (const f of await store.files('pending')) await replicate(f)
   */
  async files (status?: FileInfo['status']): Promise<FileInfo[]> {
    this.check()
    const out: FileInfo[] = []
    for await (const value of this.db.values(keys.entryRange)) {
      const e = decodeInfo(value)
      if (status === undefined || e.status === status) out.push(e)
    }
    return out.sort((a, b) => a.flowStart - b.flowStart)
  }

  /**
   * Totals: bytes stored, submissions by status, flow length, compaction backlog. O(submissions).
   * @example const { bytesStored, files } = await store.stats()
   */
  async stats (): Promise<FlowStoreStats> {
    this.check()
    const s: FlowStoreStats = { bytesStored: 0, files: { pending: 0, complete: 0, tombstoned: 0, pruned: 0 }, flowChunks: 0, awaitingCompaction: 0 }
    for await (const value of this.db.values(keys.entryRange)) {
      const e = decodeInfo(value)
      s.files[e.status]++
      s.bytesStored += e.storedBytes
      s.flowChunks = Math.max(s.flowChunks, e.flowStart + e.paddedChunks)
    }
    for await (const _ of this.db.keys(keys.reclaimRange)) s.awaitingCompaction++
    return s
  }

  /**
   * Closes the index and the part files (waits for nothing: callers stop writing first).
   * @example await store.close()
   */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.log.close()
    await this.db.close()
  }
}

/** CIDs are multibase strings (base32/base58): letters and digits only, which also keeps index keys unambiguous. */
function checkCid (cid: string): string {
  if (typeof cid !== 'string' || !/^[A-Za-z0-9]{0,200}$/.test(cid)) throw new InvalidInputError(`malformed CID '${String(cid).slice(0, 40)}'`)
  return cid
}
