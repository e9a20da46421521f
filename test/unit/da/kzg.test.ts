// Real KZG on Ethereum's trusted setup, both backends: native (@crate-crypto/node-eth-kzg, via
// fullnode/da) and pure JS (micro-eth-signer, via protocol/da). Each must accept the other's work
// and both must reject the same tampering.
import { beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  assertCellBatch, blobFromCells, BYTES_PER_CELL, type CellBatch, type EncodedBlob, InsufficientCellsError, jsKzg,
  type KzgCellVerifier, MalformedBlobError, MalformedCellError, packBlobs, recoverBlob, unpackBlobs, verifyColumn
} from '../../../protocol/da/index.js'
import { createNativeKzg, type NativeKzg } from '../../../fullnode/da/index.js'
import { equalBytes, toHex } from '../../../protocol/bytes.js'

function payload (size: number, seed: number): Uint8Array {
  const p = new Uint8Array(size)
  let x = seed | 1
  for (let i = 0; i < size; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; p[i] = x & 0xff }
  return p
}

let native: NativeKzg
let blobs: Uint8Array[]
let enc: EncodedBlob[] // native encodings of blobs[0], blobs[1]
const js = jsKzg()

beforeAll(async () => {
  native = await createNativeKzg({ precompute: false })
  blobs = packBlobs(payload(2 * 126976 - 1000, 42))
  enc = await Promise.all(blobs.map(async (b) => await native.encodeBlob(b)))
})

const batchOf = (e: EncodedBlob, idx: number[]): CellBatch => ({
  commitments: idx.map(() => e.commitment), cellIndices: idx, cells: idx.map((i) => e.cells[i]), proofs: idx.map((i) => e.proofs[i])
})
const verifiers = (): Array<[string, KzgCellVerifier]> => [['native', native], ['pure JS', js]]

