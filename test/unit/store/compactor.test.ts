// The storage lifecycle's last step (fullnode/store/compactor.ts): a pruned file's bytes leave the
// flow log after a kick (debounced, off the caller's path), the range and the record stay, reads say
// "pruned"; what a crash left queued is compacted at start; stop() waits for a running compaction.
import { afterEach, describe, expect, it } from 'vitest'
import { open, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { SEGMENT_SIZE } from '../../../protocol/storage/index.js'
import { FilePrunedError, FlowStore, startCompactor } from '../../../fullnode/store/index.js'
import { freshStore, testFile, upload } from './fixtures.js'
import { waitFor } from '../../helpers/wait.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { while (cleanups.length > 0) await cleanups.pop()!() })

async function raw (dir: string, offset: number, length: number): Promise<Buffer> {
  const fh = await open(join(dir, 'flow', 'flow-000000.dat'), 'r')
  const out = Buffer.alloc(length)
  await fh.read(out, 0, length, offset)
  await fh.close()
  return out
}

const until = async (what: string, cond: () => Promise<boolean>): Promise<void> => { await waitFor(what, cond, { timeoutMs: 10_000, everyMs: 25 }) }

describe('startCompactor', () => {
  it('gives a pruned file\'s bytes back after a kick; the range, the record and the neighbour stay', async () => {
    const { store, dir, close } = await freshStore()
    cleanups.push(close)
    const f = testFile(SEGMENT_SIZE + 777, 41)
    const g = testFile(5000, 42)
    await store.allocate({ root: f.root, size: f.data.length, flowStart: 0, height: 1, expiresAtEpoch: 2 })
    await store.allocate({ root: g.root, size: g.data.length, flowStart: f.layout.paddedChunks, height: 1, expiresAtEpoch: 9 })
    await upload(store, f)
    await upload(store, g)
    const logs: string[] = []
    const c = startCompactor({ store, delayMs: 20, log: (l) => logs.push(l) })
    cleanups.push(async () => { await c.stop() })
    expect((await raw(dir, 0, f.data.length)).equals(Buffer.from(f.data))).toBe(true)
    await store.pruneExpired(2)
    c.kick(); c.kick() // several kicks, one run
    await until('the compaction', async () => (await store.stats()).awaitingCompaction === 0 && (await store.getFile(f.root)).received === 0)
    expect((await raw(dir, 0, f.data.length)).every((b) => b === 0)).toBe(true)
    expect(await store.getFile(f.root)).toMatchObject({ status: 'pruned', flowStart: 0, paddedChunks: f.layout.paddedChunks, storedBytes: 0 })
    await expect(store.getSegment(f.root, 0)).rejects.toBeInstanceOf(FilePrunedError)
    expect((await store.getSegment(g.root, 0)).bytes.length).toBe(g.data.length)
    expect(logs.join('\n')).toMatch(/compacted 1 expired or rejected submission/)
    expect((await store.stats()).flowChunks).toBe(f.layout.paddedChunks + g.layout.paddedChunks)
  })

  it('compacts what was queued before it started (a crash between prune and compaction), and stops cleanly', async () => {
    const { store, dir } = await freshStore()
    cleanups.push(async () => { await rm(dir, { recursive: true, force: true }) })
    const f = testFile(3000, 43)
    await store.allocate({ root: f.root, size: f.data.length, flowStart: 0, height: 1, expiresAtEpoch: 1 })
    await upload(store, f)
    await store.prune(f.root)
    await store.close()
    const again = await FlowStore.open({ dir })
    cleanups.push(async () => { await again.close() })
    const c = startCompactor({ store: again, delayMs: 10 })
    await until('the start-up compaction', async () => (await again.stats()).awaitingCompaction === 0)
    expect((await raw(dir, 0, f.data.length)).every((b) => b === 0)).toBe(true)
    expect(await c.runNow()).toEqual({ submissions: 0, bytes: 0 })
    await c.stop()
    c.kick() // after stop: nothing scheduled
    expect((await again.stats()).awaitingCompaction).toBe(0)
  })
})
