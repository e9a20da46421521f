/**
 * Typed errors of the flow store. Each has a stable `name` and `code` (GlowmeshError), so the RPC,
 * the CLI and peers can tell "expired and pruned" from "never heard of it" without parsing text.
 */
import { GlowmeshError } from '../../protocol/errors.js'
import { toHex } from '../../protocol/bytes.js'

const hex = (root: Uint8Array | string): string => typeof root === 'string' ? root : toHex(root)

/** No submission of this root (or at this flow position) was ever allocated here. */
export class UnknownFileError extends GlowmeshError {
  override name = 'UnknownFileError'
  constructor (what: Uint8Array | string) { super('UNKNOWN_FILE', `no file ${hex(what)} in the flow store`, { exitCode: 2 }) }
}

/** A segment that does not verify against its file's submitted root (or has the wrong length). */
export class SegmentProofError extends GlowmeshError {
  override name = 'SegmentProofError'
  constructor (message: string, options?: { cause?: unknown }) { super('SEGMENT_PROOF', message, { ...options, exitCode: 2 }) }
}

/** A segment index outside the file's data segments. */
export class SegmentOutOfRangeError extends GlowmeshError {
  override name = 'SegmentOutOfRangeError'
  constructor (index: number, dataSegments: number) {
    super('SEGMENT_OUT_OF_RANGE', `segment ${index} out of range: the file has ${dataSegments} data segment(s)`, { exitCode: 2 })
  }
}

/** A segment that has not been received (yet): the upload is incomplete. */
export class SegmentMissingError extends GlowmeshError {
  override name = 'SegmentMissingError'
  constructor (root: Uint8Array, index: number) { super('SEGMENT_MISSING', `segment ${index} of ${hex(root)} has not been uploaded to this node`) }
}

/** The submission was rejected (e.g. its CID did not match): its bytes are never served again. */
export class FileTombstonedError extends GlowmeshError {
  override name = 'FileTombstonedError'
  constructor (root: Uint8Array, reason: string) { super('FILE_TOMBSTONED', `file ${hex(root)} was rejected and tombstoned: ${reason}`) }
}

/** The file's paid duration ended: its flow range stays allocated but its bytes are gone. */
export class FilePrunedError extends GlowmeshError {
  override name = 'FilePrunedError'
  constructor (root: Uint8Array) { super('FILE_PRUNED', `file ${hex(root)} expired and pruned: its storage term ended and its bytes were deleted`) }
}

/** An allocation that contradicts one already recorded (overlapping range, or a replay that differs). */
export class AllocationConflictError extends GlowmeshError {
  override name = 'AllocationConflictError'
  constructor (message: string) { super('ALLOCATION_CONFLICT', message) }
}

/** Bytes on disk no longer match the segment root recorded when they were accepted (bit rot, tampering). */
export class SegmentCorruptError extends GlowmeshError {
  override name = 'SegmentCorruptError'
  constructor (root: Uint8Array, index: number) {
    super('SEGMENT_CORRUPT', `segment ${index} of ${hex(root)} is corrupt on disk; it was un-indexed and must be uploaded again`)
  }
}

/** Another process (or FlowStore instance) holds this store open. */
export class StoreLockedError extends GlowmeshError {
  override name = 'StoreLockedError'
  constructor (dir: string, options?: { cause?: unknown }) { super('STORE_LOCKED', `flow store ${dir} is open in another process`, options) }
}

/** The store was used after close(). */
export class StoreClosedError extends GlowmeshError {
  override name = 'StoreClosedError'
  constructor () { super('STORE_CLOSED', 'the flow store is closed') }
}
