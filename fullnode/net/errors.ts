/**
 * Typed errors of the libp2p serving layer. Services (flow store, engine RPC) may throw their own
 * errors: the handlers map them to wire statuses by `code` (NOT_FOUND, PRUNED, TOMBSTONED), so a
 * store never has to import this module.
 */
import { GlowmeshError } from '../../protocol/errors.js'

/** A key that is not a 32-byte ed25519 seed, or whose public key doesn't match. @example throw new InvalidKeyError('seed must be 32 bytes') */
export class InvalidKeyError extends GlowmeshError {
  override name = 'InvalidKeyError'
  constructor (message: string) { super('INVALID_KEY', message, { exitCode: 2 }) }
}

/** What was asked for isn't held (height above the head, unknown root or index). @example throw new NotFoundError('height 99 is above the head 12') */
export class NotFoundError extends GlowmeshError {
  override name = 'NotFoundError'
  constructor (message: string) { super('NOT_FOUND', message) }
}

/** The file expired and its bytes were pruned (its flow range stays). @example throw new PrunedError('file 0x… expired at epoch 9') */
export class PrunedError extends GlowmeshError {
  override name = 'PrunedError'
  constructor (message: string) { super('PRUNED', message) }
}

/** The range was rejected (wrong CID) and tombstoned: never served. @example throw new TombstonedError('submission 7 was rejected') */
export class TombstonedError extends GlowmeshError {
  override name = 'TombstonedError'
  constructor (message: string) { super('TOMBSTONED', message) }
}

/** The peer answered RATE_LIMITED. @example if (err instanceof RateLimitedError) await backOff() */
export class RateLimitedError extends GlowmeshError {
  override name = 'RateLimitedError'
  constructor (message: string) { super('RATE_LIMITED', message) }
}

/** The peer answered BAD_REQUEST or INTERNAL (or another non-OK status). @example err.status // 'INTERNAL' */
export class RemoteError extends GlowmeshError {
  override name = 'RemoteError'
  readonly status: string
  constructor (status: string, message: string) {
    super('REMOTE_ERROR', `peer answered ${status}${message === '' ? '' : `: ${message}`}`)
    this.status = status
  }
}

/** The peer reset or closed the stream without an answer (refused: banned, overloaded, rate limited). @example throw new StreamRefusedError('/glowmesh/tx/1.0.0') */
export class StreamRefusedError extends GlowmeshError {
  override name = 'StreamRefusedError'
  constructor (message: string, options?: { cause?: unknown }) { super('STREAM_REFUSED', message, options) }
}

/** A request ran past its timeout. @example throw new RequestTimeoutError('/glowmesh/sync/1.0.0', 10_000) */
export class RequestTimeoutError extends GlowmeshError {
  override name = 'RequestTimeoutError'
  readonly timeoutMs: number
  constructor (what: string, timeoutMs: number) {
    super('TIMEOUT', `${what}: no answer within ${timeoutMs} ms`)
    this.timeoutMs = timeoutMs
  }
}

/** An answer that decodes but doesn't answer the question (wrong heights, proof that fails). @example throw new InvalidResponseError('asked for height 5, got 6') */
export class InvalidResponseError extends GlowmeshError {
  override name = 'InvalidResponseError'
  constructor (message: string) { super('INVALID_RESPONSE', message) }
}

/** The network node was used after stop(). @example throw new NetStoppedError() */
export class NetStoppedError extends GlowmeshError {
  override name = 'NetStoppedError'
  constructor () { super('NET_STOPPED', 'the network node is stopped') }
}
