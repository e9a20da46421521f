// fullnode/net's fan-out savings (issue 13): write coalescing on TCP and content-derived gossip ids.
import { once } from 'node:events'
import { createServer, connect, type Socket } from 'node:net'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { Message } from '@libp2p/gossipsub'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { describe, expect, test } from 'vitest'
import { coalesceWrites } from '../../../fullnode/net/coalesce.js'
import { readFrame, writeFrame } from '../../../fullnode/net/stream.js'
import { coalesceConnection } from '../../../fullnode/net/coalesce.js'
import { fullNodeGossipOptions, gossipMsgId, isContentTopic } from '../../../fullnode/net/gossip-params.js'

async function socketPair (): Promise<{ a: Socket, b: Socket, close: () => void }> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as { port: number }).port
  const accepted = once(server, 'connection')
  const a = connect(port, '127.0.0.1')
  await once(a, 'connect')
  const [b] = await accepted as [Socket]
  return { a, b, close: () => { a.destroy(); b.destroy(); server.close() } }
}

describe('coalesceConnection', () => {
  test('what one turn writes stays corked until setImmediate, then arrives whole and in order', async () => {
    const { a, b, close } = await socketPair()
    try {
      const writes: number[] = []
      const conn = coalesceConnection({
        socket: a,
        sendData (data: Uint8Array[]) { for (const buf of data) { writes.push(buf.length); a.write(buf) } return { sentBytes: 0, canSendMore: true } }
      })
      const received: Buffer[] = []
      b.on('data', (d: Buffer) => received.push(d))
      for (let i = 0; i < 5; i++) conn.sendData([Uint8Array.from([i, i, i])])
      expect(a.writableCorked).toBe(1)
      expect(a.writableLength).toBe(15) // buffered, not yet written
      await new Promise((resolve) => setImmediate(resolve))
      expect(a.writableCorked).toBe(0)
      while (Buffer.concat(received).length < 15) await new Promise((resolve) => setTimeout(resolve, 5))
      expect([...Buffer.concat(received)]).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4])
      expect(writes).toEqual([3, 3, 3, 3, 3])
      // a later turn corks again
      conn.sendData([Uint8Array.from([9])])
      expect(a.writableCorked).toBe(1)
      await new Promise((resolve) => setImmediate(resolve))
      expect(a.writableCorked).toBe(0)
    } finally { close() }
  })

  test('an inbound chunk is decoded without stack capture; the limit is restored after, even on a throw', () => {
    const seen: number[] = []
    const socket = { cork () {}, uncork () {}, destroyed: false }
    const conn = coalesceConnection({ socket, sendData () {}, onData (d: number) { seen.push(Error.stackTraceLimit); if (d < 0) throw new RangeError('short') } })
    const before = Error.stackTraceLimit
    conn.onData(1)
    expect(() => conn.onData(-1)).toThrow(RangeError)
    expect(seen).toEqual([0, 0])
    expect(Error.stackTraceLimit).toBe(before)
  })

  test('a connection without a TCP socket is returned untouched', () => {
    const sendData = (): void => {}
    const conn = { sendData }
    expect(coalesceConnection(conn)).toBe(conn)
    expect(conn.sendData).toBe(sendData)
  })
})

describe('coalesceWrites(noise()) between two libp2p nodes', () => {
  test('requests and 300 KB answers on many streams arrive intact, in both directions', async () => {
    const make = async (): Promise<any> => await createLibp2p({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [coalesceWrites(noise())],
      streamMuxers: [yamux()],
      connectionGater: { denyDialMultiaddr: () => false },
      services: { identify: identify() }
    })
    const [a, b] = [await make(), await make()]
    try {
      const answer = (n: number): Uint8Array => Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7 + n) & 0xff)
      for (const node of [a, b]) {
        await node.handle('/test/echo/1.0.0', async (stream: any) => {
          const req = await readFrame(stream, { maxBytes: 16 })
          await writeFrame(stream, answer(req[0]))
          await stream.close()
        })
      }
      const ask = async (from: any, to: any, n: number): Promise<void> => {
        const stream = await from.dialProtocol(to.getMultiaddrs()[0], '/test/echo/1.0.0')
        await writeFrame(stream, Uint8Array.from([n]))
        const res = await readFrame(stream, { maxBytes: 400_000, signal: AbortSignal.timeout(20_000) })
        expect(Buffer.from(res).equals(Buffer.from(answer(n)))).toBe(true)
      }
      await Promise.all(Array.from({ length: 8 }, async (_, n) => { await ask(a, b, n); await ask(b, a, n + 100) }))
    } finally { await a.stop(); await b.stop() }
  }, 60_000)
})

describe('gossip message ids', () => {
  const signed = async (topic: string, data: Uint8Array, seqno: bigint): Promise<Message> => {
    const key = await generateKeyPair('Ed25519')
    return { type: 'signed', from: peerIdFromPrivateKey(key), key: key.publicKey, topic, data, sequenceNumber: seqno, signature: new Uint8Array(64) }
  }
  const id = gossipMsgId(isContentTopic)
  const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

  test('headers and txs: the same bytes from two authors are one message; different bytes are not', async () => {
    for (const topic of ['glowmesh/c/headers', 'glowmesh/c/txs']) {
      const data = Uint8Array.from([1, 2, 3])
      expect(hex(id(await signed(topic, data, 1n)))).toBe(hex(id(await signed(topic, data, 7n))))
      expect(hex(id(await signed(topic, data, 1n)))).not.toBe(hex(id(await signed(topic, Uint8Array.from([1, 2, 4]), 1n))))
    }
    // the topic is part of the id
    const data = Uint8Array.from([5])
    expect(hex(id(await signed('glowmesh/c/headers', data, 1n)))).not.toBe(hex(id(await signed('glowmesh/c/txs', data, 1n))))
  })

  test('other topics keep author + seqno ids', async () => {
    const data = Uint8Array.from([1, 2, 3])
    const m = await signed('glowmesh/c/light-peers', data, 1n)
    expect(hex(id(m))).not.toBe(hex(id(await signed('glowmesh/c/light-peers', data, 1n))))
    expect(hex(id(m))).not.toBe(hex(id({ ...m, sequenceNumber: 2n } as Message)))
    expect(hex(id(m)).endsWith('0000000000000001')).toBe(true)
  })

  test('full-node options put every peer up to the cap in the mesh and encode publishes once', () => {
    const o = fullNodeGossipOptions(1500)
    expect([o.D, o.Dlo, o.Dhi]).toEqual([1500, 1500, 1500])
    expect(o.batchPublish).toBe(true)
    expect(o.ignoreDuplicatePublishError).toBe(true)
  })
})
