/**
 * Typed errors of the light Worker's client (GlowmeshError: stable `name` and `code`). An error the
 * worker threw comes back by name and code and is re-thrown on the page as the same class when it is
 * one of protocol/'s (MalformedCellError, InvalidSealParamsError…), else as WorkerRemoteError
 * carrying the worker's name and code.
 */
import { GlowmeshError, InvalidInputError } from '../protocol/errors.js'
import { InsufficientCellsError, KzgUnavailableError, MalformedBlobError, MalformedCellError } from '../protocol/da/index.js'
import { InvalidSealParamsError, MalformedPoraMessageError } from '../protocol/pora/errors.js'
import { InvalidModelError } from '../protocol/compute/errors.js'
import { WebGpuAbortedError, WebGpuDeviceLostError, WebGpuError, WebGpuUnavailableError } from './gpu/errors.js'

/** This runtime has no module Worker, or the worker script failed to load. */
export class WorkerUnavailableError extends GlowmeshError {
  override name = 'WorkerUnavailableError'
  constructor (message: string, options?: { cause?: unknown }) { super('WORKER_UNAVAILABLE', message, options) }
}

/** The worker died (uncaught error, out of memory) while a call was running; the call failed, the next one gets a fresh worker. */
export class WorkerCrashedError extends GlowmeshError {
  override name = 'WorkerCrashedError'
  constructor (message: string, options?: { cause?: unknown }) { super('WORKER_CRASHED', message, options) }
}

/** The call's AbortSignal fired: a queued call was dropped, a running one's worker terminated. */
export class WorkerAbortedError extends GlowmeshError {
  override name = 'WorkerAbortedError'
  constructor (message: string, options?: { cause?: unknown }) { super('WORKER_ABORTED', message, options) }
}

/** `terminate()` was called (or the client's signal fired): no more calls. */
export class WorkerTerminatedError extends GlowmeshError {
  override name = 'WorkerTerminatedError'
  constructor (message = 'the light worker was terminated') { super('WORKER_TERMINATED', message) }
}

/** An error of a kind the page doesn't know, thrown inside the worker; `name` and `code` are the worker's. */
export class WorkerRemoteError extends GlowmeshError {
  override name = 'WorkerRemoteError'
  constructor (remote: { name: string, code?: string, message: string }) {
    super(remote.code ?? 'WORKER_REMOTE', remote.message)
    this.name = remote.name
  }
}

const KNOWN: Record<string, new (message: string) => GlowmeshError> = {
  MalformedCellError, InsufficientCellsError, MalformedBlobError, KzgUnavailableError, InvalidSealParamsError, MalformedPoraMessageError, InvalidInputError,
  InvalidModelError, WebGpuUnavailableError, WebGpuError, WebGpuDeviceLostError, WebGpuAbortedError
}

/**
 * The page-side error for an error the worker reported.
 * @example throw errorFromWorker({ name: 'MalformedCellError', code: 'MALFORMED_CELL', message: 'cell 3 is 12 bytes' })
 */
export function errorFromWorker (remote: { name: string, code?: string, message: string }): GlowmeshError {
  const Known = Object.hasOwn(KNOWN, remote.name) ? KNOWN[remote.name] : undefined
  if (Known !== undefined) {
    const e = new Known(remote.message)
    if (remote.code === undefined || e.code === remote.code) return e
  }
  return new WorkerRemoteError(remote)
}
