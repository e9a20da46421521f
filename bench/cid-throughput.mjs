// Benchmark: CID throughput — protocol/cid's streaming builder (node:crypto and pure-JS noble
// SHA-256) vs @helia/unixfs addBytes on the same bytes in the same run; then what `glowmesh put`
// does, the 0G root + the CID in one pass over a file, vs the two computed separately (two passes).
// Run: npm run build && node bench/cid-throughput.mjs [MiB=64]
import { randomFillSync } from 'node:crypto'
import { mkdtempSync, openSync, writeSync, closeSync, rmSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { unixfs } from '@helia/unixfs'
import { UnixfsCidBuilder, CID_LEAF_SIZE } from '../dist/protocol/cid/index.js'
import { FileRootBuilder, fileLayout } from '../dist/protocol/storage/index.js'
import { nodeSha256 } from '../dist/fullnode/store/cid-check.js'
import { rootAndCidOfFile } from '../dist/cli/commands/files.js'
import { createWasmHasher } from '../dist/wasm/keccak/index.js'
import { toHex } from '../dist/protocol/bytes.js'

const mib = Number(process.argv[2] ?? 64)
const bytes = mib * 1024 * 1024
const data = new Uint8Array(bytes)
for (let o = 0; o < bytes; o += 1 << 16) randomFillSync(data.subarray(o, o + (1 << 16)))
const dir = mkdtempSync(join(tmpdir(), 'glowmesh-bench-cid-'))
const path = join(dir, 'random.bin')
const fd = openSync(path, 'w')
writeSync(fd, data)
closeSync(fd)

async function time (fn, runs = 3) {
  let best = Infinity; let out
  for (let i = 0; i < runs; i++) {
    const t = performance.now(); out = await fn(); best = Math.min(best, performance.now() - t)
  }
  return { ms: best, out }
}
const mbps = (ms) => bytes / 1e6 / (ms / 1000)
const line = (name, r, ref) => console.log(`  ${name.padEnd(44)} ${mbps(r.ms).toFixed(0).padStart(6)} MB/s  ${r.ms.toFixed(0).padStart(6)} ms${ref === undefined ? '' : `   ${(ref.ms / r.ms).toFixed(2)}x`}`)

// ── CID of bytes in memory ──
const helia = await time(async () => (await unixfs({ blockstore: { put: async (c) => c } }).addBytes(data)).toString())
const oursNode = await time(async () => new UnixfsCidBuilder({ sha256: nodeSha256 }).update(data).digest().toString())
const oursNoble = await time(async () => new UnixfsCidBuilder().update(data).digest().toString(), 1)
if (oursNode.out !== helia.out || oursNoble.out !== helia.out) throw new Error(`CID mismatch: ours ${oursNode.out} / ${oursNoble.out}, helia ${helia.out}`)

// ── root + CID over a file: one pass (what put does) vs two passes ──
async function pass (consume) {
  const fh = await open(path, 'r')
  const buf = new Uint8Array(CID_LEAF_SIZE)
  try {
    for (let off = 0; off < bytes; off += CID_LEAF_SIZE) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(CID_LEAF_SIZE, bytes - off), off)
      consume(buf.subarray(0, bytesRead))
    }
  } finally { await fh.close() }
}
const hasher = createWasmHasher()
const rootOnly = await time(async () => { const b = new FileRootBuilder(hasher); await pass((p) => b.update(p)); return toHex(b.digest()) })
const cidOnly = await time(async () => { const b = new UnixfsCidBuilder({ sha256: nodeSha256 }); await pass((p) => b.update(p)); return b.digest().toString() })
const separate = { ms: rootOnly.ms + cidOnly.ms }
const onePass = await time(async () => {
  const fh = await open(path, 'r')
  try { const { tree, cid } = await rootAndCidOfFile(fh, fileLayout(bytes), hasher); return `${toHex(tree.root)} ${cid}` } finally { await fh.close() }
})
if (onePass.out !== `${rootOnly.out} ${cidOnly.out}`) throw new Error(`one pass gave ${onePass.out}, separately ${rootOnly.out} ${cidOnly.out}`)
rmSync(dir, { recursive: true, force: true })

console.log(`CID, ${mib} MiB random (${helia.out.slice(0, 20)}…, equal to @helia/unixfs); best of 3 except noble (1)`)
line('@helia/unixfs addBytes (reference)', helia)
line('protocol/cid, node:crypto SHA-256', oursNode, helia)
line('protocol/cid, @noble/hashes SHA-256 (pure JS)', oursNoble, helia)
console.log(`root + CID of a ${mib} MiB file (page cache warm), one thread`)
line('0G root alone (wasm keccak)', rootOnly)
line('CID alone', cidOnly)
line('both separately (two passes)', separate)
line('both in one pass (glowmesh put)', onePass, separate)
console.log(`  CID cost on top of the root in one pass: ${(100 * (onePass.ms - rootOnly.ms) / rootOnly.ms).toFixed(1)} %`)
