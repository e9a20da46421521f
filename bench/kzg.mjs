#!/usr/bin/env node
// KZG cell benchmarks (DESIGN §3, §10): native encode per blob, 16- and 128-cell batch verification
// in pure JS and native, and the pure-JS trusted-setup load. Run after `npm run build`:
//   node bench/kzg.mjs [--runs N]
// Figures are medians of N runs (default 7) unless marked "first"; ratios are against native in this run.
import { performance } from 'node:perf_hooks'
import { availableParallelism, cpus, loadavg } from 'node:os'

const runsArg = process.argv.indexOf('--runs')
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7

const ms = (t) => `${t.toFixed(1)} ms`
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] }
async function time (fn) { const t = performance.now(); await fn(); return performance.now() - t }
async function med (fn, runs = RUNS) { const xs = []; for (let i = 0; i < runs; i++) xs.push(await time(fn)); return median(xs) }
const row = (what, value, extra = '') => console.log(`${what.padEnd(44)} ${value.padStart(11)}  ${extra}`)

// Import the pure-JS side first and alone, so its load time isn't hidden behind the native one.
let t0 = performance.now()
const da = await import('../dist/protocol/da/index.js')
const importDa = performance.now() - t0
const js = da.jsKzg()
const jsLoad = await time(() => js.preload())

t0 = performance.now()
const { createNativeKzg } = await import('../dist/fullnode/da/index.js')
const plain = await createNativeKzg({ precompute: false })
const nativeSetupPlain = performance.now() - t0
const nativeSetupPre = await time(() => createNativeKzg({ precompute: true }))
const native = await createNativeKzg({ precompute: true })

console.log(`glowmesh KZG bench — Node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'}), median of ${RUNS}, load average ${loadavg()[0].toFixed(2)}`)
console.log('\nset-up')
row('protocol/da import (no setup yet)', ms(importDa))
row('pure-JS setup load (micro-eth-signer, fast)', ms(jsLoad), 'import of the 3.1 MB setup module + KZG constructor')
row('native context, no precomputation', ms(nativeSetupPlain))
row('native context, precomputed tables', ms(nativeSetupPre))

// Payload of 4 blobs of pseudo-random bytes.
const payload = new Uint8Array(4 * da.PAYLOAD_BYTES_PER_BLOB)
let x = 0x9e3779b9
for (let i = 0; i < payload.length; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; payload[i] = x & 0xff }
const blobs = da.packBlobs(payload)

console.log('\nencode (commitment + 128 cells + 128 proofs per blob)')
const encPre = await med(() => native.encodeBlob(blobs[0]))
const encPlain = await med(() => plain.encodeBlob(blobs[0]))
row('native encode, precomputed', ms(encPre), 'per blob, one at a time')
const saved = encPlain - encPre
row('native encode, no precomputation', ms(encPlain), saved > 0 ? `per blob; tables pay off after ~${Math.ceil((nativeSetupPre - nativeSetupPlain) / saved)} blobs` : 'per blob (no gain from tables in this run: machine busy?)')
const par = await med(() => Promise.all(blobs.map((b) => native.encodeBlob(b))), Math.max(3, Math.floor(RUNS / 2)))
row(`native encode, ${blobs.length} blobs at once`, ms(par / blobs.length), 'per blob (thread pool, all cores)')
const packT = await med(() => da.packBlobs(payload))
row('packBlobs', ms(packT / blobs.length), 'per blob')

const enc = await native.encodeBlob(blobs[1])
const batch = (idx) => ({ commitments: idx.map(() => enc.commitment), cellIndices: idx, cells: idx.map((i) => enc.cells[i]), proofs: idx.map((i) => enc.proofs[i]) })
const b16 = batch(da.sampleColumns(16, new Uint8Array(32).fill(7)))
const b128 = batch(Array.from({ length: 128 }, (_, i) => i))

console.log('\nverify (one batch; ratio = pure JS / native)')
for (const [n, b] of [[16, b16], [128, b128]]) {
  const jsFirst = await time(async () => { if (!(await js.verifyCells(b))) throw new Error('pure-JS rejected a valid batch') })
  const jsWarm = await med(() => js.verifyCells(b))
  const nat = await med(async () => { if (!(await native.verifyCells(b))) throw new Error('native rejected a valid batch') })
  row(`native verify, ${n} cells`, ms(nat))
  row(`pure-JS verify, ${n} cells (first call)`, ms(jsFirst), `${(jsFirst / nat).toFixed(1)}× native`)
  row(`pure-JS verify, ${n} cells (warm)`, ms(jsWarm), `${(jsWarm / nat).toFixed(1)}× native`)
}

console.log('\nrecover (64 of 128 cells → blob)')
const half = Array.from({ length: 64 }, (_, i) => 2 * i + 1)
const rec = await med(() => native.recoverBlob({ cellIndices: half, cells: half.map((i) => enc.cells[i]) }), Math.max(3, Math.floor(RUNS / 2)))
row('native recover', ms(rec))
