import { afterEach, describe, expect, it } from 'vitest'
import { readFile, stat, writeFile, open } from 'node:fs/promises'
import { join } from 'node:path'
import {
  CHUNK_SIZE, SEGMENT_CHUNKS, SEGMENT_SIZE, fileLayout, segmentBytes, verifyChunkProof, verifySegmentProof
} from '../../../protocol/storage/index.js'
import { toHex } from '../../../protocol/bytes.js'
import { InvalidInputError } from '../../../protocol/errors.js'
import {
  FlowStore, AllocationConflictError, FilePrunedError, FileTombstonedError, SegmentCorruptError, SegmentMissingError,
  SegmentOutOfRangeError, SegmentProofError, StoreClosedError, StoreLockedError, UnknownFileError
} from '../../../fullnode/store/index.js'
import { freshStore, hasher, tempDir, testFile, upload, type TestFile } from './fixtures.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { while (cleanups.length > 0) await cleanups.pop()!() })
async function open1 (options: Parameters<typeof freshStore>[0] = {}): Promise<{ store: FlowStore, dir: string }> {
  const s = await freshStore(options)
  cleanups.push(s.close)
  return s
}

/** Reads flow bytes straight from the part files (what another node's log would hold). */
async function rawFlow (dir: string, offset: number, length: number, partSize = 2 ** 30): Promise<Uint8Array> {
  const out = new Uint8Array(length)
  for (let o = 0; o < length;) {
    const part = Math.floor((offset + o) / partSize)
    const at = (offset + o) % partSize
    const n = Math.min(length - o, partSize - at)
    try {
      const fh = await open(join(dir, 'flow', `flow-${String(part).padStart(6, '0')}.dat`), 'r')
      await fh.read(out, o, n, at)
      await fh.close()
    } catch (err) { if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err }
    o += n
  }
  return out
}

const isZero = (b: Uint8Array): boolean => b.every((x) => x === 0)
// Buffer.equals: vitest's deep equality walks typed arrays element by element (seconds per MiB).
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))

/** Checks every segment, some chunks and the stream of a complete file. */
async function checkFile (store: FlowStore, f: TestFile, flowStart: number): Promise<void> {
  const info = await store.getFile(f.root)
  expect(info).toMatchObject({ root: toHex(f.root), size: f.layout.size, flowStart, paddedChunks: f.layout.paddedChunks, status: 'complete', received: f.layout.dataSegments, storedBytes: f.layout.size })
  for (let i = 0; i < f.layout.dataSegments; i++) {
    const { bytes, proof } = await store.getSegment(f.root, i)
    expect(same(bytes, segmentBytes(f.data, i))).toBe(true)
    expect(verifySegmentProof(f.root, f.layout, bytes, proof, hasher)).toBe(true)
  }
  const positions = new Set([0, f.layout.chunks - 1, f.layout.paddedChunks - 1, Math.floor(f.layout.paddedChunks / 2), Math.min(SEGMENT_CHUNKS, f.layout.paddedChunks - 1)])
  for (const c of positions) {
    const got = await store.getChunk(flowStart + c)
    expect(got.chunkIndex).toBe(c)
    expect(got.root).toEqual(f.root)
    const expected = new Uint8Array(CHUNK_SIZE)
    expected.set(f.data.subarray(Math.min(c * CHUNK_SIZE, f.data.length), Math.min((c + 1) * CHUNK_SIZE, f.data.length)))
    expect(same(got.chunk, expected)).toBe(true)
    expect(verifyChunkProof(f.root, got.chunk, got.proof, hasher)).toBe(true)
  }
  const parts: Uint8Array[] = []
  for await (const p of store.stream(f.root)) parts.push(p)
  expect(Buffer.concat(parts).equals(Buffer.from(f.data))).toBe(true)
}

// 1 B, 257 B, one segment ± 1, 2049 chunks, 16385 chunks (17 data segments + 1 zero padding segment).
const SIZES = [1, 257, SEGMENT_SIZE - 1, SEGMENT_SIZE, SEGMENT_SIZE + 1, 2049 * CHUNK_SIZE, 16385 * CHUNK_SIZE]

