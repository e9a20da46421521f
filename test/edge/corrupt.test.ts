// A full node that corrupts segments, against the edge worker in real workerd: the adversary is a
// man-in-the-middle full node (its own /glowmesh/ws endpoint and RPC, fed by a real devnet node)
// that flips a byte in every segment it serves. The edge catches it (segment proof against the
// root), fetches the segment from the honest full node, and the file still arrives byte-identical.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sha256 } from '@noble/hashes/sha2.js'
import { startTestDevnet, type TestDevnet } from '../helpers/devnet.js'
import { spawnCli } from '../helpers/cli.js'
import { toHex } from '../../protocol/bytes.js'
import { attachEdgeWebSocket, type EdgeWsEndpoint } from '../../fullnode/net/ws/endpoint.js'
import { createWebSocketTransport, type WebSocketTransport } from '../../client/ws/index.js'
import { startLocalEdge, type LocalEdge } from '../../edge/local.js'

let devnet: TestDevnet
let edge: LocalEdge
let dir: string
let upstream: WebSocketTransport
let liar: { server: Server, ws: EdgeWsEndpoint, url: string }
let corrupted = 0

/** A full node that relays a real one over its WebSocket and RPC, corrupting every segment. */
async function startLiar (realWs: string, realRpc: string, chainId: string): Promise<typeof liar> {
  upstream = createWebSocketTransport({ urls: [realWs], chainId })
  await upstream.waitForPeers(1, { signal: AbortSignal.timeout(30_000) })
  const server = createServer((req, res) => {
    // RPC reads (genesis, file records, status) relayed as they are
    fetch(realRpc + (req.url ?? '/')).then(async (r) => {
      res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/octet-stream' }).end(new Uint8Array(await r.arrayBuffer()))
    }, () => { res.writeHead(502).end() })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const ws = attachEdgeWebSocket({
    server,
    chainId,
    services: {
      lightBlock: async (h, { signal }) => await upstream.lightBlock(realWs, h, { signal }),
      sample: async (h, cols, { signal }) => await upstream.sample(realWs, h, cols, { signal }),
      submitTx: async (tx, { signal }) => await upstream.submitTx(realWs, tx, { signal }),
      segment: async (root, index, { signal }) => {
        const seg = await upstream.segment(realWs, root, Number(index), { signal })
        const bytes = seg.bytes.slice()
        bytes[bytes.length >> 1] ^= 0xff
        corrupted++
        return { bytes, proof: seg.proof }
      }
    }
  })
  return { server, ws, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/glowmesh/ws` }
}

beforeAll(async () => {
  devnet = await startTestDevnet({ blockTimeMs: 300 })
  await devnet.waitForHeight(3)
  dir = mkdtempSync(join(tmpdir(), 'glowmesh-edge-liar-'))
  const genesis = readFileSync(devnet.genesisPath)
  const chainId = JSON.parse(genesis.toString()).chainId as string
  const [ws0, ws1] = await Promise.all([0, 1].map(async (i) => (await devnet.rpc(i).bootstrap()).websockets![0]))
  liar = await startLiar(ws0, devnet.nodes[0].rpcUrl, chainId)
  // the liar is listed first: segment 0 is asked of it first
  edge = await startLocalEdge({ fullNodes: [liar.url, ws1], genesisHash: toHex(sha256(genesis)) })
  await spawnCli(['keys', 'new', '--home', devnet.home], { timeoutMs: 60_000 })
  await spawnCli(['faucet', '--home', devnet.home], { timeoutMs: 60_000 })
}, 300_000)

afterAll(async () => {
  await edge?.close()
  liar?.ws.close()
  await new Promise<void>((resolve) => { if (liar === undefined) { resolve(); return } liar.server.closeAllConnections(); liar.server.close(() => resolve()) })
  await upstream?.close()
  await devnet?.cleanup()
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

describe('edge against a full node that corrupts segments', () => {
  it('the corrupt segment is caught and the file is served byte-identical from the honest node', async () => {
    // both full nodes (the liar first) are connected before the file is asked for
    const upEnd = Date.now() + 60_000
    while ((await (await fetch(`${edge.url}/v1/status`)).json() as { peers: number }).peers < 2) {
      if (Date.now() > upEnd) throw new Error('the edge never connected to both full nodes')
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    const data = new Uint8Array(600_000).map((_, i) => (i * 17 + 3) % 256)
    const path = join(dir, 'file.bin')
    writeFileSync(path, data)
    const r = await spawnCli(['put', path, '--json', '--home', devnet.home], { timeoutMs: 180_000 })
    expect(r.code, r.stderr).toBe(0)
    const { root } = JSON.parse(r.stdout) as { root: string }
    // node1 (the honest one the edge knows) holds the whole file before we ask
    const until = Date.now() + 120_000
    while ((await devnet.rpc(1).file(root).catch(() => undefined))?.local?.status !== 'complete') {
      if (Date.now() > until) throw new Error('node1 never completed the file')
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    const end = Date.now() + 120_000
    let res: Response | undefined
    for (;;) {
      res = await fetch(`${edge.url}/v1/file/${root}`)
      if (res.status === 200) break
      await res.arrayBuffer()
      if (Date.now() > end) throw new Error(`edge never served the file: ${res.status}`)
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(data))).toBe(true)
    expect(corrupted).toBeGreaterThanOrEqual(1)
    // the liar was dropped: the edge goes on with only the honest full node (and keeps verifying)
    const stEnd = Date.now() + 60_000
    let st = { peers: -1, verifiedHeight: 0 }
    while (Date.now() < stEnd) {
      st = await (await fetch(`${edge.url}/v1/status`)).json() as typeof st
      if (st.verifiedHeight > 0) break
      await new Promise((resolve) => setTimeout(resolve, 300))
    }
    expect(st.peers).toBe(1)
    expect(st.verifiedHeight).toBeGreaterThan(0)
  })
})
