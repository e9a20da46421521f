/**
 * The monitor's in-memory view (sliding windows, re-executions, anomalies, disputes) and the JSON
 * `GET /compute/monitor` answers from it: per model and per worker, the predicted class
 * distribution over the window against the reference (TVD, chi-square p-value, verdict), the
 * disagreement rate, re-execution times, the anomalies reported and the disputes sent.
 */
import { classCounts, compareDistribution, disagreementVerdict, driftVerdict, type MonitorThresholds } from './stats.js'

/** One job's predictions in a window. */
export interface JobSample { id: string, height: number, predictions: number[] }
/** One re-execution. */
export interface ReexecSample { id: string, agree: boolean, ms: number, modelRoot: string }
/** An anomaly the monitor saw (and reported when it is a validator). status: observed | sent | refused | committed | failed. */
export interface AnomalyEntry { worker: string, modelRoot: string, kind: 'drift' | 'disagreement', score: number, reason: string, height: number, txHash: string | null, status: string, log: string }
/** A dispute the monitor sent. status: sent | refused | committed | failed. */
export interface DisputeEntry { jobId: string, worker: string, layer: number, txHash: string, status: string, log: string, height: number }

/** Per worker. `reportedAt`: per (kind, model) the counter value at its last report (once per window). */
export interface WorkerView {
  address: string
  models: Map<string, { jobs: JobSample[], total: number }>
  reexec: ReexecSample[]
  reexecTotal: number
  jobs: number
  unavailable: number
  reportedAt: Map<string, number>
  chainFlagged: boolean
}

/** The monitor's whole state. */
export interface MonitorView {
  address: string
  share: number
  window: number
  thresholds: MonitorThresholds
  height: number
  validator: boolean
  models: Map<string, { root: string, reference: number[], jobs: JobSample[], total: number }>
  workers: Map<string, WorkerView>
  anomalies: AnomalyEntry[]
  disputes: DisputeEntry[]
  reexecMs: number[]
  observedJobs: number
  reexecuted: number
}

/** The JSON of `GET /compute/monitor`. */
export type MonitorSnapshot = ReturnType<typeof monitorSnapshot>

const r4 = (x: number): number => Math.round(x * 10_000) / 10_000
const stat = (samples: JobSample[], reference: number[], th: MonitorThresholds): Record<string, unknown> => {
  const counts = classCounts(samples.flatMap((s) => s.predictions), reference.length)
  const s = compareDistribution(counts, reference)
  const v = driftVerdict(s, th)
  return { windowJobs: samples.length, samples: s.samples, counts, tvd: r4(s.tvd), chiSquare: r4(s.chiSquare), pValue: s.pValue, drift: v.anomaly, driftScore: v.score, driftReason: v.reason }
}

function percentile (xs: number[], q: number): number | null {
  if (xs.length === 0) return null
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}

/**
 * The JSON view of the monitor (plain objects, numbers and strings only).
 * @example JSON.stringify(monitorSnapshot(view, 0))
 */
export function monitorSnapshot (v: MonitorView, pending: number) {
  return {
    enabled: true as const,
    validator: v.validator,
    address: v.address,
    height: v.height,
    options: { share: v.share, window: v.window, ...v.thresholds },
    observedJobs: v.observedJobs,
    reexecution: {
      jobs: v.reexecuted,
      pending,
      msMean: v.reexecMs.length === 0 ? null : Math.round(v.reexecMs.reduce((a, b) => a + b, 0) / v.reexecMs.length * 100) / 100,
      msP50: percentile(v.reexecMs, 0.5),
      msMax: v.reexecMs.length === 0 ? null : Math.max(...v.reexecMs)
    },
    models: [...v.models.values()].map((m) => ({ root: m.root, jobs: m.total, reference: m.reference, ...stat(m.jobs, m.reference, v.thresholds) })),
    workers: [...v.workers.values()].map((w) => {
      const disagreed = w.reexec.filter((x) => !x.agree).length
      const d = disagreementVerdict(disagreed, w.reexec.length, v.thresholds)
      return {
        address: w.address,
        jobs: w.jobs,
        flaggedOnChain: w.chainFlagged,
        reexecuted: w.reexec.length,
        disagreements: disagreed,
        disagreementRate: w.reexec.length === 0 ? 0 : r4(disagreed / w.reexec.length),
        disagreement: d.anomaly,
        disagreementReason: d.reason,
        traceUnavailable: w.unavailable,
        models: [...w.models.entries()].map(([root, wm]) => ({ root, jobs: wm.total, ...stat(wm.jobs, v.models.get(root)?.reference ?? [], v.thresholds) }))
      }
    }),
    anomalies: v.anomalies.map((a) => ({ ...a })),
    disputes: v.disputes.map((d) => ({ ...d }))
  }
}

/** What the route answers on a node whose monitor is off. */
export const MONITOR_OFF = { enabled: false as const }