describe('FlowStore round trip', () => {
  it('allocates files of odd sizes back to back, uploads them, and serves segments, chunks and streams that verify', async () => {
    expect(fileLayout(16385 * CHUNK_SIZE)).toMatchObject({ dataSegments: 17, segments: 18 })
    const { store, dir } = await open1()
    const files = SIZES.map((s) => testFile(s))
    let flowStart = 0
    const starts: number[] = []
    for (const [k, f] of files.entries()) {
      const info = await store.allocate({ root: f.root, cid: `bafyfile${k}`, size: f.layout.size, flowStart, height: 10 + k, expiresAtEpoch: 100 })
      expect(info.status).toBe('pending')
      starts.push(flowStart)
      flowStart += f.layout.paddedChunks // flow ranges are chunk-aligned, so later segments straddle segment boundaries of the flow
    }
    for (const [k, f] of files.entries()) {
      // Reverse order: completion must not depend on arrival order.
      const last = await store.putSegment(f.root, f.layout.dataSegments - 1, segmentBytes(f.data, f.layout.dataSegments - 1), f.tree.proof(f.layout.dataSegments - 1))
      expect(last.stored).toBe(true)
      await upload(store, f, Array.from({ length: f.layout.dataSegments - 1 }, (_, i) => f.layout.dataSegments - 2 - i))
      await checkFile(store, f, starts[k])
    }
    // The log holds each file's bytes at flowStart·256, zero padding between.
    for (const [k, f] of files.entries()) {
      expect(same(await rawFlow(dir, starts[k] * CHUNK_SIZE, f.data.length), f.data)).toBe(true)
      expect(isZero(await rawFlow(dir, starts[k] * CHUNK_SIZE + f.data.length, f.layout.paddedChunks * CHUNK_SIZE - f.data.length))).toBe(true)
    }
    const stats = await store.stats()
    expect(stats.files).toEqual({ pending: 0, complete: SIZES.length, tombstoned: 0, pruned: 0 })
    expect(stats.bytesStored).toBe(SIZES.reduce((a, b) => a + b, 0))
    expect(stats.flowChunks).toBe(flowStart)
    expect((await store.fileByCid('bafyfile3')).root).toBe(toHex(files[3].root))
  })

  it('stream honours byte ranges and AbortSignal', async () => {
    const { store } = await open1()
    const f = testFile(3 * SEGMENT_SIZE + 1000, 7)
    await store.allocate({ root: f.root, size: f.data.length, flowStart: 5, height: 1, expiresAtEpoch: 9 })
    await upload(store, f)
    for (const [start, end] of [[0, 1], [SEGMENT_SIZE - 10, SEGMENT_SIZE + 10], [1000, f.data.length], [f.data.length, f.data.length]]) {
      const parts: Uint8Array[] = []
      for await (const p of store.stream(f.root, { start, end })) parts.push(p)
      expect(Buffer.concat(parts).equals(Buffer.from(f.data.subarray(start, end)))).toBe(true)
    }
    await expect(async () => { for await (const _ of store.stream(f.root, { start: 0, end: f.data.length + 1 })) {} }).rejects.toBeInstanceOf(InvalidInputError)
    const ac = new AbortController()
    const it = store.stream(f.root, { signal: ac.signal })
    await it.next()
    ac.abort()
    await expect(it.next()).rejects.toThrow()
  })

  it('serves present segments (and their chunks) before the upload completes; missingSegments lists the rest', async () => {
    const { store } = await open1()
    const f = testFile(16385 * CHUNK_SIZE, 3)
    await store.allocate({ root: f.root, size: f.data.length, flowStart: 0, height: 1, expiresAtEpoch: 9 })
    await upload(store, f, [2, 5])
    expect(await store.missingSegments(f.root)).toEqual(Array.from({ length: 17 }, (_, i) => i).filter((i) => i !== 2 && i !== 5))
    const { bytes, proof } = await store.getSegment(f.root, 5)
    expect(verifySegmentProof(f.root, f.layout, bytes, proof, hasher)).toBe(true)
    const c = await store.getChunk(2 * SEGMENT_CHUNKS + 7)
    expect(verifyChunkProof(f.root, c.chunk, c.proof, hasher)).toBe(true)
    await expect(store.getSegment(f.root, 3)).rejects.toBeInstanceOf(SegmentMissingError)
    await expect(store.getChunk(3 * SEGMENT_CHUNKS)).rejects.toBeInstanceOf(SegmentMissingError)
    // The zero padding segment's proof needs every data segment root: not before completion.
    await expect(store.getChunk(17 * SEGMENT_CHUNKS + 1)).rejects.toBeInstanceOf(SegmentMissingError)
    const r = await store.putSegment(f.root, 2, segmentBytes(f.data, 2), f.tree.proof(2))
    expect(r).toEqual({ stored: false, received: 2, dataSegments: 17, complete: false })
  })
})

