import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha256 } from '@noble/hashes/sha2.js'
import {
  MAX_CHALLENGE_POSITIONS, MalformedPoraMessageError, blockChallengeId, createChallenge, decodeChallenge, deriveChallenges,
  drawStream, encodeChallenge, verifyChallengeSignature
} from '../../../protocol/pora/index.js'
import { InvalidInputError } from '../../../protocol/errors.js'

const nodeId = sha256(new Uint8Array([1]))
const hashOf = (i: number) => sha256(new Uint8Array([7, i & 255, i >> 8]))

describe('deriveChallenges', () => {
  const ranges = [{ start: 1000, end: 1100 }, { start: 5000, end: 5300 }]

  it('is deterministic, distinct and inside the ranges', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.integer({ min: 1, max: MAX_CHALLENGE_POSITIONS }), (blockHash, count) => {
      const a = deriveChallenges({ blockHash, nodeId, ranges, count })
      expect(deriveChallenges({ blockHash, nodeId, ranges, count })).toEqual(a)
      expect(a).toHaveLength(count)
      expect(new Set(a).size).toBe(count)
      for (const p of a) expect(ranges.some((r) => p >= r.start && p < r.end)).toBe(true)
    }), { numRuns: 100 })
  })

  it('depends on the block hash and the node id', () => {
    const a = deriveChallenges({ blockHash: hashOf(1), nodeId, ranges, count: 8 })
    expect(deriveChallenges({ blockHash: hashOf(2), nodeId, ranges, count: 8 })).not.toEqual(a)
    expect(deriveChallenges({ blockHash: hashOf(1), nodeId: hashOf(9), ranges, count: 8 })).not.toEqual(a)
  })

  it('spreads positions over the ranges in proportion to their size, uniformly within them', () => {
    // 4000 draws: range 2 is 3x range 1, and within range 1 each tenth gets ~1/10 of its share.
    const counts = [0, 0]; const tenths = new Array(10).fill(0)
    for (let i = 0; i < 1000; i++) {
      for (const p of deriveChallenges({ blockHash: hashOf(i), nodeId, ranges, count: 4 })) {
        if (p < 1100) { counts[0]++; tenths[Math.floor((p - 1000) / 10)]++ } else counts[1]++
      }
    }
    expect(counts[0] / 4000).toBeGreaterThan(0.22); expect(counts[0] / 4000).toBeLessThan(0.28)
    // Chi-square over the 10 tenths (9 dof): 27.9 is the 0.1 % critical value.
    const e = counts[0] / 10
    expect(tenths.reduce((s, o) => s + (o - e) ** 2 / e, 0)).toBeLessThan(27.9)
  })

  it('draws without modulo bias (rejection sampling)', () => {
    // Bound 3·2^46: plain `x mod n` over 48-bit draws would put 1/2 of the mass on the lower third.
    const n = 3 * 2 ** 46; const next = drawStream('test', new Uint8Array([1]))
    let low = 0
    for (let i = 0; i < 3000; i++) if (next(n) < 2 ** 46) low++
    expect(low / 3000).toBeGreaterThan(0.29); expect(low / 3000).toBeLessThan(0.38)
  })

  it('rejects bad inputs with typed errors', () => {
    const bad = [
      { blockHash: new Uint8Array(31), nodeId, ranges, count: 1 },
      { blockHash: hashOf(1), nodeId, ranges: [], count: 1 },
      { blockHash: hashOf(1), nodeId, ranges: [{ start: 5, end: 5 }], count: 1 },
      { blockHash: hashOf(1), nodeId, ranges: [{ start: 10, end: 20 }, { start: 15, end: 30 }], count: 1 },
      { blockHash: hashOf(1), nodeId, ranges: [{ start: 0, end: 3 }], count: 4 },
      { blockHash: hashOf(1), nodeId, ranges, count: MAX_CHALLENGE_POSITIONS + 1 }
    ]
    for (const b of bad) expect(() => deriveChallenges(b)).toThrow(InvalidInputError)
  })
})

describe('signed challenges', () => {
  const key = sha256(new Uint8Array([42]))
  const spec = { id: hashOf(5), nodeId, positions: [3, 70000, 12], deadlineMs: 500, issuedAtHeight: 17 }

  it('verify, survive encoding, and fail when any field changes', () => {
    const c = createChallenge(spec, key)
    expect(c.challenger).toEqual(ed25519.getPublicKey(key))
    expect(verifyChallengeSignature(c)).toBe(true)
    expect(decodeChallenge(encodeChallenge(c))).toEqual(c)
    for (const t of [{ positions: [3, 70001, 12] }, { deadlineMs: 5000 }, { nodeId: hashOf(3) }, { issuedAtHeight: 18 }, { id: hashOf(6) }, { challenger: ed25519.getPublicKey(hashOf(1)) }]) {
      expect(verifyChallengeSignature({ ...c, ...t })).toBe(false)
    }
    expect(verifyChallengeSignature({ ...c, signature: new Uint8Array(64) })).toBe(false)
  })

  it('block challenge ids are per block and per node', () => {
    expect(blockChallengeId(hashOf(1), nodeId)).not.toEqual(blockChallengeId(hashOf(2), nodeId))
    expect(blockChallengeId(hashOf(1), nodeId)).not.toEqual(blockChallengeId(hashOf(1), hashOf(9)))
  })

  it('the decoder rejects truncated, padded and malformed bytes with typed errors', () => {
    const bytes = encodeChallenge(createChallenge(spec, key))
    for (let cut = 0; cut < bytes.length; cut += 7) expect(() => decodeChallenge(bytes.subarray(0, cut))).toThrow(MalformedPoraMessageError)
    expect(() => decodeChallenge(new Uint8Array([...bytes, 0]))).toThrow(MalformedPoraMessageError)
    const v2 = Uint8Array.from(bytes); v2[0] = 2
    expect(() => decodeChallenge(v2)).toThrow(expect.objectContaining({ name: 'MalformedPoraMessageError', code: 'PORA_MALFORMED' }))
    expect(() => decodeChallenge(new Uint8Array(5000))).toThrow(MalformedPoraMessageError)
    expect(() => createChallenge({ ...spec, positions: [] }, key)).toThrow(InvalidInputError)
  })
})
