// /proc readers for bench/fanout.mjs and bench/da.mjs (not a benchmark itself): a process's CPU time
// (utime + stime, children not included) and resident memory, and the pids of a devnet node (its
// `glowmesh node` app process and its cometbft child, from node.pid / cometbft.pid).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

const TICK_MS = 1000 / 100 // USER_HZ is 100 on Linux

/** CPU ms (user + system) `pid` has used; 0 when it is gone. */
export function cpuMs (pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) * TICK_MS // fields 14 and 15 of proc(5)
  } catch { return 0 }
}

/** Resident set size of `pid` in bytes; 0 when it is gone. */
export function rssBytes (pid) {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/)
    return m === null ? 0 : Number(m[1]) * 1024
  } catch { return 0 }
}

/** { app, comet } pids of devnet node `node` (a runDevnet node). */
export function nodePids (node) {
  const read = (f) => Number(readFileSync(join(node.dir, f), 'utf8').trim())
  return { app: node.process()?.pid ?? read('node.pid'), comet: read('cometbft.pid') }
}

/** Sums cpuMs over pids. */
export function cpuOf (pids) { return pids.reduce((n, p) => n + cpuMs(p), 0) }

/** Quantile p (0..100) of xs. */
export const q = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(p / 100 * s.length))] }
