/**
 * The DA cells this light node has verified, kept per height in its LightStore for a bounded window
 * (the newest `maxHeights` sampled heights; older ones are evicted), so it can answer
 * `/glowmesh/sample/1.0.0` for them like a full node. Each height is one record `cells/<height>`:
 * a protocol/wire SampleResponse (blobs, DA-tx inclusions, the verified columns), validated on
 * write and on read. Columns we don't hold are answered NOT_AVAILABLE. Pure (no Node/DOM imports).
 */
import { equalBytes } from '../protocol/bytes.js'
import { GlowmeshError } from '../protocol/errors.js'
import {
  SAMPLE_PROTOCOL, SampleStatus, decodeResponse, encodeResponse,
  type BlobCommitment, type SampleColumn, type SampleResponse, type TxInclusion
} from '../protocol/wire/index.js'
import type { LightStore } from './types.js'

/** Largest record written (every platform's store holds 2 MiB). */
const MAX_RECORD_BYTES = 2 * 1024 * 1024 - 1024
const PREFIX = 'cells/'

/** Asked for cells we don't hold; `code` NOT_AVAILABLE is what the sample handler answers with. */
export class CellsNotHeldError extends GlowmeshError {
  override name = 'CellsNotHeldError'
  constructor (message: string) { super('NOT_AVAILABLE', message) }
}

/** A peer answered a sample request with a non-OK status (NOT_AVAILABLE, NOT_FOUND, …). */
export class SampleRefusedError extends GlowmeshError {
  override name = 'SampleRefusedError'
  readonly status: string
  constructor (peer: string, status: string, message: string) {
    super('SAMPLE_REFUSED', `${peer} answered ${status}${message === '' ? '' : `: ${message}`}`)
    this.status = status
  }
}

/** What the sampler verified at one height: the blobs with their inclusions and the verified columns (cells in blob order). */
export interface VerifiedSample {
  height: bigint
  blobs: BlobCommitment[]
  txs: TxInclusion[]
  columns: SampleColumn[]
}

/** Options of openCellCache. */
export interface CellCacheOptions {
  /** Sampled heights kept; default 64 (the newest win). */
  maxHeights?: number
}

const keyOf = (height: bigint): string => PREFIX + height.toString().padStart(16, '0')

/**
 * A bounded cache of verified cells in a LightStore.
 * @example
 * const cells = await openCellCache(store, { maxHeights: 64 })
 * await cells.put({ height: 9n, blobs, txs, columns })
 * const answer = await cells.answer(9n, [3, 77]) // CellsNotHeldError for columns not held
 */
export interface CellCache {
  /** Keeps (or merges into the height's record) verified cells; evicts the oldest heights beyond the window. */
  put: (sample: VerifiedSample) => Promise<void>
  /** The held columns at `height` as a sample answer (height, blobs, txs, columns); CellsNotHeldError otherwise. */
  answer: (height: bigint, columns: number[]) => Promise<Pick<SampleResponse, 'height' | 'blobs' | 'txs' | 'columns'>>
  /** Heights held, ascending, with their column indices. */
  held: () => Array<{ height: number, columns: number[] }>
}

/**
 * Opens the cache, indexing the records already in the store (a restarted node keeps serving them).
 * @example const cells = await openCellCache(store)
 */
export async function openCellCache (store: LightStore, options: CellCacheOptions = {}): Promise<CellCache> {
  const maxHeights = options.maxHeights ?? 64
  if (!Number.isInteger(maxHeights) || maxHeights < 1) throw new RangeError('maxHeights must be a positive integer')
  const index = new Map<bigint, number[]>()
  for (const key of await store.keys(PREFIX)) {
    const bytes = await store.get(key)
    try {
      const r = decodeResponse(SAMPLE_PROTOCOL, bytes ?? new Uint8Array())
      index.set(r.height, r.columns.map(c => c.index))
    } catch { await store.delete(key) }
  }
  let queue: Promise<unknown> = Promise.resolve()
  const serial = async <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn)
    queue = run.catch(() => {})
    return await run
  }
  const read = async (height: bigint): Promise<SampleResponse | undefined> => {
    const bytes = await store.get(keyOf(height))
    if (bytes === undefined) return undefined
    try { return decodeResponse(SAMPLE_PROTOCOL, bytes) } catch { return undefined }
  }
  const evict = async (): Promise<void> => {
    const heights = [...index.keys()].sort((a, b) => a < b ? -1 : a > b ? 1 : 0)
    for (const h of heights.slice(0, Math.max(0, heights.length - maxHeights))) {
      index.delete(h)
      await store.delete(keyOf(h))
    }
  }
  const sameBlobs = (a: BlobCommitment[], b: BlobCommitment[]): boolean =>
    a.length === b.length && a.every((x, i) => x.txIndex === b[i].txIndex && equalBytes(x.commitment, b[i].commitment))

  return {
    async put (sample) {
      if (sample.columns.length === 0 || sample.blobs.length === 0) return
      await serial(async () => {
        const old = index.has(sample.height) ? await read(sample.height) : undefined
        const columns = new Map<number, SampleColumn>()
        if (old !== undefined && sameBlobs(old.blobs, sample.blobs)) for (const c of old.columns) columns.set(c.index, c)
        for (const c of sample.columns) columns.set(c.index, c)
        const list = [...columns.values()].sort((a, b) => a.index - b.index)
        let bytes: Uint8Array | undefined
        // a block with many blobs: keep as many columns as one record holds
        while (list.length > 0) {
          bytes = encodeResponse(SAMPLE_PROTOCOL, { status: SampleStatus.OK, message: '', height: sample.height, blobs: sample.blobs, txs: sample.txs, columns: list })
          if (bytes.length <= MAX_RECORD_BYTES) break
          list.pop()
          bytes = undefined
        }
        if (bytes === undefined) return
        await store.put(keyOf(sample.height), bytes)
        index.set(sample.height, list.map(c => c.index))
        await evict()
      })
    },
    async answer (height, columns) {
      const have = index.get(height)
      if (have === undefined) throw new CellsNotHeldError(`no cells held at height ${height}`)
      const missing = columns.filter(c => !have.includes(c))
      if (missing.length > 0) throw new CellsNotHeldError(`column(s) ${missing.join(', ')} at height ${height} not held`)
      const r = await read(height)
      if (r === undefined) throw new CellsNotHeldError(`cells at height ${height} were evicted`)
      const want = new Set(columns)
      return { height, blobs: r.blobs, txs: r.txs, columns: r.columns.filter(c => want.has(c.index)) }
    },
    held: () => [...index].sort((a, b) => a[0] < b[0] ? -1 : 1).map(([h, cols]) => ({ height: Number(h), columns: cols.slice() }))
  }
}
