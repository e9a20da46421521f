/** Typed errors of protocol/compute; each has a stable `name` and `code` (see protocol/errors.ts). */
import { GlowmeshError } from '../errors.js'

/** Model bytes or a model object that break the GMM1 format or its overflow bound. */
export class InvalidModelError extends GlowmeshError {
  override name = 'InvalidModelError'
  constructor (message: string, options?: { cause?: unknown }) { super('INVALID_MODEL', message, { ...options, exitCode: 2 }) }
}

/** Trace bytes or a trace object that break the GMT1 format or do not fit the model/batch. */
export class InvalidTraceError extends GlowmeshError {
  override name = 'InvalidTraceError'
  constructor (message: string, options?: { cause?: unknown }) { super('INVALID_TRACE', message, { ...options, exitCode: 2 }) }
}

/** An inference result document (JSON) that is malformed or inconsistent. */
export class InvalidResultError extends GlowmeshError {
  override name = 'InvalidResultError'
  constructor (message: string, options?: { cause?: unknown }) { super('INVALID_RESULT', message, { ...options, exitCode: 2 }) }
}