describe('FlowStore rejects bad segments and writes nothing', () => {
  async function setup (): Promise<{ store: FlowStore, dir: string, f: TestFile }> {
    const { store, dir } = await open1()
    const f = testFile(2 * SEGMENT_SIZE + 300, 11)
    await store.allocate({ root: f.root, size: f.data.length, flowStart: 0, height: 1, expiresAtEpoch: 9 })
    return { store, dir, f }
  }
  async function nothingWritten (store: FlowStore, dir: string, f: TestFile): Promise<void> {
    expect(await store.missingSegments(f.root)).toEqual([0, 1, 2])
    expect(isZero(await rawFlow(dir, 0, f.layout.paddedChunks * CHUNK_SIZE))).toBe(true)
    expect((await store.getFile(f.root)).storedBytes).toBe(0)
  }

  it('a flipped byte, a proof for another segment, a wrong length, a short proof, an index out of range', async () => {
    const { store, dir, f } = await setup()
    const bad = segmentBytes(f.data, 1).slice()
    bad[1000] ^= 1
    await expect(store.putSegment(f.root, 1, bad, f.tree.proof(1))).rejects.toBeInstanceOf(SegmentProofError)
    await expect(store.putSegment(f.root, 1, segmentBytes(f.data, 1), f.tree.proof(0))).rejects.toBeInstanceOf(SegmentProofError)
    await expect(store.putSegment(f.root, 1, segmentBytes(f.data, 0), { ...f.tree.proof(0), index: 1 })).rejects.toBeInstanceOf(SegmentProofError)
    await expect(store.putSegment(f.root, 2, segmentBytes(f.data, 2).subarray(0, 299), f.tree.proof(2))).rejects.toBeInstanceOf(SegmentProofError)
    const padded = new Uint8Array(SEGMENT_SIZE)
    padded.set(segmentBytes(f.data, 2))
    await expect(store.putSegment(f.root, 2, padded, f.tree.proof(2))).rejects.toBeInstanceOf(SegmentProofError) // zero-padded: wrong length for the file size
    const p = f.tree.proof(0)
    await expect(store.putSegment(f.root, 0, segmentBytes(f.data, 0), { ...p, siblings: p.siblings.slice(1) })).rejects.toMatchObject({ name: 'SegmentProofError', code: 'SEGMENT_PROOF' })
    await expect(store.putSegment(f.root, 0, segmentBytes(f.data, 0), { ...p, leafCount: 7 })).rejects.toBeInstanceOf(SegmentProofError)
    await expect(store.putSegment(f.root, 3, new Uint8Array(10), f.tree.proof(2))).rejects.toBeInstanceOf(SegmentOutOfRangeError)
    await expect(store.putSegment(f.root, -1, new Uint8Array(10), f.tree.proof(2))).rejects.toBeInstanceOf(SegmentOutOfRangeError)
    await expect(store.putSegment(f.root, 0.5, new Uint8Array(10), f.tree.proof(2))).rejects.toBeInstanceOf(SegmentOutOfRangeError)
    await expect(store.putSegment(f.root, 0, segmentBytes(f.data, 0), null as never)).rejects.toBeInstanceOf(SegmentProofError)
    await nothingWritten(store, dir, f)
  })

  it('unknown and malformed roots', async () => {
    const { store, f } = await setup()
    const other = testFile(100, 99)
    await expect(store.putSegment(other.root, 0, other.data, other.tree.proof(0))).rejects.toBeInstanceOf(UnknownFileError)
    await expect(store.getSegment(other.root, 0)).rejects.toMatchObject({ name: 'UnknownFileError', code: 'UNKNOWN_FILE' })
    await expect(store.getFile('0x1234')).rejects.toBeInstanceOf(InvalidInputError)
    await expect(store.getFile(new Uint8Array(31))).rejects.toBeInstanceOf(InvalidInputError)
    await expect(store.getChunk(f.layout.paddedChunks)).rejects.toBeInstanceOf(UnknownFileError)
    await expect(store.getChunk(-1)).rejects.toBeInstanceOf(InvalidInputError)
    await expect(store.getSegment(f.root, 3)).rejects.toBeInstanceOf(SegmentOutOfRangeError)
    await expect(store.fileByCid('nope')).rejects.toBeInstanceOf(UnknownFileError)
  })
})

