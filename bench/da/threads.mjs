// /proc reader for bench/da.mjs (not a benchmark itself): a process's CPU time split between its
// main thread (tid = pid: JavaScript, the event loop), the native KZG library's threads (napi-rs
// runs @crate-crypto/node-eth-kzg's async calls on a tokio runtime: "tokio-runtime-w") and all
// other threads (libuv's pool — file writes, fdatasync — and V8's helpers: GC, compilation; Node 20
// names those "node", so the main thread is told apart by tid = pid).
import { readdirSync, readFileSync } from 'node:fs'

const TICK_MS = 1000 / 100 // USER_HZ is 100 on Linux

function ticks (path) {
  try {
    const stat = readFileSync(path, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) * TICK_MS
  } catch { return 0 }
}

function comm (pid, tid) {
  try { return readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() } catch { return '' }
}

/**
 * CPU ms of `pid`'s main thread, its KZG (tokio) threads and all its other threads (live ones; a
 * thread that exited stops counting, which these long-lived pools never do).
 * @example const { main, kzg, other } = threadCpu(pid)
 */
export function threadCpu (pid) {
  let tids = []
  try { tids = readdirSync(`/proc/${pid}/task`) } catch { return { main: 0, kzg: 0, other: 0 } }
  let main = 0; let kzg = 0; let other = 0
  for (const t of tids) {
    const ms = ticks(`/proc/${pid}/task/${t}/stat`)
    if (Number(t) === pid) main += ms
    else if (comm(pid, t).startsWith('tokio-runtime')) kzg += ms
    else other += ms
  }
  return { main, kzg, other }
}
