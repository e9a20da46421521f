/**
 * The registry: every glowmesh protocol id with its request, response and push message types and
 * their hard size limits, so libp2p handlers and the WebSocket envelope look things up in one place.
 */
import type { Uint8ArrayList } from 'uint8arraylist'
import { UnknownProtocolError } from './errors.js'
import { decodeMessage, encodeMessage, type MessageType } from './message.js'
import { challenge, challengeAnswer, challengeReceipt } from './messages/challenge.js'
import { jobOffer, jobRequest, jobResponse } from './messages/job.js'
import { sampleRequest, sampleResponse } from './messages/sample.js'
import { segmentRequest, segmentResponse } from './messages/segment.js'
import { newHeader, syncRequest, syncResponse } from './messages/sync.js'
import { txRequest, txResponse } from './messages/tx.js'
import { flowRequest, flowResponse } from './messages/flow.js'
import { poraStateRequest, poraStateResponse } from './messages/pora-state.js'

export const SYNC_PROTOCOL = '/glowmesh/sync/1.0.0'
export const SAMPLE_PROTOCOL = '/glowmesh/sample/1.0.0'
export const SEGMENT_PROTOCOL = '/glowmesh/segment/1.0.0'
export const CHALLENGE_PROTOCOL = '/glowmesh/challenge/1.0.0'
export const JOB_PROTOCOL = '/glowmesh/job/1.0.0'
export const TX_PROTOCOL = '/glowmesh/tx/1.0.0'
export const FLOW_PROTOCOL = '/glowmesh/flow/1.0.0'
/** Proven PoRA chain state (libp2p: JSON frames, fullnode/pora/state-service.ts; the WebSocket envelope: these messages). */
export const PORA_STATE_PROTOCOL = '/glowmesh/pora-state/1.0.0'

/** One protocol's message types and limits. */
export interface ProtocolSpec<Req, Res, Push> {
  /** Short name, e.g. `sample`. */
  readonly name: string
  readonly request: MessageType<Req>
  readonly response: MessageType<Res>
  /** One-way message the serving side may send unasked (over the envelope or gossip), if any. */
  readonly push: MessageType<Push> | undefined
  readonly maxRequestBytes: number
  readonly maxResponseBytes: number
  /** 0 when the protocol has no push. */
  readonly maxPushBytes: number
}

function spec<Req, Res, Push = never> (name: string, request: MessageType<Req>, response: MessageType<Res>, push?: MessageType<Push>): ProtocolSpec<Req, Res, Push> {
  return Object.freeze({
    name,
    request,
    response,
    push,
    maxRequestBytes: request.maxBytes,
    maxResponseBytes: response.maxBytes,
    maxPushBytes: push?.maxBytes ?? 0
  })
}

/** Every protocol, keyed by its libp2p protocol id. */
export const PROTOCOLS = Object.freeze({
  [SYNC_PROTOCOL]: spec('sync', syncRequest, syncResponse, newHeader),
  [SAMPLE_PROTOCOL]: spec('sample', sampleRequest, sampleResponse),
  [SEGMENT_PROTOCOL]: spec('segment', segmentRequest, segmentResponse),
  // the challenger opens the exchange: its challenge is the request, the node's answer the response
  [CHALLENGE_PROTOCOL]: spec('challenge', challenge, challengeAnswer, challengeReceipt),
  // full nodes push new offers to workers
  [JOB_PROTOCOL]: spec('job', jobRequest, jobResponse, jobOffer),
  [TX_PROTOCOL]: spec('tx', txRequest, txResponse),
  // PoRA sealing input: raw flow bytes by position (light nodes compare two full nodes' answers)
  [FLOW_PROTOCOL]: spec('flow', flowRequest, flowResponse),
  // PoRA state with MPT proofs for light nodes on the WebSocket envelope (the edge)
  [PORA_STATE_PROTOCOL]: spec('pora-state', poraStateRequest, poraStateResponse)
})

