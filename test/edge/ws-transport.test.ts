// The WebSocket transport (client/ws) in Node against a real 4-validator devnet's WebSocket
// endpoints (fullnode/net/ws): the light node core verifies headers and samples a block over it;
// full nodes push headers; hostile sockets are closed while honest ones keep being served.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sha256 } from '@noble/hashes/sha2.js'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { startTestDevnet, type TestDevnet } from '../helpers/devnet.js'
import { spawnCli } from '../helpers/cli.js'
import { toHex } from '../../protocol/bytes.js'
import { createLightNode, type LightNode } from '../../client/index.js'
import { createFileStore } from '../../client/node/index.js'
import { createWebSocketTransport, peerIdText, signHelloUrl, type WebSocketTransport } from '../../client/ws/index.js'
import { waitFor } from '../helpers/wait.js'

let devnet: TestDevnet
let dir: string
let transport: WebSocketTransport
let node: LightNode
let urls: string[]
const pushed: number[] = []

const until = async (cond: () => boolean | Promise<boolean>, what: string, ms = 120_000): Promise<void> => { await waitFor(what, cond, { timeoutMs: ms, everyMs: 200 }) }

/** Opens a raw socket, waits for open (or failure). */
async function rawSocket (url: string): Promise<{ ws: WebSocket, opened: boolean, closed: Promise<number> }> {
  const ws = new WebSocket(url)
  ws.binaryType = 'arraybuffer'
  const closed = new Promise<number>((resolve) => ws.addEventListener('close', (e) => resolve(e.code)))
  const opened = await new Promise<boolean>((resolve) => {
    ws.addEventListener('open', () => resolve(true))
    ws.addEventListener('error', () => resolve(false))
  })
  return { ws, opened, closed }
}

beforeAll(async () => {
  devnet = await startTestDevnet({ blockTimeMs: 300 })
  await devnet.waitForHeight(3)
  dir = mkdtempSync(join(tmpdir(), 'glowmesh-ws-'))
  urls = (await Promise.all(devnet.nodes.map(async (_, i) => (await devnet.rpc(i).bootstrap()).websockets ?? []))).flat()
  const genesis = new Uint8Array(readFileSync(devnet.genesisPath))
  const chainId = JSON.parse(new TextDecoder().decode(genesis)).chainId as string
  transport = createWebSocketTransport({ urls, chainId })
  transport.onHeader?.((lb) => { pushed.push(Number(lb.signedHeader.header.height)) })
  node = createLightNode({ transport, store: await createFileStore({ dir: join(dir, 'store') }), genesis: { bytes: genesis, hash: toHex(sha256(genesis)) } })
  await node.start()
}, 300_000)

afterAll(async () => {
  await node?.stop()
  await transport?.close()
  await devnet?.cleanup()
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

describe('client/ws over a real devnet', () => {
  it('GET /bootstrap lists each node\'s ws:// endpoint, and the transport opens them', async () => {
    expect(urls).toHaveLength(4)
    for (const u of urls) expect(u).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/glowmesh\/ws$/)
    await transport.waitForPeers(4, { signal: AbortSignal.timeout(30_000) })
    // the status peerId is the libp2p id of our node id, like every other light node's
    expect(transport.localPeerId()).toBe(peerIdFromPublicKey(publicKeyFromRaw(transport.nodeId)).toString())
    expect(peerIdText(transport.nodeId)).toMatch(/^12D3KooW/)
  })

  it('the core verifies the rising head over it, and full nodes push new headers', async () => {
    const start = (await devnet.rpc(0).status()).height
    await node.waitForHeight(start + 3, { signal: AbortSignal.timeout(120_000) })
    const st = node.status()
    expect(st.verifiedHeight).toBeGreaterThanOrEqual(start + 3)
    expect(st.peers).toBe(4)
    await until(() => pushed.length >= 3, 'three pushed headers')
    console.log(`[bench] ws light node: verifiedHeight ${st.verifiedHeight}, ${pushed.length} header pushes`)
  })

  it('samples a block with a blob (confidence > 0.99999)', async () => {
    const sampled: Array<{ height: number, confidence: number }> = []
    node.on('sampled', (s) => sampled.push(s))
    const path = join(dir, 'blob.bin')
    writeFileSync(path, new Uint8Array(150_000).map((_, i) => (i * 7) % 251))
    await spawnCli(['keys', 'new', '--home', devnet.home], { timeoutMs: 60_000 })
    await spawnCli(['faucet', '--home', devnet.home], { timeoutMs: 60_000 })
    const r = await spawnCli(['da', 'submit', path, '--json', '--home', devnet.home], { timeoutMs: 120_000 })
    expect(r.code, r.stderr).toBe(0)
    const { height } = JSON.parse(r.stdout)
    await until(() => sampled.some((s) => s.height === height), `block ${height} sampled`)
    expect(sampled.find((s) => s.height === height)!.confidence).toBeGreaterThan(0.99999)
  })

  it('hostile sockets are closed (text, garbage, oversized, bad hello) while the transport keeps being served', async () => {
    const text = await rawSocket(urls[0])
    expect(text.opened).toBe(true)
    text.ws.send('hello')
    expect(await text.closed).toBe(1003)
    const junk = await rawSocket(urls[0])
    junk.ws.send(new Uint8Array([0xff, 0xff, 0xff, 0x01, 0x02]))
    expect(await junk.closed).toBe(1008)
    const big = await rawSocket(urls[0])
    big.ws.send(new Uint8Array(12 << 20))
    expect(await big.closed).toBe(1009)
    // a hello signed for another chain is refused at the upgrade (HTTP 401)
    const forged = await rawSocket(signHelloUrl(urls[0], 'other-chain', new Uint8Array(32).fill(7)))
    expect(forged.opened).toBe(false)
    // honest requests still answered, on the same full node
    const lb = await transport.lightBlock(urls[0], 'latest', { signal: AbortSignal.timeout(10_000) })
    expect(lb.signedHeader.header.height).toBeGreaterThan(0n)
  })
})
