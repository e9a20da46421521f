#!/usr/bin/env node
// Compute verification bench (issue 11): the CPU int8 matmul (protocol/compute's tuned kernel) against
// the exact-integer Freivalds check of the same product, for n = 256…2048, and verifyTrace on the
// MNIST-sized model (784→128→64→10, batch 16): models/mnist-mlp.gmm when present, else random
// weights of that shape. Run after `npm run build`:
//   node bench/compute-verify.mjs [--runs N] [--sizes 256,512,1024,2048]
// Figures are medians of N runs (default 3; 1 at n = 2048); GOPS counts 2·n³ operations.
import { performance } from 'node:perf_hooks'
import { availableParallelism, cpus, loadavg } from 'node:os'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const arg = (name, fallback) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : fallback }
const RUNS = Number(arg('--runs', '3'))
const SIZES = arg('--sizes', '256,512,1024,2048').split(',').map(Number)
const here = dirname(fileURLToPath(import.meta.url))
const c = await import('../dist/protocol/compute/index.js')

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] }
function timed (fn, runs) { const xs = []; let out; for (let i = 0; i < runs; i++) { const t = performance.now(); out = fn(); xs.push(performance.now() - t) } return { ms: median(xs), out } }
function randomInt8 (n, seed) {
  const a = new Int8Array(n); let x = seed >>> 0
  for (let i = 0; i < n; i++) { x = (Math.imul(x, 1664525) + 1013904223) >>> 0; a[i] = (x >>> 24) - 128 }
  return a
}

console.log(`glowmesh compute-verify bench — Node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'}), load average ${loadavg()[0].toFixed(2)}`)
console.log('\nint8 matmul (CPU, protocol/compute matmulInt8) vs exact-integer Freivalds (error ≤ 2^-40)')
console.log(`${'n'.padStart(6)} ${'matmul ms'.padStart(11)} ${'GOPS'.padStart(7)} ${'freivalds ms'.padStart(13)} ${'rounds×R'.padStart(9)} ${'ratio'.padStart(8)}`)
for (const n of SIZES) {
  const A = randomInt8(n * n, n); const B = randomInt8(n * n, n + 1)
  const runs = n >= 2048 ? 1 : RUNS
  { const a = A.subarray(0, 64 * 64); const b = B.subarray(0, 64 * 64); for (let i = 0; i < 20; i++) c.freivaldsMatmul(a, b, c.matmulInt8(a, b, 64, 64, 64), 64) } // warm both up
  const mm = timed(() => c.matmulInt8(A, B, n, n, n), runs)
  const fv = timed(() => c.freivaldsMatmul(A, B, mm.out, n), Math.max(runs, 3))
  if (!fv.out.ok) throw new Error(`Freivalds rejected an honest product at n = ${n}`)
  const bad = mm.out.slice(); bad[n * (n >> 1) + 3] += 1
  if (c.freivaldsMatmul(A, B, bad, n).ok) throw new Error(`Freivalds missed a wrong entry at n = ${n}`)
  const gops = 2 * n ** 3 / mm.ms / 1e6
  const ratio = fv.ms / mm.ms
  console.log(`${String(n).padStart(6)} ${mm.ms.toFixed(1).padStart(11)} ${gops.toFixed(2).padStart(7)} ${fv.ms.toFixed(2).padStart(13)} ${`${fv.out.rounds}×${fv.out.bitsPerRound}`.padStart(9)} ${(100 * ratio).toFixed(2).padStart(7)}%`)
  console.log(`[bench] compute.matmul.cpu n=${n} ms=${mm.ms.toFixed(1)} gops=${gops.toFixed(2)}`)
  console.log(`[bench] compute.freivalds n=${n} ms=${fv.ms.toFixed(2)} rounds=${fv.out.rounds} bits=${fv.out.bitsPerRound} ratio=${(100 * ratio).toFixed(2)}%`)
}

// verifyTrace on the MNIST-sized model
const modelPath = join(here, '..', 'models', 'mnist-mlp.gmm')
let model; let source
if (existsSync(modelPath)) { model = c.decodeModel(new Uint8Array(readFileSync(modelPath))); source = 'models/mnist-mlp.gmm' } else {
  const sizes = [784, 128, 64, 10]
  model = { inputSize: 784, layers: sizes.slice(1).map((outSize, l) => ({ inSize: sizes[l], outSize, relu: l < 2, multiplier: 20000, shift: 24, weights: randomInt8(sizes[l] * outSize, l + 7), bias: new Int32Array(outSize).fill(1000) })) }
  source = 'random weights, 784→128→64→10'
}
const K = 16
const input = randomInt8(K * model.inputSize, 99).map((v) => v & 0x7f) // pixels are in [0, 127]
const RUNS_SMALL = 21 // after 5 untimed warm-up calls each, so the JIT has compiled what is timed
const warm = (fn) => { for (let i = 0; i < 5; i++) fn(); return fn }
const infer = timed(warm(() => c.runModel(model, input, K)), RUNS_SMALL)
const trace = c.traceFromRun(infer.out, K)
const commit = timed(warm(() => c.traceCommitment(trace)), RUNS_SMALL)
const ver = timed(warm(() => c.verifyTrace({ model, input, batch: K, trace, predictions: infer.out.predictions, logits: infer.out.logits })), RUNS_SMALL)
if (!ver.out.ok) throw new Error('verifyTrace rejected an honest trace')
console.log(`\nverifyTrace, ${source}, batch ${K} (median of ${RUNS_SMALL}, warm)`)
console.log(`  CPU inference (runModel)    ${infer.ms.toFixed(2)} ms`)
console.log(`  trace commitment (sha256)   ${commit.ms.toFixed(2)} ms  (${c.encodeTrace(trace).length} trace bytes)`)
console.log(`  verifyTrace                 ${ver.ms.toFixed(2)} ms  (error ≤ 2^${Math.log2(ver.out.errorBound)})`)
for (const ch of ver.out.checks) console.log(`    ${ch.name.padEnd(20)} ${ch.ms.toFixed(3).padStart(8)} ms  ${ch.detail}`)
console.log(`[bench] compute.infer.cpu model=mnist batch=${K} ms=${infer.ms.toFixed(2)}`)
console.log(`[bench] compute.verifyTrace model=mnist batch=${K} ms=${ver.ms.toFixed(2)} errorBound=2^${Math.log2(ver.out.errorBound)}`)
