import { describe, it, expect } from 'vitest'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { freshStore, testFile, upload } from '../store/fixtures.js'
import { segmentBytes } from '../../../protocol/storage/index.js'
import { toHex } from '../../../protocol/bytes.js'
import { fileCid, cidToSubmission, CID_LEAF_SIZE } from '../../../protocol/cid/index.js'
import { cidCompletionCheck, declaredCid, nodeSha256, CidMismatchError, type FileDag } from '../../../fullnode/store/index.js'

const MiB = CID_LEAF_SIZE

async function withStore (fn: (s: Awaited<ReturnType<typeof freshStore>>, dags: FileDag[]) => Promise<void>): Promise<void> {
  const dags: FileDag[] = []
  const s = await freshStore({ completionCheck: cidCompletionCheck(), onComplete: async (_info, d) => { if (d !== undefined) dags.push(d as FileDag) } })
  try { await fn(s, dags) } finally { await s.close() }
}

describe('fullnode/store: the CID check at completion', () => {
  it('accepts a file whose bytes hash to its declared CID and hands over its DAG', async () => {
    await withStore(async ({ store }, dags) => {
      const f = testFile(2 * MiB + 1000)
      const cid = fileCid(f.data, { sha256: nodeSha256 }).toString()
      await store.allocate({ root: f.root, cid, size: f.data.length, flowStart: 0, height: 1, expiresAtEpoch: 10 })
      await upload(store, f, [8, 3, 0, 1, 2, 4, 5, 6, 7]) // out of order: the check runs on whichever segment completes
      expect((await store.getFile(f.root)).status).toBe('complete')
      expect(dags).toHaveLength(1)
      expect(dags[0].cid.toString()).toBe(cid)
      expect(dags[0].leaves.map(String)).toEqual([0, 1, 2].map((i) => fileCid(f.data.subarray(i * MiB, (i + 1) * MiB)).toString()))
      expect(dags[0].nodes).toHaveLength(1)
      expect((await store.fileByCid(cid)).root).toBe(toHex(f.root))
    })
  })

  it('rejects a wrong CID on the completing segment: CID_MISMATCH, tombstoned, never served, bytes reclaimed', async () => {
    await withStore(async ({ store }, dags) => {
      const f = testFile(MiB + 7)
      const wrong = fileCid(new Uint8Array([1, 2, 3])).toString()
      await store.allocate({ root: f.root, cid: wrong, size: f.data.length, flowStart: 0, height: 1, expiresAtEpoch: 10 })
      const n = f.layout.dataSegments
      for (let i = 0; i < n - 1; i++) await store.putSegment(f.root, i, segmentBytes(f.data, i), f.tree.proof(i))
      const err = await store.putSegment(f.root, n - 1, segmentBytes(f.data, n - 1), f.tree.proof(n - 1)).catch((e) => e)
      expect(err).toBeInstanceOf(CidMismatchError)
      expect(err).toMatchObject({ name: 'CidMismatchError', code: 'CID_MISMATCH', declared: wrong, actual: fileCid(f.data).toString() })
      const info = await store.getFile(f.root)
      expect(info.status).toBe('tombstoned')
      expect(info.reason).toMatch(/CID/)
      expect(dags).toHaveLength(0)
      await expect(store.getSegment(f.root, 0)).rejects.toMatchObject({ code: 'FILE_TOMBSTONED' })
      // A retry of the completing segment is told the upload is dead.
      await expect(store.putSegment(f.root, n - 1, segmentBytes(f.data, n - 1), f.tree.proof(n - 1))).rejects.toMatchObject({ code: 'FILE_TOMBSTONED' })
      expect((await store.stats()).awaitingCompaction).toBe(1)
      const { bytes } = await store.compact()
      expect(bytes).toBe(f.data.length) // every segment, the completing one included
      expect(await store.readFlow(0, 4)).toEqual(new Uint8Array(1024))
    })
  })

  it('does not blame the uploader for its own disk: a segment corrupted since arrival is un-indexed instead', async () => {
    await withStore(async ({ store, dir }) => {
      const f = testFile(MiB + 7)
      await store.allocate({ root: f.root, cid: fileCid(f.data).toString(), size: f.data.length, flowStart: 0, height: 1, expiresAtEpoch: 10 })
      await store.putSegment(f.root, 0, segmentBytes(f.data, 0), f.tree.proof(0))
      const fh = await open(join(dir, 'flow', 'flow-000000.dat'), 'r+')
      await fh.write(new Uint8Array([0xde, 0xad]), 0, 2, 100)
      await fh.close()
      for (let i = 1; i < f.layout.dataSegments; i++) await store.putSegment(f.root, i, segmentBytes(f.data, i), f.tree.proof(i))
      const info = await store.getFile(f.root)
      expect(info.status).toBe('pending')
      expect(await store.missingSegments(f.root)).toEqual([0])
      await store.putSegment(f.root, 0, segmentBytes(f.data, 0), f.tree.proof(0)) // the repair completes it
      expect((await store.getFile(f.root)).status).toBe('complete')
    })
  })

  it("a later submission that claims a file's CID never shadows it (fileByCid prefers the complete one)", async () => {
    await withStore(async ({ store }) => {
      const good = testFile(5000, 1)
      const bogus = testFile(6000, 2)
      const cid = fileCid(good.data).toString()
      await store.allocate({ root: good.root, cid, size: good.data.length, flowStart: 0, height: 1, expiresAtEpoch: 10 })
      await upload(store, good)
      await store.allocate({ root: bogus.root, cid, size: bogus.data.length, flowStart: good.layout.paddedChunks, height: 2, expiresAtEpoch: 10 })
      expect((await store.fileByCid(cid)).root).toBe(toHex(good.root))
      await expect(upload(store, bogus)).rejects.toBeInstanceOf(CidMismatchError)
      expect((await store.fileByCid(cid)).root).toBe(toHex(good.root))
      expect((await store.getFile(bogus.root)).status).toBe('tombstoned')
    })
  })

  it('accepts a submission that declared no CID, unchecked', async () => {
    await withStore(async ({ store }, dags) => {
      const f = testFile(3000)
      await store.allocate({ root: f.root, cid: '', size: f.data.length, flowStart: 0, height: 1, expiresAtEpoch: 10 })
      await upload(store, f)
      expect((await store.getFile(f.root)).status).toBe('complete')
      expect(dags).toHaveLength(0)
    })
  })

  it('reads the CID a storage.submit event declared', () => {
    const cid = fileCid(new Uint8Array([9]))
    expect(declaredCid(toHex(cidToSubmission(cid)))).toEqual({ cid: cid.toString() })
    expect(declaredCid('0x')).toEqual({ cid: '' })
    expect(declaredCid(undefined)).toEqual({ cid: '' })
    expect(declaredCid(toHex(new TextEncoder().encode(cid.toString())))).toEqual({ cid: cid.toString() })
    expect(declaredCid(toHex(new Uint8Array(36).fill(7)))).toHaveProperty('invalid')
    expect(declaredCid('0xzz')).toHaveProperty('invalid')
  })
})
