#!/usr/bin/env node
// int8 matmul throughput (issue 11): GOPS = 2·n³ / time for n×n · n×n int8 → int32, on
//  - the CPU path (protocol/compute matmulInt8, this Node process),
//  - WebGPU in Node (worker/gpu through Dawn, the `webgpu` package; SwiftShader's Vulkan here),
//  - WebGPU in headless Chromium, in the dedicated Worker (createLightWorker().matmul; bench/matmul-page),
// in the same run, with the ratio GPU/CPU. GPU times are whole calls: packing, upload, kernel, read-back.
// Each (backend, n) has a time budget: when the previous size's time scaled by n³ exceeds it, or the
// call runs past it, the line says "n/a (> budget)" (software GPUs are slow). GPU results are
// checked bit-exact against the CPU's where the CPU ran (Chromium: n ≤ 512, checked in the page).
// Run after `npm run build`, under the shared lock (it starts Chromium):
//   flock /tmp/gm-heavy.lock node bench/matmul.mjs [--sizes 256,512,1024,2048] [--budget-s 30] [--runs 3]
import { mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { randomFillSync } from 'node:crypto'
import { build } from 'vite'
import { chromium } from 'playwright-core'
import { line, repo, serveDir } from './browser-common.mjs'

const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : dflt }
const SIZES = String(arg('--sizes', '256,512,1024,2048')).split(',').map(Number)
const BUDGET_MS = Number(arg('--budget-s', 30)) * 1000
const RUNS = Number(arg('--runs', 3))

const { matmulInt8 } = await import('../dist/protocol/compute/index.js')
const { createGpuCompute } = await import('../dist/worker/gpu/index.js')
const { createNodeGpu } = await import('../dist/worker/node-gpu.js')

const gops = (n, ms) => 2 * n ** 3 / (ms / 1000) / 1e9
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)] }
const int8 = (len) => { const b = new Int8Array(len); randomFillSync(b); return b }
const equal = (a, b) => a.length === b.length && a.every((v, i) => v === b[i])

/** Times `once(n)` per size under the budget: skipped when the n³-scaled estimate is over it; median of up to RUNS runs that fit. */
async function series (label, once) {
  const rows = new Map()
  let prev
  for (const n of SIZES) {
    const estimate = prev === undefined ? 0 : prev.ms * (n / prev.n) ** 3
    if (estimate > BUDGET_MS) { rows.set(n, { ms: null, why: `estimated ${(estimate / 1000).toFixed(0)} s` }); continue }
    const times = []
    let exact = null
    const t0 = performance.now()
    while (times.length < RUNS && (times.length === 0 || performance.now() - t0 + times[0] < BUDGET_MS / 2)) {
      const r = await once(n, times.length === 0)
      if (r.ms === null) break
      times.push(r.ms)
      if (r.exact !== undefined && r.exact !== null) exact = r.exact
    }
    if (times.length === 0) { rows.set(n, { ms: null, why: 'ran past the budget' }); prev = { n, ms: Infinity }; continue }
    const ms = median(times)
    rows.set(n, { ms, runs: times.length, exact })
    prev = { n, ms }
    const ok = exact === null ? '' : exact ? ', bit-exact with the CPU' : ', DIFFERS FROM THE CPU'
    line(`${label} int8 matmul n=${n}`, `${ms.toFixed(1)} ms, ${gops(n, ms).toFixed(2)} GOPS`, `median of ${times.length}${ok}`)
  }
  return rows
}

console.log(`int8 matmul, n×n·n×n → int32; ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'}), budget ${BUDGET_MS / 1000} s per size and backend`)
const inputs = new Map(SIZES.map(n => [n, { A: int8(n * n), B: int8(n * n), C: undefined }]))

// 1. CPU
const cpu = await series('CPU (protocol/compute matmulInt8)', async (n, first) => {
  const x = inputs.get(n)
  const t = performance.now()
  const C = matmulInt8(x.A, x.B, n, n, n)
  const ms = performance.now() - t
  if (first) x.C = C
  return { ms }
})