describe('FlowStore allocation', () => {
  it('is idempotent for replays and rejects conflicts and overlaps', async () => {
    const { store } = await open1()
    const a = testFile(5000, 1)
    const b = testFile(300, 2)
    const first = await store.allocate({ root: a.root, cid: 'bafya', size: 5000, flowStart: 100, height: 3n, expiresAtEpoch: 10n })
    expect(await store.allocate({ root: toHex(a.root), cid: 'bafya', size: 5000, flowStart: 100, height: 3, expiresAtEpoch: 10 })).toEqual(first)
    await expect(store.allocate({ root: b.root, size: 300, flowStart: 100, height: 3, expiresAtEpoch: 10 })).rejects.toBeInstanceOf(AllocationConflictError)
    await expect(store.allocate({ root: a.root, cid: 'bafya', size: 5000, flowStart: 100, height: 4, expiresAtEpoch: 10 })).rejects.toBeInstanceOf(AllocationConflictError)
    // a is 20 chunks: [100, 120). Overlaps from either side are refused.
    expect(a.layout.paddedChunks).toBe(20)
    await expect(store.allocate({ root: b.root, size: 300, flowStart: 119, height: 4, expiresAtEpoch: 10 })).rejects.toBeInstanceOf(AllocationConflictError)
    await expect(store.allocate({ root: b.root, size: 300, flowStart: 99, height: 4, expiresAtEpoch: 10 })).rejects.toBeInstanceOf(AllocationConflictError)
    await store.allocate({ root: b.root, size: 300, flowStart: 98, height: 4, expiresAtEpoch: 10 })
    await store.allocate({ root: b.root, size: 300, flowStart: 120, height: 4, expiresAtEpoch: 10 })
    await expect(store.allocate({ root: b.root, size: 0, flowStart: 500, height: 4, expiresAtEpoch: 10 })).rejects.toMatchObject({ name: 'EmptyFileError' })
    await expect(store.allocate({ root: b.root, size: 300, flowStart: -1, height: 4, expiresAtEpoch: 10 })).rejects.toBeInstanceOf(InvalidInputError)
    await expect(store.allocate({ root: b.root, size: 300, flowStart: 2 ** 50, height: 4, expiresAtEpoch: 10 })).rejects.toBeInstanceOf(InvalidInputError)
    await expect(store.allocate({ root: b.root, cid: 'a/b', size: 300, flowStart: 600, height: 4, expiresAtEpoch: 10 })).rejects.toBeInstanceOf(InvalidInputError)
    expect((await store.fileAt(119)).root).toBe(toHex(a.root))
    expect((await store.fileAt(98)).root).toBe(toHex(b.root))
    await expect(store.fileAt(97)).rejects.toBeInstanceOf(UnknownFileError)
  })

  it('a second submission of the same root keeps both ranges, fills both, and lookups by root see the newest', async () => {
    const { store, dir } = await open1()
    const f = testFile(SEGMENT_SIZE + 5, 4)
    await store.allocate({ root: f.root, size: f.data.length, flowStart: 0, height: 1, expiresAtEpoch: 5 })
    await store.allocate({ root: f.root, size: f.data.length, flowStart: 2000, height: 8, expiresAtEpoch: 50 })
    expect((await store.getFile(f.root)).flowStart).toBe(2000)
    expect((await store.submissions(f.root)).map((s) => s.flowStart)).toEqual([2000, 0])
    await upload(store, f)
    expect((await store.submissions(f.root)).map((s) => s.status)).toEqual(['complete', 'complete'])
    expect(same(await rawFlow(dir, 2000 * CHUNK_SIZE, f.data.length), f.data)).toBe(true)
    expect(same(await rawFlow(dir, 0, f.data.length), f.data)).toBe(true)
    expect(verifyChunkProof(f.root, (await store.getChunk(1)).chunk, (await store.getChunk(1)).proof, hasher)).toBe(true)
    // The old one expires: reads fall through to the newer range.
    expect((await store.pruneExpired(5)).map((s) => s.flowStart)).toEqual([0])
    expect(same((await store.getSegment(f.root, 1)).bytes, segmentBytes(f.data, 1))).toBe(true)
    await expect(store.getChunk(1)).rejects.toBeInstanceOf(FilePrunedError)
  })

  it('a root does not commit to the size: [1] and [1, 0] share a root, and each gets the segment its size allows', async () => {
    const { store } = await open1()
    const one = testFile(1, 5)
    const two = new Uint8Array([one.data[0], 0])
    await store.allocate({ root: one.root, size: 1, flowStart: 0, height: 1, expiresAtEpoch: 5 })
    await store.allocate({ root: one.root, size: 2, flowStart: 1, height: 2, expiresAtEpoch: 5 })
    const r1 = await store.putSegment(one.root, 0, one.data, one.tree.proof(0))
    expect(r1.complete).toBe(false) // the newest (2 bytes) is still pending
    expect(await store.putSegment(one.root, 0, two, one.tree.proof(0))).toMatchObject({ stored: true, complete: true })
    expect((await store.getSegment(one.root, 0)).bytes).toEqual(two)
    expect((await store.getChunk(0)).chunk[0]).toBe(one.data[0])
  })
})

