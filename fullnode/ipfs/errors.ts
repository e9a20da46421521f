/**
 * Typed errors of fullnode/ipfs (name + code). `BlockNotFoundError` is also named `NotFoundError`
 * on purpose: Helia and bitswap recognise a missing block by that name.
 */
import { GlowmeshError } from '../../protocol/errors.js'

/** A block this node doesn't hold (or whose file is pruned/tombstoned). */
export class BlockNotFoundError extends GlowmeshError {
  override name = 'NotFoundError'
  constructor (cid: string, options?: { cause?: unknown }) { super('IPFS_BLOCK_NOT_FOUND', `block ${cid} not found`, options) }
}

/** A string that is not a CID, or a CID this node can't serve (unsupported hash). */
export class InvalidCidError extends GlowmeshError {
  override name = 'InvalidCidError'
  constructor (message: string, options?: { cause?: unknown }) { super('IPFS_INVALID_CID', message, { ...options, exitCode: 2 }) }
}

/** Bytes that don't hash to the CID they were stored or read under. */
export class CorruptBlockError extends GlowmeshError {
  override name = 'CorruptBlockError'
  constructor (cid: string, where: string) { super('IPFS_CORRUPT_BLOCK', `block ${cid} read from ${where} does not hash to its CID`) }
}

/** The DAG built from a file's stored bytes has another CID than its submission recorded. */
export class CidMismatchError extends GlowmeshError {
  override name = 'CidMismatchError'
  constructor (readonly root: string, readonly expected: string, readonly actual: string) {
    super('IPFS_CID_MISMATCH', `file ${root}: submitted CID ${expected}, its bytes give ${actual}`)
  }
}

/** The file isn't complete here yet (or is dead), so its DAG can't be built. */
export class FileNotReadyError extends GlowmeshError {
  override name = 'FileNotReadyError'
  constructor (root: string, status: string) { super('IPFS_FILE_NOT_READY', `file ${root} is ${status}; only complete files are indexed`) }
}

/** A put of a block that is not part of a stored file: content enters through the flow only. */
export class BlockstoreReadOnlyError extends GlowmeshError {
  override name = 'BlockstoreReadOnlyError'
  constructor (cid: string) { super('IPFS_READ_ONLY', `refusing block ${cid}: the full node's blocks come from stored files (glowmesh put)`) }
}

/** A light node's block store was asked to keep a block over its bounds. */
export class BlockTooLargeError extends GlowmeshError {
  override name = 'BlockTooLargeError'
  constructor (size: number, max: number) { super('IPFS_BLOCK_TOO_LARGE', `block of ${size} bytes exceeds ${max}`, { exitCode: 2 }) }
}

/** Helia's bitswap internals were not where the guard expects them (a Helia upgrade moved them). */
export class BitswapGuardError extends GlowmeshError {
  override name = 'BitswapGuardError'
  constructor (message: string) { super('IPFS_BITSWAP_GUARD', message) }
}