describe('KZG cells, EIP-7594 layout', () => {
  it('encodes 128 cells of 2048 B with 48-byte proofs; the first 64 cells are the blob', () => {
    for (const [i, e] of enc.entries()) {
      expect(e.commitment.length).toBe(48)
      expect(e.cells.length).toBe(128)
      expect(e.proofs.length).toBe(128)
      for (const c of e.cells) expect(c.length).toBe(BYTES_PER_CELL)
      for (const p of e.proofs) expect(p.length).toBe(48)
      expect(equalBytes(blobFromCells(e.cells), blobs[i])).toBe(true)
    }
    expect(toHex(enc[0].commitment)).not.toBe(toHex(enc[1].commitment))
  })

  it('native cells verify with the pure-JS verifier (a 16-column sample and all 128)', async () => {
    const sample = [0, 5, 17, 31, 40, 63, 64, 70, 81, 99, 100, 111, 120, 125, 126, 127]
    expect(await js.verifyCells(batchOf(enc[0], sample))).toBe(true)
    expect(await js.verifyCells(batchOf(enc[1], Array.from({ length: 128 }, (_, i) => i)))).toBe(true)
    expect(await native.verifyCells(batchOf(enc[1], Array.from({ length: 128 }, (_, i) => i)))).toBe(true)
  })

  it('pure-JS cells and proofs equal native ones and verify natively', async () => {
    const mine = await js.encodeBlob(blobs[0])
    expect(toHex(mine.commitment)).toBe(toHex(enc[0].commitment))
    for (let i = 0; i < 128; i++) {
      expect(equalBytes(mine.cells[i], enc[0].cells[i])).toBe(true)
      expect(equalBytes(mine.proofs[i], enc[0].proofs[i])).toBe(true)
    }
    const all = Array.from({ length: 128 }, (_, i) => i)
    expect(await native.verifyCells(batchOf(mine, all))).toBe(true)
  })

  it('verifies a column across blobs (cell j of every blob) with either backend', async () => {
    for (const [, v] of verifiers()) {
      for (const column of [3, 77]) {
        const args = { column, commitments: enc.map((e) => e.commitment), cells: enc.map((e) => e.cells[column]), proofs: enc.map((e) => e.proofs[column]) }
        expect(await verifyColumn(args, { backend: v })).toBe(true)
        expect(await verifyColumn({ ...args, column: column + 1 }, { backend: v })).toBe(false)
      }
      await expect(verifyColumn({ column: 1, commitments: [], cells: [], proofs: [] }, { backend: v })).rejects.toThrow(MalformedCellError)
    }
  })

  describe('tampering is rejected by both verifiers', () => {
    const idx = [2, 9, 64, 100]
    const cases: Array<[string, () => CellBatch]> = [
      ['a flipped bit in a cell (canonical scalar)', () => {
        const b = batchOf(enc[0], idx); const c = b.cells[1].slice(); c[31] ^= 1; return { ...b, cells: b.cells.map((x, i) => i === 1 ? c : x) }
      }],
      ['a flipped top bit in a cell (non-canonical scalar)', () => {
        const b = batchOf(enc[0], idx); const c = b.cells[2].slice(); c[32 * 7] ^= 0x80; return { ...b, cells: b.cells.map((x, i) => i === 2 ? c : x) }
      }],
      ['a wrong cell index', () => ({ ...batchOf(enc[0], idx), cellIndices: [2, 9, 65, 100] })],
      ['a wrong commitment', () => ({ ...batchOf(enc[0], idx), commitments: [enc[0].commitment, enc[1].commitment, enc[0].commitment, enc[0].commitment] })],
      ['swapped proofs', () => { const b = batchOf(enc[0], idx); return { ...b, proofs: [b.proofs[1], b.proofs[0], b.proofs[2], b.proofs[3]] } }],
      ['a proof from the other blob', () => { const b = batchOf(enc[0], idx); return { ...b, proofs: [b.proofs[0], b.proofs[1], b.proofs[2], enc[1].proofs[100]] } }],
      ['a proof that is not a curve point', () => {
        const b = batchOf(enc[0], idx); const p = b.proofs[0].slice(); p[20] ^= 4; return { ...b, proofs: [p, ...b.proofs.slice(1)] }
      }],
      ['a cell of another blob under this commitment', () => { const b = batchOf(enc[0], idx); return { ...b, cells: [enc[1].cells[2], ...b.cells.slice(1)] } }]
    ]
    it('the untampered batch verifies', async () => {
      for (const [, v] of verifiers()) expect(await v.verifyCells(batchOf(enc[0], idx))).toBe(true)
    })
    for (const [what, make] of cases) {
      it(what, async () => {
        const batch = make()
        assertCellBatch(batch) // well-formed: the rejection is cryptographic, not a shape check
        for (const [name, v] of verifiers()) expect(await v.verifyCells(batch), name).toBe(false)
      })
    }
  })

  it('malformed batches throw MalformedCellError from both backends', async () => {
    const good = batchOf(enc[0], [1, 2])
    const bad: CellBatch[] = [
      { ...good, cellIndices: [1, 128] },
      { ...good, cellIndices: [1, -1] },
      { ...good, cellIndices: [1, 1.5] },
      { ...good, cells: [good.cells[0], good.cells[1].subarray(1)] },
      { ...good, proofs: [good.proofs[0]] },
      { ...good, commitments: [good.commitments[0], new Uint8Array(47)] },
      { ...good, proofs: [good.proofs[0], 'ab' as any] }
    ]
    for (const [name, v] of verifiers()) {
      for (const b of bad) {
        const err: any = await v.verifyCells(b).catch((e) => e)
        expect(err, name).toBeInstanceOf(MalformedCellError)
        expect(err.code).toBe('MALFORMED_CELL')
        expect(err.exitCode).toBe(2)
      }
      expect(await v.verifyCells({ commitments: [], cellIndices: [], cells: [], proofs: [] })).toBe(true)
    }
  })

  it('encodeBlob rejects malformed blobs', async () => {
    const high = blobs[0].slice(); high[0] = 1
    for (const b of [native, js]) {
      await expect(b.encodeBlob(high)).rejects.toThrow(MalformedBlobError)
      await expect(b.encodeBlob(blobs[0].subarray(32))).rejects.toThrow(MalformedBlobError)
    }
  })

  it('honours an aborted signal', async () => {
    const signal = AbortSignal.abort()
    await expect(js.verifyCells(batchOf(enc[0], [1]), { signal })).rejects.toThrow()
    await expect(native.encodeBlob(blobs[0], { signal })).rejects.toThrow()
    await expect(createNativeKzg({ precompute: false, signal })).rejects.toThrow()
  })
})