describe('FlowStore lifecycle', () => {
  it('tombstone: never served again, compaction gives the bytes back and is recorded', async () => {
    const { store, dir } = await open1()
    const f = testFile(8 * SEGMENT_SIZE, 21)
    const keep = testFile(SEGMENT_SIZE, 22)
    await store.allocate({ root: f.root, size: f.data.length, flowStart: 0, height: 1, expiresAtEpoch: 9 })
    await store.allocate({ root: keep.root, size: keep.data.length, flowStart: f.layout.paddedChunks, height: 1, expiresAtEpoch: 9 })
    await upload(store, f)
    await upload(store, keep)
    const part = join(dir, 'flow', 'flow-000000.dat')
    const blocksBefore = (await stat(part)).blocks
    const [t] = await store.tombstone(f.root, 'CID mismatch')
    expect(t).toMatchObject({ status: 'tombstoned', reason: 'CID mismatch' })
    await expect(store.getSegment(f.root, 0)).rejects.toMatchObject({ name: 'FileTombstonedError', code: 'FILE_TOMBSTONED' })
    await expect(store.getChunk(5)).rejects.toBeInstanceOf(FileTombstonedError)
    await expect(store.putSegment(f.root, 0, segmentBytes(f.data, 0), f.tree.proof(0))).rejects.toBeInstanceOf(FileTombstonedError)
    await expect(async () => { for await (const _ of store.stream(f.root)) {} }).rejects.toBeInstanceOf(FileTombstonedError)
    expect((await store.stats()).awaitingCompaction).toBe(1)
    expect(await store.tombstone(f.root, 'again')).toMatchObject([{ reason: 'CID mismatch' }]) // idempotent
    const c = await store.compact()
    expect(c).toMatchObject({ submissions: 1, bytes: f.data.length })
    expect(isZero(await rawFlow(dir, 0, f.data.length))).toBe(true)
    if (c.method === 'punch-hole') expect((await stat(part)).blocks).toBeLessThan(blocksBefore - (f.data.length / 512) * 0.9)
    expect(await store.getFile(f.root)).toMatchObject({ status: 'tombstoned', storedBytes: 0, reclaimed: c.method })
    const stats = await store.stats()
    expect(stats).toMatchObject({ awaitingCompaction: 0, bytesStored: keep.data.length, files: { tombstoned: 1, complete: 1 } })
    expect(await store.compact()).toEqual({ submissions: 0, bytes: 0 })
    // The neighbour is untouched.
    await checkFile(store, keep, f.layout.paddedChunks)
  })

  it('reclaim by zeroing when asked to (or when punch-hole is unavailable)', async () => {
    const { store, dir } = await open1({ reclaim: 'zero' })
    const f = testFile(2 * SEGMENT_SIZE + 7, 23)
    await store.allocate({ root: f.root, size: f.data.length, flowStart: 3, height: 1, expiresAtEpoch: 9 })
    await upload(store, f)
    await store.prune(f.root)
    expect(await store.compact()).toMatchObject({ submissions: 1, method: 'zero' })
    expect(isZero(await rawFlow(dir, 0, (3 + f.layout.paddedChunks) * CHUNK_SIZE))).toBe(true)
  })

  it('prune: the range stays allocated, reads say "expired and pruned"; renewals postpone it', async () => {
    const { store } = await open1()
    const f = testFile(SEGMENT_SIZE * 2, 31)
    const g = testFile(1000, 32)
    await store.allocate({ root: f.root, size: f.data.length, flowStart: 0, height: 1, expiresAtEpoch: 10 })
    await store.allocate({ root: g.root, size: g.data.length, flowStart: f.layout.paddedChunks, height: 1, expiresAtEpoch: 10 })
    await upload(store, f)
    await upload(store, g)
    await store.renew(g.root, 20)
    expect(await store.pruneExpired(9)).toEqual([])
    expect((await store.pruneExpired(10)).map((e) => e.root)).toEqual([toHex(f.root)])
    const err = await store.getSegment(f.root, 0).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(FilePrunedError)
    expect((err as Error).message).toMatch(/expired and pruned/)
    await expect(store.getChunk(3)).rejects.toBeInstanceOf(FilePrunedError)
    await expect(store.missingSegments(f.root)).rejects.toBeInstanceOf(FilePrunedError)
    await store.compact()
    expect((await store.fileAt(f.layout.paddedChunks - 1)).status).toBe('pruned')
    expect((await store.stats()).flowChunks).toBe(f.layout.paddedChunks + g.layout.paddedChunks)
    // A rejected file that had expired is tombstoned without a second reclaim.
    expect((await store.tombstone(f.root, 'late CID check'))[0].status).toBe('tombstoned')
    expect((await store.stats()).awaitingCompaction).toBe(0)
    await checkFile(store, g, f.layout.paddedChunks)
    expect((await store.pruneExpired(20)).length).toBe(1)
    await expect(store.prune(testFile(5, 5).root)).rejects.toBeInstanceOf(UnknownFileError)
  })

  it('a segment corrupted on disk is detected on read, un-indexed, and repaired by a new upload', async () => {
    const { store, dir } = await open1()
    const f = testFile(3 * SEGMENT_SIZE, 41)
    await store.allocate({ root: f.root, size: f.data.length, flowStart: 0, height: 1, expiresAtEpoch: 9 })
    await upload(store, f)
    const fh = await open(join(dir, 'flow', 'flow-000000.dat'), 'r+')
    await fh.write(new Uint8Array([0xff]), 0, 1, SEGMENT_SIZE + 17)
    await fh.close()
    await expect(store.getSegment(f.root, 1)).rejects.toMatchObject({ name: 'SegmentCorruptError', code: 'SEGMENT_CORRUPT' })
    expect(await store.missingSegments(f.root)).toEqual([1])
    expect((await store.getFile(f.root)).status).toBe('pending')
    await upload(store, f, [1])
    await checkFile(store, f, 0)
    // The PoRA path (which skips the segment check for speed) catches it through the chunk proof.
    const fh2 = await open(join(dir, 'flow', 'flow-000000.dat'), 'r+')
    await fh2.write(new Uint8Array([0xee]), 0, 1, 2 * SEGMENT_SIZE + 5000)
    await fh2.close()
    await expect(store.getChunk(2 * SEGMENT_CHUNKS + 1)).rejects.toBeInstanceOf(SegmentCorruptError)
    expect(await store.missingSegments(f.root)).toEqual([2])
  })
})

