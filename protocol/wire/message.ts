/**
 * A message type bundles a generated protons codec with its byte limit and its semantic checks,
 * so `decodeMessage` is the one safe way to read a body: size check, parse, validate.
 */
import type { Uint8ArrayList } from 'uint8arraylist'
import { isWireError, MalformedMessageError, MessageTooLargeError } from './errors.js'

/** What a generated protons namespace provides. */
export interface ProtonsCodec<T> {
  encode: (obj: Partial<T>) => Uint8Array
  decode: (buf: Uint8Array | Uint8ArrayList) => T
}

/** A wire message: name, codec, hard size limit and semantic validation. */
export interface MessageType<T> {
  /** The protobuf message name, e.g. `SampleRequest`. */
  readonly name: string
  /** Largest encoding accepted, in bytes. */
  readonly maxBytes: number
  readonly codec: ProtonsCodec<T>
  /** Throws MalformedMessageError if `msg` breaks a size, range or cross-field rule. */
  readonly validate: (msg: T) => void
}

/** Builds a MessageType. @example const T = defineMessage({ name: 'TxRequest', maxBytes: 1024, codec: TxRequest, validate }) */
export function defineMessage<T> (spec: MessageType<T>): MessageType<T> {
  return Object.freeze({ ...spec })
}

/**
 * Validates `msg` against its type's rules; throws MalformedMessageError.
 * @example validateMessage(MESSAGES.sampleRequest, { height: 5n, columns: [1, 2] })
 */
export function validateMessage<T> (type: MessageType<T>, msg: T): void {
  if (msg === null || typeof msg !== 'object') throw new MalformedMessageError(`${type.name}: expected an object`)
  try {
    type.validate(msg)
  } catch (err) {
    if (isWireError(err)) throw err
    // a validator tripping over a hostile shape is still the message's fault
    throw new MalformedMessageError(`${type.name}: ${(err as Error)?.message ?? String(err)}`, { cause: err })
  }
}

/**
 * Validates and encodes `msg`; throws MalformedMessageError or MessageTooLargeError.
 * @example const body = encodeMessage(MESSAGES.txRequest, { tx })
 */
export function encodeMessage<T> (type: MessageType<T>, msg: T): Uint8Array {
  validateMessage(type, msg)
  let bytes: Uint8Array
  try {
    bytes = type.codec.encode(msg)
  } catch (err) {
    throw new MalformedMessageError(`${type.name}: cannot encode: ${(err as Error)?.message ?? String(err)}`, { cause: err })
  }
  if (bytes.length > type.maxBytes) throw new MessageTooLargeError(bytes.length, type.maxBytes, type.name)
  return bytes
}

/**
 * Decodes and validates a body; throws MessageTooLargeError or MalformedMessageError, nothing else.
 * @example const req = decodeMessage(MESSAGES.sampleRequest, body)
 */
export function decodeMessage<T> (type: MessageType<T>, bytes: Uint8Array | Uint8ArrayList): T {
  if (bytes.byteLength > type.maxBytes) throw new MessageTooLargeError(bytes.byteLength, type.maxBytes, type.name)
  let msg: T
  try {
    msg = type.codec.decode(bytes)
  } catch (err) {
    // protons throws RangeError (truncated field), Error (bad wire type, enum value), MaxLengthError
    // (repeated limit) or a stack overflow on nested groups: all mean "not a valid message"
    throw new MalformedMessageError(`${type.name}: ${(err as Error)?.message ?? 'parse failure'}`, { cause: err })
  }
  validateMessage(type, msg)
  return msg
}
