// The alignment monitor's math and re-execution (fullnode/compute): TVD, chi-square p-values
// against textbook quantiles, the drift / disagreement thresholds and minimum sample counts, the
// seeded (deterministic, key-dependent, proportional) re-execution choice, and re-executing a job
// against an honest, a drifted (one bias raised) and a mis-committed trace.
import { describe, expect, it } from 'vitest'
import {
  chiSquarePValue, classCounts, compareDistribution, DEFAULT_THRESHOLDS, disagreementVerdict, driftVerdict, reexecutionDraw,
  selectForReexecution, selectionSeed
} from '../../fullnode/compute/stats.js'
import { reexecuteJob, loadRegisteredModel, MonitorError } from '../../fullnode/compute/index.js'
import { encodeModel, encodeTrace, modelLayersRoot, runModel, traceCommitment, traceFromRun, type Model } from '../../protocol/compute/index.js'
import type { JobRecord, ModelRecord } from '../../protocol/chain/compute.js'
import { randomInput, randomModel } from './compute-fixtures.js'

const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill)

describe('distribution statistics', () => {
  it('TVD is half the L1 distance, 0 for a perfect match, 1 for disjoint support', () => {
    expect(compareDistribution([90, 10], [500, 500]).tvd).toBeCloseTo(0.4, 12)
    expect(compareDistribution([25, 25, 50], [250, 250, 500]).tvd).toBe(0)
    expect(compareDistribution([0, 7], [1000, 0]).tvd).toBe(1)
    const none = compareDistribution([0, 0, 0], [1, 1, 1])
    expect(none).toMatchObject({ samples: 0, tvd: 0, pValue: 1, df: 2 })
  })

  it('chi-square p-values match textbook quantiles', () => {
    expect(chiSquarePValue(3.841458820694124, 1)).toBeCloseTo(0.05, 8)
    expect(chiSquarePValue(6.634896601021214, 1)).toBeCloseTo(0.01, 8)
    expect(chiSquarePValue(16.918977604620448, 9)).toBeCloseTo(0.05, 8)
    expect(chiSquarePValue(27.877164871256568, 9)).toBeCloseTo(0.001, 9)
    expect(chiSquarePValue(2, 2)).toBeCloseTo(Math.exp(-1), 12) // df 2: Q = e^{-x/2}
    expect(chiSquarePValue(0, 5)).toBe(1)
    expect(chiSquarePValue(1e6, 9)).toBe(0)
    expect(() => chiSquarePValue(-1, 3)).toThrow(/≥ 0/)
    expect(() => chiSquarePValue(1, 0)).toThrow(/df/)
  })

  it('a zero reference class is floored so an observation there is finite but very unlikely', () => {
    const s = compareDistribution([50, 50, 1], [500, 500, 0])
    expect(Number.isFinite(s.chiSquare)).toBe(true)
    expect(s.pValue).toBeLessThan(1e-3)
  })

  it('rejects malformed input with a clear error', () => {
    expect(() => compareDistribution([1, 2], [1, 2, 3])).toThrow(/reference classes/)
    expect(() => compareDistribution([1.5, 2], [1, 1])).toThrow(/integers/)
    expect(() => compareDistribution([1, 2], [0, 0])).toThrow(/positive sum/)
    expect(() => classCounts([0, 3], 3)).toThrow(/outside/)
    expect(classCounts([1, 1, 0], 3)).toEqual([1, 2, 0])
  })
})

describe('verdicts', () => {
  const uniform = new Array(10).fill(100)
  it('drift needs the minimum sample count, the TVD effect and a small p-value', () => {
    const skewed = (n: number): number[] => { const c = new Array(10).fill(0); c[3] = n; return c } // every prediction is a 3: tvd 0.9
    expect(driftVerdict(compareDistribution(skewed(99), uniform))).toMatchObject({ anomaly: false, score: 900 }) // 99 < minSamples 100
    expect(driftVerdict(compareDistribution(skewed(100), uniform))).toMatchObject({ anomaly: true, score: 900 })
    expect(driftVerdict(compareDistribution(skewed(20), uniform), { minSamples: 20 }).anomaly).toBe(true)
    // a small effect on many samples is significant but below the TVD threshold: no drift
    const mild = [1200, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 800]
    const s = compareDistribution(mild, uniform)
    expect(s.pValue).toBeLessThan(DEFAULT_THRESHOLDS.driftAlpha)
    expect(driftVerdict(s)).toMatchObject({ anomaly: false, score: 20 })
    // a large TVD on few samples that is not significant: no drift (tvd 0.4 on 5 samples)
    const few = compareDistribution([3, 2, 0, 0, 0, 0, 0, 0, 0, 0], uniform)
    expect(few.tvd).toBeGreaterThan(DEFAULT_THRESHOLDS.driftTvd)
    expect(driftVerdict(few, { minSamples: 1, driftAlpha: 1e-6 }).anomaly).toBe(false)
  })

  it('disagreement needs the minimum re-executions and the rate', () => {
    expect(disagreementVerdict(1, 2)).toMatchObject({ anomaly: false, score: 500 }) // 2 < minReexecuted 3
    expect(disagreementVerdict(1, 3)).toMatchObject({ anomaly: true, score: 333 })
    expect(disagreementVerdict(1, 20)).toMatchObject({ anomaly: false, score: 50 }) // 0.05 < 0.1
    expect(disagreementVerdict(1, 20, { disagreementRate: 0.05 }).anomaly).toBe(true)
    expect(disagreementVerdict(0, 0).anomaly).toBe(false)
    expect(() => disagreementVerdict(3, 2)).toThrow(/not a count/)
  })
})