export type Protocols = typeof PROTOCOLS
/** One of the six `/glowmesh/<name>/1.0.0` ids. */
export type ProtocolId = keyof Protocols
type MessageOf<M> = M extends MessageType<infer T> ? T : never
/** The request message of protocol `P`. */
export type RequestOf<P extends ProtocolId> = MessageOf<Protocols[P]['request']>
/** The response message of protocol `P`. */
export type ResponseOf<P extends ProtocolId> = MessageOf<Protocols[P]['response']>
/** The push message of protocol `P` (never for protocols without one). */
export type PushOf<P extends ProtocolId> = MessageOf<NonNullable<Protocols[P]['push']>>

/** All protocol ids, in DESIGN §7's order. */
export const PROTOCOL_IDS: readonly ProtocolId[] = Object.freeze(Object.keys(PROTOCOLS) as ProtocolId[])

/** The largest message any protocol accepts in any direction. */
export const MAX_MESSAGE_BYTES = Math.max(...PROTOCOL_IDS.map((id) => {
  const p = PROTOCOLS[id]
  return Math.max(p.maxRequestBytes, p.maxResponseBytes, p.maxPushBytes)
}))

/** True if `id` is a glowmesh protocol id. @example isProtocolId('/glowmesh/tx/1.0.0') // true */
export function isProtocolId (id: unknown): id is ProtocolId {
  return typeof id === 'string' && Object.prototype.hasOwnProperty.call(PROTOCOLS, id)
}

/** The registry entry for `id`; throws UnknownProtocolError. @example getProtocol(SAMPLE_PROTOCOL).maxResponseBytes */
export function getProtocol<P extends ProtocolId> (id: P): Protocols[P] {
  if (!isProtocolId(id)) throw new UnknownProtocolError(String(id))
  return PROTOCOLS[id]
}

/** Message type for `kind` of `protocol`, or undefined for a push the protocol lacks. */
function typeFor (protocol: ProtocolId, kind: 'request' | 'response' | 'push'): MessageType<any> | undefined {
  return getProtocol(protocol)[kind] as MessageType<any> | undefined
}

/** Validates and encodes a request body. @example encodeRequest(TX_PROTOCOL, { tx }) */
export function encodeRequest<P extends ProtocolId> (protocol: P, msg: RequestOf<P>): Uint8Array {
  return encodeMessage(typeFor(protocol, 'request')!, msg)
}

/** Decodes and validates a request body under the protocol's limit. @example decodeRequest(SAMPLE_PROTOCOL, body).columns */
export function decodeRequest<P extends ProtocolId> (protocol: P, bytes: Uint8Array | Uint8ArrayList): RequestOf<P> {
  return decodeMessage(typeFor(protocol, 'request')!, bytes)
}

/** Validates and encodes a response body. @example encodeResponse(TX_PROTOCOL, { txHash, code: 0, log: '' }) */
export function encodeResponse<P extends ProtocolId> (protocol: P, msg: ResponseOf<P>): Uint8Array {
  return encodeMessage(typeFor(protocol, 'response')!, msg)
}

/** Decodes and validates a response body under the protocol's limit. @example decodeResponse(TX_PROTOCOL, body).code */
export function decodeResponse<P extends ProtocolId> (protocol: P, bytes: Uint8Array | Uint8ArrayList): ResponseOf<P> {
  return decodeMessage(typeFor(protocol, 'response')!, bytes)
}

function pushType (protocol: ProtocolId): MessageType<any> {
  const t = typeFor(protocol, 'push')
  if (t === undefined) throw new UnknownProtocolError(`${protocol} (no push message)`)
  return t
}

/** Validates and encodes a push body (NewHeader, ChallengeReceipt, JobOffer). @example encodePush(SYNC_PROTOCOL, { lightBlock }) */
export function encodePush<P extends ProtocolId> (protocol: P, msg: PushOf<P>): Uint8Array {
  return encodeMessage(pushType(protocol), msg)
}

/** Decodes and validates a push body; throws UnknownProtocolError for a protocol without pushes. @example decodePush(SYNC_PROTOCOL, body).lightBlock */
export function decodePush<P extends ProtocolId> (protocol: P, bytes: Uint8Array | Uint8ArrayList): PushOf<P> {
  return decodeMessage(pushType(protocol), bytes)
}
