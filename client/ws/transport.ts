/**
 * A LightTransport over WebSockets (DESIGN §7), for runtimes without libp2p — workerd above all,
 * but it only needs a WebSocket, so browsers and Node 20 (--experimental-websocket) run it too.
 * One socket per full node (`ws://host:port/glowmesh/ws`), one binary message per envelope
 * `{ requestId, protocol, payload }` carrying the same protobuf messages as the libp2p protocols,
 * with the same size limits. The full node pushes new headers and sends PoRA challenges on the
 * same socket (the URL carries a signed hello proving our node id, client/ws/hello.ts).
 * Dropped sockets are redialled; a peer reported for a lie is closed and not redialled for a while.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { base58btc } from 'multiformats/bases/base58'
import { equalBytes } from '../../protocol/bytes.js'
import type { LightBlock } from '../../protocol/chain/index.js'
import { GlowmeshError } from '../../protocol/errors.js'
import type { MerkleProof } from '../../protocol/storage/merkle.js'
import {
  AbortError, CHALLENGE_PROTOCOL, FLOW_PROTOCOL, FlowStatus, PORA_STATE_PROTOCOL, SAMPLE_PROTOCOL, SEGMENT_PROTOCOL, SYNC_PROTOCOL, SegmentStatus, SyncStatus,
  TX_PROTOCOL, packEnvelope, unpackEnvelope, type Challenge, type ChallengeAnswer, type ProtocolId, type RequestOf, type ResponseOf
} from '../../protocol/wire/index.js'
import { InvalidResponseError, NotFoundError, PrunedError, RateLimitedError, RemoteError, RequestTimeoutError } from '../../fullnode/net/errors.js'
import { lightBlockFromWire } from '../../fullnode/net/lightblock.js'
import type { LightTransport, PeerOffence, PeerRef, WaitOptions } from '../types.js'
import { signHelloUrl } from './hello.js'
import { withTimeout } from '../../protocol/signals.js'

/** The part of a WebSocket this transport uses (the standard one and workerd's both fit). */
export interface WebSocketLike {
  send: (data: Uint8Array) => void
  close: (code?: number, reason?: string) => void
  addEventListener: (type: 'message' | 'close' | 'error', listener: (event: any) => void) => void
}

/** Opens a socket to `url` and resolves once it is open. */
export type WebSocketConnector = (url: string, signal: AbortSignal) => Promise<WebSocketLike>

/** Options of createWebSocketTransport. */
export interface WebSocketTransportOptions {
  /** Full nodes' endpoints, `ws://host:port/glowmesh/ws` or `wss://host/glowmesh/ws`. */
  urls: string[]
  chainId: string
  /** Our ed25519 seed (32 bytes): the node id the hello proves (challenges reach us); default a fresh one. */
  secretKey?: Uint8Array
  /** How to open a socket; default the global `WebSocket` (workerd: `fetch` with `Upgrade: websocket`). */
  connect?: WebSocketConnector
  /** Per-request timeout, ms; default 10 s (30 s for segments, flow and txs). */
  timeoutMs?: number
  /** Redial period for sockets that dropped, ms; default 5 s. */
  redialMs?: number
  /** How long a peer reported for lying is not redialled, ms; default 10 minutes. */
  banMs?: number
  signal?: AbortSignal
  log?: (message: string) => void
}

/** The transport plus what only edge callers need. */
export interface WebSocketTransport extends LightTransport {
  /** Our node id (ed25519 public key). */
  nodeId: Uint8Array
  /** Segment `index` of the file with 0G root `root`, with its proof (unverified: check it with verifySegmentProof). */
  segment: (peer: PeerRef, root: Uint8Array, index: number, options?: WaitOptions) => Promise<{ bytes: Uint8Array, proof: MerkleProof }>
  /**
   * State entries at `paths` with their MPT proofs at one committed height, over `/glowmesh/pora-state/1.0.0`
   * (unverified: createVerifiedAccess checks them against a verified app hash).
   */
  provenState: (peer: PeerRef, paths: string[], options?: WaitOptions) => Promise<{ height: number, entries: Array<{ path: string, value: Uint8Array, proof: Uint8Array }> }>
  /** Resolves once at least `count` sockets are open. */
  waitForPeers: (count: number, options?: WaitOptions) => Promise<void>
}

/** The socket to that peer is not open. @example err.code // 'WS_UNAVAILABLE' */
export class WebSocketUnavailableError extends GlowmeshError {
  override name = 'WebSocketUnavailableError'
  constructor (message: string) { super('WS_UNAVAILABLE', message) }
}

