// Freivalds (exact integers, no modulus) and verifyTrace: honest traces pass, every tamper is caught.
import { describe, expect, it } from 'vitest'
import {
  runModel, runLayer, traceFromRun, verifyTrace, freivaldsLayer, freivaldsMatmul, matmulInt8, bitsPerRound,
  reexecuteLayer, verifyDisputedLayer, traceEntry, requantize, clampInt8
} from '../../protocol/compute/index.js'
import type { DenseLayer, Trace } from '../../protocol/compute/index.js'
import { randomInput, randomModel, seeded } from './compute-fixtures.js'

const K = 16
const model = randomModel([784, 128, 64, 10], 21)
const input = new Int8Array(K * 784).map((_, i) => (i * 7919) % 128)
const run = runModel(model, input, K)

/** A deep copy of the honest trace to tamper with. */
function copyTrace (): Trace {
  return { batch: K, layers: run.layers.map(e => ({ acc: e.acc.slice(), out: e.out.slice() })) }
}
const verify = (trace: Trace, extra: object = {}): ReturnType<typeof verifyTrace> =>
  verifyTrace({ model, input, batch: K, trace, predictions: run.predictions, logits: run.logits, ...extra })
const failed = (r: ReturnType<typeof verifyTrace>): string[] => r.checks.filter(c => !c.ok).map(c => c.name)

