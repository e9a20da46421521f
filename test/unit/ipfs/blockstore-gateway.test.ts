// The flow-log blockstore and the trustless gateway over a real FlowStore on disk (no chain).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { unixfs } from '@helia/unixfs'
import { CarReader } from '@ipld/car'
import { MemoryBlockstore } from 'blockstore-core'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import * as raw from 'multiformats/codecs/raw'
import { FlowBlockstore, indexFileDag, startGateway, type Gateway } from '../../../fullnode/ipfs/index.js'
import { freshStore, testFile, upload, type TestFile } from '../store/fixtures.js'
import type { FlowStore } from '../../../fullnode/store/index.js'
import { toHex } from '../../../protocol/bytes.js'

const MiB = 1 << 20
const fromAsync = async <T>(it: AsyncIterable<T> | Iterable<T>): Promise<T[]> => { const out: T[] = []; for await (const x of it) out.push(x); return out }
const helia = async (bytes: Uint8Array): Promise<CID> => await unixfs({ blockstore: new MemoryBlockstore() } as any).addBytes(bytes) as any

describe('FlowBlockstore + trustless gateway', () => {
  let store: FlowStore
  let close: () => Promise<void>
  let dir: string
  let blocks: FlowBlockstore
  let gw: Gateway
  let now = 0
  const big = testFile(3 * MiB + 12345, 7)
  const small = testFile(100_000, 9)
  let bigCid: CID
  let smallCid: CID
  let flowStart = 0
  const add = async (f: TestFile, cid = ''): Promise<number> => {
    const at = flowStart
    await store.allocate({ root: f.root, cid, size: f.layout.size, flowStart: at, height: 1, expiresAtEpoch: 100 })
    flowStart += f.layout.paddedChunks
    await upload(store, f)
    return at
  }

  beforeAll(async () => {
    ({ store, close, dir } = await freshStore())
    blocks = await FlowBlockstore.open({ store, dir: join(dir, 'ipfs') })
    bigCid = await helia(big.data)
    smallCid = await helia(small.data)
    await add(big, toHex(bigCid.bytes)) // as the ledger's event carries it: 0x-hex of the CID bytes
    await add(small)
    gw = await startGateway({ blocks, port: 0, now: () => now, limits: { perIp: { burst: 40, perSecond: 1 } } })
  })
  afterAll(async () => { await gw?.close(); await blocks?.close(); await close?.() })

  it('indexFileDag gives @helia/unixfs CIDs and is idempotent', async () => {
    const a = await indexFileDag(blocks, big.root)
    expect(a).toMatchObject({ cid: bigCid.toString(), size: big.layout.size, leaves: 4, nodes: 1 })
    expect(await indexFileDag(blocks, big.root)).toEqual(a)
    expect((await indexFileDag(blocks, small.root)).cid).toBe(smallCid.toString())
  })

  it('serves every block of the DAG, re-hashed; leaves come from the flow log', async () => {
    const ref = new MemoryBlockstore()
    await unixfs({ blockstore: ref } as any).addBytes(big.data)
    let n = 0
    for await (const { cid } of ref.getAll()) {
      expect(await blocks.has(cid)).toBe(true)
      const got = await blocks.getBlock(cid)
      const want = new Uint8Array(Buffer.concat(await fromAsync(ref.get(cid))))
      expect(Buffer.compare(got, want)).toBe(0)
      n++
    }
    expect(n).toBe(5)
    const all = await fromAsync(blocks.getAll())
    expect(all.length).toBe(6) // 4 leaves + 1 node + the small file's single leaf
    const unknown = CID.createV1(raw.code, await sha256.digest(new Uint8Array([1, 2, 3])))
    expect(await blocks.has(unknown)).toBe(false)
    await expect(blocks.getBlock(unknown)).rejects.toMatchObject({ name: 'NotFoundError', code: 'IPFS_BLOCK_NOT_FOUND' })
    await expect(blocks.put(unknown, new Uint8Array([1, 2, 3]))).rejects.toMatchObject({ code: 'IPFS_READ_ONLY' })
    await expect(blocks.put(unknown, new Uint8Array([9]))).rejects.toMatchObject({ code: 'IPFS_CORRUPT_BLOCK' })
  })

  it('raw: the block with the trustless-gateway headers; HEAD; ETag revalidation', async () => {
    const r = await fetch(`${gw.url}/ipfs/${smallCid.toString()}`, { headers: { accept: 'application/vnd.ipld.raw' } })
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('application/vnd.ipld.raw')
    expect(r.headers.get('etag')).toBe(`"${smallCid.toString()}.raw"`)
    expect(r.headers.get('cache-control')).toBe('public, max-age=29030400, immutable')
    expect(r.headers.get('x-ipfs-path')).toBe(`/ipfs/${smallCid.toString()}`)
    expect(r.headers.get('access-control-allow-origin')).toBe('*')
    expect(Number(r.headers.get('content-length'))).toBe(small.data.length)
    expect(Buffer.compare(new Uint8Array(await r.arrayBuffer()), small.data)).toBe(0)
    const h = await fetch(`${gw.url}/ipfs/${bigCid.toString()}?format=raw`, { method: 'HEAD' })
    expect(h.status).toBe(200)
    expect(Number(h.headers.get('content-length'))).toBeGreaterThan(0)
    const again = await fetch(`${gw.url}/ipfs/${smallCid.toString()}?format=raw`, { headers: { 'if-none-match': `"${smallCid.toString()}.raw"` } })
    expect(again.status).toBe(304)
  })

  it('car: a CAR v1 of the whole DAG (dfs, no dups) whose blocks verify; dag-scope=block', async () => {
    const r = await fetch(`${gw.url}/ipfs/${bigCid.toString()}`, { headers: { accept: 'application/vnd.ipld.car' } })
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toMatch(/^application\/vnd\.ipld\.car; version=1/)
    expect(r.headers.get('etag')).toBe(`"${bigCid.toString()}.car"`)
    const body = new Uint8Array(await r.arrayBuffer())
    expect(Number(r.headers.get('content-length'))).toBe(body.length)
    const car = await CarReader.fromBytes(body)
    expect((await car.getRoots()).map(String)).toEqual([bigCid.toString()])
    const got = new MemoryBlockstore()
    const order: string[] = []
    for await (const b of car.blocks()) { expect(Buffer.compare((await sha256.digest(b.bytes)).digest, b.cid.multihash.digest)).toBe(0); await got.put(b.cid as any, b.bytes); order.push(b.cid.toString()) }
    expect(order[0]).toBe(bigCid.toString())
    expect(order.length).toBe(5)
    const bytes = Buffer.concat(await fromAsync(unixfs({ blockstore: got } as any).cat(bigCid as any)))
    expect(Buffer.compare(bytes, big.data)).toBe(0)
    const one = await fetch(`${gw.url}/ipfs/${bigCid.toString()}?format=car&dag-scope=block`)
    const oneCar = await CarReader.fromBytes(new Uint8Array(await one.arrayBuffer()))
    expect((await fromAsync(oneCar.blocks())).length).toBe(1)
  })

  it('plain browsers get the file bytes, with ranges', async () => {
    const r = await fetch(`${gw.url}/ipfs/${bigCid.toString()}`)
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('application/octet-stream')
    expect(Buffer.compare(new Uint8Array(await r.arrayBuffer()), big.data)).toBe(0)
    const p = await fetch(`${gw.url}/ipfs/${bigCid.toString()}`, { headers: { range: `bytes=${MiB - 5}-${MiB + 4}` } })
    expect(p.status).toBe(206)
    expect(p.headers.get('content-range')).toBe(`bytes ${MiB - 5}-${MiB + 4}/${big.data.length}`)
    expect(Buffer.compare(new Uint8Array(await p.arrayBuffer()), big.data.subarray(MiB - 5, MiB + 5))).toBe(0)
    const tail = await fetch(`${gw.url}/ipfs/${bigCid.toString()}`, { headers: { range: 'bytes=-10' } })
    expect(Buffer.compare(new Uint8Array(await tail.arrayBuffer()), big.data.subarray(big.data.length - 10))).toBe(0)
    const bad = await fetch(`${gw.url}/ipfs/${bigCid.toString()}`, { headers: { range: `bytes=${big.data.length}-` } })
    expect(bad.status).toBe(416)
    expect(bad.headers.get('content-range')).toBe(`bytes */${big.data.length}`)
    // one Range parser for both gateways (protocol/http): several ranges are refused like on the edge
    const several = await fetch(`${gw.url}/ipfs/${bigCid.toString()}`, { headers: { range: 'bytes=0-1,5-9' } })
    expect(several.status).toBe(416)
    expect(((await several.json()) as { error: { code: string } }).error.code).toBe('BAD_RANGE')
    // a leaf CID is a file of its own
    const leaf = CID.createV1(raw.code, await sha256.digest(big.data.subarray(MiB, 2 * MiB)))
    const lr = await fetch(`${gw.url}/ipfs/${leaf.toString()}`)
    expect(Buffer.compare(new Uint8Array(await lr.arrayBuffer()), big.data.subarray(MiB, 2 * MiB))).toBe(0)
  })

  it('clear errors: 400 malformed CID, 404 unknown, 406 unsupported, 405, 414', async () => {
    const json = async (r: Response): Promise<any> => await r.json()
    const bad = await fetch(`${gw.url}/ipfs/not-a-cid`)
    expect(bad.status).toBe(400)
    expect((await json(bad)).error.code).toBe('IPFS_INVALID_CID')
    const unknown = CID.createV1(raw.code, await sha256.digest(new Uint8Array([4, 5, 6])))
    const nf = await fetch(`${gw.url}/ipfs/${unknown.toString()}?format=raw`)
    expect(nf.status).toBe(404)
    expect((await json(nf)).error.code).toBe('IPFS_BLOCK_NOT_FOUND')
    const na = await fetch(`${gw.url}/ipfs/${bigCid.toString()}`, { headers: { accept: 'application/vnd.ipld.dag-json' } })
    expect(na.status).toBe(406)
    expect((await fetch(`${gw.url}/ipfs/${bigCid.toString()}?format=tar`)).status).toBe(406)
    expect((await fetch(`${gw.url}/ipfs/${bigCid.toString()}`, { headers: { accept: 'application/vnd.ipld.car; version=2' } })).status).toBe(406)
    expect((await fetch(`${gw.url}/ipfs/${bigCid.toString()}?format=car&dag-scope=nope`)).status).toBe(400)
    expect((await fetch(`${gw.url}/ipfs/${bigCid.toString()}`, { method: 'POST', body: 'x' })).status).toBe(405)
    expect((await fetch(`${gw.url}/ipfs/${'b'.repeat(3000)}`)).status).toBe(414)
    expect((await fetch(`${gw.url}/nothing`)).status).toBe(404)
    const opt = await fetch(`${gw.url}/ipfs/${bigCid.toString()}`, { method: 'OPTIONS' })
    expect(opt.status).toBe(204)
    expect(opt.headers.get('access-control-allow-origin')).toBe('*')
  })

  it('parallel requests beyond the per-IP concurrency wait their turn instead of failing (verified-fetch fetches blocks in parallel)', async () => {
    now += 60_000
    const rs = await Promise.all(Array.from({ length: 36 }, async () => await fetch(`${gw.url}/ipfs/${bigCid.toString()}?format=raw`)))
    expect(rs.map((r) => r.status)).toEqual(rs.map(() => 200))
    await Promise.all(rs.map(async (r) => await r.arrayBuffer()))
    now += 60_000
  })

  it('per-IP rate limit: 429 past the bucket, served again once it refills', async () => {
    let limited = 0
    for (let i = 0; i < 50; i++) if ((await fetch(`${gw.url}/ipfs/${smallCid.toString()}?format=raw`, { method: 'HEAD' })).status === 429) limited++
    expect(limited).toBeGreaterThan(0)
    now += 60_000 // the injected clock refills the bucket
    expect((await fetch(`${gw.url}/ipfs/${smallCid.toString()}?format=raw`, { method: 'HEAD' })).status).toBe(200)
  })

  it('a file whose bytes do not give its recorded CID is not indexed (CidMismatchError)', async () => {
    const f = testFile(2 * MiB + 1, 21)
    await add(f, (await helia(new Uint8Array([1]))).toString())
    await expect(indexFileDag(blocks, f.root)).rejects.toMatchObject({ name: 'CidMismatchError', code: 'IPFS_CID_MISMATCH' })
    expect(await blocks.indexed(f.root)).toBeUndefined()
    const pending = testFile(MiB, 22)
    await store.allocate({ root: pending.root, size: pending.layout.size, flowStart, height: 2, expiresAtEpoch: 100 })
    flowStart += pending.layout.paddedChunks
    await expect(indexFileDag(blocks, pending.root)).rejects.toMatchObject({ code: 'IPFS_FILE_NOT_READY' })
  })

  it('never serves a leaf whose flow bytes were corrupted on disk', async () => {
    const leaf = CID.createV1(raw.code, await sha256.digest(small.data.subarray(0, MiB)))
    expect(await blocks.has(leaf)).toBe(true)
    // the small file sits after the big one in the flow: flip a byte in the part file
    const info = await store.getFile(small.root)
    const fh = await open(join(dir, 'flow', 'flow-000000.dat'), 'r+')
    await fh.write(new Uint8Array([small.data[10] ^ 0xff]), 0, 1, info.flowStart * 256 + 10)
    await fh.close()
    await expect(blocks.getBlock(leaf)).rejects.toMatchObject({ name: 'NotFoundError' })
    const r = await fetch(`${gw.url}/ipfs/${smallCid.toString()}?format=raw`)
    expect(r.status).toBe(404)
    now += 60_000
  })
})
