/**
 * The full node's DA custody (DESIGN §3): the 128 cells + proofs of every blob of every block in
 * the sampling window, on disk, each blob verified before it is kept.
 *
 * On disk (`dir`): `blobs/<commitment hex>.cells` — 128 cells (2048 B) then 128 proofs (48 B),
 * 268,288 B, so cell j is one positioned read. Blobs are content-addressed by commitment (the same
 * payload submitted twice is kept once). `index/` — LevelDB:
 *
 *   h/<c>                      the blob file of commitment c is complete and synced
 *   p/<c>                      pending: received, its tx not committed yet (value: expiry, ms)
 *   s/<height>/<index>         a committed da.submit (JSON: size, txHash, commitments)
 *   r/<c>/<height>/<index>     committed references to c (a blob is deleted when none and no p/ remain)
 *   m/head                     the newest height recorded
 *   m/base                     the first height recorded (> 1 on a node that joined by state sync)
 *
 * Numbers in keys are fixed-width hex so keys sort by height. Crash safety as the flow store: the
 * file is written to a temporary name, fdatasync'd, renamed, the folder fsync'd, and only then
 * indexed in a synced batch; open() deletes blob files the index doesn't name.
 */
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { ClassicLevel } from 'classic-level'
import { BYTES_PER_CELL, BYTES_PER_COMMITMENT, BYTES_PER_PROOF, CELLS_PER_EXT_BLOB, type KzgCellVerifier } from '../../protocol/da/index.js'
import { toHex } from '../../protocol/bytes.js'
import { InvalidInputError } from '../../protocol/errors.js'
import { KeyedMutex } from '../store/mutex.js'
import { CellStoreClosedError, DaBusyError, InvalidCellsError, NotAvailableError } from './errors.js'
import { BLOB_RECORD_BYTES, type BlobCells } from './submission.js'

/** A blob to keep: its commitment with all 128 cells and proofs. */
export interface BlobToKeep extends BlobCells { commitment: Uint8Array }

/** A committed `da.submit` as the chain's event reports it. */
export interface SubmissionRecord {
  height: number
  /** The submission's index among the block's DA submissions (the ledger's `blob/<height>/<i>`). */
  index: number
  size: number
  /** 0x-hex sha256 of the tx. */
  txHash: string
  /** 0x-hex commitments, in blob order. */
  commitments: string[]
}

export interface CellStoreOptions {
  dir: string
  /** Verifies cells before they are kept (the native backend on full nodes). */
  kzg: KzgCellVerifier
  /** Blocks whose cells are kept (genesis `daWindowBlocks`): height h is pruned once the head reaches h + window. */
  windowBlocks: number
  /** How long received cells wait for their tx to commit (default 10 min). */
  pendingTtlMs?: number
  /** Most bytes of pending (uncommitted) blobs kept at once (default 1 GiB); over it → DaBusy. */
  maxPendingBytes?: number
}

export interface CellStoreStats { blobs: number, bytes: number, pending: number, head: number, windowBlocks: number }

const hexN = (n: number, width: number): string => n.toString(16).padStart(width, '0')
const sKey = (h: number, i: number): string => `s/${hexN(h, 12)}/${hexN(i, 8)}`
const rKey = (c: string, h: number, i: number): string => `r/${c}/${hexN(h, 12)}/${hexN(i, 8)}`
const enc = new TextEncoder()
const dec = new TextDecoder()
const json = (v: unknown): Uint8Array => enc.encode(JSON.stringify(v))
const unjson = <T>(b: Uint8Array): T => JSON.parse(dec.decode(b)) as T

function commitmentHex (c: Uint8Array | string): string {
  const hex = typeof c === 'string' ? c.toLowerCase() : toHex(c)
  if (!/^0x[0-9a-f]{96}$/.test(hex)) throw new InvalidInputError(`commitment must be ${BYTES_PER_COMMITMENT} bytes`)
  return hex
}

/** The blob's record (128 cells then 128 proofs) as one view, when its cells and proofs already lie that way in one buffer. */
function contiguousRecord (b: BlobCells): Uint8Array | undefined {
  const first = b.cells[0]
  const base = first.byteOffset
  const pBase = base + CELLS_PER_EXT_BLOB * BYTES_PER_CELL
  for (let j = 0; j < CELLS_PER_EXT_BLOB; j++) {
    const x = b.cells[j]; const p = b.proofs[j]
    if (x.buffer !== first.buffer || x.byteOffset !== base + j * BYTES_PER_CELL || x.length !== BYTES_PER_CELL) return undefined
    if (p.buffer !== first.buffer || p.byteOffset !== pBase + j * BYTES_PER_PROOF || p.length !== BYTES_PER_PROOF) return undefined
  }
  return new Uint8Array(first.buffer, base, BLOB_RECORD_BYTES)
}

