/**
 * The WebSocket envelope (DESIGN §7): workerd has no libp2p, so the edge keeps a WebSocket to a
 * full node and sends one envelope per binary WebSocket message (no length prefix: the WebSocket
 * frames it). Either side may send requests; a response or error carries the id of the request it
 * answers, so ids only need to be unique per sender. Pushes (new headers, receipts, job offers)
 * carry request id 0. Challenges reach the edge as requests from the full node.
 */
import type { Uint8ArrayList } from 'uint8arraylist'
import { Envelope, EnvelopeKind } from './pb/envelope.js'
import { MAX_ENVELOPE_OVERHEAD_BYTES, MAX_ERROR_CODE_LENGTH, MAX_STATUS_MESSAGE_BYTES } from './limits.js'
import { bytesExact, fail, oneOf, present, stringMax, u64, UINT64_MAX } from './check.js'
import { MessageTooLargeError, UnknownProtocolError } from './errors.js'
import { decodeMessage, defineMessage, encodeMessage } from './message.js'
import {
  decodePush, decodeRequest, decodeResponse, encodePush, encodeRequest, encodeResponse, getProtocol, isProtocolId,
  MAX_MESSAGE_BYTES, type ProtocolId, type PushOf, type RequestOf, type ResponseOf
} from './protocols.js'

/** Largest envelope accepted: the largest payload of any protocol plus the envelope's own fields. */
export const MAX_ENVELOPE_BYTES = MAX_MESSAGE_BYTES + MAX_ENVELOPE_OVERHEAD_BYTES

const KINDS = [EnvelopeKind.REQUEST, EnvelopeKind.RESPONSE, EnvelopeKind.PUSH, EnvelopeKind.ERROR]

/** Envelope rules: known protocol, payload within that protocol's limit for its kind, ids as above. */
function validateEnvelope (m: Envelope): void {
  if (typeof m.protocol !== 'string') fail('Envelope.protocol', 'expected a string')
  if (!isProtocolId(m.protocol)) throw new UnknownProtocolError(m.protocol)
  const spec = getProtocol(m.protocol)
  const kind = oneOf(m.kind, KINDS, 'Envelope.kind')
  u64(m.requestId, 0n, UINT64_MAX, 'Envelope.requestId')
  if (!(m.payload instanceof Uint8Array)) fail('Envelope.payload', 'expected bytes')
  if (kind === EnvelopeKind.ERROR) {
    const err = present(m.error, 'Envelope.error')
    stringMax(err.code, MAX_ERROR_CODE_LENGTH, 'Envelope.error.code')
    if (!/^[A-Z][A-Z0-9_]*$/.test(err.code)) fail('Envelope.error.code', 'expected an UPPER_SNAKE code')
    stringMax(err.message, MAX_STATUS_MESSAGE_BYTES, 'Envelope.error.message')
    bytesExact(m.payload, 0, 'Envelope.payload')
    return
  }
  if (m.error !== undefined) fail('Envelope.error', `must be absent in a ${kind}`)
  if (kind === EnvelopeKind.PUSH) {
    if (spec.push === undefined) fail('Envelope.kind', `${m.protocol} has no push message`)
    if (m.requestId !== 0n) fail('Envelope.requestId', 'must be 0 in a push')
  } else if (m.requestId === 0n) fail('Envelope.requestId', `must be ≥ 1 in a ${kind}`)
  const limit = kind === EnvelopeKind.REQUEST ? spec.maxRequestBytes : kind === EnvelopeKind.RESPONSE ? spec.maxResponseBytes : spec.maxPushBytes
  if (m.payload.length > limit) throw new MessageTooLargeError(m.payload.length, limit, `${m.protocol} ${kind.toLowerCase()} payload`)
}

/** The envelope as a message type (payload left encoded). */
export const envelope = defineMessage<Envelope>({
  name: 'Envelope',
  maxBytes: MAX_ENVELOPE_BYTES,
  codec: Envelope,
  validate: validateEnvelope
})

/** Validates and encodes an envelope whose payload is already encoded. @example encodeEnvelope({ requestId: 1n, protocol: TX_PROTOCOL, kind: EnvelopeKind.REQUEST, payload }) */
export function encodeEnvelope (env: Envelope): Uint8Array {
  return encodeMessage(envelope, env)
}

/** Decodes and validates an envelope (payload not decoded). @example decodeEnvelope(new Uint8Array(ev.data)).protocol */
export function decodeEnvelope (bytes: Uint8Array | Uint8ArrayList): Envelope {
  return decodeMessage(envelope, bytes)
}

/** An envelope with its payload decoded; distributes over protocols, so checking `protocol` and `kind` narrows `message`. */
export type OpenEnvelope<P extends ProtocolId = ProtocolId> = P extends ProtocolId
  ? | { kind: 'request', requestId: bigint, protocol: P, message: RequestOf<P> }
    | { kind: 'response', requestId: bigint, protocol: P, message: ResponseOf<P> }
    | { kind: 'push', requestId: 0n, protocol: P, message: PushOf<P> }
    | { kind: 'error', requestId: bigint, protocol: P, error: { code: string, message: string } }
  : never

/**
 * Validates and encodes a message into envelope bytes, ready for `ws.send`.
 * @example ws.send(packEnvelope({ kind: 'request', requestId: 7n, protocol: SAMPLE_PROTOCOL, message: { height: 9n, columns: [3, 77] } }))
 */
export function packEnvelope<P extends ProtocolId> (env: OpenEnvelope<P>): Uint8Array {
  if (env === null || typeof env !== 'object') fail('Envelope', 'expected an object')
  const base = { requestId: env.requestId, protocol: env.protocol }
  // the message types are checked per protocol at run time by encodeRequest & co.
  switch (env.kind) {
    case 'request': return encodeEnvelope({ ...base, kind: EnvelopeKind.REQUEST, payload: encodeRequest(env.protocol, env.message as never) })
    case 'response': return encodeEnvelope({ ...base, kind: EnvelopeKind.RESPONSE, payload: encodeResponse(env.protocol, env.message as never) })
    case 'push': return encodeEnvelope({ ...base, kind: EnvelopeKind.PUSH, payload: encodePush(env.protocol, env.message as never) })
    case 'error': return encodeEnvelope({ ...base, kind: EnvelopeKind.ERROR, payload: new Uint8Array(0), error: env.error })
    default: return fail('Envelope.kind', `unexpected value ${String((env as { kind: unknown }).kind)}`)
  }
}

/**
 * Decodes envelope bytes and the payload inside; throws only the typed wire errors.
 * @example const env = unpackEnvelope(new Uint8Array(ev.data)); if (env.kind === 'push') onHeader(env.message)
 */
export function unpackEnvelope (bytes: Uint8Array | Uint8ArrayList): OpenEnvelope {
  const env = decodeEnvelope(bytes)
  const protocol = env.protocol as ProtocolId
  const base = { requestId: env.requestId, protocol }
  // validateEnvelope has tied protocol, kind and payload together; the casts restate that
  switch (env.kind) {
    case EnvelopeKind.REQUEST: return { ...base, kind: 'request', message: decodeRequest(protocol, env.payload) } as OpenEnvelope
    case EnvelopeKind.RESPONSE: return { ...base, kind: 'response', message: decodeResponse(protocol, env.payload) } as OpenEnvelope
    case EnvelopeKind.PUSH: return { ...base, requestId: 0n, kind: 'push', message: decodePush(protocol, env.payload) } as OpenEnvelope
    default: return { ...base, kind: 'error', error: { code: env.error!.code, message: env.error!.message } } as OpenEnvelope
  }
}