describe('seeded re-execution choice', () => {
  const keyA = bytes(32, 1)
  const keyB = bytes(32, 2)
  const blockHash = bytes(32, 9)
  const jobs = Array.from({ length: 2000 }, (_, i) => { const id = new Uint8Array(32); id[0] = i & 0xff; id[1] = i >> 8; return id })

  it('is deterministic for a key, differs between keys and between block hashes', () => {
    const a = selectionSeed(keyA)
    expect(reexecutionDraw(a, blockHash, jobs[0])).toBe(reexecutionDraw(selectionSeed(keyA), blockHash, jobs[0]))
    const pickA = jobs.map((j) => selectForReexecution(a, blockHash, j, 0.25))
    const pickB = jobs.map((j) => selectForReexecution(selectionSeed(keyB), blockHash, j, 0.25))
    const pickA2 = jobs.map((j) => selectForReexecution(a, bytes(32, 8), j, 0.25))
    expect(pickA).toEqual(jobs.map((j) => selectForReexecution(selectionSeed(keyA), blockHash, j, 0.25)))
    expect(pickA).not.toEqual(pickB)
    expect(pickA).not.toEqual(pickA2)
  })

  it('selects about `share` of the jobs, none at 0 and all at 1', () => {
    const seed = selectionSeed(keyA)
    const n = jobs.filter((j) => selectForReexecution(seed, blockHash, j, 0.25)).length
    expect(n).toBeGreaterThan(0.25 * 2000 - 4 * Math.sqrt(2000 * 0.25 * 0.75)) // ±4σ
    expect(n).toBeLessThan(0.25 * 2000 + 4 * Math.sqrt(2000 * 0.25 * 0.75))
    expect(jobs.some((j) => selectForReexecution(seed, blockHash, j, 0))).toBe(false)
    expect(jobs.every((j) => selectForReexecution(seed, blockHash, j, 1))).toBe(true)
    expect(() => selectForReexecution(seed, blockHash, jobs[0], 1.5)).toThrow(/share/)
    expect(() => selectionSeed(bytes(31, 0))).toThrow(/32-byte/)
  })
})

describe('re-executing a job', () => {
  const model = randomModel([64, 32, 16, 10], 11)
  const K = 4
  const input = randomInput(K, 64, 12)
  const job = (run: ReturnType<typeof runModel>): JobRecord => ({
    owner: bytes(20, 1), modelRoot: bytes(32, 2), input: new Uint8Array(input.buffer), batch: K, fee: 1n, verification: 'freivalds',
    postedHeight: 1, deadlineHeight: 10, status: 2, worker: bytes(20, 3), stake: 1n, claimHeight: 2,
    traceRoot: bytes(32, 4), traceCommitment: traceCommitment(traceFromRun(run, K)), predictions: Uint8Array.from(run.predictions),
    resultDigest: bytes(32, 5), resultHeight: 3, challengeEnd: 20, finishedHeight: 0, disputes: 0, disputer: new Uint8Array()
  })
  const drifted = (m: Model, layer: number): Model => ({ ...m, layers: m.layers.map((L, l) => l !== layer ? L : { ...L, bias: L.bias.map((b, o) => o === 3 ? b + 200_000 : b) }) })

  it('an honest trace agrees', () => {
    const run = runModel(model, input, K)
    const v = reexecuteJob(model, job(run), encodeTrace(traceFromRun(run, K)))
    expect(v.agree).toBe(true)
    expect(v.ms).toBeGreaterThanOrEqual(0)
  })

  it('a self-consistent trace of a drifted model (one bias raised) disagrees at that layer', () => {
    for (const layer of [0, 2]) {
      const run = runModel(drifted(model, layer), input, K)
      const v = reexecuteJob(model, job(run), encodeTrace(traceFromRun(run, K)))
      expect(v).toMatchObject({ agree: false, layer })
    }
  })

  it('a trace that is not the committed one, or posted predictions that are not its argmax, disagree', () => {
    const run = runModel(model, input, K)
    const other = runModel(model, randomInput(K, 64, 13), K)
    const v = reexecuteJob(model, job(run), encodeTrace(traceFromRun(other, K)))
    expect(v).toMatchObject({ agree: false })
    expect((v as { reason: string }).reason).toMatch(/traceCommitment/)
    expect(reexecuteJob(model, job(run), new Uint8Array([1, 2, 3]))).toMatchObject({ agree: false })
    const lied = job(run)
    lied.predictions = Uint8Array.from(run.predictions.map((p) => (p + 1) % 10))
    expect(reexecuteJob(model, lied, encodeTrace(traceFromRun(run, K)))).toMatchObject({ agree: false, layer: 2 })
  })

  it('a stored model must match its registered layersRoot', async () => {
    const record = { layersRoot: modelLayersRoot(model) } as ModelRecord
    const read = async (): Promise<Uint8Array> => encodeModel(model)
    const signal = new AbortController().signal
    expect((await loadRegisteredModel('0xab', record, read, signal)).layers).toHaveLength(3)
    const wrong = { layersRoot: bytes(32, 0) } as ModelRecord
    await expect(loadRegisteredModel('0xab', wrong, read, signal)).rejects.toSatisfy((e: unknown) => e instanceof MonitorError && (e as MonitorError).code === 'MODEL_MISMATCH')
  })
})
