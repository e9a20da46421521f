// Above 1 GiB a second level of interior nodes starts (1024 leaves of 1 MiB per node): 1024·1 MiB
// + 1 bytes, generated streamed (never held in memory), against @helia/unixfs's importer fed the
// same stream. Takes a while: two passes over 1 GiB.
import { describe, expect, it } from 'vitest'
import { unixfs } from '@helia/unixfs'
import { UnixfsCidBuilder, CID_LEAF_SIZE, type DagBlockInfo } from '../../../protocol/cid/index.js'
import { nodeSha256 } from '../../../fullnode/store/cid-check.js'

const MiB = CID_LEAF_SIZE

/** `size` bytes in pieces of ≤ 1 MiB + 13 (unaligned on purpose); piece k is a pattern seeded by k. */
function * stream (size: number): Generator<Uint8Array> {
  const piece = MiB + 13
  for (let off = 0, k = 0; off < size; off += piece, k++) {
    const n = Math.min(piece, size - off)
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) out[i] = (i * 7 + k) & 0xff
    yield out
  }
}

describe('CIDs above 1 GiB', () => {
  it.each([1024 * MiB + 1, 1024 * MiB])('%i bytes: equal to @helia/unixfs, streamed', async (size) => {
    const infos: DagBlockInfo[] = []
    const b = new UnixfsCidBuilder({ sha256: nodeSha256, onBlock: (_c, _b, info) => { if (info.kind === 'node') infos.push(info) } })
    for (const piece of stream(size)) b.update(piece)
    const ours = b.digest().toString()
    const blockstore = { put: async (c: any) => c } // constant memory: blocks are dropped
    const ref = await unixfs({ blockstore } as any).addByteStream((async function * () { yield * stream(size) })())
    expect(ours).toBe(ref.toString())
    if (size > 1024 * MiB) {
      // Two level-1 nodes (1024 leaves, 1 leaf) under one level-2 root.
      expect(infos.map((i) => `${i.level}:${i.index}:${i.fileSize}`)).toEqual([`1:0:${1024 * MiB}`, '1:1:1', `2:0:${size}`])
    } else {
      expect(infos.map((i) => `${i.level}:${i.index}`)).toEqual(['1:0'])
    }
  }, 600_000)
})