/**
 * Cells and proofs of DA blobs on disk, by commitment, with the chain's submissions by height.
 * @example const cells = await CellStore.open({ dir, kzg: await createNativeKzg(), windowBlocks: 600 })
 */
export class CellStore {
  private closed = false
  private readonly mutex = new KeyedMutex()
  private pendingBytes = 0
  private baseHeight = 0
  /** Whole blob records most recently sampled (every light client samples the newest blocks): 64 × 262 KiB. */
  private readonly recent = new Map<string, Uint8Array>()

  private constructor (
    private readonly dir: string,
    private readonly db: ClassicLevel<string, Uint8Array>,
    private readonly kzg: KzgCellVerifier,
    readonly windowBlocks: number,
    private readonly pendingTtlMs: number,
    private readonly maxPendingBytes: number,
    /** Commitments whose blob file is complete (mirrors `h/`). */
    private readonly held: Set<string>,
    /** Pending commitments → expiry (mirrors `p/`). */
    private readonly pending: Map<string, number>,
    private headHeight: number
  ) {}

  /**
   * Opens (or creates) the store; removes blob files left unindexed by a crash.
   * @example const store = await CellStore.open({ dir: join(dataDir, 'da'), kzg, windowBlocks: 600 })
   */
  static async open (options: CellStoreOptions): Promise<CellStore> {
    if (!Number.isInteger(options.windowBlocks) || options.windowBlocks < 1) throw new InvalidInputError('windowBlocks must be a positive integer')
    await mkdir(join(options.dir, 'blobs'), { recursive: true })
    const db = new ClassicLevel<string, Uint8Array>(join(options.dir, 'index'), { keyEncoding: 'utf8', valueEncoding: 'view' })
    try {
      await db.open()
    } catch (err) {
      if ((err as { cause?: { code?: string } }).cause?.code === 'LEVEL_LOCKED') throw new CellStoreClosedError(`${options.dir} is in use by another process`)
      throw err
    }
    const held = new Set<string>()
    for await (const k of db.keys({ gte: 'h/', lt: 'h0' })) held.add(k.slice(2))
    const pending = new Map<string, number>()
    for await (const [k, v] of db.iterator({ gte: 'p/', lt: 'p0' })) pending.set(k.slice(2), Number(dec.decode(v)))
    const headBytes = await db.get('m/head')
    const head = headBytes === undefined ? 0 : Number(dec.decode(headBytes))
    // Crash leftovers: temporary files, and complete files whose index entry never got written.
    for (const name of await readdir(join(options.dir, 'blobs'))) {
      const c = name.endsWith('.cells') ? name.slice(0, -'.cells'.length) : undefined
      if (c === undefined || !held.has(c)) await rm(join(options.dir, 'blobs', name), { force: true })
    }
    const store = new CellStore(options.dir, db, options.kzg, options.windowBlocks, options.pendingTtlMs ?? 600_000, options.maxPendingBytes ?? 1024 ** 3, held, pending, head)
    store.pendingBytes = [...pending.keys()].filter((c) => held.has(c)).length * BLOB_RECORD_BYTES
    const baseBytes = await db.get('m/base')
    store.baseHeight = baseBytes === undefined ? (head > 0 ? 1 : 0) : Number(dec.decode(baseBytes)) // stores older than m/base followed from genesis
    return store
  }

  private check (): void { if (this.closed) throw new CellStoreClosedError() }
  private path (c: string): string { return join(this.dir, 'blobs', `${c}.cells`) }

  /** The newest height recorded with `advance`. */
  get head (): number { return this.headHeight }

  /** The first height recorded with `advance` (0 before any): a node that joined by state sync at H has no records below H + 1. */
  get base (): number { return this.baseHeight }

  /** Whether every cell of the blob with this commitment is held. @example store.has('0xab…') */
  has (commitment: Uint8Array | string): boolean {
    return this.held.has(commitmentHex(commitment))
  }

