// Typed errors of the DA module. All are bad input (exit status 2) except KzgUnavailableError,
// which means this runtime can't load a KZG backend (exit status 1).
import { GlowmeshError } from '../errors.js'

/** A payload with no bytes: there is nothing to make available (0G rejects empty files too). */
export class EmptyPayloadError extends GlowmeshError {
  override name = 'EmptyPayloadError'
  constructor (message = 'empty payload: there is nothing to make available') {
    super('EMPTY_PAYLOAD', message, { exitCode: 2 })
  }
}

/** A blob of the wrong length, with a non-zero first byte in a field element, or non-zero padding. */
export class MalformedBlobError extends GlowmeshError {
  override name = 'MalformedBlobError'
  constructor (message: string) {
    super('MALFORMED_BLOB', message, { exitCode: 2 })
  }
}

/** A cell, proof, commitment or cell index of the wrong shape, or batch arrays of unequal length. */
export class MalformedCellError extends GlowmeshError {
  override name = 'MalformedCellError'
  constructor (message: string) {
    super('MALFORMED_CELL', message, { exitCode: 2 })
  }
}

/** Too few distinct cells (fewer than 64), or duplicated indices, to recover a blob. */
export class InsufficientCellsError extends GlowmeshError {
  override name = 'InsufficientCellsError'
  constructor (message: string) {
    super('INSUFFICIENT_CELLS', message, { exitCode: 2 })
  }
}

/** A sample count outside [1, 128] or a seed too short to be unpredictable. */
export class InvalidSampleError extends GlowmeshError {
  override name = 'InvalidSampleError'
  constructor (message: string) {
    super('INVALID_SAMPLE', message, { exitCode: 2 })
  }
}

/** A KZG backend that can't be loaded here (no native binding, setup failed to load). */
export class KzgUnavailableError extends GlowmeshError {
  override name = 'KzgUnavailableError'
  constructor (message: string, options?: { cause?: unknown }) {
    super('KZG_UNAVAILABLE', message, { ...options, exitCode: 1 })
  }
}