/** Bad options (no URLs, a URL that is not ws:// or wss://). @example err.code // 'INVALID_INPUT' */
export class WebSocketTransportOptionsError extends GlowmeshError {
  override name = 'WebSocketTransportOptionsError'
  constructor (message: string) { super('INVALID_INPUT', message, { exitCode: 2 }) }
}

const LIES: ReadonlySet<PeerOffence> = new Set(['forged-header', 'insufficient-commit', 'bad-sample', 'bad-segment', 'malformed'])

interface Pending { protocol: ProtocolId, resolve: (v: unknown) => void, reject: (e: Error) => void }
interface Conn { url: string, ws?: WebSocketLike, pending: Map<bigint, Pending>, nextId: bigint, dialing: boolean, bannedUntil: number }

/**
 * The libp2p peer id text of an ed25519 public key (identity multihash, base58btc), so the status
 * object's `peerId` looks the same as other light nodes'.
 * @example peerIdText(publicKey) // '12D3KooW…'
 */
export function peerIdText (publicKey: Uint8Array): string {
  return base58btc.encode(new Uint8Array([0x00, 0x24, 0x08, 0x01, 0x12, 0x20, ...publicKey])).slice(1)
}

/** The default connector: the global WebSocket, binary messages as ArrayBuffers. */
export const globalWebSocketConnector: WebSocketConnector = async (url, signal) => {
  const Ctor = (globalThis as { WebSocket?: new (url: string) => any }).WebSocket
  if (Ctor === undefined) throw new WebSocketUnavailableError('no global WebSocket (Node 20 needs --experimental-websocket)')
  const ws = new Ctor(url)
  ws.binaryType = 'arraybuffer'
  await new Promise<void>((resolve, reject) => {
    const fail = (): void => { reject(new WebSocketUnavailableError(`cannot connect to ${url}`)); try { ws.close() } catch {} }
    ws.addEventListener('open', () => { signal.removeEventListener('abort', fail); resolve() }, { once: true })
    ws.addEventListener('error', fail, { once: true })
    signal.addEventListener('abort', fail, { once: true })
  })
  return ws
}

function statusError (status: string, message: string): Error {
  if (status === 'NOT_FOUND') return new NotFoundError(message === '' ? 'not found' : message)
  if (status === 'PRUNED') return new PrunedError(message === '' ? 'pruned' : message)
  if (status === 'RATE_LIMITED') return new RateLimitedError(message === '' ? 'rate limited' : message)
  return new RemoteError(status, message)
}

/**
 * Connects to the full nodes' WebSocket endpoints and wraps them as a LightTransport.
 * @example
 * const transport = createWebSocketTransport({ urls: ['ws://127.0.0.1:26660/glowmesh/ws'], chainId: 'glowmesh-devnet' })
 * const node = createLightNode({ transport, store, genesis })
 */
