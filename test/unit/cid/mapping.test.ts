import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import {
  SEGMENTS_PER_LEAF, cidLeafCount, leafSegments, segmentLeaf, leafByteRange, CID_LEAF_SIZE,
  parseCid, canonicalCid, cidToSubmission, cidFromSubmission, isFileCid, fileCid, InvalidCidError
} from '../../../protocol/cid/index.js'
import { SEGMENT_SIZE, fileLayout } from '../../../protocol/storage/index.js'
import { base58btc } from 'multiformats/bases/base58'

const MiB = CID_LEAF_SIZE

describe('protocol/cid: leaves ↔ 0G segments', () => {
  it('a leaf is four segments, both ways', () => {
    expect(SEGMENTS_PER_LEAF).toBe(4)
    expect(SEGMENTS_PER_LEAF * SEGMENT_SIZE).toBe(MiB)
    expect(leafSegments(0)).toEqual({ start: 0, end: 4 })
    expect(leafSegments(2)).toEqual({ start: 8, end: 12 })
    expect(segmentLeaf(0)).toBe(0)
    expect(segmentLeaf(3)).toBe(0)
    expect(segmentLeaf(4)).toBe(1)
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (s) => {
      const { start, end } = leafSegments(segmentLeaf(s))
      return start <= s && s < end
    }))
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (i) => {
      const { start, end } = leafSegments(i)
      return segmentLeaf(start) === i && segmentLeaf(end - 1) === i && segmentLeaf(end) === i + 1
    }))
  })

  it('clips to the file: the last leaf covers the last data segments and its bytes', () => {
    const size = 2 * MiB + SEGMENT_SIZE + 10 // 10 data segments, 3 leaves
    expect(fileLayout(size).dataSegments).toBe(10)
    expect(cidLeafCount(size)).toBe(3)
    expect(leafSegments(2, size)).toEqual({ start: 8, end: 10 })
    expect(leafByteRange(2, size)).toEqual({ start: 2 * MiB, end: size })
    expect(cidLeafCount(0)).toBe(1)
    expect(cidLeafCount(MiB)).toBe(1)
    expect(cidLeafCount(MiB + 1)).toBe(2)
    expect(() => leafSegments(3, size)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }))
    expect(() => leafByteRange(3, size)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }))
    expect(() => segmentLeaf(-1)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }))
    expect(() => leafSegments(1.5)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }))
  })
})

describe('protocol/cid: text and submission bytes', () => {
  const cid = fileCid(new TextEncoder().encode('hello glowmesh'))

  it('round-trips through the submission bytes (binary) and reads UTF-8 text too', () => {
    const bytes = cidToSubmission(cid)
    expect(bytes.length).toBe(36)
    expect(cidFromSubmission(bytes)!.equals(cid)).toBe(true)
    expect(cidFromSubmission(new TextEncoder().encode(cid.toString()))!.equals(cid)).toBe(true)
    expect(cidFromSubmission(new Uint8Array(0))).toBeUndefined()
    expect(isFileCid(cid)).toBe(true)
  })

  it('parses base32, base58btc and CIDv0, canonicalising to CIDv1 base32', () => {
    const v0 = 'QmPZ9gcCEpqKTo6aq61g2nXGUhM4iCL3ewB6LDXZCtioEB'
    expect(canonicalCid(v0)).toBe(parseCid(v0).toV1().toString())
    expect(canonicalCid(v0).startsWith('bafybei')).toBe(true)
    expect(canonicalCid(cid.toString())).toBe(cid.toString())
    expect(canonicalCid(cid.toString(base58btc))).toBe(cid.toString())
  })

  it('rejects malformed CIDs with InvalidCidError', () => {
    for (const bad of ['', 'bafy', 'not a cid', 'x'.repeat(300), 'bafkrei!!', 'zzzzzz', '../etc']) {
      expect(() => parseCid(bad), bad).toThrow(InvalidCidError)
    }
    expect(() => parseCid(42 as any)).toThrow(expect.objectContaining({ name: 'InvalidCidError', code: 'INVALID_CID' }))
    expect(() => cidFromSubmission(new Uint8Array(36).fill(0xff))).toThrow(expect.objectContaining({ code: 'INVALID_CID' }))
    expect(() => cidFromSubmission(new TextEncoder().encode('hello'))).toThrow(InvalidCidError)
  })
})
