/**
 * Typed errors of the chain module. Each has a stable `name` and `code` (see protocol/errors.ts);
 * the light client branches on them: only `NotEnoughTrustError` makes skipping verification
 * bisect, every other failure rejects the header.
 */
import { GlowmeshError } from '../errors.js'

/** Bytes that are not a well-formed protobuf message (truncated, bad varint, bad wire type). */
export class ProtobufDecodeError extends GlowmeshError {
  override name = 'ProtobufDecodeError'
  constructor (message: string) { super('MALFORMED_PROTOBUF', message, { exitCode: 2 }) }
}

/** A header (or signed header) that is malformed, inconsistent, or does not follow the trusted one. */
export class InvalidHeaderError extends GlowmeshError {
  override name = 'InvalidHeaderError'
  constructor (message: string, options?: { cause?: unknown }) { super('INVALID_HEADER', message, options) }
}

/** A commit whose shape is wrong: size, height, block id, flags, duplicate votes, unknown signers. */
export class InvalidCommitError extends GlowmeshError {
  override name = 'InvalidCommitError'
  constructor (message: string) { super('INVALID_COMMIT', message) }
}

/** A commit signature that does not verify against the validator's key. */
export class InvalidSignatureError extends GlowmeshError {
  override name = 'InvalidSignatureError'
  /** Index of the offending signature in `commit.signatures`. */
  readonly index: number
  constructor (index: number, message: string) {
    super('INVALID_SIGNATURE', message)
    this.index = index
  }
}

/** A validator set that is empty, has duplicates, zero/negative power or too much total power. */
export class InvalidValidatorSetError extends GlowmeshError {
  override name = 'InvalidValidatorSetError'
  constructor (message: string) { super('INVALID_VALIDATOR_SET', message, { exitCode: 2 }) }
}

/** Valid signatures carried no more than the needed voting power (`got <= needed`). */
export class InsufficientSignaturesError extends GlowmeshError {
  override name = 'InsufficientSignaturesError'
  /** Voting power of the valid signatures counted. */
  readonly got: bigint
  /** The power that must be strictly exceeded. */
  readonly needed: bigint
  constructor (got: bigint, needed: bigint, message?: string, code = 'INSUFFICIENT_SIGNATURES') {
    super(code, message ?? `insufficient voting power signed: got ${got}, need more than ${needed}`)
    this.got = got
    this.needed = needed
  }
}

/**
 * Not more than trustLevel of the trusted validators signed the new header. Not proof of an attack:
 * the set may simply have changed too much, so skipping verification bisects on this error.
 */
export class NotEnoughTrustError extends InsufficientSignaturesError {
  override name = 'NotEnoughTrustError'
  constructor (got: bigint, needed: bigint) {
    super(got, needed, `not enough trusted voting power signed: got ${got}, need more than ${needed}`, 'NOT_ENOUGH_TRUST')
  }
}

/** The trusted header is older than the trusting period: re-anchor to a fresh checkpoint. */
export class TrustExpiredError extends GlowmeshError {
  override name = 'TrustExpiredError'
  /** Height of the expired trusted header. */
  readonly height: bigint
  constructor (height: bigint, message: string) {
    super('TRUST_EXPIRED', message)
    this.height = height
  }
}

/** A light block the fetcher returned that cannot be used (wrong height, missing parts). */
export class BadLightBlockError extends GlowmeshError {
  override name = 'BadLightBlockError'
  constructor (message: string, options?: { cause?: unknown }) { super('BAD_LIGHT_BLOCK', message, options) }
}

/** A transaction that is not canonically encoded, truncated, or has out-of-range fields. */
export class MalformedTxError extends GlowmeshError {
  override name = 'MalformedTxError'
  constructor (message: string, options?: { cause?: unknown }) { super('MALFORMED_TX', message, { ...options, exitCode: 2 }) }
}

/** A transaction larger than the hard size limit. */
export class TxTooLargeError extends GlowmeshError {
  override name = 'TxTooLargeError'
  readonly size: number
  readonly maxBytes: number
  constructor (size: number, maxBytes: number) {
    super('TX_TOO_LARGE', `transaction is ${size} bytes, limit is ${maxBytes}`, { exitCode: 2 })
    this.size = size
    this.maxBytes = maxBytes
  }
}

/** CometBFT RPC JSON that lacks a field or has one in the wrong format. */
export class InvalidJsonError extends GlowmeshError {
  override name = 'InvalidJsonError'
  constructor (message: string, options?: { cause?: unknown }) { super('INVALID_JSON', message, { ...options, exitCode: 2 }) }
}