describe('FlowStore on disk', () => {
  it('close and reopen keep files, segments, statuses and proofs (the segment tree is rebuilt from LevelDB)', async () => {
    const { dir, cleanup } = await tempDir()
    cleanups.push(cleanup)
    const f = testFile(16385 * CHUNK_SIZE, 51)
    const p = testFile(777, 52)
    const t = testFile(999, 53)
    let store = await FlowStore.open({ dir })
    await store.allocate({ root: f.root, cid: 'bafyf', size: f.data.length, flowStart: 0, height: 1, expiresAtEpoch: 9 })
    await store.allocate({ root: p.root, size: p.data.length, flowStart: f.layout.paddedChunks, height: 2, expiresAtEpoch: 9 })
    await store.allocate({ root: t.root, size: t.data.length, flowStart: f.layout.paddedChunks + p.layout.paddedChunks, height: 3, expiresAtEpoch: 9 })
    await upload(store, f)
    await upload(store, t)
    await store.tombstone(t.root, 'bad CID')
    await expect(FlowStore.open({ dir })).rejects.toBeInstanceOf(StoreLockedError)
    await store.close()
    await expect(store.getFile(f.root)).rejects.toBeInstanceOf(StoreClosedError)
    store = await FlowStore.open({ dir, partSize: 4096 }) // the first open fixed the part size; this one is ignored
    cleanups.unshift(async () => { await store.close() })
    await checkFile(store, f, 0)
    const pad = await store.getChunk(17 * SEGMENT_CHUNKS + 3) // in the zero padding segment
    expect(isZero(pad.chunk)).toBe(true)
    expect(verifyChunkProof(f.root, pad.chunk, pad.proof, hasher)).toBe(true)
    expect((await store.getFile(p.root)).status).toBe('pending')
    await expect(store.getSegment(t.root, 0)).rejects.toBeInstanceOf(FileTombstonedError)
    expect((await store.stats()).awaitingCompaction).toBe(1)
    expect((await store.fileByCid('bafyf')).flowStart).toBe(0)
    await upload(store, p)
    await checkFile(store, p, f.layout.paddedChunks)
  })

  it('small part files: segments that straddle part boundaries round-trip', async () => {
    const partSize = 300 * CHUNK_SIZE // not a multiple of a segment
    const { store, dir } = await open1({ partSize })
    const f = testFile(5 * SEGMENT_SIZE + 3, 61)
    await store.allocate({ root: f.root, size: f.data.length, flowStart: 77, height: 1, expiresAtEpoch: 9 })
    await upload(store, f, [4, 0, 5, 2, 1, 3])
    await checkFile(store, f, 77)
    expect(same(await rawFlow(dir, 77 * CHUNK_SIZE, f.data.length, partSize), f.data)).toBe(true)
    await store.tombstone(f.root, 'x')
    await store.compact()
    expect(isZero(await rawFlow(dir, 0, (77 + f.layout.paddedChunks) * CHUNK_SIZE, partSize))).toBe(true)
  })

  it('two nodes that receive the same submissions in any upload order hold byte-identical logs', async () => {
    const a = await open1()
    const b = await open1()
    const files = [testFile(1, 71), testFile(SEGMENT_SIZE * 3 + 1, 72), testFile(2049 * CHUNK_SIZE, 73)]
    let flowStart = 0
    for (const f of files) {
      for (const s of [a.store, b.store]) await s.allocate({ root: f.root, size: f.data.length, flowStart, height: 1, expiresAtEpoch: 9 })
      flowStart += f.layout.paddedChunks
    }
    for (const f of files) await upload(a.store, f)
    for (const f of [...files].reverse()) await upload(b.store, f, Array.from({ length: f.layout.dataSegments }, (_, i) => f.layout.dataSegments - 1 - i))
    const fa = await readFile(join(a.dir, 'flow', 'flow-000000.dat'))
    const fb = await readFile(join(b.dir, 'flow', 'flow-000000.dat'))
    expect(fa.equals(fb)).toBe(true)
    await writeFile(join(a.dir, 'unused'), '') // the store tolerates foreign files in its folder
  })
})

