// The background DAG indexer: complete files get indexed (uploaded here, replicated, or after a restart).
import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { FlowBlockstore, startDagIndexer, type IndexedFile } from '../../../fullnode/ipfs/index.js'
import { freshStore, testFile, upload } from '../store/fixtures.js'

describe('startDagIndexer', () => {
  it('indexes every complete file, skips pending ones, and reports CID mismatches once', async () => {
    const { store, dir, close } = await freshStore()
    const blocks = await FlowBlockstore.open({ store, dir: join(dir, 'ipfs') })
    const blocks2 = await FlowBlockstore.open({ store, dir: join(dir, 'ipfs2') })
    const seen: IndexedFile[] = []
    const lines: string[] = []
    const a = testFile(2 * 1048576 + 3, 1)
    const b = testFile(1000, 2)
    await store.allocate({ root: a.root, size: a.layout.size, flowStart: 0, height: 1, expiresAtEpoch: 9 })
    await upload(store, a)
    await store.allocate({ root: b.root, size: b.layout.size, flowStart: a.layout.paddedChunks, height: 2, expiresAtEpoch: 9 })
    const indexer = startDagIndexer({ store, blocks, intervalMs: 60_000, onIndexed: (f) => seen.push(f), log: (l) => lines.push(l) })
    const quiet = startDagIndexer({ store, blocks: blocks2, intervalMs: 60_000 }) // no onIndexed: still indexes
    await indexer.settle()
    expect(seen.map((f) => f.size)).toEqual([a.layout.size])
    await upload(store, b)
    indexer.kick()
    await indexer.settle()
    expect(seen.map((f) => f.size)).toEqual([a.layout.size, 1000])
    expect(lines).toEqual([])
    await quiet.settle()
    expect((await blocks2.indexed(b.root))?.size).toBe(1000)
    await quiet.stop()
    await blocks2.close()
    await indexer.stop()
    await blocks.close()
    await close()
  })
})
