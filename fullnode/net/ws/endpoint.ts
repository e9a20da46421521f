/**
 * The full node's WebSocket endpoint for light nodes without libp2p (workerd; DESIGN §7, §8): an
 * HTTP upgrade at `/glowmesh/ws` on the RPC server. One binary message per envelope `{ requestId,
 * protocol, payload }` carrying the same protobuf requests and responses as the libp2p protocols,
 * served by the same handlers (sync, sample, segment, flow, tx) with the same size limits and
 * per-connection token buckets. The node pushes new headers (NewHeader) to every socket, and sends
 * PoRA challenges as requests to sockets whose hello proved a node id (client/ws/hello.ts).
 * A malformed envelope or an oversized message closes that socket; everyone else is served on.
 */
import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import type { PeerId } from '@libp2p/interface'
import type { LightBlock } from '../../../protocol/chain/index.js'
import { toHex } from '../../../protocol/bytes.js'
import {
  AbortError, EnvelopeKind, MAX_ENVELOPE_BYTES, SYNC_PROTOCOL, decodeEnvelope, decodeRequest, decodeResponse, encodeEnvelope, packEnvelope,
  type Envelope, type ProtocolId, type RequestOf, type ResponseOf
} from '../../../protocol/wire/index.js'
import { verifyHello } from '../../../client/ws/hello.js'
import { RequestTimeoutError, RemoteError, NetStoppedError } from '../errors.js'
import { encodeOnce, refusalMessage, refusalOf, type ProtocolHandler } from '../handler.js'
import { DEFAULT_HANDLERS } from '../handlers/index.js'
import { lightBlockToWire } from '../lightblock.js'
import { RateLimiter, type RateLimit } from '../rate-limit.js'
import type { NetServices } from '../services.js'
import { acceptKey, CloseCode, WsConnection } from './socket.js'
import { linkSignals } from '../../../protocol/signals.js'

/** The path light nodes connect to (DESIGN §8). */
export const EDGE_WS_PATH = '/glowmesh/ws'

/** Tunables of the endpoint. */
export interface EdgeWsLimits {
  /** Open sockets, all addresses together; default 256. */
  maxConnections: number
  /** Open sockets per remote address; default 32. */
  maxPerAddress: number
  /** Requests in flight per socket (the libp2p server's per-peer stream cap); default 16. */
  maxInflight: number
  /** Time a handler may take; default 30 s. */
  handlerTimeoutMs: number
  /** Per-protocol token buckets overriding each handler's default. */
  rateLimits: Partial<Record<ProtocolId, RateLimit>>
  /** Bytes queued unsent on a socket above which new requests are refused RATE_LIMITED; default 16 MiB. */
  maxBufferedBytes: number
}

/** Options of attachEdgeWebSocket. */
export interface EdgeWsOptions {
  /** The HTTP server to take upgrades from (the node's RPC server). */
  server: Server
  chainId: string
  services: NetServices
  handlers?: ReadonlyArray<ProtocolHandler<any>>
  limits?: Partial<EdgeWsLimits>
  path?: string
  log?: (line: string) => void
}

/** A running endpoint. */
export interface EdgeWsEndpoint {
  /** Open sockets. */
  connections: () => number
  /** Whether a socket with a proven hello for `nodeId` is open (challenges can reach it). */
  hasNode: (nodeId: Uint8Array) => boolean
  /** Pushes a new light block to every socket. */
  pushHeader: (lightBlock: LightBlock) => void
  /** Sends a request to the light node `nodeId` (the challenger's path) and awaits its response. */
  request: <P extends ProtocolId>(nodeId: Uint8Array, protocol: P, message: RequestOf<P>, options: { signal?: AbortSignal, timeoutMs: number }) => Promise<ResponseOf<P>>
  close: () => void
}

interface Session {
  id: number
  address: string
  ws: WsConnection
  nodeHex?: string
  inflight: number
  nextId: bigint
  pending: Map<bigint, { protocol: ProtocolId, resolve: (v: unknown) => void, reject: (e: Error) => void }>
}

/**
 * Serves the envelope protocol on `server`'s upgrades at `/glowmesh/ws`.
 * @example const ws = attachEdgeWebSocket({ server: rpc.server, chainId, services }); ws.pushHeader(lb)
 */
