// The page bench/matmul.mjs drives in Chromium (window.matmulBench): int8 n×n matmul on WebGPU in
// the dedicated Worker (createLightWorker().matmul, the browser node's path), with a time budget
// (an over-budget call is aborted, which terminates its worker), checked bit-exact against the CPU.
import { createLightWorker } from '../../worker/client.js'
import { matmulInt8 } from '../../protocol/compute/index.js'

interface Run { n: number, ms: number | null, exact: boolean | null, error?: string }
declare global { interface Window { matmulBench: { info: () => Promise<unknown>, run: (n: number, budgetMs: number, check: boolean) => Promise<Run> } } }

const lw = createLightWorker()
function random (n: number): Int8Array {
  const b = new Int8Array(n)
  for (let o = 0; o < n; o += 65536) crypto.getRandomValues(b.subarray(o, Math.min(n, o + 65536)))
  return b
}

window.matmulBench = {
  async info () { return await lw.gpuInfo() },
  async run (n, budgetMs, check) {
    const A = random(n * n)
    const B = random(n * n)
    try {
      const r = await lw.matmul({ A, B, n, m: n, p: n }, { signal: AbortSignal.timeout(budgetMs) })
      let exact: boolean | null = null
      if (check) { const want = matmulInt8(A, B, n, n, n); exact = r.C.every((v, i) => v === want[i]) }
      return { n, ms: r.ms, exact }
    } catch (err) {
      const e = err as { name?: string, message?: string }
      if (e.name === 'WorkerAbortedError') return { n, ms: null, exact: null }
      return { n, ms: null, exact: null, error: `${e.name}: ${e.message}` }
    }
  }
}
