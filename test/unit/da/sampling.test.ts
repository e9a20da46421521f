import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { sha256 } from '@noble/hashes/sha2.js'
import { confidence, failureProbability, InvalidSampleError, sampleColumns } from '../../../protocol/da/index.js'

const seedOf = (i: number): Uint8Array => sha256(new TextEncoder().encode(`glowmesh test seed ${i}`))
const seedArb = fc.uint8Array({ minLength: 16, maxLength: 64 })

// C(63,k)/C(128,k) as a plain float product, an independent reference for the bigint version.
function reference (k: number): number {
  let p = 1
  for (let i = 0; i < k; i++) p *= (63 - i) / (128 - i)
  return p
}

describe('sampleColumns', () => {
  it('returns k distinct integer columns in [0, 128)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 128 }), seedArb, (k, seed) => {
      const cols = sampleColumns(k, seed)
      expect(cols.length).toBe(k)
      expect(new Set(cols).size).toBe(k)
      for (const c of cols) expect(Number.isInteger(c) && c >= 0 && c < 128).toBe(true)
    }), { numRuns: 300 })
  })

  it('is deterministic for a seed, and different seeds give different draws', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 128 }), seedArb, (k, seed) => {
      expect(sampleColumns(k, seed)).toEqual(sampleColumns(k, seed.slice()))
      // A draw of k is the prefix of a draw of more with the same seed (partial Fisher–Yates).
      expect(sampleColumns(128, seed).slice(0, k)).toEqual(sampleColumns(k, seed))
    }), { numRuns: 100 })
    expect(sampleColumns(16, seedOf(1))).not.toEqual(sampleColumns(16, seedOf(2)))
    const longer = new Uint8Array(33); longer.set(seedOf(1))
    expect(sampleColumns(16, seedOf(1))).not.toEqual(sampleColumns(16, longer)) // seed length is bound in
  })

  it('k = 128 is a permutation of all columns', () => {
    expect([...sampleColumns(128, seedOf(3))].sort((a, b) => a - b)).toEqual(Array.from({ length: 128 }, (_, i) => i))
  })

  it('draws each column about equally often (chi-square, fixed seeds)', () => {
    // 4000 draws of 16 → 64000 picks, expected 500 per column; 127 degrees of freedom.
    const counts = new Array(128).fill(0)
    const draws = 4000
    for (let i = 0; i < draws; i++) for (const c of sampleColumns(16, seedOf(i))) counts[c]++
    const expected = (draws * 16) / 128
    const chi2 = counts.reduce((s, n) => s + (n - expected) ** 2 / expected, 0)
    // χ²(127) has mean 127, sd ≈ 15.9; 200 is beyond its 99.99th percentile (≈ 189), 60 below its 0.01th.
    expect(chi2).toBeLessThan(200)
    expect(chi2).toBeGreaterThan(60)
    // The first pick alone must be uniform too (a biased swap shows there first).
    const first = new Array(128).fill(0)
    for (let i = 0; i < 12800; i++) first[sampleColumns(1, seedOf(100_000 + i))[0]]++
    const chi1 = first.reduce((s, n) => s + (n - 100) ** 2 / 100, 0)
    expect(chi1).toBeLessThan(200)
  })

  it('draws a fresh random seed when none is given', () => {
    const a = sampleColumns(16)
    expect(new Set(a).size).toBe(16)
    expect(sampleColumns()).toHaveLength(16) // default k
  })

  it('rejects k outside [1, 128] and short seeds with InvalidSampleError', () => {
    for (const k of [0, -1, 129, 1.5, Number.NaN, '16' as any]) {
      try { sampleColumns(k, seedOf(0)); expect.unreachable() } catch (err: any) {
        expect(err).toBeInstanceOf(InvalidSampleError)
        expect(err.name).toBe('InvalidSampleError')
        expect(err.code).toBe('INVALID_SAMPLE')
        expect(err.exitCode).toBe(2)
      }
    }
    expect(() => sampleColumns(16, new Uint8Array(15))).toThrow(InvalidSampleError)
    expect(() => sampleColumns(16, 'seed' as any)).toThrow(InvalidSampleError)
    expect(() => confidence(0)).toThrow(InvalidSampleError)
    expect(() => failureProbability(129)).toThrow(InvalidSampleError)
  })
})

describe('confidence', () => {
  it('matches the PeerDAS bounds in ANCHORS.md', () => {
    expect(failureProbability(1)).toBeCloseTo(63 / 128, 15)
    expect(confidence(1)).toBeCloseTo(65 / 128, 15)
    expect(failureProbability(8)).toBeGreaterThan(2.6e-3)
    expect(failureProbability(8)).toBeLessThan(2.8e-3) // ≈ 2.7×10⁻³
    expect(failureProbability(16)).toBeGreaterThan(3.8e-6)
    expect(failureProbability(16)).toBeLessThan(4.0e-6) // ≈ 3.9×10⁻⁶
    expect(confidence(16)).toBeCloseTo(1 - 3.9e-6, 7)
  })

  it('equals C(63,k)/C(128,k) to float precision, is tighter than 2^-k, and is 1 from k = 64', () => {
    for (let k = 1; k <= 128; k++) {
      const p = failureProbability(k)
      const ref = reference(k)
      if (ref === 0) expect(p).toBe(0)
      else expect(Math.abs(p - ref) / ref).toBeLessThan(1e-12)
      expect(p).toBeLessThanOrEqual(2 ** -k)
      if (k > 1 && k <= 64) expect(p).toBeLessThan(failureProbability(k - 1))
    }
    expect(failureProbability(63)).toBeGreaterThan(0) // 1/C(128,63) ≈ 1.3e-37, no underflow
    expect(failureProbability(64)).toBe(0)
    expect(confidence(128)).toBe(1)
  })
})