  /**
   * Verifies all cells of all `blobs` in one KZG batch and keeps them; throws InvalidCellsError
   * (naming the first bad blob) and keeps nothing if any cell fails. Blobs whose tx has not been
   * recorded yet are held *pending* for `pendingTtlMs`. `verified: true` skips the KZG check for
   * cells this node computed itself.
   * @example await store.put([{ commitment, cells, proofs }])
   */
  async put (blobs: BlobToKeep[], options: { verified?: boolean, signal?: AbortSignal } = {}): Promise<void> {
    this.check()
    const keys = blobs.map((b) => commitmentHex(b.commitment))
    for (const [i, b] of blobs.entries()) {
      if (b.cells.length !== CELLS_PER_EXT_BLOB || b.proofs.length !== CELLS_PER_EXT_BLOB) throw new InvalidInputError(`blob ${i}: needs ${CELLS_PER_EXT_BLOB} cells and proofs`)
    }
    const fresh = blobs.filter((_, i) => !this.held.has(keys[i]))
    if (fresh.length > 0 && this.pendingBytes + fresh.length * BLOB_RECORD_BYTES > this.maxPendingBytes) {
      throw new DaBusyError(`${this.pendingBytes} bytes of uncommitted DA data held already (limit ${this.maxPendingBytes}); retry later`)
    }
    if (options.verified !== true && fresh.length > 0) await this.verify(fresh, options.signal)
    const expiry = Date.now() + this.pendingTtlMs
    // One pass for the whole put (issue 13: one block's blobs arrive together): every new file is
    // written and fdatasync'd in parallel, renamed, the folder fsync'd once, and all blobs indexed in
    // one synced batch — instead of a folder fsync and a synced batch per blob.
    const unique = new Map<string, BlobToKeep>()
    keys.forEach((c, i) => { if (!unique.has(c)) unique.set(c, blobs[i]) })
    const order = [...unique.keys()].sort() // locks in one global order: no deadlock between puts
    await this.lockAll(order, async () => {
      const referenced = await Promise.all(order.map(async (c) => await this.hasRefs(c)))
      const toWrite = order.filter((c) => !this.held.has(c))
      const written = await Promise.allSettled(toWrite.map(async (c) => await this.writeTemp(c, unique.get(c)!)))
      const failed = written.find((r): r is PromiseRejectedResult => r.status === 'rejected')
      if (failed !== undefined) {
        await Promise.all(written.map(async (r) => { if (r.status === 'fulfilled') await rm(r.value, { force: true }) }))
        throw failed.reason
      }
      for (const [i, c] of toWrite.entries()) await rename((written[i] as PromiseFulfilledResult<string>).value, this.path(c))
      if (toWrite.length > 0) {
        const d = await open(join(this.dir, 'blobs'), 'r')
        try { await d.sync() } finally { await d.close() }
      }
      const batch = this.db.batch()
      order.forEach((c, i) => {
        batch.put(`h/${c}`, new Uint8Array([1]))
        if (!referenced[i]) batch.put(`p/${c}`, enc.encode(String(expiry)))
      })
      await batch.write({ sync: true } as any)
      order.forEach((c, i) => {
        if (!this.held.has(c) && !referenced[i]) this.pendingBytes += BLOB_RECORD_BYTES
        this.held.add(c)
        if (!referenced[i]) this.pending.set(c, expiry)
      })
    })
  }

  /** Runs `fn` holding the locks of all `keys` (taken in the order given). */
  private async lockAll<T> (keys: string[], fn: () => Promise<T>): Promise<T> {
    if (keys.length === 0) return await fn()
    return await this.mutex.run(keys[0], async () => await this.lockAll(keys.slice(1), fn))
  }

  private async verify (blobs: BlobToKeep[], signal?: AbortSignal): Promise<void> {
    const batch = { commitments: [] as Uint8Array[], cellIndices: [] as number[], cells: [] as Uint8Array[], proofs: [] as Uint8Array[] }
    for (const b of blobs) {
      for (let j = 0; j < CELLS_PER_EXT_BLOB; j++) {
        batch.commitments.push(b.commitment); batch.cellIndices.push(j); batch.cells.push(b.cells[j]); batch.proofs.push(b.proofs[j])
      }
    }
    if (await this.kzg.verifyCells(batch, { signal })) return
    // Name the culprit (only on failure, so honest submissions pay for one batch).
    for (const [i, b] of blobs.entries()) {
      const ok = await this.kzg.verifyCells({ commitments: b.cells.map(() => b.commitment), cellIndices: b.cells.map((_, j) => j), cells: b.cells, proofs: b.proofs }, { signal })
      if (!ok) throw new InvalidCellsError(`blob ${i} (${toHex(b.commitment).slice(0, 18)}…): its cells do not open against its commitment; nothing was kept`)
    }
    throw new InvalidCellsError('the cells do not verify against their commitments; nothing was kept')
  }

