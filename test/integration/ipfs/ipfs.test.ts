// Every stored file is an IPFS object (issue 9): on a real 4-node devnet, a file stored with
// `glowmesh put` is fetched by stock clients configured here with nothing from glowmesh but the
// node's multiaddr / gateway URL — Helia over bitswap, @helia/verified-fetch through the trustless
// gateway — and bad requests get clear refusals while the nodes keep serving.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { withBitswap } from '@helia/bitswap'
import { withHTTP } from '@helia/http'
import { withLibp2pLight } from '@helia/libp2p'
import { unixfs } from '@helia/unixfs'
import { createVerifiedFetch } from '@helia/verified-fetch'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { MemoryBlockstore } from 'blockstore-core'
import { createHeliaLight } from 'helia'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { varint } from 'multiformats'
import { startTestDevnet, type TestDevnet } from '../../helpers/devnet.js'
import { runCli } from '../../helpers/cli.js'

let devnet: TestDevnet
const started: Array<{ stop: () => Promise<unknown> }> = []
const MiB = 1 << 20
const data = randomBytes(5 * MiB + 4321)
let cid: CID
let root: string

const cli = async (...args: string[]) => await runCli(...args, '--home', devnet.home)
const emptyRouter = { name: 'empty', async * findProviders () {} }
const concat = async (it: AsyncIterable<Uint8Array>): Promise<Uint8Array> => { const parts: Uint8Array[] = []; for await (const p of it) parts.push(p); return new Uint8Array(Buffer.concat(parts)) }
const sleep = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms))

