// The full node's WebSocket endpoint (fullnode/net/ws) with the WebSocket transport (client/ws)
// on loopback, no devnet: requests served by the libp2p handlers, header pushes, challenges routed
// to the socket whose hello proved the node id, rate limits, and hostile frames closing only the
// sender's socket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { connect } from 'node:net'
import { ed25519 } from '@noble/curves/ed25519.js'
import { attachEdgeWebSocket, type EdgeWsEndpoint } from '../../../fullnode/net/ws/endpoint.js'
import { acceptKey } from '../../../fullnode/net/ws/socket.js'
import { NotFoundError } from '../../../fullnode/net/errors.js'
import { createWebSocketTransport, signHelloUrl, verifyHello, type WebSocketTransport } from '../../../client/ws/index.js'
import { CHALLENGE_PROTOCOL, ChallengeStatus, PORA_STATE_PROTOCOL, packEnvelope } from '../../../protocol/wire/index.js'
import { DEFAULT_HANDLERS } from '../../../fullnode/net/handlers/index.js'
import { poraStateHandler } from '../../../fullnode/net/ws/pora-state.js'

const chainId = 'glowmesh-test'
let server: Server
let endpoint: EdgeWsEndpoint
let url: string
const secretKey = new Uint8Array(32).fill(9)
const nodeId = ed25519.getPublicKey(secretKey)
let transport: WebSocketTransport
let stateHeight = 0

beforeAll(async () => {
  server = createServer((_req, res) => { res.writeHead(404).end() })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/glowmesh/ws`
  endpoint = attachEdgeWebSocket({
    server,
    chainId,
    services: {
      lightBlock: async (h) => { throw new NotFoundError(`no block ${String(h)}`) },
      segment: async () => { throw new NotFoundError('no such file') },
      submitTx: async () => { throw new Error('engine down') }
    },
    handlers: [...DEFAULT_HANDLERS, poraStateHandler({
      height: () => stateHeight,
      query: async (path) => ({ value: path === 'epoch' ? new Uint8Array([1, 2, 3]) : new Uint8Array(), proof: new Uint8Array([9, 9]) })
    })],
    limits: { rateLimits: { '/glowmesh/segment/1.0.0': { burst: 3, perSecond: 0.001 } } }
  })
  transport = createWebSocketTransport({ urls: [url], chainId, secretKey })
  await transport.waitForPeers(1, { signal: AbortSignal.timeout(5000) })
})

afterAll(async () => {
  await transport?.close()
  endpoint?.close()
  await new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) })
})

describe('fullnode/net/ws + client/ws', () => {
  it('the hello proves the node id; a forged one is refused', () => {
    const good = new URL(signHelloUrl(url, chainId, secretKey))
    expect(verifyHello(good.searchParams, chainId)).toEqual(nodeId)
    expect(verifyHello(good.searchParams, 'other-chain')).toBeInstanceOf(Error)
    expect(verifyHello(new URLSearchParams(), chainId)).toBeUndefined()
    const stale = new URL(signHelloUrl(url, chainId, secretKey, Date.now() - 3_600_000))
    expect(verifyHello(stale.searchParams, chainId)).toBeInstanceOf(Error)
  })

  it('requests are answered by the protocol handlers (statuses become typed errors)', async () => {
    await expect(transport.lightBlock(url, 5n)).rejects.toBeInstanceOf(NotFoundError)
    await expect(transport.segment(url, new Uint8Array(32), 0)).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  it('/glowmesh/pora-state/1.0.0 answers proven state entries over the envelope; refusals and bad paths are typed errors', async () => {
    await expect(transport.provenState(url, ['epoch'])).rejects.toMatchObject({ code: 'REMOTE_ERROR', status: 'PORA_STATE' })
    stateHeight = 41
    const r = await transport.provenState(url, ['epoch', 'node/0x' + 'ab'.repeat(32)])
    expect(r.height).toBe(41)
    expect(r.entries.map((e) => [e.path, [...e.value], [...e.proof]])).toEqual([['epoch', [1, 2, 3], [9, 9]], ['node/0x' + 'ab'.repeat(32), [], [9, 9]]])
    // an unknown path can't even be sent (the envelope validates requests on both sides)
    expect(() => packEnvelope({ kind: 'request', requestId: 1n, protocol: PORA_STATE_PROTOCOL, message: { paths: ['secrets'] } })).toThrow(/unknown state path/)
    await expect(transport.provenState(url, [])).rejects.toThrow(/PoraStateRequest.paths/)
  })

  it('per-socket token buckets refuse a flood with RATE_LIMITED', async () => {
    const results = await Promise.allSettled(Array.from({ length: 6 }, async () => await transport.segment(url, new Uint8Array(32), 1)))
    const codes = results.map((r) => (r as PromiseRejectedResult).reason.code)
    expect(codes.filter((c) => c === 'RATE_LIMITED').length).toBeGreaterThanOrEqual(3)
  })

  it('challenges reach the socket that proved the node id, and its answer comes back', async () => {
    expect(endpoint.hasNode(nodeId)).toBe(true)
    transport.handleChallenges?.(async (c) => ({ status: ChallengeStatus.NOT_HELD, message: 'not sealed yet', challengeId: c.id, nodeId: c.nodeId, chunks: [] }))
    const challenge = { id: new Uint8Array(32).fill(1), height: 3n, blockHash: new Uint8Array(32).fill(2), nodeId, positions: [5n], deadlineMs: 500, challenger: new Uint8Array(32).fill(3), signature: new Uint8Array(64).fill(4) }
    const answer = await endpoint.request(nodeId, CHALLENGE_PROTOCOL, challenge, { timeoutMs: 5000 })
    expect(answer.status).toBe(ChallengeStatus.NOT_HELD)
    expect(answer.challengeId).toEqual(challenge.id)
    await expect(endpoint.request(new Uint8Array(32), CHALLENGE_PROTOCOL, challenge, { timeoutMs: 1000 })).rejects.toMatchObject({ code: 'REMOTE_ERROR' })
  })

  it('hostile frames close only their own socket', async () => {
    const port = (server.address() as AddressInfo).port
    // an unmasked client frame is a protocol error (1002)
    const sock = connect(port, '127.0.0.1')
    const key = 'dGhlIHNhbXBsZSBub25jZQ=='
    sock.write(`GET /glowmesh/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`)
    let got = Buffer.alloc(0)
    sock.on('data', (d) => { got = Buffer.concat([got, d]) })
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(got.toString()).toContain(acceptKey(key))
    got = Buffer.alloc(0)
    sock.write(Buffer.from([0x82, 0x02, 0x01, 0x02]))
    await new Promise((resolve) => sock.on('close', resolve))
    expect(got[0]).toBe(0x88) // a close frame
    expect(got.readUInt16BE(2)).toBe(1002)
    // a wrong path is a 404, not an upgrade
    const res = await fetch(url.replace('ws:', 'http:').replace('/glowmesh/ws', '/other'), { headers: { upgrade: 'websocket' } }).catch(() => undefined)
    expect(res?.status ?? 404).toBe(404)
    // the honest socket is still served
    await expect(transport.lightBlock(url, 7n)).rejects.toBeInstanceOf(NotFoundError)
    expect(transport.peers()).toEqual([url])
  })
})
