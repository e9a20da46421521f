// kill -9 safety of the flow store: a real child process uploads segments (write → fdatasync →
// synced LevelDB batch) and is SIGKILLed at a random moment; the store is reopened and every
// acknowledged segment must be there and verify, and every indexed segment must verify (nothing
// half-written is indexed). Several rounds on the same store, then a last run to completion.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { existsSync, statSync, readdirSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SEGMENT_SIZE, SegmentTree, fileLayout, segmentBytes, verifySegmentProof } from '../../../protocol/storage/index.js'
import { createWasmHasher } from '../../../wasm/keccak/index.js'
import { FlowStore } from '../../../fullnode/store/index.js'
import { patternBytes } from '../../helpers/bytes.js'
import { tempDir } from '../../unit/store/fixtures.js'

const here = dirname(fileURLToPath(import.meta.url))
const repo = join(here, '..', '..', '..')
const CHILD = join(here, 'crash-child.mjs')
const SIZES = [24 * 262144 + 1000, 300, 16 * 262144 + 5] // = crash-child.mjs
const hasher = createWasmHasher()
const files = SIZES.map((size, k) => {
  const data = patternBytes(size, 1000 + k)
  const layout = fileLayout(size)
  return { data, layout, tree: SegmentTree.fromBytes(layout, data, hasher) }
})

function newestMtime (dir: string): number {
  let t = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs)
  }
  return t
}

const children = new Set<ChildProcess>()
let dir = ''
let cleanup = async (): Promise<void> => {}

beforeAll(async () => {
  // The child runs the built store: rebuild dist/ when the sources are newer (tsc emits even when
  // another folder has type errors, so its exit status is not what decides).
  const built = join(repo, 'dist', 'fullnode', 'store', 'flow-store.js')
  const sources = Math.max(newestMtime(join(repo, 'fullnode', 'store')), newestMtime(join(repo, 'protocol', 'storage')))
  if (!existsSync(built) || statSync(built).mtimeMs < sources) {
    try { execFileSync(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(repo, 'tsconfig.build.json')], { cwd: repo, stdio: 'pipe' }) } catch {}
  }
  if (!existsSync(built) || statSync(built).mtimeMs < sources) throw new Error('dist/fullnode/store is stale and tsc did not rebuild it')
  ;({ dir, cleanup } = await tempDir())
})

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL')
  await cleanup()
})

/** Runs the child; kills it with SIGKILL after `killAfterAcks` acks (never, if undefined). */
async function runChild (seed: number, killAfterAcks?: number): Promise<{ acks: Array<[number, number]>, killed: boolean, done: boolean }> {
  const child = spawn(process.execPath, [CHILD, dir, String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  const acks: Array<[number, number]> = []
  let done = false
  let killed = false
  let buf = ''
  let stderr = ''
  child.stderr!.on('data', (d) => { stderr += d })
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString()
    let nl
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl)
      buf = buf.slice(nl + 1)
      const m = /^ack (\d+) (\d+)$/.exec(line)
      if (m !== null) acks.push([Number(m[1]), Number(m[2])])
      if (line === 'done') done = true
      if (killAfterAcks !== undefined && acks.length >= killAfterAcks && !killed) { killed = child.kill('SIGKILL') }
    }
  })
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)))
  children.delete(child)
  if (!killed && code !== 0) throw new Error(`crash child exited ${code}: ${stderr}`)
  return { acks, killed, done }
}

/** Reopens the store and checks acks and the whole index. Returns how many segments are indexed. */
async function checkStore (acked: Set<string>): Promise<number> {
  const store = await FlowStore.open({ dir })
  try {
    let indexed = 0
    for (const [k, f] of files.entries()) {
      const missing = new Set(await store.missingSegments(f.tree.root))
      for (let i = 0; i < f.layout.dataSegments; i++) {
        if (missing.has(i)) {
          expect(acked.has(`${k} ${i}`), `acknowledged segment ${k}/${i} lost`).toBe(false)
          continue
        }
        indexed++
        const { bytes, proof } = await store.getSegment(f.tree.root, i)
        expect(Buffer.from(bytes).equals(Buffer.from(segmentBytes(f.data, i))), `segment ${k}/${i} bytes`).toBe(true)
        expect(verifySegmentProof(f.tree.root, f.layout, bytes, proof, hasher)).toBe(true)
      }
      const info = await store.getFile(f.tree.root)
      expect(info.received).toBe(f.layout.dataSegments - missing.size)
      expect(info.status).toBe(missing.size === 0 ? 'complete' : 'pending')
    }
    return indexed
  } finally {
    await store.close()
  }
}

describe('FlowStore survives kill -9', () => {
  it('every acknowledged segment survives, nothing half-written is indexed, and the upload resumes to completion', async () => {
    const total = files.reduce((a, f) => a + f.layout.dataSegments, 0)
    const acked = new Set<string>()
    let kills = 0
    for (let round = 0; round < 5; round++) {
      // A random point: after 1–8 further acks (several writes are in flight when it lands).
      const { acks, killed } = await runChild(round + 1, 1 + Math.floor(Math.random() * 8))
      for (const [k, i] of acks) acked.add(`${k} ${i}`)
      if (killed) kills++
      const indexed = await checkStore(acked)
      expect(indexed).toBeGreaterThanOrEqual(acked.size)
    }
    expect(kills).toBeGreaterThanOrEqual(3)
    const last = await runChild(99)
    expect(last.done).toBe(true)
    expect(await checkStore(acked)).toBe(total)
    // Completion check end to end: the stream of each file equals its bytes.
    const store = await FlowStore.open({ dir })
    try {
      for (const f of files) {
        const parts: Uint8Array[] = []
        for await (const p of store.stream(f.tree.root)) parts.push(p)
        expect(Buffer.concat(parts).equals(Buffer.from(f.data))).toBe(true)
      }
      expect((await store.stats()).bytesStored).toBe(SIZES.reduce((a, b) => a + b, 0))
    } finally { await store.close() }
    expect(SEGMENT_SIZE).toBe(262144)
  })
})
