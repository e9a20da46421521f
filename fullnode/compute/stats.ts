/**
 * The alignment monitor's statistics (pure, no I/O): a predicted class distribution against a
 * model's published reference (total variation distance + Pearson's chi-square goodness of fit
 * with its p-value), the drift and disagreement verdicts with their thresholds and minimum sample
 * counts, and the seeded choice of which jobs a validator re-executes.
 */
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { InvalidInputError } from '../../protocol/errors.js'

/** Thresholds of the verdicts (every field has a default: DEFAULT_THRESHOLDS). */
export interface MonitorThresholds {
  /** Drift needs at least this many predictions in the window (default 100). */
  minSamples: number
  /** Drift needs a total variation distance of at least this (0..1, default 0.25): the effect size. */
  driftTvd: number
  /** …and a chi-square p-value below this (default 0.001): the effect is not sampling noise. */
  driftAlpha: number
  /** Disagreement needs at least this many re-executed jobs in the window (default 3). */
  minReexecuted: number
  /** Disagreement when the share of re-executed jobs that disagreed reaches this (0..1, default 0.1). */
  disagreementRate: number
}

/** The defaults (README "Thresholds" says why). */
export const DEFAULT_THRESHOLDS: MonitorThresholds = { minSamples: 100, driftTvd: 0.25, driftAlpha: 0.001, minReexecuted: 3, disagreementRate: 0.1 }

/** A reference distribution's zero entries count as this many permille (a chi-square cell needs a positive expectation). */
export const REFERENCE_FLOOR_PERMILLE = 0.5

/** What compareDistribution reports. */
export interface DistributionStats {
  /** Predictions counted. */
  samples: number
  /** Observed share per class (sums to 1, or all 0 without samples). */
  observed: number[]
  /** Total variation distance to the reference: ½·Σ|observed − reference| (0..1). */
  tvd: number
  /** Pearson's statistic Σ (O − E)² / E with E = n·reference (zero references floored). */
  chiSquare: number
  /** Degrees of freedom (classes − 1). */
  df: number
  /** P(χ²_df ≥ chiSquare): small = unlikely under the reference. 1 without samples. */
  pValue: number
}

function checkCounts (counts: readonly number[], reference: readonly number[]): void {
  if (counts.length !== reference.length || counts.length < 2) throw new InvalidInputError(`distribution: ${counts.length} counts for ${reference.length} reference classes (need ≥ 2, equal)`)
  if (counts.some((c) => !Number.isInteger(c) || c < 0)) throw new InvalidInputError('distribution: counts must be non-negative integers')
  if (reference.some((p) => !Number.isFinite(p) || p < 0) || reference.reduce((a, b) => a + b, 0) <= 0) throw new InvalidInputError('distribution: reference must be non-negative with a positive sum')
}

/**
 * Compares class counts with a reference distribution (any positive scale, e.g. permille).
 * @example compareDistribution([90, 10], [500, 500]).tvd // 0.4
 */
export function compareDistribution (counts: readonly number[], reference: readonly number[]): DistributionStats {
  checkCounts(counts, reference)
  const n = counts.reduce((a, b) => a + b, 0)
  const refSum = reference.reduce((a, b) => a + b, 0)
  const p = reference.map((r) => r / refSum)
  const df = counts.length - 1
  if (n === 0) return { samples: 0, observed: counts.map(() => 0), tvd: 0, chiSquare: 0, df, pValue: 1 }
  const observed = counts.map((c) => c / n)
  const tvd = observed.reduce((s, o, i) => s + Math.abs(o - p[i]), 0) / 2
  const floor = REFERENCE_FLOOR_PERMILLE / 1000
  const q = p.map((x) => Math.max(x, floor))
  const qSum = q.reduce((a, b) => a + b, 0)
  const chiSquare = counts.reduce((s, c, i) => { const e = n * q[i] / qSum; return s + (c - e) ** 2 / e }, 0)
  return { samples: n, observed, tvd, chiSquare, df, pValue: chiSquarePValue(chiSquare, df) }
}

/**
 * P(X ≥ x) for X ~ χ² with `df` degrees of freedom: the regularized upper incomplete gamma
 * Q(df/2, x/2) (series below a+1, Lentz's continued fraction above; relative error ~1e-12).
 * @example chiSquarePValue(3.841, 1) // ≈ 0.05
 */
export function chiSquarePValue (x: number, df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new InvalidInputError(`chi-square: df must be a positive integer, got ${df}`)
  if (!(x >= 0)) throw new InvalidInputError(`chi-square: statistic must be ≥ 0, got ${x}`)
  if (x === 0) return 1
  if (!Number.isFinite(x)) return 0
  return upperGammaQ(df / 2, x / 2)
}

function lnGamma (z: number): number {
  // Lanczos (g = 7, n = 9), valid for z > 0.5; our a = df/2 ≥ 0.5 (reflection for the rest).
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7]
  if (z < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * z))) - lnGamma(1 - z)
  z -= 1
  let a = c[0]
  const t = z + 7.5
  for (let i = 1; i < 9; i++) a += c[i] / (z + i)
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a)
}

