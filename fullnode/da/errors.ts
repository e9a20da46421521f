/**
 * Typed errors of the full node's DA path. Each carries a stable `name` and `code`; the RPC maps
 * them to HTTP statuses (bad input → 400) and the sample handler to wire statuses by `code`.
 */
import { GlowmeshError } from '../../protocol/errors.js'

/** A submission body that doesn't parse: wrong magic, lengths, counts, or a tx of another kind. @example throw new MalformedSubmissionError('body ends inside blob 3') */
export class MalformedSubmissionError extends GlowmeshError {
  override name = 'MalformedSubmissionError'
  constructor (message: string, options?: { cause?: unknown }) { super('MALFORMED_SUBMISSION', message, { ...options, exitCode: 2 }) }
}

/** More blobs (or bytes) than one submission may carry (64 blobs). @example throw new SubmissionTooLargeError('65 blobs; at most 64') */
export class SubmissionTooLargeError extends GlowmeshError {
  override name = 'SubmissionTooLargeError'
  constructor (message: string) { super('SUBMISSION_TOO_LARGE', message, { exitCode: 2 }) }
}

/** The tx's commitments don't match the blobs sent (count, order, or payload size). @example throw new CommitmentMismatchError('tx carries 2 commitments, 3 blobs sent') */
export class CommitmentMismatchError extends GlowmeshError {
  override name = 'CommitmentMismatchError'
  constructor (message: string) { super('COMMITMENT_MISMATCH', message, { exitCode: 2 }) }
}

/** At least one cell's KZG proof does not open against its commitment: nothing was kept. @example throw new InvalidCellsError('blob batch failed KZG verification') */
export class InvalidCellsError extends GlowmeshError {
  override name = 'InvalidCellsError'
  constructor (message: string) { super('INVALID_CELLS', message, { exitCode: 2 }) }
}

/** The cells of a blob (or of a block) are not held here: pruned, withheld, or not replicated yet. @example throw new NotAvailableError('height 12: blob 0x… not held') */
export class NotAvailableError extends GlowmeshError {
  override name = 'NotAvailableError'
  constructor (message: string) { super('NOT_AVAILABLE', message) }
}

/** A height above the newest committed block. @example throw new UnknownHeightError('height 99 is above the head 12') */
export class UnknownHeightError extends GlowmeshError {
  override name = 'UnknownHeightError'
  constructor (message: string) { super('NOT_FOUND', message) }
}

/** Columns × blobs over the wire's cell cap: ask for fewer columns. @example throw new SampleTooLargeError('16 columns × 200 blobs') */
export class SampleTooLargeError extends GlowmeshError {
  override name = 'SampleTooLargeError'
  constructor (message: string) { super('TOO_LARGE', message) }
}

/** An unknown or expired raw-encoding token (`POST /da/encode` → `POST /da/submit-raw`). @example throw new UnknownTokenError('token expired') */
export class UnknownTokenError extends GlowmeshError {
  override name = 'UnknownTokenError'
  constructor (message: string) { super('UNKNOWN_TOKEN', message, { exitCode: 2 }) }
}

/** The node keeps too much unconfirmed DA data right now; retry later. @example throw new DaBusyError('256 MiB pending') */
export class DaBusyError extends GlowmeshError {
  override name = 'DaBusyError'
  constructor (message: string) { super('DA_BUSY', message) }
}

/** The cell store was used after close(), or its folder is held by another process. @example throw new CellStoreClosedError() */
export class CellStoreClosedError extends GlowmeshError {
  override name = 'CellStoreClosedError'
  constructor (message = 'cell store is closed') { super('CELL_STORE_CLOSED', message) }
}
