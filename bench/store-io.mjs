// Benchmark: the flow store's disk paths — segment upload (verify against the root + positioned
// write + fdatasync + synced LevelDB index), verified reads, and getChunk latency for PoRA answers.
// References measured in the same run on the same disk: raw 256 KiB write+fdatasync, raw reads.
// Run: npm run build && node bench/store-io.mjs [MiB=128]
import { randomFillSync } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FlowStore } from '../dist/fullnode/store/index.js'
import { SEGMENT_SIZE, SegmentTree, fileLayout, segmentBytes, verifyChunkProof } from '../dist/protocol/storage/index.js'
import { createWasmHasher } from '../dist/wasm/keccak/index.js'

const mib = Number(process.argv[2] ?? 128)
const size = mib * 2 ** 20
const dir = mkdtempSync(join(tmpdir(), 'glowmesh-bench-store-'))
const hasher = createWasmHasher()
const data = new Uint8Array(size)
for (let o = 0; o < size; o += 65536) randomFillSync(data, o, Math.min(65536, size - o))
const layout = fileLayout(size)
const tree = SegmentTree.fromBytes(layout, data, hasher)
const mbps = (bytes, ms) => (bytes / 1e6 / (ms / 1000)).toFixed(1).padStart(7)
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))] }

try {
  // Reference: raw positioned 256 KiB writes, each fdatasync'd, then raw reads (warm cache).
  const raw = await open(join(dir, 'raw.dat'), 'w+')
  let t = performance.now()
  for (let s = 0; s < layout.dataSegments; s++) { const b = segmentBytes(data, s); await raw.write(b, 0, b.length, s * SEGMENT_SIZE); await raw.datasync() }
  const rawWriteMs = performance.now() - t
  const buf = new Uint8Array(SEGMENT_SIZE)
  t = performance.now()
  for (let s = 0; s < layout.dataSegments; s++) await raw.read(buf, 0, SEGMENT_SIZE, s * SEGMENT_SIZE)
  const rawReadMs = performance.now() - t
  await raw.close()

  // Verification alone (what putSegment adds on the CPU).
  t = performance.now()
  for (let s = 0; s < layout.dataSegments; s++) hasher.chunksRoot(segmentBytes(data, s))
  const hashMs = performance.now() - t

  const store = await FlowStore.open({ dir: join(dir, 'store') })
  await store.allocate({ root: tree.root, size, flowStart: 3, height: 1, expiresAtEpoch: 9 })
  t = performance.now()
  for (let s = 0; s < layout.dataSegments; s++) await store.putSegment(tree.root, s, segmentBytes(data, s), tree.proof(s))
  const putMs = performance.now() - t

  // Four uploads in flight (one file): shows how much fsync batching per file would buy.
  const root2 = new Uint8Array(tree.root) // same root, second submission → second range
  await store.allocate({ root: root2, size, flowStart: 3 + layout.paddedChunks, height: 2, expiresAtEpoch: 9 })
  t = performance.now()
  let next = 0
  await Promise.all([0, 1, 2, 3].map(async () => { while (next < layout.dataSegments) { const s = next++; await store.putSegment(root2, s, segmentBytes(data, s), tree.proof(s)) } }))
  const put4Ms = performance.now() - t

  t = performance.now()
  let streamed = 0
  for await (const p of store.stream(tree.root)) streamed += p.length
  const streamMs = performance.now() - t
  if (streamed !== size) throw new Error('short stream')

  const segLat = []
  for (let k = 0; k < 500; k++) { const s = Math.floor(Math.random() * layout.dataSegments); const t0 = performance.now(); await store.getSegment(tree.root, s); segLat.push(performance.now() - t0) }
  const chunkLat = []
  const flowEnd = 3 + 2 * layout.paddedChunks
  for (let k = 0; k < 2000; k++) {
    const p = 3 + Math.floor(Math.random() * (flowEnd - 3))
    const t0 = performance.now()
    const c = await store.getChunk(p)
    chunkLat.push(performance.now() - t0)
    if (k < 20 && !verifyChunkProof(c.root, c.chunk, c.proof, hasher)) throw new Error('bad chunk proof')
  }

  await store.tombstone(root2, 'bench', { flowStart: 3 + layout.paddedChunks })
  const part = join(dir, 'store', 'flow', 'flow-000000.dat')
  const before = (await stat(part)).blocks * 512
  t = performance.now()
  const c = await store.compact()
  const compactMs = performance.now() - t
  const after = (await stat(part)).blocks * 512
  await store.close()

  console.log(`flow store, ${mib} MiB random file in ${layout.dataSegments} segments (${tmpdir()}, warm page cache for reads)`)
  console.log(`  raw write+fdatasync per 256 KiB           ${mbps(size, rawWriteMs)} MB/s   (reference)`)
  console.log(`  segment root (wasm keccak) alone          ${mbps(size, hashMs)} MB/s`)
  console.log(`  putSegment (verify+write+fsync+index)     ${mbps(size, putMs)} MB/s   ${(rawWriteMs / putMs).toFixed(2)}x raw write+fsync`)
  console.log(`  putSegment, 4 in flight                   ${mbps(size, put4Ms)} MB/s`)
  console.log(`  raw positioned read                       ${mbps(size, rawReadMs)} MB/s   (reference)`)
  console.log(`  stream (read + verify each segment)       ${mbps(size, streamMs)} MB/s   ${(rawReadMs / streamMs).toFixed(2)}x raw read`)
  console.log(`  getSegment latency                        p50 ${pct(segLat, 0.5).toFixed(2)} ms   p99 ${pct(segLat, 0.99).toFixed(2)} ms`)
  console.log(`  getChunk latency (PoRA, 2000 random)      p50 ${pct(chunkLat, 0.5).toFixed(2)} ms   p99 ${pct(chunkLat, 0.99).toFixed(2)} ms`)
  console.log(`  compact ${mib} MiB tombstoned (${c.method})   ${compactMs.toFixed(0).padStart(7)} ms   disk used ${(before / 2 ** 20).toFixed(0)} → ${(after / 2 ** 20).toFixed(0)} MiB`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
