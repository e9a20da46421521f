#!/usr/bin/env node
// DA submission on a full node (DESIGN §3, issue 8): the node's CPU per MB of payload when the
// submitter encodes (the node decodes, checks, batch-verifies every cell natively, writes) versus when
// the node encodes (packs, encodes natively, writes). The real intake + cell store on /tmp; only the
// CometBFT relay is left out (it costs the same in both modes). Run after `npm run build`:
//   node bench/da-submit.mjs [--mib N] [--runs N]
// CPU = process.cpuUsage() user+system over the call: it includes libuv's thread pool, i.e. every core
// the native KZG used. Figures are medians of N runs (default 3).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir, availableParallelism, loadavg } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'

const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : dflt }
const MIB = arg('--mib', 2)
const RUNS = arg('--runs', 3)

const { CellStore } = await import('../dist/fullnode/da/cell-store.js')
const { createIntake } = await import('../dist/fullnode/da/intake.js')
const { encodeSubmission } = await import('../dist/fullnode/da/submission.js')
const { createNativeKzg } = await import('../dist/fullnode/da/native-kzg.js')
const { packBlob, blobCount } = await import('../dist/protocol/da/index.js')
const { encodeTx, signTx, generateKey } = await import('../dist/protocol/chain/index.js')
const { encodeBody } = await import('../dist/protocol/chain/bodies.js')

const verifier = await createNativeKzg({ precompute: false })
const encoder = await createNativeKzg({ precompute: true }) // what a node uses for raw payloads (tables built once at start)
const key = generateKey()
const chainId = 'bench'
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] }

async function measure (fn) {
  const c = process.cpuUsage()
  const t = performance.now()
  await fn()
  const wall = performance.now() - t
  const d = process.cpuUsage(c)
  return { cpu: (d.user + d.system) / 1000, wall }
}

const size = Math.round(MIB * 1024 * 1024)
const blobs = blobCount(size)
const client = { cpu: [], wall: [] }
const node = { cpu: [], wall: [] }
for (let run = 0; run < RUNS; run++) {
  const payload = new Uint8Array(size)
  for (let i = 0; i < size; i++) payload[i] = (i * 31 + run * 7) & 0xff
  const dir = mkdtempSync(join(tmpdir(), 'glowmesh-bench-da-'))
  const store = await CellStore.open({ dir, kzg: verifier, windowBlocks: 100, maxPendingBytes: 4 * 1024 ** 3 })
  const intake = createIntake({ store, chainId, relay: async () => ({ txHash: '', code: 0, log: '' }), encoder: async () => encoder })
  try {
    // Submitter side (not counted): encode, sign, build the body.
    const encoded = await Promise.all(Array.from({ length: blobs }, async (_, i) => await encoder.encodeBlob(packBlob(payload, i))))
    const tx = encodeTx(signTx({ chainId, nonce: BigInt(run), fee: 1000n, kind: 'da.submit', body: encodeBody('da.submit', { size, commitments: encoded.map((e) => e.commitment) }) }, key.privateKey))
    const body = encodeSubmission({ tx, blobs: encoded })
    const a = await measure(() => intake.submit(body))
    client.cpu.push(a.cpu); client.wall.push(a.wall)
    // Node encodes: a payload the store hasn't seen (another run's bytes would be deduplicated).
    payload[0] ^= 0xff
    const b = await measure(async () => { await intake.encode(payload) })
    node.cpu.push(b.cpu); node.wall.push(b.wall)
  } finally {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
const mb = size / 1e6
const row = (what, cpu, wall) => console.log(`${what.padEnd(40)} ${(cpu / mb).toFixed(1).padStart(8)} ms CPU/MB ${(wall / mb).toFixed(1).padStart(8)} ms wall/MB  (${(mb / (wall / 1000)).toFixed(1)} MB/s)`)
console.log(`da-submit: ${MIB} MiB payload = ${blobs} blobs, ${RUNS} runs (median), ${availableParallelism()} cores, load ${loadavg()[0].toFixed(2)}`)
row('submitter encodes (node verifies)', median(client.cpu), median(client.wall))
row('node encodes (raw payload)', median(node.cpu), median(node.wall))
console.log(`ratio node-encodes / submitter-encodes CPU: ${(median(node.cpu) / median(client.cpu)).toFixed(1)}×`)
process.exit(0)
