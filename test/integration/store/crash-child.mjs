// Child for the kill -9 test: opens the flow store (built dist/), allocates three files (replayed
// idempotently on every start, as a node replays committed submissions after a crash), then uploads
// every missing segment, several in flight at once, printing `ack <file> <segment>` only after
// putSegment resolved. The parent SIGKILLs it at a random moment.
// Usage: node crash-child.mjs DIR SEED
import { FlowStore } from '../../../dist/fullnode/store/index.js'
import { SegmentTree, fileLayout, segmentBytes } from '../../../dist/protocol/storage/index.js'
import { createWasmHasher } from '../../../dist/wasm/keccak/index.js'

const [dir, seedArg] = process.argv.slice(2)
const hasher = createWasmHasher()

/** The same xorshift32 pattern as test/helpers/bytes.ts. */
export function patternBytes (length, seed) {
  const out = new Uint8Array(length)
  const view = new DataView(out.buffer)
  let x = seed >>> 0 || 1
  let i = 0
  for (; i + 4 <= length; i += 4) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0
    view.setUint32(i, x, true)
  }
  for (; i < length; i++) { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; out[i] = x & 0xff }
  return out
}

/** The files every run uploads: sizes chosen so ranges straddle segment boundaries of the flow. */
export const SIZES = [24 * 262144 + 1000, 300, 16 * 262144 + 5]

const files = SIZES.map((size, k) => {
  const data = patternBytes(size, 1000 + k)
  const layout = fileLayout(size)
  const tree = SegmentTree.fromBytes(layout, data, hasher)
  return { data, layout, tree, root: tree.root }
})

const store = await FlowStore.open({ dir })
let flowStart = 0
for (const f of files) {
  await store.allocate({ root: f.root, size: f.layout.size, flowStart, height: 1, expiresAtEpoch: 99 })
  flowStart += f.layout.paddedChunks
}
process.stdout.write('allocated\n')

// A deterministic shuffle per run, so each run writes in a different order.
let x = Number(seedArg) >>> 0 || 7
const rand = (n) => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x % n }
const work = []
for (const [k, f] of files.entries()) for (const i of await store.missingSegments(f.root)) work.push([k, i])
for (let i = work.length - 1; i > 0; i--) { const j = rand(i + 1); [work[i], work[j]] = [work[j], work[i]] }

let next = 0
async function lane () {
  while (next < work.length) {
    const [k, i] = work[next++]
    const f = files[k]
    await store.putSegment(f.root, i, segmentBytes(f.data, i), f.tree.proof(i))
    process.stdout.write(`ack ${k} ${i}\n`)
  }
}
await Promise.all([lane(), lane(), lane(), lane()])
await store.close()
process.stdout.write('done\n')
