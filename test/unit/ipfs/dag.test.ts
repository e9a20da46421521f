import { describe, expect, it } from 'vitest'
import { unixfs } from '@helia/unixfs'
import { MemoryBlockstore } from 'blockstore-core'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import { FileDagBuilder, LEAF_SIZE } from '../../../fullnode/ipfs/dag.js'

const pattern = (n: number, seed = 0): Uint8Array => { const b = new Uint8Array(n); for (let i = 0; i < n; i++) b[i] = (i * 7 + seed + (i >> 11)) % 251; return b }

async function ours (bytes: Uint8Array): Promise<{ root: string, interior: number }> {
  const b = new FileDagBuilder()
  let interior = 0
  for (let o = 0; o < bytes.length; o += LEAF_SIZE) interior += (await b.add(bytes.subarray(o, o + LEAF_SIZE))).filter((x) => !x.leaf).length
  const done = await b.finish()
  return { root: done.root.toString(), interior: interior + done.blocks.length }
}

async function helias (bytes: Uint8Array): Promise<string> {
  const fs = unixfs({ blockstore: new MemoryBlockstore() } as any)
  return (await fs.addBytes(bytes)).toString()
}

describe('FileDagBuilder equals @helia/unixfs addBytes defaults', () => {
  it('DESIGN §2b vector: 1,000,000 bytes of i % 251', async () => {
    const b = new Uint8Array(1_000_000).map((_, i) => i % 251)
    expect((await ours(b)).root).toBe('bafkreibmamgut3atdp53wrdk2iphulyszw2pf5ht7wr2y4e52ltiursgy4')
  })
  for (const n of [1, 1000, LEAF_SIZE - 1, LEAF_SIZE, LEAF_SIZE + 1, 3 * LEAF_SIZE + 12345, 8 * LEAF_SIZE]) {
    it(`${n} bytes`, async () => {
      const b = pattern(n, n)
      expect((await ours(b)).root).toBe(await helias(b))
    })
  }
  it('random sizes', async () => {
    for (let i = 0; i < 4; i++) {
      const n = 1 + Math.floor(Math.random() * 5 * LEAF_SIZE)
      const b = pattern(n, i)
      expect((await ours(b)).root, `size ${n}`).toBe(await helias(b))
    }
  })
  it('deep trees (the > 1 GiB shape, scaled down: 16-byte leaves, 4 links per node)', async () => {
    for (const n of [16 * 4, 16 * 4 + 1, 16 * 16, 16 * 16 + 5, 16 * 64 + 17, 16 * 300 + 3]) {
      const bytes = pattern(n, n)
      const b = new FileDagBuilder({ leafSize: 16, maxLinks: 4 })
      for (let o = 0; o < n; o += 16) await b.add(bytes.subarray(o, o + 16))
      const fs = unixfs({ blockstore: new MemoryBlockstore() } as any)
      const ref = await fs.addBytes(bytes, { chunker: fixedSize({ chunkSize: 16 }), layout: balanced({ maxChildrenPerNode: 4 }) } as any)
      expect((await b.finish()).root.toString(), `size ${n}`).toBe(ref.toString())
    }
  })
  it('rejects empty input, oversize and short-then-long leaves with typed errors', async () => {
    await expect(new FileDagBuilder().finish()).rejects.toMatchObject({ code: 'INVALID_INPUT' })
    await expect(new FileDagBuilder().add(new Uint8Array(LEAF_SIZE + 1))).rejects.toMatchObject({ code: 'INVALID_INPUT' })
    const b = new FileDagBuilder()
    await b.add(new Uint8Array(10))
    await expect(b.add(new Uint8Array(10))).rejects.toMatchObject({ code: 'INVALID_INPUT' })
  })
})
