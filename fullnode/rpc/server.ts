/**
 * glowmesh's RPC (DESIGN §8): HTTP + JSON on the port in the node's config.json. The node
 * composition (fullnode/node.ts) supplies an RpcBackend; this file only maps HTTP onto it, so the
 * routes, limits and error shapes live in one readable place. Documented in ./README.md.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { HttpError, Router, readBody, readJson } from './http.js'
import { fromHex, toHex } from '../../protocol/bytes.js'
import { MAX_TX_BYTES } from '../../protocol/chain/index.js'
import { decodeMessage, encodeMessage, MESSAGES, SegmentStatus } from '../../protocol/wire/index.js'
import type { MerkleProof } from '../../protocol/storage/index.js'

export interface NodeStatusJson {
  height: number
  lastBlockTime: string
  validators: Array<{ address: string, power: number }>
  peers: number
  multiaddrs: string[]
  gateway?: string
  chainId: string
  nodeId: string
  catchingUp: boolean
}

export interface SegmentWithProof { bytes: Uint8Array, proof: MerkleProof }

/** What the node must provide for the RPC. Every method may throw typed errors (→ 4xx/5xx JSON). */
export interface RpcBackend {
  status: () => Promise<NodeStatusJson>
  genesis: () => Uint8Array
  bootstrap: () => Promise<string[]>
  /** The edge's WebSocket URLs (`ws://…/glowmesh/ws`, fullnode/net/ws), listed in `GET /bootstrap` once set. */
  websockets?: () => string[]
  /** `{ height, hash, header, commit }`: CometBFT's own JSON for header and commit, hashes 0x-hex. */
  header: (height: bigint | 'latest') => Promise<unknown>
  /** The validator set at a height, CometBFT JSON. */
  validators: (height: bigint | 'latest') => Promise<unknown>
  submitTx: (bytes: Uint8Array) => Promise<{ txHash: string, code: number, log: string }>
  tx: (hash: Uint8Array) => Promise<unknown>
  /** An account (balance, nonce) with an MPT proof against the app hash when `prove`. */
  account: (address: string, prove: boolean) => Promise<unknown>
  /** A light node's registry entry, with proof when `prove`. */
  registryEntry: (nodeId: Uint8Array, prove: boolean) => Promise<unknown>
  /** A file's on-chain record and local upload state. */
  file: (root: Uint8Array) => Promise<unknown>
  putSegment: (root: Uint8Array, index: number, segment: SegmentWithProof) => Promise<unknown>
  getSegment: (root: Uint8Array, index: number) => Promise<SegmentWithProof>
  /** Devnet only: sends `amount` (or the default drip) to `address`. */
  faucet?: (address: string) => Promise<unknown>
  /** Calls `listener` with each new committed block; returns an unsubscribe function. */
  onBlock: (listener: (block: { height: number, hash: string, time: string, txs: number }) => void) => () => void
}

function parseHeight (text: string): bigint | 'latest' {
  if (text === 'latest') return 'latest'
  if (!/^[1-9][0-9]{0,18}$/.test(text)) throw new HttpError(400, 'BAD_HEIGHT', `height must be a positive integer or 'latest', got '${text.slice(0, 30)}'`)
  return BigInt(text)
}

function parseHash (text: string, what: string): Uint8Array {
  if (!/^(0x)?[0-9a-fA-F]{64}$/.test(text)) throw new HttpError(400, 'BAD_HASH', `${what} must be 32 bytes of hex, got '${text.slice(0, 70)}'`)
  return fromHex(text)
}

function parseIndex (text: string): number {
  if (!/^(0|[1-9][0-9]{0,9})$/.test(text)) throw new HttpError(400, 'BAD_INDEX', `segment index must be a non-negative integer, got '${text.slice(0, 30)}'`)
  return Number(text)
}

