/**
 * Typed errors of the light node. Each has a stable `name` and `code` (GlowmeshError); events carry
 * them, so a dashboard can branch on `code` without `instanceof`.
 */
import { GlowmeshError } from '../protocol/errors.js'

/** The genesis we were given (or served) does not hash to the pinned genesis hash. */
export class GenesisMismatchError extends GlowmeshError {
  override name = 'GenesisMismatchError'
  constructor (expected: string, got: string) {
    super('GENESIS_MISMATCH', `genesis hashes to ${got}, but ${expected} is pinned`, { exitCode: 2 })
  }
}

/** A genesis document the light node cannot use (not JSON, no chain id, no validators…). */
export class InvalidGenesisError extends GlowmeshError {
  override name = 'InvalidGenesisError'
  constructor (message: string, options?: { cause?: unknown }) { super('INVALID_GENESIS', message, { ...options, exitCode: 2 }) }
}

/** No full node to ask right now (none connected, or all of them were caught lying recently). */
export class NoPeersError extends GlowmeshError {
  override name = 'NoPeersError'
  constructor (message = 'no usable full-node peers') { super('NO_PEERS', message) }
}

/** The first header's validators are not the genesis validators, or too few of them signed it. */
export class GenesisHeaderError extends GlowmeshError {
  override name = 'GenesisHeaderError'
  constructor (message: string, options?: { cause?: unknown }) { super('GENESIS_HEADER', message, options) }
}

/** Two verified headers at one height disagree: the validators signed a fork. Nothing more is trusted. */
export class ForkDetectedError extends GlowmeshError {
  override name = 'ForkDetectedError'
  readonly height: bigint
  constructor (height: bigint, message: string) {
    super('FORK_DETECTED', message)
    this.height = height
  }
}

/** A sample response that doesn't prove what it claims (wrong height/columns, bad inclusion, bad cells). */
export class InvalidSampleResponseError extends GlowmeshError {
  override name = 'InvalidSampleResponseError'
  constructor (message: string, options?: { cause?: unknown }) { super('INVALID_SAMPLE_RESPONSE', message, options) }
}

/** A block whose sampled columns could not all be verified from any peer: it is not available. */
export class BlockUnavailableError extends GlowmeshError {
  override name = 'BlockUnavailableError'
  readonly height: bigint
  constructor (height: bigint, message: string) {
    super('BLOCK_UNAVAILABLE', message)
    this.height = height
  }
}

/** A store key that is empty, too long or not a string. */
export class InvalidStoreKeyError extends GlowmeshError {
  override name = 'InvalidStoreKeyError'
  constructor (message: string) { super('INVALID_STORE_KEY', message, { exitCode: 2 }) }
}

/** A value over the store's 2 MiB limit (what every platform's store can hold). */
export class StoreValueTooLargeError extends GlowmeshError {
  override name = 'StoreValueTooLargeError'
  constructor (bytes: number, max: number) { super('STORE_VALUE_TOO_LARGE', `value of ${bytes} bytes exceeds the ${max}-byte limit`, { exitCode: 2 }) }
}

/** A record in the store that doesn't decode (corrupted or from another version). */
export class CorruptRecordError extends GlowmeshError {
  override name = 'CorruptRecordError'
  constructor (key: string, options?: { cause?: unknown }) { super('CORRUPT_RECORD', `store record '${key}' does not decode`, options) }
}

/** The light node was used after stop(), or start() was called twice. */
export class LightNodeStateError extends GlowmeshError {
  override name = 'LightNodeStateError'
  constructor (message: string) { super('LIGHT_NODE_STATE', message) }
}

/** Storage contribution was asked for but no storage module is installed. */
export class StorageUnavailableError extends GlowmeshError {
  override name = 'StorageUnavailableError'
  constructor (message = 'storage contribution is not available in this build (client/storage is missing)') { super('STORAGE_UNAVAILABLE', message, { exitCode: 2 }) }
}