export function createWebSocketTransport (options: WebSocketTransportOptions): WebSocketTransport {
  if (!Array.isArray(options.urls) || options.urls.length === 0) throw new WebSocketTransportOptionsError('urls: give at least one full node WebSocket URL')
  for (const u of options.urls) {
    let ok = false
    try { ok = /^wss?:$/.test(new URL(u).protocol) } catch {}
    if (!ok) throw new WebSocketTransportOptionsError(`urls: '${String(u).slice(0, 100)}' is not a ws:// or wss:// URL`)
  }
  const log = options.log ?? (() => {})
  const connect = options.connect ?? globalWebSocketConnector
  const secretKey = options.secretKey ?? ed25519.utils.randomSecretKey()
  const nodeId = ed25519.getPublicKey(secretKey)
  const peerId = peerIdText(nodeId)
  const controller = new AbortController()
  const conns = new Map<string, Conn>(options.urls.map((url) => [url, { url, pending: new Map(), nextId: 1n, dialing: false, bannedUntil: 0 }]))
  const headerListeners: Array<(lb: LightBlock, from: PeerRef) => void> = []
  let challengeHandler: ((c: Challenge, from: PeerRef) => Promise<ChallengeAnswer>) | undefined
  let redial: ReturnType<typeof setTimeout> | undefined
  let stopped = false

  const drop = (c: Conn, why: string): void => {
    const ws = c.ws
    c.ws = undefined
    if (ws !== undefined) log(`dropped ${c.url.replace(/\?.*$/, '')}: ${why}`)
    for (const p of c.pending.values()) p.reject(new WebSocketUnavailableError(`${c.url}: ${why}`))
    c.pending.clear()
    try { ws?.close(1000, why.slice(0, 100)) } catch {}
  }

  const onMessage = (c: Conn, ws: WebSocketLike, data: unknown): void => {
    if (c.ws !== ws) return
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : data instanceof Uint8Array ? data : undefined
    let env
    try {
      if (bytes === undefined) throw new InvalidResponseError('text or unknown message type')
      env = unpackEnvelope(bytes)
    } catch (err) {
      transport.reportPeer(c.url, 'malformed', (err as Error).message)
      return
    }
    if (env.kind === 'response' || env.kind === 'error') {
      const p = c.pending.get(env.requestId)
      if (p === undefined || p.protocol !== env.protocol) { transport.reportPeer(c.url, 'malformed', 'answer to no request of ours'); return }
      c.pending.delete(env.requestId)
      if (env.kind === 'error') p.reject(new RemoteError(env.error.code, env.error.message))
      else p.resolve(env.message)
      return
    }
    if (env.kind === 'push') {
      if (env.protocol !== SYNC_PROTOCOL) return
      let lb: LightBlock
      try { lb = lightBlockFromWire(env.message.lightBlock!) } catch (err) { transport.reportPeer(c.url, 'malformed', (err as Error).message); return }
      for (const fn of headerListeners) { try { fn(lb, c.url) } catch {} }
      return
    }
    // a request from the full node: only challenges are served here
    const { requestId, protocol } = env
    const reply = (bytes: Uint8Array): void => { if (c.ws === ws) ws.send(bytes) }
    if (protocol !== CHALLENGE_PROTOCOL || challengeHandler === undefined) {
      reply(packEnvelope({ kind: 'error', requestId, protocol, error: { code: 'UNSUPPORTED', message: `${protocol} is not served by this light node` } }))
      return
    }
    challengeHandler(env.message as Challenge, c.url).then(
      (answer) => { reply(packEnvelope({ kind: 'response', requestId, protocol: CHALLENGE_PROTOCOL, message: answer })) },
      (err) => { reply(packEnvelope({ kind: 'error', requestId, protocol, error: { code: 'INTERNAL', message: String((err as Error).message).slice(0, 512) } })) }
    ).catch((err) => { log(`challenge answer to ${c.url} failed: ${(err as Error).message}`) })
  }

  const dial = async (c: Conn): Promise<void> => {
    if (c.ws !== undefined || c.dialing || c.bannedUntil > Date.now() || stopped) return
    c.dialing = true
    try {
      const ws = await withTimeout(controller.signal, 10_000, async (s) => await connect(signHelloUrl(c.url, options.chainId, secretKey), s))
      if (stopped) { ws.close(1000, 'stopped'); return }
      c.ws = ws
      ws.addEventListener('message', (ev) => { onMessage(c, ws, ev.data) })
      ws.addEventListener('close', () => { if (c.ws === ws) drop(c, 'socket closed') })
      ws.addEventListener('error', () => { if (c.ws === ws) drop(c, 'socket error') })
      log(`connected to ${c.url}`)
    } catch (err) {
      log(`dial ${c.url} failed: ${(err as Error).message}`)
    } finally { c.dialing = false }
  }
  const loop = (): void => {
    if (stopped) return
    Promise.all([...conns.values()].map(dial)).finally(() => { if (!stopped) redial = setTimeout(loop, options.redialMs ?? 5_000) }).catch(() => {})
  }
  loop()
  const onAbort = (): void => { transport.close().catch(() => {}) }
  options.signal?.addEventListener('abort', onAbort, { once: true })

  const request = async <P extends ProtocolId>(peer: PeerRef, protocol: P, message: RequestOf<P>, o: WaitOptions = {}, timeoutMs = options.timeoutMs ?? 10_000): Promise<ResponseOf<P>> => {
    const c = conns.get(peer)
    if (c?.ws === undefined) throw new WebSocketUnavailableError(`no open socket to ${peer}`)
    o.signal?.throwIfAborted()
    const ws = c.ws
    const requestId = c.nextId++
    const bytes = packEnvelope({ kind: 'request', requestId, protocol, message } as never)
    return await new Promise<ResponseOf<P>>((resolve, reject) => {
      const timer = setTimeout(() => { done(); reject(new RequestTimeoutError(protocol, timeoutMs)) }, timeoutMs)
      const onAbortReq = (): void => { done(); reject(new AbortError(undefined, { cause: o.signal?.reason })) }
      const done = (): void => { clearTimeout(timer); c.pending.delete(requestId); o.signal?.removeEventListener('abort', onAbortReq) }
      o.signal?.addEventListener('abort', onAbortReq, { once: true })
      c.pending.set(requestId, { protocol, resolve: (v) => { done(); resolve(v as ResponseOf<P>) }, reject: (e) => { done(); reject(e) } })
      try { ws.send(bytes) } catch (err) { done(); reject(new WebSocketUnavailableError(`${peer}: send failed: ${(err as Error).message}`)) }
    })
  }

  const lightBlocks = async (peer: PeerRef, from: bigint | 'latest', count: number, o?: WaitOptions): Promise<LightBlock[]> => {
    const latest = from === 'latest'
    const req = latest ? { fromHeight: 0n, count: 0, latest: true } : { fromHeight: from, count: Math.max(1, Math.min(32, count)), latest: false }
    const res = await request(peer, SYNC_PROTOCOL, req, o)
    if (res.status !== SyncStatus.OK) throw statusError(res.status, res.message)
    const blocks = res.lightBlocks.map(lightBlockFromWire)
    if (latest && blocks.length !== 1) throw new InvalidResponseError(`asked for the latest block, got ${blocks.length}`)
    if (!latest) {
      if (blocks.length > req.count) throw new InvalidResponseError(`asked for ${req.count} blocks, got ${blocks.length}`)
      blocks.forEach((b, i) => {
        if (b.signedHeader.header.height !== req.fromHeight + BigInt(i)) throw new InvalidResponseError(`block ${i} has height ${b.signedHeader.header.height}, expected ${req.fromHeight + BigInt(i)}`)
      })
    }
    return blocks
  }

  const transport: WebSocketTransport = {
    nodeId,
    peers: () => [...conns.values()].filter((c) => c.ws !== undefined && c.bannedUntil <= Date.now()).map((c) => c.url),
    async lightBlock (peer, height, o) {
      const [lb] = await lightBlocks(peer, height, 1, o)
      if (lb === undefined) throw new InvalidResponseError(`peer has no block at ${String(height)}`)
      return lb
    },
    lightBlocks: async (peer, from, count, o) => await lightBlocks(peer, from, count, o),
    // statuses are the core's to judge (NOT_AVAILABLE is evidence of withholding): no throw here
    sample: async (peer, height, columns, o) => await request(peer, SAMPLE_PROTOCOL, { height, columns }, o),
    async segment (peer, root, index, o) {
      const res = await request(peer, SEGMENT_PROTOCOL, { root, index: BigInt(index) }, o, options.timeoutMs ?? 30_000)
      if (res.status !== SegmentStatus.OK) throw statusError(res.status, res.message)
      const p = res.proof!
      if (p.leafIndex !== BigInt(index)) throw new InvalidResponseError(`asked for segment ${index}, got a proof for ${p.leafIndex}`)
      if (p.leafCount > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidResponseError('proof leaf count out of range')
      return { bytes: res.data, proof: { index, leafCount: Number(p.leafCount), siblings: p.siblings } }
    },
    async flowSegment (peer, position, o) {
      const res = await request(peer, FLOW_PROTOCOL, { position: BigInt(position) }, o, options.timeoutMs ?? 30_000)
      if (res.status !== FlowStatus.OK) throw statusError(res.status, res.message)
      return { bytes: res.data }
    },
    async provenState (peer, paths, o) {
      const res = await request(peer, PORA_STATE_PROTOCOL, { paths }, o)
      if (res.error !== '') throw new RemoteError('PORA_STATE', res.error)
      if (res.height < 1n || res.height > BigInt(Number.MAX_SAFE_INTEGER) || res.entries.length !== paths.length || res.entries.some((e, i) => e.path !== paths[i])) throw new InvalidResponseError('pora-state answer does not match the request')
      return { height: Number(res.height), entries: res.entries }
    },
    async submitTx (peer, tx, o) {
      const res = await request(peer, TX_PROTOCOL, { tx }, o, options.timeoutMs ?? 30_000)
      if (!equalBytes(res.txHash, sha256(tx))) throw new InvalidResponseError('txHash is not sha256 of the submitted tx')
      return { txHash: res.txHash, code: res.code, log: res.log }
    },
    handleChallenges (handler) { challengeHandler = handler },
    onHeader (listener) { headerListeners.push(listener) },
    reportPeer (peer, offence, detail) {
      log(`reported ${peer}: ${offence}${detail === undefined ? '' : `: ${detail}`}`)
      const c = conns.get(peer)
      if (c === undefined || !LIES.has(offence)) return
      c.bannedUntil = Date.now() + (options.banMs ?? 600_000)
      drop(c, `reported: ${offence}`)
    },
    localPeerId: () => peerId,
    async waitForPeers (count, o = {}) {
      while (transport.peers().length < count) {
        o.signal?.throwIfAborted()
        if (stopped) throw new WebSocketUnavailableError('transport closed')
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    },
    async close () {
      if (stopped) return
      stopped = true
      options.signal?.removeEventListener('abort', onAbort)
      controller.abort()
      clearTimeout(redial)
      for (const c of conns.values()) drop(c, 'transport closed')
    }
  }
  return transport
}