/** Builds the route table over a backend. */
export function rpcRouter (backend: RpcBackend): Router {
  const r = new Router()
  r.add('GET', '/status', async () => await backend.status())
  r.add('GET', '/genesis', async ({ res }) => {
    const g = backend.genesis()
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': g.length }).end(g)
  })
  r.add('GET', '/bootstrap', async () => ({ multiaddrs: await backend.bootstrap(), websockets: backend.websockets?.() ?? [] }))
  r.add('GET', '/headers/:height', async ({ params }) => await backend.header(parseHeight(params.height)))
  r.add('GET', '/validators/:height', async ({ params }) => await backend.validators(parseHeight(params.height)))
  r.add('POST', '/tx', async ({ req }) => {
    const ct = req.headers['content-type'] ?? ''
    let bytes: Uint8Array
    if (ct.startsWith('application/json')) {
      const body = await readJson(req, 2 * MAX_TX_BYTES + 1024)
      if (typeof body?.tx !== 'string') throw new HttpError(400, 'BAD_TX', 'JSON body needs { "tx": "0x…" }')
      bytes = fromHex(body.tx)
    } else bytes = await readBody(req, MAX_TX_BYTES)
    if (bytes.length === 0) throw new HttpError(400, 'BAD_TX', 'empty transaction')
    return await backend.submitTx(bytes)
  })
  r.add('GET', '/tx/:hash', async ({ params }) => {
    const found = await backend.tx(parseHash(params.hash, 'tx hash'))
    if (found === undefined) throw new HttpError(404, 'TX_NOT_FOUND', `no committed transaction ${params.hash}`)
    return found
  })
  r.add('GET', '/accounts/:address', async ({ params, url }) => {
    if (!/^0x[0-9a-f]{40}$/.test(params.address)) throw new HttpError(400, 'BAD_ADDRESS', 'address must be 0x + 40 lowercase hex digits')
    return await backend.account(params.address, url.searchParams.get('prove') === 'true')
  })
  r.add('GET', '/registry/:nodeId', async ({ params, url }) => await backend.registryEntry(parseHash(params.nodeId, 'node id'), url.searchParams.get('prove') === 'true'))
  r.add('GET', '/files/:root', async ({ params }) => await backend.file(parseHash(params.root, 'root')))
  r.add('PUT', '/files/:root/segments/:index', async ({ req, params }) => {
    const root = parseHash(params.root, 'root')
    const index = parseIndex(params.index)
    const msg = decodeMessage(MESSAGES.segmentResponse, await readBody(req, MESSAGES.segmentResponse.maxBytes))
    if (msg.proof === undefined) throw new HttpError(400, 'BAD_SEGMENT', 'segment upload needs a proof')
    if (msg.proof.leafIndex !== BigInt(index)) throw new HttpError(400, 'BAD_SEGMENT', 'proof is for another segment index')
    const proof: MerkleProof = { index, leafCount: Number(msg.proof.leafCount), siblings: msg.proof.siblings }
    return await backend.putSegment(root, index, { bytes: msg.data, proof })
  })
  r.add('GET', '/files/:root/segments/:index', async ({ res, params }) => {
    const seg = await backend.getSegment(parseHash(params.root, 'root'), parseIndex(params.index))
    const body = encodeMessage(MESSAGES.segmentResponse, {
      status: SegmentStatus.OK,
      message: '',
      data: seg.bytes,
      proof: { siblings: seg.proof.siblings, leafIndex: BigInt(seg.proof.index), leafCount: BigInt(seg.proof.leafCount) }
    })
    res.writeHead(200, { 'content-type': 'application/vnd.glowmesh.segment', 'content-length': body.length, 'x-glowmesh-root': params.root }).end(body)
  })
  r.add('POST', '/faucet', async ({ req }) => {
    if (backend.faucet === undefined) throw new HttpError(404, 'NO_FAUCET', 'this network has no faucet (devnets only)')
    const body = await readJson(req)
    if (typeof body?.address !== 'string' || !/^0x[0-9a-f]{40}$/.test(body.address)) throw new HttpError(400, 'BAD_ADDRESS', 'body needs { "address": "0x…40 hex" }')
    return await backend.faucet(body.address)
  })
  r.add('GET', '/events', async ({ req, res }) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' })
    // HEAD: writes are dropped, so the headers would never go out and the request would hang open
    if (req.method === 'HEAD') { res.end(); return }
    res.write(': glowmesh block events\n\n')
    const off = backend.onBlock((b) => { res.write(`event: block\ndata: ${JSON.stringify(b)}\n\n`) })
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000)
    await new Promise<void>((resolve) => req.on('close', resolve))
    clearInterval(ping)
    off()
  })
  return r
}

/**
 * Starts the RPC server; resolves once it listens.
 * @example const rpc = await startRpcServer({ backend, host: '127.0.0.1', port: 26660 })
 */
export async function startRpcServer (options: { backend: RpcBackend, host: string, port: number, extend?: (router: Router) => void }): Promise<{ server: Server, port: number, url: string, close: () => Promise<void> }> {
  const router = rpcRouter(options.backend)
  options.extend?.(router)
  const server = createServer((req, res) => { void router.handle(req, res) })
  server.headersTimeout = 30_000
  server.requestTimeout = 120_000
  // Idle keep-alive sockets: fetch (undici) closes its side 1 s before the server's advertised
  // timeout. With Node's 5 s default a client whose event loop lags a second (a loaded 2-core box)
  // sends on a socket the server has just closed; at 65 s the client almost always closes first.
  server.keepAliveTimeout = 65_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => { server.off('error', reject); resolve() })
  })
  const port = (server.address() as AddressInfo).port
  return {
    server,
    port,
    url: `http://${options.host}:${port}`,
    close: async () => await new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) })
  }
}

export { toHex }
