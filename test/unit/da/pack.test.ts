import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  assertBlob, blobCount, BYTES_PER_BLOB, MalformedBlobError, packBlob, packBlobs, PAYLOAD_BYTES_PER_BLOB, unpackBlobs
} from '../../../protocol/da/index.js'
import { InvalidInputError } from '../../../protocol/errors.js'
import { equalBytes } from '../../../protocol/bytes.js'

// Payload sizes around the interesting edges: element and blob boundaries.
const edgeSize = fc.oneof(
  fc.integer({ min: 0, max: 200 }),
  fc.integer({ min: PAYLOAD_BYTES_PER_BLOB - 40, max: PAYLOAD_BYTES_PER_BLOB + 40 }),
  fc.integer({ min: 0, max: 3 * PAYLOAD_BYTES_PER_BLOB })
)
const payloadArb = edgeSize.chain((size) => fc.record({
  size: fc.constant(size),
  seed: fc.integer(),
  zeros: fc.integer({ min: 0, max: size }) // trailing zeros
})).map(({ size, seed, zeros }) => {
  const p = new Uint8Array(size)
  let x = seed | 1
  for (let i = 0; i < size - zeros; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; p[i] = x & 0xff }
  return p
})

describe('blob packing', () => {
  it('unpack(pack(x), size) = x for any payload, trailing zeros included', () => {
    fc.assert(fc.property(payloadArb, (payload) => {
      const blobs = packBlobs(payload)
      expect(blobs.length).toBe(blobCount(payload.length))
      for (const b of blobs) expect(b.length).toBe(BYTES_PER_BLOB)
      expect(equalBytes(unpackBlobs(blobs, payload.length), payload)).toBe(true)
    }), { numRuns: 60 })
  })

  it('puts payload byte i at 32*floor(i/31) + 1 + (i mod 31), first byte of each element 0', () => {
    const payload = new Uint8Array(PAYLOAD_BYTES_PER_BLOB + 100)
    for (let i = 0; i < payload.length; i++) payload[i] = (i % 255) + 1 // never 0
    const blobs = packBlobs(payload)
    for (let i = 0; i < payload.length; i++) {
      const b = Math.floor(i / PAYLOAD_BYTES_PER_BLOB)
      const j = i % PAYLOAD_BYTES_PER_BLOB
      expect(blobs[b][32 * Math.floor(j / 31) + 1 + (j % 31)]).toBe(payload[i])
    }
    for (const blob of blobs) for (let e = 0; e < 4096; e++) expect(blob[32 * e]).toBe(0)
    expect(blobs[1].subarray(32 * 4, BYTES_PER_BLOB).every((x) => x === 0)).toBe(true) // zero padding
  })

  it('counts blobs: 0 bytes → 0 blobs, 126976 → 1, 126977 → 2', () => {
    expect(blobCount(0)).toBe(0)
    expect(packBlobs(new Uint8Array(0))).toEqual([])
    expect(unpackBlobs([], 0)).toEqual(new Uint8Array(0))
    expect(blobCount(1)).toBe(1)
    expect(blobCount(PAYLOAD_BYTES_PER_BLOB)).toBe(1)
    expect(blobCount(PAYLOAD_BYTES_PER_BLOB + 1)).toBe(2)
    expect(() => blobCount(-1)).toThrow(InvalidInputError)
    expect(() => blobCount(1.5)).toThrow(InvalidInputError)
  })

  it('packBlob(payload, i) is blob i of packBlobs(payload)', () => {
    const payload = new Uint8Array(2 * PAYLOAD_BYTES_PER_BLOB + 7).map((_, i) => i * 31)
    const all = packBlobs(payload)
    for (let i = 0; i < all.length; i++) expect(equalBytes(packBlob(payload, i), all[i])).toBe(true)
    expect(() => packBlob(payload, 3)).toThrow(InvalidInputError)
    expect(() => packBlob(payload, -1)).toThrow(InvalidInputError)
  })

  it('rejects malformed blobs with MalformedBlobError', () => {
    const payload = new Uint8Array(1000).fill(7)
    const [blob] = packBlobs(payload)
    const check = (fn: () => unknown, pattern: RegExp): void => {
      try { fn(); expect.unreachable() } catch (err: any) {
        expect(err).toBeInstanceOf(MalformedBlobError)
        expect(err.name).toBe('MalformedBlobError')
        expect(err.code).toBe('MALFORMED_BLOB')
        expect(err.exitCode).toBe(2)
        expect(err.message).toMatch(pattern)
      }
    }
    check(() => unpackBlobs([blob.subarray(1)], 1000), /131072 bytes/)
    check(() => assertBlob(new Uint8Array(BYTES_PER_BLOB + 1)), /131072 bytes/)
    const high = blob.slice(); high[32 * 100] = 1
    check(() => unpackBlobs([high], 1000), /field element 100 has a non-zero first byte/)
    const padded = blob.slice(); padded[BYTES_PER_BLOB - 1] = 9
    check(() => unpackBlobs([padded], 1000), /non-zero padding/)
    check(() => unpackBlobs([blob, blob], 1000), /packs into 1 blob\(s\), got 2/)
    check(() => unpackBlobs([blob], PAYLOAD_BYTES_PER_BLOB + 1), /packs into 2 blob\(s\), got 1/)
    check(() => unpackBlobs([], 1), /got 0/)
    expect(() => unpackBlobs([blob], -3)).toThrow(InvalidInputError)
    expect(() => packBlobs('nope' as any)).toThrow(InvalidInputError)
  })

  it('the padding check accepts exactly the bytes a payload may use', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: PAYLOAD_BYTES_PER_BLOB - 1 }), (size) => {
      const [blob] = packBlobs(new Uint8Array(size).fill(0xff))
      // The first padding byte, at payload offset `size`, must be rejected when set.
      const at = 32 * Math.floor(size / 31) + 1 + (size % 31)
      const bad = blob.slice(); bad[at] = 1
      expect(() => unpackBlobs([bad], size)).toThrow(/non-zero padding at payload byte/)
      expect(unpackBlobs([bad], size + 1)[size]).toBe(1)
    }), { numRuns: 100 })
  })
})