describe('recovery', () => {
  it('any 64 of 128 cells recover the blob (random subsets, native)', async () => {
    await fc.assert(fc.asyncProperty(
      fc.shuffledSubarray(Array.from({ length: 128 }, (_, i) => i), { minLength: 64, maxLength: 64 }),
      fc.integer({ min: 0, max: 1 }),
      async (indices, which) => {
        const e = enc[which]
        const blob = await native.recoverBlob({ cellIndices: indices, cells: indices.map((i) => e.cells[i]) })
        expect(equalBytes(blob, blobs[which])).toBe(true)
      }), { numRuns: 8 })
  })

  it('recovered cells and proofs equal the originals; more than 64 cells work too', async () => {
    const indices = Array.from({ length: 100 }, (_, i) => (i * 37) % 128)
    const r = await native.recoverCells({ cellIndices: indices, cells: indices.map((i) => enc[0].cells[i]) })
    for (let i = 0; i < 128; i++) {
      expect(equalBytes(r.cells[i], enc[0].cells[i])).toBe(true)
      expect(equalBytes(r.proofs[i], enc[0].proofs[i])).toBe(true)
    }
  })

  it('pure JS recovers from the odd columns only', async () => {
    const odd = Array.from({ length: 64 }, (_, i) => 2 * i + 1)
    const blob = await recoverBlob({ cellIndices: odd, cells: odd.map((i) => enc[1].cells[i]) }, { backend: js })
    expect(equalBytes(blob, blobs[1])).toBe(true)
    const size = 2 * 126976 - 1000
    expect(equalBytes(unpackBlobs([blobs[0], blob], size), payload(size, 42))).toBe(true)
  })

  it('fewer than 64 cells, duplicates or malformed cells are typed errors', async () => {
    const some = Array.from({ length: 63 }, (_, i) => i)
    for (const b of [native, js]) {
      await expect(b.recoverCells({ cellIndices: some, cells: some.map((i) => enc[0].cells[i]) })).rejects.toThrow(InsufficientCellsError)
      const dup = [...some, 5]
      await expect(b.recoverCells({ cellIndices: dup, cells: dup.map((i) => enc[0].cells[i]) })).rejects.toThrow(/appears twice/)
      const full = [...some, 63]
      await expect(b.recoverCells({ cellIndices: full, cells: full.map((i) => enc[0].cells[i]).slice(1) })).rejects.toThrow(MalformedCellError)
      const bad = full.map((i) => enc[0].cells[i]); const c = bad[0].slice(); c[0] = 0xff; bad[0] = c
      await expect(b.recoverCells({ cellIndices: full, cells: bad })).rejects.toThrow(MalformedCellError)
      await expect(b.recoverCells({ cellIndices: [...some.slice(1), 128], cells: full.map((i) => enc[0].cells[i]) })).rejects.toThrow(MalformedCellError)
    }
    const err: any = await native.recoverCells({ cellIndices: some, cells: some.map((i) => enc[0].cells[i]) }).catch((e) => e)
    expect([err.name, err.code, err.exitCode]).toEqual(['InsufficientCellsError', 'INSUFFICIENT_CELLS', 2])
  })
})
