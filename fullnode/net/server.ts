/**
 * The request/response server: one stream per request, one frame each way. Per request, in order:
 * banned? → stream cap per peer → token bucket → read one frame (limit checked from the length
 * prefix, read timeout) → decode + validate → handler (deadline) → one response frame → close.
 * Hostile input costs the peer score; a malformed or oversized frame, or a score at the ban
 * threshold, disconnects it — and the node goes on serving everyone else.
 */
import type { Connection, Libp2p, Logger, PeerId, Stream } from '@libp2p/interface'
import {
  AbortError, MessageTooLargeError, TruncatedMessageError, decodeRequest, encodeResponse, getProtocol, isWireError
} from '../../protocol/wire/index.js'
import type { ProtocolId } from '../../protocol/wire/index.js'
import { encodeOnce, refusalMessage, refusalOf, type ProtocolHandler, type Refusal } from './handler.js'
import type { Offence, PeerScores, PenaltyResult } from './peer-score.js'
import type { RateLimit, RateLimiter } from './rate-limit.js'
import type { NetServices } from './services.js'
import { readFrame, writeFrame } from './stream.js'
import { linkSignals, withTimeout, type ClearableSignal } from '../../protocol/signals.js'

/** Tunables of the server (NetNodeOptions passes them through). */
export interface ServerLimits {
  /** Time a peer has to deliver its request frame after opening the stream; default 10 s. */
  readTimeoutMs: number
  /** Time a handler (and the response write) may take; default 30 s. */
  handlerTimeoutMs: number
  /** Concurrent inbound request streams per peer, all protocols together; default 16. */
  maxStreamsPerPeer: number
  /** Per-protocol token buckets overriding each handler's default. */
  rateLimits: Partial<Record<ProtocolId, RateLimit>>
}

export const DEFAULT_SERVER_LIMITS: Readonly<ServerLimits> = Object.freeze({
  readTimeoutMs: 10_000,
  handlerTimeoutMs: 30_000,
  maxStreamsPerPeer: 16,
  rateLimits: {}
})

/** Components of the server. */
export interface ServerComponents {
  libp2p: Libp2p
  services: NetServices
  scores: PeerScores
  limiter: RateLimiter
  /** Called for every penalty (metrics, tests). */
  onPenalty?: (peer: PeerId, offence: Offence, result: PenaltyResult) => void
  /** Aborted when the node stops: in-flight handlers see it. */
  signal: AbortSignal
  log: Logger
}

/**
 * Serves `handlers` on `components.libp2p`.
 * @example
 * const server = new RequestServer(components, DEFAULT_SERVER_LIMITS)
 * await server.register(syncHandler)
 */
export class RequestServer {
  private readonly active = new Map<string, number>()
  constructor (private readonly components: ServerComponents, private readonly limits: ServerLimits) {}

  /** Registers one protocol handler. @example await server.register(segmentHandler) */
  async register (handler: ProtocolHandler<any>): Promise<void> {
    await this.components.libp2p.handle(handler.protocol, async (stream, connection) => {
      await this.serve(handler, stream, connection)
    }, {
      // libp2p's own cap is per connection and per protocol; ours (per peer, all protocols) must
      // bite first so that the excess is scored rather than silently reset
      maxInboundStreams: this.limits.maxStreamsPerPeer + 1
    })
  }

  /** Penalises a peer, hanging up on it when asked or when the penalty bans it. @example server.punish(peer, 'malformed', true) */
  punish (peer: PeerId, offence: Offence, disconnect: boolean): PenaltyResult {
    const { scores, onPenalty, libp2p, log } = this.components
    const result = scores.penalize(peer.toString(), offence)
    onPenalty?.(peer, offence, result)
    log('peer %p: %s, score %d%s', peer, offence, result.score, result.banned ? ', banned' : '')
    if (disconnect || result.banned) {
      if (result.banned) this.components.limiter.forget(peer.toString())
      libp2p.hangUp(peer).catch((err: Error) => log('hang up on %p failed: %s', peer, err.message))
    }
    return result
  }

  private async serve (handler: ProtocolHandler<any>, stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer
    const key = peer.toString()
    const { scores, limiter, services, log } = this.components
    if (scores.isBanned(key)) {
      stream.abort(new Error('banned'))
      connection.close().catch(() => {})
      return
    }
    const n = this.active.get(key) ?? 0
    if (n >= this.limits.maxStreamsPerPeer) {
      stream.abort(new Error('too many concurrent streams'))
      this.punish(peer, 'tooManyStreams', false)
      return
    }
    this.active.set(key, n + 1)
    const spec = getProtocol(handler.protocol as ProtocolId)
    const refuse = async (refusal: Refusal, message: string, request?: unknown): Promise<void> => {
      const res = handler.refuse(refusal, message, request)
      if (res === undefined) { stream.abort(new Error(refusal)); return }
      await writeFrame(stream, encodeResponse(handler.protocol, res), { signal: AbortSignal.timeout(this.limits.handlerTimeoutMs) })
      await stream.close({ signal: AbortSignal.timeout(this.limits.handlerTimeoutMs) })
    }
    let handlerSignal: ClearableSignal | undefined
    try {
      const limit = this.limits.rateLimits[handler.protocol as ProtocolId] ?? handler.rate
      if (!limiter.take(key, handler.protocol, limit)) {
        const { banned } = this.punish(peer, 'rateLimited', false)
        if (!banned) await refuse('RATE_LIMITED', 'rate limit exceeded')
        else stream.abort(new Error('banned'))
        return
      }
      let body: Uint8Array
      try {
        body = await withTimeout(this.components.signal, this.limits.readTimeoutMs, async (s) => await readFrame(stream, { maxBytes: spec.maxRequestBytes, signal: s }))
      } catch (err) {
        stream.abort(err as Error)
        // a stream closed before a whole frame is a cancelled request, not an attack
        if (err instanceof TruncatedMessageError) return
        if (err instanceof MessageTooLargeError) this.punish(peer, 'oversized', true)
        else if (isWireError(err)) this.punish(peer, 'malformed', true)
        else if (err instanceof AbortError && !this.components.signal.aborted) this.punish(peer, 'timeout', false)
        return
      }
      let request: unknown
      try {
        request = decodeRequest(handler.protocol, body)
      } catch (err) {
        // answer first so an honest-but-buggy client learns why, then drop the connection
        await refuse('BAD_REQUEST', (err as Error).message.slice(0, 512)).catch(() => {})
        this.punish(peer, 'malformed', true)
        return
      }
      const signal = handlerSignal = linkSignals(AbortSignal.timeout(this.limits.handlerTimeoutMs), this.components.signal)
      let response: unknown
      try {
        response = await handler.handle(request, { peer, signal, services })
      } catch (err) {
        const refusal = refusalOf(err)
        if (refusal === 'INTERNAL') log.error('%s handler failed for %p: %e', handler.protocol, peer, err)
        await refuse(refusal, refusalMessage(err, refusal), request)
        return
      }
      await writeFrame(stream, encodeOnce(handler.protocol, response), { signal })
      await stream.close({ signal })
    } catch (err) {
      // the peer went away or the write timed out: nothing to answer
      log('%s stream from %p failed: %s', handler.protocol, peer, (err as Error).message)
      stream.abort(err as Error)
    } finally {
      handlerSignal?.clear()
      const left = (this.active.get(key) ?? 1) - 1
      if (left <= 0) this.active.delete(key)
      else this.active.set(key, left)
    }
  }
}
