/**
 * Typed errors for everything that reads bytes off the network. Decoders throw only these (plus
 * AbortError when a wait is cancelled), never a bare RangeError or TypeError, so a transport can
 * map any failure to a peer penalty without guessing.
 */
import { GlowmeshError } from '../errors.js'

/** A frame or message declares or has more bytes than its protocol allows. @example throw new MessageTooLargeError(size, MAX_TX_REQUEST_BYTES, 'frame') */
export class MessageTooLargeError extends GlowmeshError {
  override name = 'MessageTooLargeError'
  /** The size that was declared or found (may exceed Number.MAX_SAFE_INTEGER's precision). */
  readonly size: number
  /** The limit it broke. */
  readonly limit: number
  constructor (size: number, limit: number, what = 'message') {
    super('MESSAGE_TOO_LARGE', `${what}: ${size} bytes exceeds the limit of ${limit}`)
    this.size = size
    this.limit = limit
  }
}

/** Input ended inside a length prefix or before the body it announced. @example throw new TruncatedMessageError('input ends inside the length prefix') */
export class TruncatedMessageError extends GlowmeshError {
  override name = 'TruncatedMessageError'
  constructor (message: string) {
    super('TRUNCATED_MESSAGE', message)
  }
}

/** Bytes that are not a valid message: bad varint, protobuf parse failure, wrong sizes or counts. @example throw new MalformedMessageError('SegmentRequest.root: expected 32 bytes, got 31') */
export class MalformedMessageError extends GlowmeshError {
  override name = 'MalformedMessageError'
  constructor (message: string, options?: { cause?: unknown }) {
    super('MALFORMED_MESSAGE', message, options)
  }
}

/** An envelope names a protocol id that is not one of glowmesh's. @example throw new UnknownProtocolError('/glowmesh/nope/1.0.0') */
export class UnknownProtocolError extends MalformedMessageError {
  override name = 'UnknownProtocolError'
  readonly protocol: string
  constructor (protocol: string) {
    super(`unknown protocol '${protocol.slice(0, 64)}'`)
    this.protocol = protocol
  }
}

/** A wait was cancelled through its AbortSignal. @example if (signal.aborted) throw new AbortError(undefined, { cause: signal.reason }) */
export class AbortError extends GlowmeshError {
  override name = 'AbortError'
  constructor (message = 'the operation was aborted', options?: { cause?: unknown }) {
    super('ABORTED', message, options)
  }
}

/** True for the errors a decoder may throw on hostile input. @example isWireError(e) */
export function isWireError (err: unknown): err is MessageTooLargeError | TruncatedMessageError | MalformedMessageError {
  return err instanceof MessageTooLargeError || err instanceof TruncatedMessageError || err instanceof MalformedMessageError
}
