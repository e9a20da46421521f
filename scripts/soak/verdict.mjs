// The soak's leak verdict (scripts/soak.mjs): a least-squares line through each process's memory,
// descriptors and disk over the second half of the run, flagged when the growth is both above a
// stated threshold and clearly above zero (slope − 2·standard error > 0), so noise alone never
// flags and a real climb does. Pure: no I/O (unit-tested in test/unit/soak/verdict.test.ts).

const MiB = 1024 * 1024
const KiB = 1024

/**
 * Growth that counts as a suspected leak, per process (or per home folder for disk):
 * rss and heap in bytes per minute, fds in descriptors per minute, disk in bytes per committed block
 * beyond the data deliberately stored (files put, DA cells in the sampling window).
 * @example leakVerdict({ samples, thresholds: { ...DEFAULT_THRESHOLDS, rss: 4 * 1024 * 1024 } })
 */
export const DEFAULT_THRESHOLDS = Object.freeze({ rss: 2 * MiB, heap: 1 * MiB, fds: 0.5, disk: 32 * KiB })

/** The metrics judged, with their units for reports. */
export const METRICS = Object.freeze({ rss: 'B/min', heap: 'B/min', fds: 'fds/min', disk: 'B/block' })

/**
 * Least-squares line through `[x, y]` points: `{ n, slope, intercept, se, r2 }`, where `se` is the
 * slope's standard error (NaN below 3 points or when every x is the same).
 * @example linearFit([[0, 1], [1, 3], [2, 5]]).slope // 2
 */
export function linearFit (points) {
  const n = points.length
  if (n < 2) return { n, slope: NaN, intercept: NaN, se: NaN, r2: NaN }
  let sx = 0; let sy = 0
  for (const [x, y] of points) { sx += x; sy += y }
  const mx = sx / n; const my = sy / n
  let sxx = 0; let sxy = 0; let syy = 0
  for (const [x, y] of points) { sxx += (x - mx) ** 2; sxy += (x - mx) * (y - my); syy += (y - my) ** 2 }
  if (sxx === 0) return { n, slope: NaN, intercept: NaN, se: NaN, r2: NaN }
  const slope = sxy / sxx
  const intercept = my - slope * mx
  let sse = 0
  for (const [x, y] of points) sse += (y - intercept - slope * x) ** 2
  const se = n > 2 ? Math.sqrt(sse / (n - 2) / sxx) : NaN
  const r2 = syy === 0 ? 1 : 1 - sse / syy
  return { n, slope, intercept, se, r2 }
}

/** The value a sample gives for `metric` of one process (disk net of deliberately stored data). */
function valueOf (p, metric) {
  if (p === undefined || p.alive === false) return undefined
  if (metric === 'disk') return p.disk === undefined ? undefined : p.disk - (p.deliberate ?? 0)
  return p[metric]
}

/**
 * Judges a run. `samples`: `[{ t (minutes since start), height, procs: { name: { pid, alive, rss,
 * heap, fds, disk, deliberate } } }]`, in time order; a metric a process lacks (heap of cometbft,
 * disk of the harness) is skipped. Only samples at or after half the last sample's time count.
 * Returns `{ leak, fromMinute, blocksPerMinute, fits, flagged, notes }`; `flagged` lists each
 * `{ name, metric, slope, se, threshold, reason }` judged a suspected leak. `skip` names metrics not
 * to judge per process, e.g. `{ node1: ['rss'] }` for a process that wrote heap snapshots (they grow
 * its RSS by themselves; its heap after GC is still judged).
 * @example const v = leakVerdict({ samples }); if (v.leak) console.log(v.flagged[0].reason)
 */
export function leakVerdict ({ samples, thresholds = DEFAULT_THRESHOLDS, exclude = [], skip = {} }) {
  const notes = []
  const fits = []
  const flagged = []
  if (samples.length === 0) return { leak: false, fromMinute: 0, blocksPerMinute: NaN, fits, flagged, notes: ['no samples: nothing to judge'] }
  const fromMinute = samples[samples.length - 1].t / 2
  const window = samples.filter((s) => s.t >= fromMinute)
  const heights = linearFit(window.filter((s) => Number.isFinite(s.height)).map((s) => [s.t, s.height]))
  const blocksPerMinute = heights.slope
  if (!(blocksPerMinute > 0)) notes.push('the chain did not advance in the second half: disk growth per block cannot be judged')
  const span = samples[samples.length - 1].t - fromMinute
  if (span < 10) notes.push(`the judged half is only ${span.toFixed(1)} min: bounded caches still filling and a slow leak look alike, and a few sockets more or less move the fds slope; judge leaks on runs of ≥ 20 min`)
  const names = new Set(window.flatMap((s) => Object.keys(s.procs)))
  for (const name of names) {
    if (exclude.includes(name)) continue
    const pids = new Set(window.map((s) => s.procs[name]?.pid).filter((p) => p !== undefined))
    if (pids.size > 1) notes.push(`${name} restarted in the second half (pids ${[...pids].join(', ')}): its figures span processes`)
    for (const metric of Object.keys(METRICS)) {
      if (skip[name]?.includes(metric) === true) { notes.push(`${name} ${metric}: not judged (skipped: ${name} wrote heap snapshots, which grow its RSS by themselves)`); continue }
      const points = []
      for (const s of window) { const v = valueOf(s.procs[name], metric); if (Number.isFinite(v)) points.push([s.t, v]) }
      if (points.length === 0) continue
      const fit = linearFit(points)
      const perBlock = metric === 'disk'
      const scale = perBlock ? blocksPerMinute : 1
      const slope = fit.slope / scale
      const se = fit.se / scale
      const threshold = thresholds[metric]
      const entry = { name, metric, unit: METRICS[metric], n: fit.n, slope, se, r2: fit.r2, threshold, first: points[0][1], last: points[points.length - 1][1] }
      fits.push(entry)
      if (fit.n < 4) { notes.push(`${name} ${metric}: only ${fit.n} points in the second half, not judged`); continue }
      if (!Number.isFinite(slope)) continue
      if (slope > threshold && slope - 2 * se > 0) {
        flagged.push({ ...entry, reason: `${name} ${metric} grows ${fmt(metric, slope)} (± ${fmt(metric, se)}) over minutes ${fromMinute.toFixed(1)}–${window[window.length - 1].t.toFixed(1)}, above the threshold ${fmt(metric, threshold)}` })
      }
    }
  }
  return { leak: flagged.length > 0, fromMinute, blocksPerMinute, fits, flagged, notes }
}

/**
 * A growth rate in its metric's unit for humans: `1.5 MiB/min`, `0.8 fds/min`, `12.0 KiB/block`.
 * @example fmt('rss', 2 * 1024 * 1024) // '2.00 MiB/min'
 */
export function fmt (metric, v) {
  if (metric === 'fds') return `${v.toFixed(2)} fds/min`
  if (metric === 'disk') return `${(v / KiB).toFixed(1)} KiB/block`
  return `${(v / MiB).toFixed(2)} MiB/min`
}
