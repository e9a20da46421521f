// The soak's once-a-minute lines (scripts/soak.mjs): one per process, a total, and the minute's
// latencies and errors; plus the run's per-kind totals. Pure formatting over the recorded samples.

const MiB = 1024 * 1024
const KINDS = ['put', 'get', 'da-submit', 'da-sampled']

/** The value at quantile `p` (0–100) of `xs`; NaN for none. */
export function quantile (xs, p) {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(p / 100 * s.length))]
}

const mib = (b) => b === undefined || !Number.isFinite(b) ? '-' : (b / MiB).toFixed(1)
const num = (x) => x === undefined || !Number.isFinite(x) ? '-' : String(x)

/**
 * The lines and the JSON record of one minute: `{ lines, record }`. `prev` is the sample that ended
 * the previous minute (CPU and error counts are differences against it), `samplesInMinute` the
 * samples since then (header lag is their maximum), `ops` the operations recorded in the minute.
 * @example const { lines } = formatMinute({ minute: 3, sample, prev, ops, samplesInMinute, clockTicks: 100 })
 */
export function formatMinute ({ minute, sample, prev, ops, samplesInMinute, clockTicks }) {
  const tag = `[soak] min ${String(minute).padStart(3)}`
  const secs = (sample.t - prev.t) * 60
  const lines = [`${tag}  ${'process'.padEnd(12)} ${'pid'.padStart(7)} ${'rss MiB'.padStart(8)} ${'heap MiB'.padStart(9)} ${'fds'.padStart(5)} ${'socks'.padStart(5)} ${'disk MiB'.padStart(9)} ${'cpu %'.padStart(6)} ${'errors'.padStart(6)}  extra`]
  const procs = {}
  const total = { rss: 0, fds: 0, sockets: 0, disk: 0, cpu: 0, errors: 0 }
  for (const [name, p] of Object.entries(sample.procs)) {
    const q = prev.procs[name]
    const cpu = p.alive && q?.alive && q.pid === p.pid ? (p.cpuTicks - q.cpuTicks) / clockTicks / secs * 100 : undefined
    const errors = (p.errors ?? 0) - (q?.errors ?? 0)
    const lags = samplesInMinute.map((s) => s.procs[name]?.lag).filter((x) => Number.isFinite(x))
    const lag = lags.length === 0 ? undefined : Math.max(...lags)
    let extra = p.alive ? '' : 'NOT RUNNING'
    if (p.verifiedHeight !== undefined) extra += `verified ${p.verifiedHeight} lag≤${num(lag)} sampled ${num(p.sampledBlocks)}`
    if (p.challengesAnswered !== undefined && (p.challengesAnswered > 0 || p.challengesFailed > 0 || name.includes('pledge'))) extra += ` challenges ${p.challengesAnswered} ok/${p.challengesFailed} failed`
    if (p.deliberate !== undefined) extra += `stored on purpose ${mib(p.deliberate)} MiB`
    lines.push(`${tag}  ${name.padEnd(12)} ${num(p.pid).padStart(7)} ${mib(p.rss).padStart(8)} ${mib(p.heap).padStart(9)} ${num(p.fds).padStart(5)} ${num(p.sockets).padStart(5)} ${mib(p.disk).padStart(9)} ${cpu === undefined ? '-'.padStart(6) : cpu.toFixed(1).padStart(6)} ${String(errors).padStart(6)}  ${extra}`)
    procs[name] = { pid: p.pid, alive: p.alive, rss: p.rss, heap: p.heap, heapUsed: p.heapUsed, heapTotal: p.heapTotal, external: p.external, fds: p.fds, sockets: p.sockets, disk: p.disk, deliberate: p.deliberate, cpu, errors, lag }
    if (p.alive) { total.rss += p.rss; total.fds += p.fds; total.sockets += p.sockets; total.cpu += cpu ?? 0 }
    total.disk += p.disk ?? 0
    total.errors += errors
  }
  lines.push(`${tag}  ${'total'.padEnd(12)} ${''.padStart(7)} ${mib(total.rss).padStart(8)} ${''.padStart(9)} ${String(total.fds).padStart(5)} ${String(total.sockets).padStart(5)} ${mib(total.disk).padStart(9)} ${total.cpu.toFixed(1).padStart(6)} ${String(total.errors).padStart(6)}  height ${num(sample.height)} (+${sample.height !== undefined && prev.height !== undefined ? sample.height - prev.height : '?'})`)
  const latency = {}
  const parts = []
  for (const kind of KINDS) {
    const ok = ops.filter((o) => o.kind === kind && o.ok).map((o) => o.ms)
    const failed = ops.filter((o) => o.kind === kind && !o.ok)
    latency[kind] = { n: ok.length + failed.length, failed: failed.length, p50: quantile(ok, 50), max: ok.length === 0 ? NaN : Math.max(...ok) }
    parts.push(`${kind} ${ok.length === 0 ? '-' : `p50 ${latency[kind].p50} max ${latency[kind].max} ms`} (n=${ok.length}${failed.length > 0 ? `, ${failed.length} failed` : ''})`)
  }
  const lagParts = Object.entries(procs).filter(([, p]) => p.lag !== undefined).map(([n, p]) => `${n} ≤${p.lag}`)
  lines.push(`${tag}  latency: ${parts.join(' · ')} · header lag (blocks) ${lagParts.join(', ') || '-'}`)
  for (const [name, p] of Object.entries(sample.procs)) if (procs[name].errors > 0 && p.lastError !== undefined) lines.push(`${tag}  ${name} last error: ${p.lastError}`)
  const errs = ops.filter((o) => !o.ok)
  if (errs.length > 0) lines.push(`${tag}  errors: ${errs.slice(0, 3).map((o) => `${o.kind}${o.light ? ` ${o.light}` : ''}: ${o.error}`).join(' | ')}${errs.length > 3 ? ` | … ${errs.length - 3} more` : ''}`)
  return { lines, record: { minute, t: sample.t, height: sample.height, procs, total, latency, errors: errs.map((o) => ({ kind: o.kind, error: o.error })) } }
}

/**
 * Per-kind totals of a run: `{ kind: { n, failed, p50, p99, lastError } }` (latencies of successes, ms).
 * @example summarizeOps(ops)['da-sampled'].p99
 */
export function summarizeOps (ops) {
  const out = {}
  for (const kind of [...KINDS, 'harness']) {
    const mine = ops.filter((o) => o.kind === kind)
    if (mine.length === 0 && kind === 'harness') continue
    const ok = mine.filter((o) => o.ok).map((o) => o.ms)
    const failed = mine.filter((o) => !o.ok)
    out[kind] = { n: mine.length, failed: failed.length, p50: quantile(ok, 50), p99: quantile(ok, 99), lastError: failed.at(-1)?.error }
  }
  return out
}
