// Preloaded into every Node process of a soak run (scripts/soak.mjs sets
// NODE_OPTIONS=--import=<this file> and GLOWMESH_SOAK_PROBE_DIR for the devnet and light nodes).
// Every 5 s it writes `<dir>/<pid>.json`: process.memoryUsage() plus `heapAfterGc`, the V8 heap in
// use right after the latest major (mark-sweep-compact) GC — the live set, the figure a leak raises.
// Writes go to a temp file renamed into place, so the reader never sees half a document. Without
// GLOWMESH_SOAK_PROBE_DIR it does nothing; any failure is swallowed (it must never hurt the process).
import { writeFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { PerformanceObserver, constants } from 'node:perf_hooks'
import { getHeapStatistics } from 'node:v8'

const dir = process.env.GLOWMESH_SOAK_PROBE_DIR
if (dir !== undefined && dir !== '') {
  let heapAfterGc = null
  let majorGcs = 0
  try {
    const obs = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) { majorGcs++; heapAfterGc = getHeapStatistics().used_heap_size }
      }
    })
    obs.observe({ entryTypes: ['gc'] })
  } catch {}
  const file = join(dir, `${process.pid}.json`)
  const tmp = `${file}.tmp`
  const write = () => {
    try {
      const m = process.memoryUsage()
      writeFileSync(tmp, JSON.stringify({ pid: process.pid, t: Date.now(), rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, heapAfterGc, majorGcs, argv: process.argv.slice(2, 4) }))
      renameSync(tmp, file)
    } catch {}
  }
  write()
  setInterval(write, 5000).unref()
}