// 2. WebGPU in Node (Dawn)
let dawn = new Map()
let dawnAdapter = 'unavailable'
try {
  const gc = await createGpuCompute({ gpu: await createNodeGpu() })
  const a = gc.adapterInfo
  dawnAdapter = `${a.vendor} ${a.architecture} ${a.description} (dot path: ${a.dot})`.replace(/\s+/g, ' ')
  console.log(`Dawn adapter: ${dawnAdapter}`)
  await gc.matmulInt8(int8(64 * 64), int8(64 * 64), 64, 64, 64) // warm-up
  dawn = await series('WebGPU Node/Dawn', async (n, first) => {
    const x = inputs.get(n)
    const t = performance.now()
    const C = await gc.matmulInt8(x.A, x.B, n, n, n, { signal: AbortSignal.timeout(BUDGET_MS) })
    const ms = performance.now() - t
    return { ms, exact: first && x.C !== undefined ? equal(C, x.C) : null }
  }).catch((err) => { if (err?.name === 'WebGpuAbortedError') return new Map(); throw err })
  gc.destroy()
} catch (err) {
  console.log(`WebGPU Node/Dawn: ${err?.name}: ${err?.message}`)
}

// 3. WebGPU in Chromium, in the dedicated Worker
let chrome = new Map()
let chromeAdapter = 'unavailable'
const outDir = mkdtempSync(join(tmpdir(), 'glowmesh-matmul-bench-'))
// the suite's flags (bench/browser-common.mjs) + --enable-unsafe-webgpu, which headless WebGPU needs
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--enable-unsafe-webgpu']
}).catch((err) => { console.log(`Chromium: ${err.message}`) })
let server
try {
  if (browser !== undefined) {
    await build({ configFile: false, root: join(repo, 'bench', 'matmul-page'), base: './', logLevel: 'warn', worker: { format: 'es' }, build: { outDir, emptyOutDir: true, target: 'es2022', minify: false, reportCompressedSize: false, chunkSizeWarningLimit: 8192 } })
    server = await serveDir(outDir)
    const page = await browser.newPage()
    page.setDefaultTimeout(0)
    await page.goto(server.url)
    await page.waitForFunction(() => window.matmulBench !== undefined)
    const info = await page.evaluate(async () => await window.matmulBench.info().catch((e) => ({ error: `${e.name}: ${e.message}` })))
    if (info.error !== undefined) throw new Error(`no WebGPU in the Chromium Worker: ${info.error}`)
    chromeAdapter = `${info.vendor} ${info.architecture} ${info.description} (dot path: ${info.dot})`.replace(/\s+/g, ' ')
    console.log(`Chromium Worker adapter: ${chromeAdapter}`)
    await page.evaluate(async () => await window.matmulBench.run(64, 60_000, false)) // warm-up: worker, device, pipelines
    chrome = await series('WebGPU Chromium Worker', async (n) => {
      const r = await page.evaluate(async ([n, budget, check]) => await window.matmulBench.run(n, budget, check), [n, BUDGET_MS, n <= 512])
      if (r.error !== undefined) throw new Error(r.error)
      return r
    })
  }
} catch (err) {
  console.log(`WebGPU Chromium: ${err.message}`)
} finally {
  await browser?.close()
  await server?.close()
  rmSync(outDir, { recursive: true, force: true })
}

const cell = (rows, n) => { const r = rows.get(n); return r === undefined ? 'n/a' : r.ms === null ? `n/a (> budget: ${r.why})` : `${r.ms.toFixed(0)} ms ${gops(n, r.ms).toFixed(2)} GOPS` }
const ratio = (rows, n) => { const g = rows.get(n); const c = cpu.get(n); return g?.ms == null || c?.ms == null ? '—' : `${(c.ms / g.ms).toFixed(2)}×` }
console.log(`\nadapters: Dawn = ${dawnAdapter}; Chromium = ${chromeAdapter}`)
console.log(['n'.padStart(5), 'CPU'.padEnd(24), 'WebGPU Node/Dawn'.padEnd(36), 'Dawn/CPU'.padEnd(9), 'WebGPU Chromium Worker'.padEnd(36), 'Chromium/CPU'].join(' | '))
for (const n of SIZES) console.log([String(n).padStart(5), cell(cpu, n).padEnd(24), cell(dawn, n).padEnd(36), ratio(dawn, n).padEnd(9), cell(chrome, n).padEnd(36), ratio(chrome, n)].join(' | '))
for (const n of SIZES) line(`int8 matmul n=${n} GPU/CPU speed ratio`, `Dawn ${ratio(dawn, n)}, Chromium ${ratio(chrome, n)}`, 'GOPS ratio; > 1 means the GPU path is faster')
process.exit(0)
