// A block whose blobs reached different full nodes: each intake keeps only its own submitter's blob,
// so no peer can answer for the whole block. The replicator then fetches each blob alone (the sample
// request's `blobs`) from a peer that has it — before this, such a block never replicated and light
// nodes reported honest blocks unavailable (found by bench/da.mjs with 2 and 4 submitters).
// Real cell stores on disk, real native KZG, the real sample service on each peer.
import { afterEach, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sha256 } from '@noble/hashes/sha2.js'
import { CellStore, type SubmissionRecord } from '../../../fullnode/da/cell-store.js'
import { createSampleService, type SampleService } from '../../../fullnode/da/sample-service.js'
import { startCellReplicator } from '../../../fullnode/da/replicate.js'
import { NotAvailableError } from '../../../fullnode/da/errors.js'
import { merkleProofs } from '../../../protocol/chain/index.js'
import { toHex } from '../../../protocol/bytes.js'
import { waitFor } from '../../helpers/wait.js'
import { encoded, nativeKzg } from './fixtures.js'

const dirs: string[] = []
const stores: CellStore[] = []
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
const open = async (): Promise<CellStore> => {
  const dir = mkdtempSync(join(tmpdir(), 'glowmesh-split-')); dirs.push(dir)
  const s = await CellStore.open({ dir, kzg: await nativeKzg(), windowBlocks: 600 }); stores.push(s); return s
}

describe('a block whose blobs reached different full nodes', () => {
  it('replicates blob by blob from the peers that hold each; light-node answers stay all-or-nothing', async () => {
    const [b0] = (await encoded(3000, 11)).blobs
    const [b1] = (await encoded(3000, 12)).blobs
    const txs = [new Uint8Array([1, 2, 3]), new Uint8Array([4, 5, 6])]
    const hashes = txs.map((t) => sha256(t))
    const block = async (): Promise<any> => ({ header: { dataHash: merkleProofs(hashes).root }, txs })
    const subs: SubmissionRecord[] = [
      { height: 5, index: 0, size: 3000, txHash: toHex(hashes[0]), commitments: [toHex(b0.commitment)] },
      { height: 5, index: 1, size: 3000, txHash: toHex(hashes[1]), commitments: [toHex(b1.commitment)] }
    ]
    const [a, b, c] = [await open(), await open(), await open()]
    await a.put([b0]) // submitter 1 sent its blob to a
    await b.put([b1]) // submitter 2 to b
    for (const s of [a, b, c]) { await s.record(subs); await s.advance(5); await s.advance(6) }
    const svc: Record<string, SampleService> = { a: createSampleService({ store: a, block }), b: createSampleService({ store: b, block }) }

    // a light node's request (every blob) is refused by both: neither holds the whole block
    for (const p of ['a', 'b']) await expect(svc[p].sample(5n, [0, 1], {})).rejects.toBeInstanceOf(NotAvailableError)
    // a narrowed request is answered by the holder, with that blob's commitment and DA tx only
    const only1 = await svc.b.sample(5n, [0, 1], { blobs: [1] })
    expect(only1.blobs.map((x) => toHex(x.commitment))).toEqual([toHex(b1.commitment)])
    expect(only1.txs.map((t) => t.index)).toEqual([1])
    expect(only1.columns[1].cells[0]).toEqual(b1.cells[1])
    await expect(svc.a.sample(5n, [0], { blobs: [1] })).rejects.toBeInstanceOf(NotAvailableError)
    await expect(svc.a.sample(5n, [0], { blobs: [2] })).rejects.toThrow(/there is no blob 2/)

    const asked: string[] = []
    const replicator = startCellReplicator({
      store: c,
      intervalMs: 50,
      source: {
        peers: () => ['a', 'b'],
        sample: async (peer, height, columns, signal, blobs) => {
          asked.push(`${String(peer)}:${blobs === undefined ? 'all' : blobs.join(',')}`)
          return await svc[String(peer)].sample(height, columns, { signal, blobs })
        }
      }
    })
    try {
      await waitFor('c to hold both blobs', () => c.has(b0.commitment) && c.has(b1.commitment), { timeoutMs: 30_000, diagnostics: () => `asked ${asked.join(' ')}` })
    } finally { replicator.stop() }
    expect(asked).toContain('a:0')
    expect(asked).toContain('b:1')
    // c now answers light nodes for the whole block, cells equal to the encoder's
    const whole = await createSampleService({ store: c, block }).sample(5n, [7], {})
    expect(whole.blobs.map((x) => toHex(x.commitment))).toEqual(subs.flatMap((s) => s.commitments))
    expect(whole.columns[0].cells).toEqual([b0.cells[7], b1.cells[7]])
  })
})
