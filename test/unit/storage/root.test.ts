import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  CHUNK_SIZE, SEGMENT_SIZE, EmptyFileError, FileRootBuilder, fileLayout, fileRoot, nobleHasher,
  paddedChunkCount, fileRootFromSegmentRoots, segmentRoot, segmentChunkCount, segmentBytes
} from '../../../protocol/storage/index.js'
import { toHex } from '../../../protocol/bytes.js'
import { createWasmHasher } from '../../../wasm/keccak/index.js'
import { sdkRoot } from '../../helpers/zg-sdk.js'
import { patternBytes } from '../../helpers/bytes.js'

const wasm = createWasmHasher()

// Sizes that exercise every branch of 0G's flow padding: single chunk, chunk edges, segment edges,
// partial last segments with padding inside them (1025 and 2049 chunks), whole zero padding
// segments (16385 chunks = 4 MiB + 256 B pads to 18 segments), odd chunk counts.
const SIZES = [
  1, 2, 31, 255, 256, 257, 511, 1000, 3 * CHUNK_SIZE, 5 * CHUNK_SIZE + 7,
  SEGMENT_SIZE - 1, SEGMENT_SIZE, SEGMENT_SIZE + 1, 1025 * CHUNK_SIZE, 2049 * CHUNK_SIZE - 3,
  3 * SEGMENT_SIZE + 12345, 7 * SEGMENT_SIZE, 16385 * CHUNK_SIZE, 16384 * CHUNK_SIZE + 1, 9 * SEGMENT_SIZE + 999
]

describe('0G storage root', () => {
  it.each(SIZES)('matches the 0G SDK for %i bytes (noble and wasm)', async (size) => {
    const data = patternBytes(size, size)
    const expected = await sdkRoot(data)
    expect(toHex(fileRoot(data))).toBe(expected)
    expect(toHex(fileRoot(data, wasm))).toBe(expected)
  })

  it('matches the SDK for random sizes and contents', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 3 * SEGMENT_SIZE }), fc.integer(), async (size, seed) => {
      const data = patternBytes(size, seed)
      expect(toHex(fileRoot(data, wasm))).toBe(await sdkRoot(data))
    }), { numRuns: 25 })
  })

  it('gives the same root however the stream is sliced', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 2 * SEGMENT_SIZE + 5000 }), fc.array(fc.integer({ min: 1, max: 300_000 }), { minLength: 1, maxLength: 8 }), (size, cuts) => {
      const data = patternBytes(size, 7)
      const builder = new FileRootBuilder(wasm)
      let off = 0
      let i = 0
      while (off < size) {
        const n = Math.min(cuts[i++ % cuts.length], size - off)
        builder.update(data.subarray(off, off + n))
        off += n
      }
      expect(builder.size).toBe(size)
      expect(toHex(builder.digest())).toBe(toHex(fileRoot(data, wasm)))
    }), { numRuns: 30 })
  })

  it('composes from segment roots (the parallel path)', () => {
    const data = patternBytes(16385 * CHUNK_SIZE, 3)
    const layout = fileLayout(data.length)
    const roots: Uint8Array[] = []
    for (let s = 0; s < layout.dataSegments; s++) roots.push(segmentRoot(segmentBytes(data, s), segmentChunkCount(layout, s), wasm))
    expect(toHex(fileRootFromSegmentRoots(layout, roots, wasm))).toBe(toHex(fileRoot(data, wasm)))
    expect(() => fileRootFromSegmentRoots(layout, roots.slice(1), wasm)).toThrow(/segment roots/)
  })

  it('rejects empty input with EmptyFileError', () => {
    expect(() => fileRoot(new Uint8Array(0))).toThrow(EmptyFileError)
    expect(() => new FileRootBuilder().digest()).toThrow(EmptyFileError)
    try { fileLayout(0) } catch (e: any) { expect(e.code).toBe('EMPTY_FILE'); expect(e.exitCode).toBe(2) }
  })

  it('rejects misuse with typed errors', () => {
    const b = new FileRootBuilder()
    b.update(new Uint8Array(10))
    b.digest()
    expect(() => b.update(new Uint8Array(1))).toThrow(/after digest/)
    expect(() => nobleHasher.chunksRoot(new Uint8Array(100))).toThrow(/multiple of 256/)
    expect(() => wasm.chunksRoot(new Uint8Array(SEGMENT_SIZE + 256))).toThrow(/at most/)
    expect(() => segmentRoot(new Uint8Array(300), 1)).toThrow(/exceeds/)
    expect(() => fileLayout(-1)).toThrow(/non-negative/)
    expect(() => fileLayout(1.5)).toThrow(/integer/)
  })

  it('pads like the SDK (computePaddedSize)', () => {
    expect(paddedChunkCount(1)).toBe(1)
    expect(paddedChunkCount(3)).toBe(3)
    expect(paddedChunkCount(17)).toBe(18)
    expect(paddedChunkCount(1025)).toBe(1152)
    expect(paddedChunkCount(16385)).toBe(18432)
    expect(fileLayout(16385 * CHUNK_SIZE)).toMatchObject({ segments: 18, dataSegments: 17 })
  })

  it('wasm and noble leaf hashes agree', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 2500 }), (n) => {
      const data = patternBytes(n * CHUNK_SIZE, n)
      expect(wasm.leafHashes(data)).toEqual(nobleHasher.leafHashes(data))
    }), { numRuns: 20 })
    const a = patternBytes(32, 1); const b = patternBytes(32, 2)
    expect(wasm.hashPair(a, b)).toEqual(nobleHasher.hashPair(a, b))
  })
})
