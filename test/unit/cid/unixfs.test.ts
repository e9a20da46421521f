import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { createHash } from 'node:crypto'
import { unixfs } from '@helia/unixfs'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import {
  UnixfsCidBuilder, fileCid, fileCidOfStream, rawLeafCid, CID_LEAF_SIZE, DAG_PB_CODE, RAW_CODE,
  CidBuilderStateError, type DagBlockInfo
} from '../../../protocol/cid/index.js'

const MiB = CID_LEAF_SIZE
const nodeSha = (d: Uint8Array): Uint8Array => createHash('sha256').update(d).digest()

/** A plain in-memory blockstore (all the importer needs is `put`); @helia/unixfs takes it without Helia. */
function memoryBlockstore (): { blocks: Map<string, Uint8Array>, put: (cid: CID, bytes: Uint8Array) => Promise<CID>, get: (cid: CID) => Promise<Uint8Array>, has: (cid: CID) => Promise<boolean> } {
  const blocks = new Map<string, Uint8Array>()
  return {
    blocks,
    put: async (cid, bytes) => { blocks.set(cid.toString(), Uint8Array.from(bytes)); return cid },
    get: async (cid) => blocks.get(cid.toString())!,
    has: async (cid) => blocks.has(cid.toString())
  }
}

async function reference (bytes: Uint8Array): Promise<{ cid: string, blocks: Map<string, Uint8Array> }> {
  const bs = memoryBlockstore()
  const cid = await unixfs({ blockstore: bs } as any).addBytes(bytes)
  return { cid: cid.toString(), blocks: bs.blocks }
}

function pattern (n: number, seed = 0): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = (i + seed) % 251
  return out
}

function ours (bytes: Uint8Array, slice?: number): { cid: string, blocks: Map<string, Uint8Array>, infos: DagBlockInfo[] } {
  const blocks = new Map<string, Uint8Array>()
  const infos: DagBlockInfo[] = []
  const b = new UnixfsCidBuilder({ sha256: nodeSha, onBlock: (cid, data, info) => { blocks.set(cid.toString(), Uint8Array.from(data)); infos.push(info) } })
  if (slice === undefined) b.update(bytes)
  else for (let o = 0; o < bytes.length; o += slice) b.update(bytes.subarray(o, o + slice))
  return { cid: b.digest().toString(), blocks, infos }
}