describe('verifyTrace', () => {
  it('passes an honest trace with every check named and timed, error ≤ 2^-40', () => {
    const r = verify(traceFromRun(run, K))
    expect(r.ok).toBe(true)
    expect(r.checks.map(c => c.name)).toEqual(['shape', 'layer 0 freivalds', 'layer 0 requant', 'layer 1 freivalds', 'layer 1 requant', 'layer 2 freivalds', 'layer 2 requant', 'predictions', 'logits'])
    for (const c of r.checks) { expect(c.ms).toBeGreaterThanOrEqual(0); expect(c.detail.length).toBeGreaterThan(0) }
    expect(r.errorBound).toBeLessThanOrEqual(2 ** -40)
    expect(r.errorBound).toBeGreaterThan(0)
  })
  it('catches one tampered int32 accumulator in any layer, at many positions', () => {
    const rnd = seeded(5)
    for (let l = 0; l < 3; l++) {
      for (let t = 0; t < 8; t++) {
        const trace = copyTrace()
        const i = Math.floor(rnd() * trace.layers[l].acc.length)
        trace.layers[l].acc[i] += t % 2 === 0 ? 1 : -37
        const r = verify(trace)
        expect(r.ok).toBe(false)
        expect(failed(r)).toContain(`layer ${l} freivalds`)
      }
    }
  })
  it('catches a tamper that keeps out consistent with acc (only Freivalds can see it)', () => {
    for (let l = 0; l < 3; l++) {
      const trace = copyTrace()
      const e = trace.layers[l]
      const L = model.layers[l]
      e.acc[3] += 1 << L.shift // shifts requant by exactly 1 step
      e.out[3] = clampInt8(requantize(e.acc[3], L.multiplier, L.shift), L.relu)
      const r = verifyTrace({ model, input, batch: K, trace })
      expect(failed(r)).toContain(`layer ${l} freivalds`)
      expect(failed(r)).not.toContain(`layer ${l} requant`)
    }
  })
  it('catches adversarial deltas: multiples of primes, 2^31−1 (wraps), compensating pairs', () => {
    const deltas = [2 ** 31 - 1, -(2 ** 31), 65521, 65521 * 3, 2 ** 20, 2 ** 16 + 1, 4294967291 % 2 ** 31]
    for (const d of deltas) {
      for (const l of [0, 2]) {
        const trace = copyTrace()
        trace.layers[l].acc[5] = (trace.layers[l].acc[5] + d) | 0
        expect(failed(verify(trace))).toContain(`layer ${l} freivalds`)
      }
    }
    // +d on one input's output o and −d on another's: column sums are unchanged (a check with r = 1 misses it)
    for (const d of [1, 65521, 2 ** 20]) {
      const trace = copyTrace()
      const w = model.layers[1].outSize
      trace.layers[1].acc[0 * w + 4] += d
      trace.layers[1].acc[9 * w + 4] -= d
      expect(failed(verify(trace))).toContain('layer 1 freivalds')
    }
    // the same pair against a constant r (a broken randomness source) is missed: randomness is what makes it sound
    const acc = run.layers[1].acc.slice()
    acc[4] += 7; acc[9 * 64 + 4] -= 7
    const constant = (n: number): Uint8Array => new Uint8Array(n).map((_, i) => i % 4 === 0 ? 3 : 0)
    expect(freivaldsLayer(model.layers[1], run.layers[0].out, K, acc, { randomBytes: constant }).ok).toBe(true)
    expect(freivaldsLayer(model.layers[1], run.layers[0].out, K, acc).ok).toBe(false)
  })
  it('catches a tampered out byte (requant) and its effect on the next layer', () => {
    for (let l = 0; l < 3; l++) {
      const trace = copyTrace()
      trace.layers[l].out[7] = trace.layers[l].out[7] === 127 ? 126 : trace.layers[l].out[7] + 1
      const r = verify(trace)
      expect(failed(r)).toContain(`layer ${l} requant`)
      if (l < 2) expect(failed(r)).toContain(`layer ${l + 1} freivalds`) // X of the next layer changed
    }
  })
  it('catches a swapped model (same shape, other weights), wrong predictions, wrong logits, wrong shape', () => {
    const other = randomModel([784, 128, 64, 10], 22)
    const r = verifyTrace({ model: other, input, batch: K, trace: traceFromRun(run, K) })
    expect(r.ok).toBe(false)
    expect(failed(r)).toContain('layer 0 freivalds')
    const preds = [...run.predictions]; preds[2] = (preds[2] + 1) % 10
    expect(failed(verify(traceFromRun(run, K), { predictions: preds }))).toEqual(['predictions'])
    const logits = run.logits.map(r => [...r]); logits[0][0] += 1
    expect(failed(verify(traceFromRun(run, K), { logits }))).toEqual(['logits'])
    const short = copyTrace(); short.layers.pop()
    const s = verify(short)
    expect(s.ok).toBe(false)
    expect(s.checks.map(c => c.name)).toEqual(['shape'])
    expect(() => verifyTrace({ model, input: input.subarray(1), batch: K, trace: short })).toThrow(/input/)
  })
  it('catches a swapped input', () => {
    const r = verifyTrace({ model, input: randomInput(K, 784, 3), batch: K, trace: traceFromRun(run, K) })
    expect(failed(r)).toContain('layer 0 freivalds')
  })
  it('argmax ties: the lowest index is the prediction', () => {
    const tie: DenseLayer = { inSize: 2, outSize: 3, relu: false, multiplier: 1, shift: 17, weights: new Int8Array([1, 0, 0, 1, 1, 0]), bias: new Int32Array(3) }
    const m = { inputSize: 2, layers: [tie] }
    const x = new Int8Array([5, 5, 0, 9])
    const res = runModel(m, x, 2)
    expect(res.logits).toEqual([[5, 5, 5], [0, 9, 0]])
    expect(res.predictions).toEqual([0, 1])
    expect(verifyTrace({ model: m, input: x, batch: 2, trace: traceFromRun(res, 2), predictions: [0, 1] }).ok).toBe(true)
    expect(verifyTrace({ model: m, input: x, batch: 2, trace: traceFromRun(res, 2), predictions: [2, 1] }).ok).toBe(false)
  })
})