  /**
   * Writes a blob's record to a temporary file in one write and fdatasyncs it; returns its path. A
   * blob decoded from a submission body is already one contiguous record there (cells then proofs,
   * submission.ts), so it is written from the body without a copy; other blobs in one writev.
   */
  private async writeTemp (c: string, b: BlobCells): Promise<string> {
    const tmp = join(this.dir, 'blobs', `${c}.tmp-${randomBytes(6).toString('hex')}`)
    const whole = contiguousRecord(b)
    const fh = await open(tmp, 'w')
    try {
      // otherwise (cells replicated column by column are views into the peer's answer) one
      // gathering write of the 256 views, without copying them into a record first
      const n = whole !== undefined ? (await fh.write(whole, 0, whole.length, 0)).bytesWritten : (await fh.writev([...b.cells, ...b.proofs], 0)).bytesWritten
      if (n !== BLOB_RECORD_BYTES) throw new Error(`short write of blob ${c.slice(0, 18)}…: ${n} of ${BLOB_RECORD_BYTES} bytes`)
      await fh.datasync()
    } finally { await fh.close() }
    return tmp
  }

  private async hasRefs (c: string): Promise<boolean> {
    for await (const _ of this.db.keys({ gte: `r/${c}/`, lt: `r/${c}0`, limit: 1 })) return true
    return false
  }

  /**
   * Drops pending blobs (their tx was refused): files go unless a committed submission uses them.
   * @example await store.release([commitment])
   */
  async release (commitments: Array<Uint8Array | string>): Promise<void> {
    this.check()
    for (const c of commitments.map(commitmentHex)) {
      if (!this.pending.has(c)) continue
      await this.mutex.run(c, async () => {
        await this.db.del(`p/${c}`)
        if (this.pending.delete(c) && this.held.has(c)) this.pendingBytes -= BLOB_RECORD_BYTES
      })
      await this.gc(c)
    }
  }

  /**
   * Records committed `da.submit`s of one block (from the chain's events). Idempotent, so a block
   * replayed after a crash records the same. Synced before it returns.
   * @example await store.record([{ height: 12, index: 0, size: 1000, txHash, commitments }])
   */
  async record (subs: SubmissionRecord[]): Promise<void> {
    this.check()
    if (subs.length === 0) return
    // every input checked before the batch is opened: a throw must not leave an open batch behind
    const hexes = subs.map((s) => {
      if (!Number.isSafeInteger(s.height) || s.height < 1 || !Number.isSafeInteger(s.index) || s.index < 0) throw new InvalidInputError('submission height/index out of range')
      return s.commitments.map(commitmentHex)
    })
    const batch = this.db.batch()
    for (const [i, s] of subs.entries()) {
      const cs = hexes[i]
      batch.put(sKey(s.height, s.index), json({ size: s.size, txHash: s.txHash, commitments: cs }))
      for (const c of cs) { batch.put(rKey(c, s.height, s.index), new Uint8Array([1])); batch.del(`p/${c}`) }
    }
    await batch.write({ sync: true } as any)
    for (const c of hexes.flat()) if (this.pending.delete(c) && this.held.has(c)) this.pendingBytes -= BLOB_RECORD_BYTES
  }

  /**
   * Moves the head to `height` and prunes what left the window (heights ≤ head − window) and
   * pending blobs whose tx never came. Returns how many submissions were pruned.
   * @example await store.advance(1234)
   */
  async advance (height: number): Promise<{ pruned: number }> {
    this.check()
    if (height > this.headHeight) {
      this.headHeight = height
      await this.db.put('m/head', enc.encode(String(height)))
    }
    if (this.baseHeight === 0) {
      this.baseHeight = height
      await this.db.put('m/base', enc.encode(String(height)))
    }
    const below = this.headHeight - this.windowBlocks + 1 // first height still in the window
    let pruned = 0
    const orphans = new Set<string>()
    if (below > 1) {
      const batch = this.db.batch()
      for await (const [k, v] of this.db.iterator({ gte: 's/', lt: `s/${hexN(below, 12)}` })) {
        const [, h, i] = k.split('/')
        for (const c of unjson<{ commitments: string[] }>(v).commitments) { batch.del(rKey(c, parseInt(h, 16), parseInt(i, 16))); orphans.add(c) }
        batch.del(k)
        pruned++
      }
      // an unwritten batch must be closed: the db keeps every open one (the 30-min soak found one left per block)
      if (pruned > 0) await batch.write(); else await batch.close()
    }
    const now = Date.now()
    for (const [c, expiry] of this.pending) {
      if (expiry > now) continue
      await this.mutex.run(c, async () => {
        if (this.pending.get(c) !== expiry) return
        await this.db.del(`p/${c}`)
        this.pending.delete(c)
        if (this.held.has(c)) this.pendingBytes -= BLOB_RECORD_BYTES
      })
      orphans.add(c)
    }
    for (const c of orphans) await this.gc(c)
    return { pruned }
  }