/** A stock Helia: TCP, Noise, Yamux, identify, bitswap; no discovery, no public routers. */
async function stockHelia (withSwap = true): Promise<any> {
  const base = withLibp2pLight(createHeliaLight({ routers: [emptyRouter as any] }), {
    addresses: { listen: [] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: [],
    connectionGater: { denyDialMultiaddr: () => false },
    services: { identify: identify() }
  } as any)
  const h: any = withSwap ? withBitswap(base as any) : base
  await h.start()
  started.push(h)
  return h
}

async function gatewayOf (node: number): Promise<string> {
  const st = await devnet.rpc(node).status()
  expect(st.gateway).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  return st.gateway!
}

/** The node's TCP multiaddr, from /status. */
async function tcpAddr (node: number): Promise<string> {
  return (await devnet.rpc(node).status()).multiaddrs.find((a) => /\/tcp\/\d+\/p2p\//.test(a) && !a.includes('/ws'))!
}

async function waitServed (node: number): Promise<void> {
  const gw = await gatewayOf(node)
  for (let i = 0; i < 600; i++) {
    if ((await fetch(`${gw}/ipfs/${cid.toString()}?format=raw`, { method: 'HEAD' })).status === 200) return
    await sleep(200)
  }
  throw new Error(`node${node} never served ${cid.toString()}`)
}

beforeAll(async () => {
  devnet = await startTestDevnet({ blockTimeMs: 200 })
  expect((await cli('keys', 'new')).code).toBe(0)
  expect((await cli('faucet', '--json')).code).toBe(0)
  const path = join(devnet.home, 'ipfs-payload.bin')
  writeFileSync(path, data)
  cid = await unixfs({ blockstore: new MemoryBlockstore() } as any).addBytes(data) as any
  const put = await cli('put', path, '--json')
  expect(put.code).toBe(0)
  const out = JSON.parse(put.stdout)
  root = out.root
  if (out.cid !== '' && out.cid !== undefined) expect(out.cid).toBe(cid.toString()) // once put records CIDs
  await waitServed(0)
}, 300_000)
afterAll(async () => {
  for (const s of started.reverse()) await s.stop().catch(() => {})
  await devnet?.cleanup()
}, 60_000)

describe('IPFS on a devnet', () => {
  it('status --json reports the gateway URL', async () => {
    const st = JSON.parse((await cli('status', '--json')).stdout)
    expect(st.gateway).toBe(await gatewayOf(0))
    const r = await fetch(`${st.gateway as string}/ipfs/${cid.toString()}`, { method: 'HEAD' })
    expect(r.headers.get('x-glowmesh-root')).toBe(root)
  })

  it('a stock Helia fetches the file over bitswap with @helia/unixfs cat, byte-identical (from the uploader and a replica)', async () => {
    for (const node of [0, 3]) {
      await waitServed(node)
      const helia = await stockHelia()
      await helia.libp2p.dial(multiaddr(await tcpAddr(node)))
      const got = await concat(unixfs(helia).cat(cid as any, { signal: AbortSignal.timeout(60_000) }))
      expect(got.length).toBe(data.length)
      expect(Buffer.compare(got, data), `node${node}`).toBe(0)
    }
  })

  it('@helia/verified-fetch, pointed only at our gateway, fetches and verifies it', async () => {
    const gw = await gatewayOf(1)
    await waitServed(1)
    const helia = withHTTP(createHeliaLight({ routers: [emptyRouter as any] }) as any, { delegatedRouters: [], recursiveGateways: [gw], allowLocal: true, allowInsecure: true })
    await helia.start()
    started.push(helia)
    const vfetch = await createVerifiedFetch(helia as any)
    started.push({ stop: async () => { await vfetch.stop() } })
    const res = await vfetch(`ipfs://${cid.toString()}`, { signal: AbortSignal.timeout(60_000) })
    expect(res.status).toBe(200)
    const got = new Uint8Array(await res.arrayBuffer())
    expect(Buffer.compare(got, data)).toBe(0)
    // and the CAR path of the same client
    const car = await vfetch(`ipfs://${cid.toString()}`, { headers: { accept: 'application/vnd.ipld.car' }, signal: AbortSignal.timeout(60_000) })
    expect(car.status).toBe(200)
    expect((await car.arrayBuffer()).byteLength).toBeGreaterThan(data.length)
  })

  it('malformed CID → 400, unknown CID → 404 (gateway) and no block (bitswap), unsupported format → 406', async () => {
    const gw = await gatewayOf(0)
    const bad = await fetch(`${gw}/ipfs/bafy-not-a-cid`)
    expect(bad.status).toBe(400)
    expect((await bad.json()).error.code).toBe('IPFS_INVALID_CID')
    const unknown = CID.createV1(raw.code, await sha256.digest(randomBytes(64)))
    expect((await fetch(`${gw}/ipfs/${unknown.toString()}?format=raw`)).status).toBe(404)
    expect((await fetch(`${gw}/ipfs/${cid.toString()}`, { headers: { accept: 'application/x-tar' } })).status).toBe(406)
    const helia = await stockHelia()
    await helia.libp2p.dial(multiaddr(await tcpAddr(0)))
    await expect(concat(helia.blockstore.get(unknown, { signal: AbortSignal.timeout(3000) }))).rejects.toThrow()
  })

  it('an oversized wantlist gets the sender hung up on, and the node keeps serving everyone else', async () => {
    const attacker = await stockHelia(false)
    const addr = multiaddr(await tcpAddr(0))
    const stream = await attacker.libp2p.dialProtocol(addr, '/ipfs/bitswap/1.2.0')
    const wants = await Promise.all(Array.from({ length: 3000 }, async (_, i) => CID.createV1(raw.code, await sha256.digest(new Uint8Array([i & 255, i >> 8, 7])))))
    const entry = (c: CID): number[] => { const e = [0x0a, c.bytes.length, ...c.bytes, 0x10, 1]; return [0x0a, e.length, ...e] }
    const wantlist = wants.flatMap(entry)
    const msg = [0x0a, ...varint.encodeTo(wantlist.length, new Uint8Array(varint.encodingLength(wantlist.length))), ...wantlist]
    stream.send(new Uint8Array([...varint.encodeTo(msg.length, new Uint8Array(varint.encodingLength(msg.length))), ...msg]))
    await stream.close().catch(() => {})
    const peer = attacker.libp2p.getConnections()[0]?.remotePeer
    for (let i = 0; i < 100 && attacker.libp2p.getConnections().length > 0; i++) await sleep(100)
    expect(attacker.libp2p.getConnections(peer)).toHaveLength(0)
    // everyone else is still served
    const helia = await stockHelia()
    await helia.libp2p.dial(addr)
    const got = await concat(unixfs(helia).cat(cid as any, { signal: AbortSignal.timeout(60_000) }))
    expect(Buffer.compare(got, data)).toBe(0)
    expect((await devnet.rpc(0).status()).height).toBeGreaterThan(0)
  })
})