describe('freivalds', () => {
  it('derives R from the bounds and rounds from targetBits', () => {
    for (const maxSum of [1, 2 ** 20, 16 * 784 * 16384, 64 * 784 * 16384, 2 ** 36, 2048 * 2048 * 16384, 2 ** 50]) {
      const R = bitsPerRound(maxSum)
      expect(maxSum * (2 ** R - 1)).toBeLessThan(2 ** 53)
      if (R < 20) expect(maxSum * (2 ** (R + 1) - 1)).toBeGreaterThanOrEqual(2 ** 53)
    }
    expect(bitsPerRound(2048 * 2048 * 16384)).toBe(17)
    expect(() => bitsPerRound(2 ** 53)).toThrow(/too large/)
    let used = 0
    const counting = (n: number): Uint8Array => { used += n; return crypto.getRandomValues(new Uint8Array(n)) }
    const l0 = model.layers[0]
    const a = freivaldsLayer(l0, input, K, run.layers[0].acc, { randomBytes: counting })
    expect(a).toEqual({ ok: true, rounds: 2, bitsPerRound: 20, errorBound: 2 ** -40 })
    expect(used).toBe(2 * 4 * K)
    expect(freivaldsLayer(l0, input, K, run.layers[0].acc, { targetBits: 41 }).rounds).toBe(3)
    expect(freivaldsLayer(l0, input, K, run.layers[0].acc, { targetBits: 128 })).toMatchObject({ rounds: 7, errorBound: 2 ** -140 })
    expect(() => freivaldsLayer(l0, input, K, run.layers[0].acc, { targetBits: 0 })).toThrow(/targetBits/)
    expect(() => freivaldsLayer(l0, input, K, run.layers[0].acc, { randomBytes: () => new Uint8Array(3) })).toThrow(/wrong length/)
  })
  it('stays exact at the extremes (all −128, K = 64, R < 20) and still sees a ±1', () => {
    const inSize = 100_000
    const layer: DenseLayer = { inSize, outSize: 2, relu: false, multiplier: 1, shift: 17, weights: new Int8Array(2 * inSize).fill(-128), bias: new Int32Array([5, -5]) }
    const X = new Int8Array(64 * inSize).fill(-128)
    const { acc } = runLayer(layer, X, 64)
    const ok = freivaldsLayer(layer, X, 64, acc)
    expect(ok.ok).toBe(true)
    expect(ok.bitsPerRound).toBeLessThan(20)
    const bad = acc.slice(); bad[64] -= 1
    expect(freivaldsLayer(layer, X, 64, bad).ok).toBe(false)
    const far = acc.slice(); far[0] = 2 ** 31 - 1 // beyond bias + inSize·2^14: rejected before any round
    expect(freivaldsLayer(layer, X, 64, far)).toMatchObject({ ok: false, rounds: 0 })
  })
  it('freivaldsMatmul accepts A·B and rejects one wrong entry', () => {
    const n = 96
    const A = randomInput(n, n, 1); const B = randomInput(n, n, 2)
    const C = matmulInt8(A, B, n, n, n)
    expect(freivaldsMatmul(A, B, C, n).ok).toBe(true)
    for (const d of [1, -1, 65521, 2 ** 20]) {
      const bad = C.slice(); bad[n * 50 + 17] += d
      expect(freivaldsMatmul(A, B, bad, n).ok).toBe(false)
    }
    const wrap = C.slice(); wrap[0] = (wrap[0] + 2 ** 31 - 1) | 0
    expect(freivaldsMatmul(A, B, wrap, n).ok).toBe(false)
    expect(() => freivaldsMatmul(A, B, C, n + 1)).toThrow(/freivaldsMatmul/)
  })
})

describe('disputes and re-execution', () => {
  it('reexecuteLayer reproduces any layer from its committed input', () => {
    expect(reexecuteLayer(model, 0, input)).toEqual(run.layers[0])
    expect(reexecuteLayer(model, 2, run.layers[1].out)).toEqual(run.layers[2])
    expect(() => reexecuteLayer(model, 3, input)).toThrow(/no layer/)
  })
  it('verifyDisputedLayer: true for the honest entry, false for any wrong or misshapen one', () => {
    const trace = traceFromRun(run, K)
    for (let l = 0; l < 3; l++) {
      const X = l === 0 ? input : trace.layers[l - 1].out
      const entry = traceEntry(trace, l)
      expect(verifyDisputedLayer(model.layers[l], X, entry)).toBe(true)
      const acc = entry.acc.slice(); acc[1] += 1
      expect(verifyDisputedLayer(model.layers[l], X, { ...entry, acc })).toBe(false)
      const out = entry.out.slice(); out[1] ^= 1
      expect(verifyDisputedLayer(model.layers[l], X, { ...entry, out })).toBe(false)
      expect(verifyDisputedLayer(model.layers[l], X, { ...entry, outSize: entry.outSize + 1 })).toBe(false)
      expect(verifyDisputedLayer(model.layers[l], X, { ...entry, batch: K - 1 })).toBe(false)
    }
  })
})