function upperGammaQ (a: number, x: number): number {
  const lnPre = -x + a * Math.log(x) - lnGamma(a)
  if (x < a + 1) {
    // P(a, x) by its series; Q = 1 − P
    let sum = 1 / a
    let term = sum
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n)
      sum += term
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break
    }
    return Math.min(1, Math.max(0, 1 - sum * Math.exp(lnPre)))
  }
  // Q(a, x) by its continued fraction (modified Lentz)
  const tiny = 1e-300
  let b = x + 1 - a
  let c = 1 / tiny
  let d = 1 / b
  let h = d
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a)
    b += 2
    d = an * d + b; if (Math.abs(d) < tiny) d = tiny
    c = b + an / c; if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    const delta = d * c
    h *= delta
    if (Math.abs(delta - 1) < 1e-15) break
  }
  return Math.min(1, Math.max(0, Math.exp(lnPre) * h))
}

/** A verdict: `anomaly` when the thresholds are crossed; `score` in permille (what compute.report carries). */
export interface Verdict { anomaly: boolean, score: number, reason: string }

/**
 * Drift: enough samples, a large effect (TVD) and a significant one (p-value). Score = TVD in permille.
 * @example driftVerdict(compareDistribution(counts, reference)).anomaly
 */
export function driftVerdict (s: DistributionStats, t: Partial<MonitorThresholds> = {}): Verdict {
  const th = { ...DEFAULT_THRESHOLDS, ...t }
  const score = Math.min(1000, Math.round(s.tvd * 1000))
  if (s.samples < th.minSamples) return { anomaly: false, score, reason: `${s.samples} of ${th.minSamples} samples` }
  if (s.tvd < th.driftTvd) return { anomaly: false, score, reason: `tvd ${s.tvd.toFixed(3)} < ${th.driftTvd}` }
  if (s.pValue >= th.driftAlpha) return { anomaly: false, score, reason: `p ${s.pValue.toExponential(2)} ≥ ${th.driftAlpha}` }
  return { anomaly: true, score, reason: `tvd ${s.tvd.toFixed(3)} ≥ ${th.driftTvd}, p ${s.pValue.toExponential(2)} < ${th.driftAlpha} over ${s.samples} predictions` }
}

/**
 * Disagreement: enough re-executed jobs and a disagreeing share at or above the threshold. Score = rate in permille.
 * @example disagreementVerdict(1, 4, { minReexecuted: 2 }).anomaly // true (0.25 ≥ 0.1)
 */
export function disagreementVerdict (disagreed: number, reexecuted: number, t: Partial<MonitorThresholds> = {}): Verdict {
  const th = { ...DEFAULT_THRESHOLDS, ...t }
  if (!Number.isInteger(disagreed) || !Number.isInteger(reexecuted) || disagreed < 0 || disagreed > reexecuted) throw new InvalidInputError(`disagreement: ${disagreed} of ${reexecuted} is not a count`)
  const rate = reexecuted === 0 ? 0 : disagreed / reexecuted
  const score = Math.round(rate * 1000)
  if (reexecuted < th.minReexecuted) return { anomaly: false, score, reason: `${reexecuted} of ${th.minReexecuted} re-executions` }
  if (rate < th.disagreementRate) return { anomaly: false, score, reason: `rate ${rate.toFixed(3)} < ${th.disagreementRate}` }
  return { anomaly: true, score, reason: `${disagreed} of ${reexecuted} re-executed jobs disagreed (rate ${rate.toFixed(3)} ≥ ${th.disagreementRate})` }
}

const SEED_DOMAIN = new TextEncoder().encode('glowmesh/monitor/seed/v1')

/**
 * The validator's private selection seed: sha256(domain ‖ its ed25519 secret key). Nobody else can
 * compute it, so no worker can tell which of its jobs this validator will re-execute.
 * @example const seed = selectionSeed(key.privateKey)
 */
export function selectionSeed (secretKey: Uint8Array): Uint8Array {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== 32) throw new InvalidInputError('selection seed: expected a 32-byte ed25519 secret key')
  return sha256(new Uint8Array([...SEED_DOMAIN, ...secretKey]))
}

/**
 * A uniform draw in [0, 1) for one job: HMAC-SHA256(seed, blockHash ‖ jobId), first 48 bits. The
 * block hash is the one of the block that carried the result, unknown when the worker computed it.
 * @example reexecutionDraw(seed, blockHash, jobId) // 0.7312…
 */
export function reexecutionDraw (seed: Uint8Array, blockHash: Uint8Array, jobId: Uint8Array): number {
  if (jobId.length !== 32) throw new InvalidInputError('re-execution draw: a job id is 32 bytes')
  const h = hmac(sha256, seed, new Uint8Array([...blockHash, ...jobId]))
  let v = 0
  for (let i = 0; i < 6; i++) v = v * 256 + h[i]
  return v / 2 ** 48
}

/**
 * Whether this validator re-executes the job: its draw is below `share` (0..1).
 * @example selectForReexecution(seed, blockHash, jobId, 0.25)
 */
export function selectForReexecution (seed: Uint8Array, blockHash: Uint8Array, jobId: Uint8Array, share: number): boolean {
  if (!(share >= 0 && share <= 1)) throw new InvalidInputError(`re-execution share must be in [0, 1], got ${share}`)
  return share > 0 && reexecutionDraw(seed, blockHash, jobId) < share
}

/**
 * Class counts of a list of predictions (each < classes).
 * @example classCounts([1, 1, 0], 3) // [1, 2, 0]
 */
export function classCounts (predictions: Iterable<number>, classes: number): number[] {
  const out = new Array<number>(classes).fill(0)
  for (const p of predictions) {
    if (!Number.isInteger(p) || p < 0 || p >= classes) throw new InvalidInputError(`prediction ${p} outside 0..${classes - 1}`)
    out[p]++
  }
  return out
}