export function attachEdgeWebSocket (options: EdgeWsOptions): EdgeWsEndpoint {
  const limits: EdgeWsLimits = { maxConnections: 256, maxPerAddress: 32, maxInflight: 16, handlerTimeoutMs: 30_000, rateLimits: {}, maxBufferedBytes: 16 << 20, ...options.limits }
  const path = options.path ?? EDGE_WS_PATH
  const log = options.log ?? (() => {})
  const handlers = new Map<string, ProtocolHandler<any>>((options.handlers ?? DEFAULT_HANDLERS).map((h) => [h.protocol, h]))
  const limiter = new RateLimiter()
  const sessions = new Map<number, Session>()
  const controller = new AbortController()
  let nextSession = 1

  const reject = (socket: Duplex, status: number, text: string): void => {
    socket.end(`HTTP/1.1 ${status} ${text}\r\ncontent-type: text/plain\r\nconnection: close\r\naccess-control-allow-origin: *\r\n\r\n${text}\n`)
  }

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    let url: URL
    try { url = new URL(req.url ?? '/', 'http://x') } catch { reject(socket, 400, 'Bad Request'); return }
    if (url.pathname !== path) { reject(socket, 404, 'Not Found'); return }
    const key = req.headers['sec-websocket-key']
    if (req.method !== 'GET' || String(req.headers.upgrade).toLowerCase() !== 'websocket' || typeof key !== 'string' || req.headers['sec-websocket-version'] !== '13') {
      reject(socket, 400, 'Bad Request'); return
    }
    if (controller.signal.aborted) { reject(socket, 503, 'Service Unavailable'); return }
    const address = req.socket.remoteAddress ?? '?'
    const fromAddress = [...sessions.values()].filter((s) => s.address === address).length
    if (sessions.size >= limits.maxConnections || fromAddress >= limits.maxPerAddress) { reject(socket, 429, 'Too Many Requests'); return }
    const hello = verifyHello(url.searchParams, options.chainId)
    if (hello instanceof Error) { reject(socket, 401, `Unauthorized (${hello.message})`); return }
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${acceptKey(key)}\r\n\r\n`)
    const session: Session = { id: nextSession++, address, ws: undefined as unknown as WsConnection, inflight: 0, nextId: 1n, pending: new Map(), nodeHex: hello === undefined ? undefined : toHex(hello) }
    session.ws = new WsConnection(socket, {
      maxMessageBytes: MAX_ENVELOPE_BYTES,
      onMessage: (bytes) => { onMessage(session, bytes) },
      onClose: () => {
        log(`ws: light node socket ${session.id} from ${address}${session.nodeHex === undefined ? '' : ` (${session.nodeHex.slice(0, 14)}…)`} closed`)
        sessions.delete(session.id)
        limiter.forget(`ws${session.id}`)
        for (const p of session.pending.values()) p.reject(new RemoteError('CLOSED', 'the light node closed its WebSocket'))
        session.pending.clear()
      }
    })
    sessions.set(session.id, session)
    if (head.length > 0) socket.unshift(head)
    log(`ws: light node connected from ${address}${session.nodeHex === undefined ? '' : ` as ${session.nodeHex.slice(0, 14)}…`}`)
  }
  options.server.on('upgrade', onUpgrade)

  const sendError = (s: Session, env: Pick<Envelope, 'requestId' | 'protocol'>, code: string, message: string): void => {
    s.ws.send(packEnvelope({ kind: 'error', requestId: env.requestId, protocol: env.protocol as ProtocolId, error: { code, message: message.slice(0, 512) } }))
  }

  const onMessage = (s: Session, bytes: Uint8Array): void => {
    let env: Envelope
    try { env = decodeEnvelope(bytes) } catch (err) {
      s.ws.close(CloseCode.POLICY, `malformed envelope: ${(err as Error).message}`.slice(0, 100)); return
    }
    const protocol = env.protocol as ProtocolId
    if (env.kind === EnvelopeKind.RESPONSE || env.kind === EnvelopeKind.ERROR) {
      const p = s.pending.get(env.requestId)
      if (p === undefined || p.protocol !== protocol) { log(`ws: closing ${s.address}${s.nodeHex === undefined ? '' : ` (${s.nodeHex.slice(0, 14)}…)`}: answer to no request of ours (request ${env.requestId}, ${protocol})`); s.ws.close(CloseCode.POLICY, 'answer to no request of ours'); return }
      s.pending.delete(env.requestId)
      if (env.kind === EnvelopeKind.ERROR) { p.reject(new RemoteError(env.error!.code, env.error!.message)); return }
      try { p.resolve(decodeResponse(protocol, env.payload)) } catch (err) {
        p.reject(err as Error); s.ws.close(CloseCode.POLICY, 'malformed response')
      }
      return
    }
    if (env.kind !== EnvelopeKind.REQUEST) { s.ws.close(CloseCode.POLICY, 'light nodes do not push'); return }
    const handler = handlers.get(protocol)
    if (handler === undefined) { sendError(s, env, 'UNSUPPORTED', `${protocol} is not served over this WebSocket`); return }
    let request: unknown
    try { request = decodeRequest(protocol, env.payload) } catch (err) {
      sendError(s, env, 'BAD_REQUEST', (err as Error).message)
      s.ws.close(CloseCode.POLICY, 'malformed request'); return
    }
    // the payload through encodeOnce: a shared answer (sync's `latest`) is encoded once for every socket
    const answer = (res: unknown): void => { s.ws.send(encodeEnvelope({ kind: EnvelopeKind.RESPONSE, requestId: env.requestId, protocol, payload: encodeOnce(protocol, res) })) }
    const refuse = (refusal: Parameters<typeof handler.refuse>[0], message: string): void => {
      const res = handler.refuse(refusal, message, request)
      if (res === undefined) sendError(s, env, refusal, message)
      else answer(res)
    }
    if (s.inflight >= limits.maxInflight || s.ws.buffered > limits.maxBufferedBytes) { refuse('RATE_LIMITED', 'too many requests in flight'); return }
    if (!limiter.take(`ws${s.id}`, protocol, limits.rateLimits[protocol] ?? handler.rate)) { refuse('RATE_LIMITED', 'rate limit exceeded'); return }
    s.inflight++
    const signal = linkSignals(AbortSignal.timeout(limits.handlerTimeoutMs), controller.signal)
    // the handlers use only services and signal; `peer` names the socket for their logs
    const peer = { toString: () => `ws:${s.id}` } as unknown as PeerId
    handler.handle(request, { peer, signal, services: options.services })
      .then(answer, (err) => {
        const refusal = refusalOf(err)
        if (refusal === 'INTERNAL') log(`ws: ${protocol} handler failed: ${(err as Error).message}`)
        refuse(refusal, refusalMessage(err, refusal))
      })
      .catch((err) => { log(`ws: answering ${protocol} failed: ${(err as Error).message}`) })
      .finally(() => { s.inflight--; signal.clear() })
  }

  return {
    connections: () => sessions.size,
    hasNode: (nodeId) => [...sessions.values()].some((s) => s.nodeHex === toHex(nodeId) && s.ws.open),
    pushHeader (lightBlock) {
      if (sessions.size === 0) return
      const bytes = packEnvelope({ kind: 'push', requestId: 0n, protocol: SYNC_PROTOCOL, message: { lightBlock: lightBlockToWire(lightBlock) } })
      for (const s of sessions.values()) if (s.ws.buffered < limits.maxBufferedBytes) s.ws.send(bytes)
    },
    async request (nodeId, protocol, message, o) {
      if (controller.signal.aborted) throw new NetStoppedError()
      const hex = toHex(nodeId)
      const s = [...sessions.values()].reverse().find((x) => x.nodeHex === hex && x.ws.open)
      if (s === undefined) throw new RemoteError('UNREACHABLE', `no WebSocket open for node ${hex}`)
      const requestId = s.nextId++
      const bytes = packEnvelope({ kind: 'request', requestId, protocol, message } as never)
      return await new Promise<ResponseOf<typeof protocol>>((resolve, rejectP) => {
        const timeout = setTimeout(() => { done(); rejectP(new RequestTimeoutError(protocol, o.timeoutMs)) }, o.timeoutMs)
        const onAbort = (): void => { done(); rejectP(new AbortError()) }
        const done = (): void => { clearTimeout(timeout); s.pending.delete(requestId); o.signal?.removeEventListener('abort', onAbort) }
        o.signal?.addEventListener('abort', onAbort, { once: true })
        s.pending.set(requestId, { protocol, resolve: (v) => { done(); resolve(v as never) }, reject: (e) => { done(); rejectP(e) } })
        s.ws.send(bytes)
      })
    },
    close () {
      controller.abort()
      options.server.off('upgrade', onUpgrade)
      for (const s of sessions.values()) s.ws.close(CloseCode.GOING_AWAY, 'node stopping')
    }
  }
}
