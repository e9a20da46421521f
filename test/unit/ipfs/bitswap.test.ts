// Bitswap on loopback between real Helia nodes: light nodes serve what they hold, corrupt blocks
// are rejected (and their sender scored down by the guard), oversized wantlists are refused while
// the node keeps serving.
import { afterAll, describe, expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { withBitswap } from '@helia/bitswap'
import { withLibp2pLight } from '@helia/libp2p'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { MemoryBlockstore } from 'blockstore-core'
import { createHeliaLight } from 'helia'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { varint } from 'multiformats'
import { guardBitswap } from '../../../fullnode/ipfs/index.js'
import { PeerScores } from '../../../fullnode/net/peer-score.js'
import { createNodeTransport } from '../../../client/node/transport.js'
import { createFileStore } from '../../../client/node/file-store.js'

const emptyRouter = { name: 'empty', async * findProviders () {} }
const started: Array<{ stop: () => Promise<unknown> }> = []
const dirs: string[] = []
afterAll(async () => { for (const s of started.reverse()) await s.stop().catch(() => {}); for (const d of dirs) await rm(d, { recursive: true, force: true }) })

/** A stock Helia (as any IPFS user would configure one): TCP, Noise, Yamux, identify, bitswap, no discovery. */
async function stockHelia (blockstore?: any, bitswap = true): Promise<any> {
  const base = withLibp2pLight(createHeliaLight({ blockstore, routers: [emptyRouter as any] }), {
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: [],
    connectionGater: { denyDialMultiaddr: () => false },
    services: { identify: identify() }
  } as any)
  const h: any = bitswap ? withBitswap(base as any) : base
  await h.start()
  started.push(h)
  return h
}

const block = async (bytes: Uint8Array): Promise<CID> => CID.createV1(raw.code, await sha256.digest(bytes))
const bytesOf = async (it: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Uint8Array> => { const parts: Uint8Array[] = []; for await (const p of it) parts.push(p); return new Uint8Array(Buffer.concat(parts)) }

/** A blockstore that claims every block and returns wrong bytes for it: the corrupt peer. */
function lyingBlockstore (): any {
  const bs = new MemoryBlockstore() as any
  bs.has = () => true
  bs.get = function * () { yield new TextEncoder().encode('these are not the bytes you are looking for') }
  return bs
}

function field (n: number, wire: number, body: Uint8Array | number): Uint8Array {
  const tag = varint.encodeTo((n << 3) | wire, new Uint8Array(varint.encodingLength((n << 3) | wire)))
  if (typeof body === 'number') return new Uint8Array([...tag, ...varint.encodeTo(body, new Uint8Array(varint.encodingLength(body)))])
  return new Uint8Array([...tag, ...varint.encodeTo(body.length, new Uint8Array(varint.encodingLength(body.length))), ...body])
}
/** A raw bitswap 1.2.0 message asking for `cids` (hand-encoded protobuf, length-prefixed). */
function wantMessage (cids: CID[]): Uint8Array {
  const entries = cids.map((c) => field(1, 2, new Uint8Array([...field(1, 2, c.bytes), ...field(2, 0, 1)])))
  const wantlist = new Uint8Array(Buffer.concat(entries))
  const msg = field(1, 2, wantlist)
  return new Uint8Array([...varint.encodeTo(msg.length, new Uint8Array(varint.encodingLength(msg.length))), ...msg])
}

describe('bitswap', () => {
  it('a light node serves what it holds: its Helia keeps blocks in its LightStore and a second Helia fetches them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'glowmesh-light-blocks-'))
    dirs.push(dir)
    const store = await createFileStore({ dir })
    const transport = await createNodeTransport({ key: { privateKey: randomBytes(32) }, chainId: 'test', peers: [], listen: ['/ip4/127.0.0.1/tcp/0'], blocks: store })
    started.push({ stop: async () => { await transport.close() } })
    const data = randomBytes(300_000)
    const cid = await block(data)
    await transport.blockstore.put(cid, data)
    expect(await store.keys('ipfs/')).toHaveLength(1) // kept in the light node's own store
    const peer = await stockHelia()
    await peer.libp2p.dial(transport.libp2p.getMultiaddrs()[0])
    const got = await bytesOf(peer.blockstore.get(cid, { signal: AbortSignal.timeout(20_000) }))
    expect(Buffer.compare(got, data)).toBe(0)
    // the light store verifies what it is given
    await expect(transport.blockstore.put(await block(new Uint8Array([1])), new Uint8Array([2]))).rejects.toMatchObject({ code: 'IPFS_CORRUPT_BLOCK' })
  })

  it('a corrupt block from a peer is rejected by a stock Helia, and the guard drops and scores the peer', async () => {
    const evil = await stockHelia(lyingBlockstore())
    const cid = await block(randomBytes(5000))
    // (1) stock Helia: the wrong bytes never come out of get(); the want just fails
    const victim = await stockHelia()
    await victim.libp2p.dial(evil.libp2p.getMultiaddrs()[0])
    await expect(bytesOf(victim.blockstore.get(cid, { signal: AbortSignal.timeout(3000) }))).rejects.toThrow()
    expect(await victim.blockstore.has(cid)).toBe(false)
    // (2) a guarded node: the block is dropped, the sender penalised, banned (threshold set low) and hung up on
    const scores = new PeerScores({ banThreshold: -40 })
    const node = await stockHelia()
    const guard = await guardBitswap(node, { scores })
    await node.libp2p.dial(evil.libp2p.getMultiaddrs()[0])
    await expect(bytesOf(node.blockstore.get(cid, { signal: AbortSignal.timeout(3000) }))).rejects.toThrow()
    expect(guard.stats.badBlocks).toBeGreaterThan(0)
    expect(scores.score(evil.libp2p.peerId.toString())).toBeLessThan(0)
    expect(scores.isBanned(evil.libp2p.peerId.toString())).toBe(true)
    for (let i = 0; i < 50 && node.libp2p.getConnections(evil.libp2p.peerId).length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 100))
    expect(node.libp2p.getConnections(evil.libp2p.peerId)).toHaveLength(0)
  })

  it('an oversized wantlist is refused (peer scored, hung up on) while the node keeps serving others', async () => {
    const held = new MemoryBlockstore()
    const data = randomBytes(200_000)
    const cid = await block(data)
    await held.put(cid, data)
    const scores = new PeerScores()
    const node = await stockHelia(held)
    const guard = await guardBitswap(node, { scores })
    const attacker = await stockHelia(undefined, false)
    const stream = await attacker.libp2p.dialProtocol(node.libp2p.getMultiaddrs()[0], '/ipfs/bitswap/1.2.0')
    const many = await Promise.all(Array.from({ length: 2000 }, async (_, i) => await block(new Uint8Array([i & 255, i >> 8]))))
    stream.send(wantMessage(many))
    await stream.close().catch(() => {})
    for (let i = 0; i < 50 && guard.stats.refusedOversized === 0; i++) await new Promise((resolve) => setTimeout(resolve, 100))
    expect(guard.stats.refusedOversized).toBe(1)
    expect(scores.score(attacker.libp2p.peerId.toString())).toBeLessThan(0)
    for (let i = 0; i < 50 && node.libp2p.getConnections(attacker.libp2p.peerId).length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 100))
    expect(node.libp2p.getConnections(attacker.libp2p.peerId)).toHaveLength(0)
    expect(node.getPeerWantlist?.(attacker.libp2p.peerId)).toBeUndefined()
    // an honest peer is still served
    const honest = await stockHelia()
    await honest.libp2p.dial(node.libp2p.getMultiaddrs()[0])
    expect(Buffer.compare(await bytesOf(honest.blockstore.get(cid, { signal: AbortSignal.timeout(20_000) })), data)).toBe(0)
  })
})
