// The cell store: verify-before-keep, pending → committed, window pruning, restart and crash leftovers.
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CellStore } from '../../../fullnode/da/cell-store.js'
import { InvalidCellsError, NotAvailableError, DaBusyError, CellStoreClosedError } from '../../../fullnode/da/errors.js'
import { BLOB_RECORD_BYTES, decodeSubmission, encodeSubmission } from '../../../fullnode/da/submission.js'
import { toHex } from '../../../protocol/bytes.js'
import type { EncodedBlob } from '../../../protocol/da/index.js'
import { encoded, flipCellBit, nativeKzg } from './fixtures.js'

let blobs: EncodedBlob[]
let other: EncodedBlob[]
const dirs: string[] = []
const tmp = (): string => { const d = mkdtempSync(join(tmpdir(), 'glowmesh-cells-')); dirs.push(d); return d }
const stores: CellStore[] = []
const open = async (dir: string, windowBlocks = 10, extra: Partial<Parameters<typeof CellStore.open>[0]> = {}): Promise<CellStore> => {
  const s = await CellStore.open({ dir, kzg: await nativeKzg(), windowBlocks, ...extra })
  stores.push(s)
  return s
}
const sub = (height: number, index: number, bs: EncodedBlob[]) => ({ height, index, size: 1000, txHash: '0x' + 'ab'.repeat(32), commitments: bs.map((b) => toHex(b.commitment)) })

