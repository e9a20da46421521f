/**
 * The shape of one request/response protocol's server side. Adding a protocol (sample, challenge,
 * job) is one file in handlers/ exporting a ProtocolHandler, plus one line in handlers/index.ts:
 * framing, limits, timeouts, rate limits, stream caps and peer scoring are the server's job.
 */
import type { PeerId } from '@libp2p/interface'
import { encodeResponse, type ProtocolId, type RequestOf, type ResponseOf } from '../../protocol/wire/index.js'
import type { RateLimit } from './rate-limit.js'
import type { NetServices } from './services.js'

// A handler that answers many peers with the same response object (sync's `latest`: every light
// client asks for the newest light block each second) has it encoded once, for the libp2p request
// server and the WebSocket endpoint alike.
const encoded = new WeakMap<object, Uint8Array>()

/**
 * A handler's response as wire bytes, encoded once per response object.
 * @example await writeFrame(stream, encodeOnce(handler.protocol, response))
 */
export function encodeOnce (protocol: ProtocolId, response: unknown): Uint8Array {
  if (typeof response !== 'object' || response === null) return encodeResponse(protocol, response as never)
  let bytes = encoded.get(response)
  if (bytes === undefined) { bytes = encodeResponse(protocol, response as never); encoded.set(response, bytes) }
  return bytes
}

/** Why a request got no real answer; each handler maps these to its protocol's status enum. */
export type Refusal = 'NOT_FOUND' | 'PRUNED' | 'BAD_REQUEST' | 'RATE_LIMITED' | 'INTERNAL'

/** What a handler gets besides the request. */
export interface HandlerContext {
  /** The asking peer. */
  peer: PeerId
  /** Fires on the request's deadline or when the node stops. */
  signal: AbortSignal
  services: NetServices
}

export interface ProtocolHandler<P extends ProtocolId = ProtocolId> {
  readonly protocol: P
  /** Default per-peer token bucket for this protocol (NetNodeOptions.rateLimits overrides). */
  readonly rate: RateLimit
  /** Answers a decoded, validated request. Throw (with a `code`, see services.ts) to refuse. */
  handle: (request: RequestOf<P>, ctx: HandlerContext) => Promise<ResponseOf<P>>
  /**
   * The response that says `refusal`, or undefined when the protocol can't express it (the stream
   * is then reset). `request` is there when it was read.
   */
  refuse: (refusal: Refusal, message: string, request?: RequestOf<P>) => ResponseOf<P> | undefined
}

/** Identity helper that keeps a handler's protocol type. @example export const txHandler = defineHandler({ protocol: TX_PROTOCOL, … }) */
export function defineHandler<P extends ProtocolId> (h: ProtocolHandler<P>): ProtocolHandler<P> {
  return Object.freeze(h)
}

/**
 * Maps a service error to a refusal by its `code`: NOT_FOUND, TOMBSTONED and the flow store's
 * "not held here" codes (UNKNOWN_FILE, SEGMENT_MISSING — a file still being uploaded or mirrored —
 * FILE_TOMBSTONED) → NOT_FOUND; PRUNED, FILE_PRUNED → PRUNED.
 * @example refusalOf(new PrunedError('…')) // 'PRUNED'
 */
export function refusalOf (err: unknown): Refusal {
  const code = (err as { code?: unknown } | null)?.code
  if (code === 'NOT_FOUND' || code === 'TOMBSTONED' || code === 'UNKNOWN_FILE' || code === 'SEGMENT_MISSING' || code === 'FILE_TOMBSTONED') return 'NOT_FOUND'
  if (code === 'PRUNED' || code === 'FILE_PRUNED') return 'PRUNED'
  // a segment index past the file's end is the asker's mistake (the HTTP route answers it 400 too)
  if (code === 'INVALID_INPUT' || code === 'BAD_REQUEST' || code === 'SEGMENT_OUT_OF_RANGE') return 'BAD_REQUEST'
  return 'INTERNAL'
}

/** A status message a peer may see: the error's own text for typed refusals, nothing internal otherwise. */
export function refusalMessage (err: unknown, refusal: Refusal): string {
  if (refusal === 'INTERNAL') return 'internal error'
  const msg = String((err as { message?: unknown } | null)?.message ?? '')
  return truncateUtf8(msg, 512)
}

/** Cuts a string to at most `maxBytes` of UTF-8, on a character boundary. @example truncateUtf8('héllo', 2) // 'h' */
export function truncateUtf8 (text: string, maxBytes: number): string {
  const bytes = new TextEncoder().encode(text)
  if (bytes.length <= maxBytes) return text
  let end = maxBytes
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--
  return new TextDecoder().decode(bytes.subarray(0, end))
}
