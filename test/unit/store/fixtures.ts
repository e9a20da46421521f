// Test files for the flow store: bytes, their 0G root and the uploader's SegmentTree.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type FileLayout, SegmentTree, fileLayout, fileRoot, segmentBytes } from '../../../protocol/storage/index.js'
import { createWasmHasher } from '../../../wasm/keccak/index.js'
import { patternBytes } from '../../helpers/bytes.js'
import { FlowStore, type FlowStoreOptions } from '../../../fullnode/store/index.js'

export const hasher = createWasmHasher()

export interface TestFile { data: Uint8Array, root: Uint8Array, layout: FileLayout, tree: SegmentTree }

/** A file of `size` pattern bytes with its root (fileRoot, the SDK-equal reference) and tree. */
export function testFile (size: number, seed = size): TestFile {
  const data = patternBytes(size, seed)
  const layout = fileLayout(size)
  const tree = SegmentTree.fromBytes(layout, data, hasher)
  return { data, root: fileRoot(data, hasher), layout, tree }
}

/** Uploads every data segment of `f` (in `order`, default ascending). */
export async function upload (store: FlowStore, f: TestFile, order?: number[]): Promise<void> {
  for (const i of order ?? Array.from({ length: f.layout.dataSegments }, (_, k) => k)) {
    await store.putSegment(f.root, i, segmentBytes(f.data, i), f.tree.proof(i))
  }
}

/** A temporary folder, removed by the returned cleanup. */
export async function tempDir (): Promise<{ dir: string, cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'glowmesh-store-'))
  return { dir, cleanup: async () => { await rm(dir, { recursive: true, force: true }) } }
}

/** Opens a store on a fresh folder; `close` closes and removes it. */
export async function freshStore (options: Partial<FlowStoreOptions> = {}): Promise<{ store: FlowStore, dir: string, close: () => Promise<void> }> {
  const { dir, cleanup } = await tempDir()
  const store = await FlowStore.open({ dir, ...options })
  return { store, dir, close: async () => { await store.close(); await cleanup() } }
}