  /** Deletes a blob that nothing references any more: index first, then the file (open() sweeps a crash in between). */
  private async gc (c: string): Promise<void> {
    await this.mutex.run(c, async () => {
      if (this.pending.has(c) || await this.hasRefs(c) || !this.held.has(c)) return
      await this.db.del(`h/${c}`, { sync: true } as any)
      this.held.delete(c)
      this.recent.delete(c)
      await rm(this.path(c), { force: true })
    })
  }

  /**
   * The committed DA submissions of a block, in index order (blob order = this order, then each
   * submission's commitment order).
   * @example const subs = await store.submissionsAt(12)
   */
  async submissionsAt (height: number): Promise<SubmissionRecord[]> {
    this.check()
    const out: SubmissionRecord[] = []
    for await (const [k, v] of this.db.iterator({ gte: `s/${hexN(height, 12)}/`, lt: `s/${hexN(height, 12)}0` })) {
      const r = unjson<{ size: number, txHash: string, commitments: string[] }>(v)
      out.push({ height, index: parseInt(k.split('/')[2], 16), size: r.size, txHash: r.txHash, commitments: r.commitments })
    }
    return out
  }

  /** Heights in the window whose blobs are not all held (what replication must fetch), oldest first. @example for (const { height } of await store.missing()) … */
  async missing (): Promise<Array<{ height: number, commitments: string[] }>> {
    this.check()
    const byHeight = new Map<number, string[]>()
    for await (const [k, v] of this.db.iterator({ gte: 's/', lt: 's0' })) {
      const h = parseInt(k.split('/')[1], 16)
      const lacking = unjson<{ commitments: string[] }>(v).commitments.filter((c) => !this.held.has(c))
      if (lacking.length > 0) byHeight.set(h, [...(byHeight.get(h) ?? []), ...lacking])
    }
    return [...byHeight].map(([height, commitments]) => ({ height, commitments }))
  }

  /**
   * Cells and proofs of one blob at the given columns, in the order asked: read-only views into a
   * cached record (copy before changing one). NotAvailableError when the blob isn't held.
   * @example const { cells, proofs } = await store.read(commitment, [3, 77])
   */
  async read (commitment: Uint8Array | string, columns: readonly number[]): Promise<{ cells: Uint8Array[], proofs: Uint8Array[] }> {
    this.check()
    const c = commitmentHex(commitment)
    for (const j of columns) if (!Number.isInteger(j) || j < 0 || j >= CELLS_PER_EXT_BLOB) throw new InvalidInputError(`column ${j} out of range`)
    if (!this.held.has(c)) throw new NotAvailableError(`blob ${c.slice(0, 18)}… is not held`)
    // Issue 13 (fan-out): a thousand light clients sample the same newest blobs, 16 random columns
    // each; 32 positioned reads per blob per client cost more than one read of the whole record,
    // kept for the next askers (LRU of `recent`).
    let all = this.recent.get(c)
    if (all === undefined) {
      let fh
      try { fh = await open(this.path(c), 'r') } catch { throw new NotAvailableError(`blob ${c.slice(0, 18)}… is not held`) }
      try {
        all = new Uint8Array(BLOB_RECORD_BYTES)
        await fh.read(all, 0, all.length, 0)
      } finally { await fh.close() }
      this.recent.set(c, all)
      while (this.recent.size > 64) this.recent.delete(this.recent.keys().next().value as string)
    } else { this.recent.delete(c); this.recent.set(c, all) }
    const rec = all
    const pBase = CELLS_PER_EXT_BLOB * BYTES_PER_CELL
    // Views into the cached record, not copies (a replica's answer is all 128 columns): callers
    // only read them, and the wire encoder copies them once into the answer.
    return {
      cells: columns.map((j) => rec.subarray(j * BYTES_PER_CELL, (j + 1) * BYTES_PER_CELL)),
      proofs: columns.map((j) => rec.subarray(pBase + j * BYTES_PER_PROOF, pBase + (j + 1) * BYTES_PER_PROOF))
    }
  }

  /** What the store holds. @example (await store.stats()).blobs */
  stats (): CellStoreStats {
    return { blobs: this.held.size, bytes: this.held.size * BLOB_RECORD_BYTES, pending: this.pending.size, head: this.headHeight, windowBlocks: this.windowBlocks }
  }

  /** Closes the index. @example await store.close() */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.db.close()
  }
}
