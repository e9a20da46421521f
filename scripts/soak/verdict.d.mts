// Types for verdict.mjs (so the TypeScript unit test can import it).
export interface Fit { n: number, slope: number, intercept: number, se: number, r2: number }
export interface ProcSample { pid?: number, alive?: boolean, rss?: number, heap?: number, fds?: number, disk?: number, deliberate?: number }
export interface Sample { t: number, height?: number, procs: Record<string, ProcSample> }
export type Metric = 'rss' | 'heap' | 'fds' | 'disk'
export type Thresholds = Record<Metric, number>
export interface Finding { name: string, metric: Metric, unit: string, n: number, slope: number, se: number, r2: number, threshold: number, first: number, last: number, reason?: string }
export interface Verdict { leak: boolean, fromMinute: number, blocksPerMinute: number, fits: Finding[], flagged: Array<Finding & { reason: string }>, notes: string[] }
export const DEFAULT_THRESHOLDS: Readonly<Thresholds>
export const METRICS: Readonly<Record<Metric, string>>
export function linearFit (points: Array<[number, number]>): Fit
export function leakVerdict (o: { samples: Sample[], thresholds?: Thresholds, exclude?: string[], skip?: Record<string, Metric[]> }): Verdict
export function fmt (metric: Metric, v: number): string