describe('protocol/cid: the CID @helia/unixfs addBytes gives, streamed', () => {
  it("matches DESIGN §2b's vector and the empty file's CID", () => {
    expect(fileCid(pattern(1_000_000)).toString()).toBe('bafkreibmamgut3atdp53wrdk2iphulyszw2pf5ht7wr2y4e52ltiursgy4')
    expect(fileCid(new Uint8Array(0)).toString()).toBe('bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku')
  })

  it('equals @helia/unixfs (CID and every block) at 0 B, 1 B, 1 MiB ± 1, 2 MiB + 5, 7 MiB', async () => {
    for (const n of [0, 1, MiB - 1, MiB, MiB + 1, 2 * MiB + 5, 7 * MiB]) {
      const data = pattern(n, n)
      const ref = await reference(data)
      const got = ours(data, 300_001)
      expect(got.cid, `size ${n}`).toBe(ref.cid)
      expect([...got.blocks.keys()].sort(), `blocks of size ${n}`).toEqual([...ref.blocks.keys()].sort())
      for (const [k, v] of got.blocks) expect(Buffer.compare(v, ref.blocks.get(k)!), `block ${k}`).toBe(0)
    }
  })

  it('is the raw leaf for one chunk and dag-pb with blocksizes above', () => {
    expect(fileCid(pattern(MiB)).code).toBe(RAW_CODE)
    const blocks: Array<{ cid: CID, bytes: Uint8Array }> = []
    const cid = new UnixfsCidBuilder({ onBlock: (c, bytes, info) => { if (info.kind === 'node') blocks.push({ cid: c, bytes: Uint8Array.from(bytes) }) } }).update(pattern(2 * MiB + 3)).digest()
    expect(cid.code).toBe(DAG_PB_CODE)
    expect(blocks).toHaveLength(1)
    const node = dagPb.decode(blocks[0].bytes)
    expect(node.Links).toHaveLength(3)
    expect(UnixFS.unmarshal(node.Data!).blockSizes).toEqual([BigInt(MiB), BigInt(MiB), 3n])
    expect(node.Links[2].Hash.equals(rawLeafCid(pattern(2 * MiB + 3).subarray(2 * MiB)))).toBe(true)
  })

  it('equals @helia/unixfs on random sizes and random slicing (fast-check)', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: 5 * MiB + 17 }), fc.integer({ min: 1, max: 2 * MiB }), fc.integer({ min: 0, max: 250 }), async (n, slice, seed) => {
      const data = pattern(n, seed)
      expect(ours(data, slice).cid).toBe((await reference(data)).cid)
    }), { numRuns: 12 })
  })

  it('noble and node:crypto SHA-256 give the same CID; streams and slices do too', async () => {
    const data = pattern(3 * MiB + 12345)
    const a = fileCid(data).toString()
    expect(fileCid(data, { sha256: nodeSha }).toString()).toBe(a)
    expect(fileCid(data, { sha256: nobleSha256 }).toString()).toBe(a)
    async function * pieces (): AsyncGenerator<Uint8Array> { for (let o = 0; o < data.length; o += 65_537) yield data.subarray(o, o + 65_537) }
    expect((await fileCidOfStream(pieces(), { sha256: nodeSha })).toString()).toBe(a)
    const small = pattern(5000)
    expect(ours(small, 1).cid).toBe(fileCid(small).toString())
  })

  it('folds levels exactly as the balanced layout does (small leaves and fan-out drive 2–4 levels)', async () => {
    const { importFile } = await import('ipfs-unixfs-importer')
    const { fixedSize } = await import('ipfs-unixfs-importer/chunker')
    const { balanced } = await import('ipfs-unixfs-importer/layout')
    for (const [leafSize, maxLinks] of [[7, 2], [5, 3], [16, 4]]) {
      // Every count of leaves around the powers of maxLinks, where levels begin.
      const counts = new Set<number>([1, 2])
      for (let p = maxLinks; p <= maxLinks ** 4; p *= maxLinks) for (const d of [-1, 0, 1]) counts.add(p + d)
      for (const leaves of counts) {
        for (const tail of [0, 1]) {
          const n = Math.max(0, (leaves - tail) * leafSize + tail * 3)
          const data = pattern(n, leaves)
          const bs = memoryBlockstore()
          const ref = await importFile({ content: data }, bs as any, { cidVersion: 1, rawLeaves: true, chunker: fixedSize({ chunkSize: leafSize }), layout: balanced({ maxChildrenPerNode: maxLinks }) })
          const blocks = new Map<string, Uint8Array>()
          const got = new UnixfsCidBuilder({ layout: { leafSize, maxLinks }, onBlock: (c, b) => blocks.set(c.toString(), Uint8Array.from(b)) }).update(data).digest()
          expect(got.toString(), `leafSize ${leafSize}, maxLinks ${maxLinks}, ${n} B`).toBe(ref.cid.toString())
          expect([...blocks.keys()].sort()).toEqual([...bs.blocks.keys()].sort())
        }
      }
    }
  })

  it('reports blocks children-first with leaf indices and levels', () => {
    const { infos } = ours(pattern(3 * MiB + 1))
    expect(infos.map((i) => `${i.kind}${i.level}:${i.index}:${i.fileSize}`)).toEqual([
      `leaf0:0:${MiB}`, `leaf0:1:${MiB}`, `leaf0:2:${MiB}`, 'leaf0:3:1', `node1:0:${3 * MiB + 1}`
    ])
  })

  it('rejects misuse with typed errors', () => {
    const b = new UnixfsCidBuilder()
    b.update(new Uint8Array(3))
    b.digest()
    expect(() => b.update(new Uint8Array(1))).toThrow(CidBuilderStateError)
    expect(() => b.digest()).toThrow(expect.objectContaining({ name: 'CidBuilderStateError', code: 'CID_BUILDER_STATE' }))
    expect(() => new UnixfsCidBuilder().update('abc' as any)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }))
    expect(() => new UnixfsCidBuilder({ layout: { leafSize: 0, maxLinks: 4 } })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }))
    expect(() => new UnixfsCidBuilder({ layout: { leafSize: 4, maxLinks: 1 } })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }))
  })
})