describe('FlowStore under concurrency', () => {
  it('parallel and duplicate puts of one file count each segment once', async () => {
    const { store } = await open1()
    const f = testFile(12 * SEGMENT_SIZE + 9, 81)
    await store.allocate({ root: f.root, size: f.data.length, flowStart: 1, height: 1, expiresAtEpoch: 9 })
    const all = Array.from({ length: f.layout.dataSegments }, (_, i) => i)
    const results = await Promise.all([...all, ...all].map(async (i) => await store.putSegment(f.root, i, segmentBytes(f.data, i), f.tree.proof(i))))
    expect(results.filter((r) => r.stored).length).toBe(f.layout.dataSegments)
    await checkFile(store, f, 1)
  })

  it('a tombstone racing an upload leaves nothing indexed and nothing on disk after compaction', async () => {
    const { store, dir } = await open1()
    const f = testFile(10 * SEGMENT_SIZE, 82)
    await store.allocate({ root: f.root, size: f.data.length, flowStart: 0, height: 1, expiresAtEpoch: 9 })
    const puts = Array.from({ length: 10 }, async (_, i) => await store.putSegment(f.root, i, segmentBytes(f.data, i), f.tree.proof(i)).catch((e: unknown) => e))
    await store.tombstone(f.root, 'raced')
    const outcomes = await Promise.all(puts)
    for (const o of outcomes) if (o instanceof Error) expect(o).toBeInstanceOf(FileTombstonedError)
    await store.compact()
    expect(isZero(await rawFlow(dir, 0, f.data.length))).toBe(true)
    expect(await store.getFile(f.root)).toMatchObject({ status: 'tombstoned', storedBytes: 0, received: 0 })
  })
})