beforeAll(async () => {
  blobs = (await encoded(200_000, 3)).blobs // 2 blobs
  other = (await encoded(5000, 9)).blobs
}, 120_000)
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe('CellStore', () => {
  it('keeps verified blobs and serves any columns of them', async () => {
    const store = await open(tmp())
    await store.put(blobs)
    expect(store.has(blobs[0].commitment)).toBe(true)
    const { cells, proofs } = await store.read(blobs[1].commitment, [0, 77, 127])
    expect(cells).toEqual([blobs[1].cells[0], blobs[1].cells[77], blobs[1].cells[127]])
    expect(proofs).toEqual([blobs[1].proofs[0], blobs[1].proofs[77], blobs[1].proofs[127]])
    const all = await store.read(blobs[0].commitment, Array.from({ length: 128 }, (_, i) => 127 - i))
    expect(all.cells[0]).toEqual(blobs[0].cells[127])
    expect(store.stats()).toMatchObject({ blobs: 2, bytes: 2 * BLOB_RECORD_BYTES, pending: 2 })
  })

  it('writes each blob as one record, from a submission body without a copy or gathered from separate cells, in one put', async () => {
    const dir = tmp()
    const store = await open(dir)
    // blobs[0] as a submission body lays it out (its cells and proofs are views into one record);
    // other[0] as the encoder returns it (256 separate buffers); blobs[1] twice in one put
    const body = decodeSubmission(encodeSubmission({ tx: new Uint8Array([1]), blobs: [blobs[0]] })).blobs[0]
    await store.put([{ commitment: blobs[0].commitment, ...body }, other[0], blobs[1], blobs[1]])
    await store.close()
    const again = await open(dir) // reads from disk, not the cache
    const all = Array.from({ length: 128 }, (_, i) => i)
    for (const b of [blobs[0], other[0], blobs[1]]) {
      const got = await again.read(b.commitment, all)
      expect(got.cells.map((c) => toHex(c))).toEqual(b.cells.map((c) => toHex(c)))
      expect(got.proofs.map((c) => toHex(c))).toEqual(b.proofs.map((c) => toHex(c)))
    }
    expect(readdirSync(join(dir, 'blobs')).length).toBe(3)
    expect(again.stats()).toMatchObject({ blobs: 3, pending: 3, bytes: 3 * BLOB_RECORD_BYTES })
  })

  it('verifies before keeping: one flipped bit in one cell → InvalidCellsError naming the blob, nothing kept', async () => {
    const dir = tmp()
    const store = await open(dir)
    const err = await store.put([blobs[0], flipCellBit(blobs[1])]).catch((e) => e)
    expect(err).toBeInstanceOf(InvalidCellsError)
    expect(err).toMatchObject({ name: 'InvalidCellsError', code: 'INVALID_CELLS' })
    expect(err.message).toMatch(/blob 1/)
    expect(store.has(blobs[0].commitment)).toBe(false)
    expect(readdirSync(join(dir, 'blobs'))).toEqual([])
    // a proof swapped for another cell's, and cells under another blob's commitment, fail too
    const swapped = { ...blobs[0], proofs: [blobs[0].proofs[1], ...blobs[0].proofs.slice(1)] }
    await expect(store.put([swapped])).rejects.toBeInstanceOf(InvalidCellsError)
    await expect(store.put([{ ...blobs[0], commitment: other[0].commitment }])).rejects.toBeInstanceOf(InvalidCellsError)
    await expect(store.read(blobs[0].commitment, [1])).rejects.toBeInstanceOf(NotAvailableError)
  })

  it('pending blobs become committed when their submission is recorded; release drops only pending ones', async () => {
    const store = await open(tmp())
    await store.put([...blobs, ...other])
    await store.record([sub(5, 0, blobs)])
    await store.advance(5)
    expect(store.stats().pending).toBe(1)
    await store.release([...blobs, ...other].map((b) => b.commitment))
    expect(store.has(blobs[0].commitment)).toBe(true) // committed: kept
    expect(store.has(other[0].commitment)).toBe(false) // pending, refused: gone
    expect(await store.submissionsAt(5)).toEqual([sub(5, 0, blobs)])
    expect(await store.missing()).toEqual([])
    // recording again (a replayed block) changes nothing
    await store.record([sub(5, 0, blobs)])
    expect(await store.submissionsAt(5)).toHaveLength(1)
  })

  it('lists committed blobs it lacks (what replication fetches)', async () => {
    const store = await open(tmp())
    await store.record([sub(7, 0, blobs), sub(7, 1, other), sub(8, 0, other)])
    await store.advance(8)
    expect(await store.missing()).toEqual([
      { height: 7, commitments: [...blobs, ...other].map((b) => toHex(b.commitment)) },
      { height: 8, commitments: [toHex(other[0].commitment)] }
    ])
    await store.put(other) // arrives after its tx committed: kept, not pending
    expect(store.stats().pending).toBe(0)
    expect((await store.missing()).map((m) => m.height)).toEqual([7])
  })

  it('prunes what leaves the window: heights ≤ head − window, blobs still referenced stay', async () => {
    const dir = tmp()
    const store = await open(dir, 3)
    await store.put([...blobs, ...other])
    await store.record([sub(1, 0, blobs), sub(2, 0, other)])
    await store.record([sub(4, 0, other)]) // the same payload again, later
    await store.advance(4) // window 3: heights 2..4 stay
    expect(await store.submissionsAt(1)).toEqual([])
    expect(store.has(blobs[0].commitment)).toBe(false)
    expect(store.has(other[0].commitment)).toBe(true)
    await store.advance(6) // 4..6 stay
    expect(await store.submissionsAt(2)).toEqual([])
    expect(store.has(other[0].commitment)).toBe(true)
    await store.advance(7)
    expect(store.has(other[0].commitment)).toBe(false)
    expect(readdirSync(join(dir, 'blobs'))).toEqual([])
  })

  it('drops pending blobs whose tx never commits, after their time-to-live', async () => {
    const store = await open(tmp(), 10, { pendingTtlMs: 1 })
    await store.put(other)
    await new Promise((resolve) => setTimeout(resolve, 5))
    await store.advance(1)
    expect(store.has(other[0].commitment)).toBe(false)
  })

  it('refuses more pending data than its limit (DaBusyError)', async () => {
    const store = await open(tmp(), 10, { maxPendingBytes: BLOB_RECORD_BYTES })
    await store.put(other)
    await expect(store.put(blobs)).rejects.toBeInstanceOf(DaBusyError)
  })

  it('survives a restart; removes crash leftovers (temporary and unindexed files)', async () => {
    const dir = tmp()
    const store = await open(dir)
    await store.put(blobs)
    await store.record([sub(3, 0, blobs)])
    await store.advance(3)
    await store.close()
    writeFileSync(join(dir, 'blobs', `${toHex(other[0].commitment)}.tmp-abc`), 'half')
    writeFileSync(join(dir, 'blobs', `${toHex(other[0].commitment)}.cells`), new Uint8Array(BLOB_RECORD_BYTES))
    const again = await open(dir)
    expect(again.head).toBe(3)
    expect(again.has(blobs[1].commitment)).toBe(true)
    expect(again.has(other[0].commitment)).toBe(false)
    expect(readdirSync(join(dir, 'blobs')).sort()).toEqual(blobs.map((b) => `${toHex(b.commitment)}.cells`).sort())
    expect((await again.read(blobs[1].commitment, [9])).cells[0]).toEqual(blobs[1].cells[9])
    await expect(store.read(blobs[1].commitment, [9])).rejects.toBeInstanceOf(CellStoreClosedError)
  })
})
