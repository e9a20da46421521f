/**
 * 0G Storage's data layout (DESIGN §2): 256-byte chunks, 1024-chunk (256 KiB) segments, and the
 * "flow padding" the 0G SDK applies before hashing, so our roots equal the SDK's byte for byte.
 */
import { InvalidInputError } from '../errors.js'
import { EmptyFileError } from './errors.js'

/** Bytes per chunk (0G's sector). */
export const CHUNK_SIZE = 256
/** Chunks per segment. */
export const SEGMENT_CHUNKS = 1024
/** Bytes per segment (256 KiB). */
export const SEGMENT_SIZE = CHUNK_SIZE * SEGMENT_CHUNKS

/** The padded shape of a file of `size` bytes, as the 0G SDK hashes it. */
export interface FileLayout {
  /** File size in bytes (> 0). */
  size: number
  /** Chunks holding file bytes: ceil(size / 256). */
  chunks: number
  /** Chunks after flow padding (zero chunks appended); the merkle tree's leaf count. */
  paddedChunks: number
  /** Segments after padding: ceil(paddedChunks / 1024); the segment tree's leaf count. */
  segments: number
  /** Segments that hold file bytes: ceil(size / SEGMENT_SIZE). */
  dataSegments: number
}

function nextPow2 (n: number): number {
  let p = 1
  while (p < n) p *= 2
  return p
}

/**
 * Chunk count after 0G's flow padding: a power of two stays; otherwise round up to a multiple of
 * nextPow2/16 (at least 1). This is what lets a submission split into ≤ 16-ish power-of-two subtrees.
 * @example paddedChunkCount(1025) // 1152
 */
export function paddedChunkCount (chunks: number): number {
  if (!Number.isSafeInteger(chunks) || chunks < 1) throw new InvalidInputError(`chunk count must be a positive integer, got ${chunks}`)
  const p = nextPow2(chunks)
  if (p === chunks) return chunks
  const unit = p >= 16 ? p / 16 : 1
  return Math.ceil(chunks / unit) * unit
}

/**
 * The padded layout of a file of `size` bytes; throws EmptyFileError for 0 (0G rejects empty files).
 * @example fileLayout(1000) // { size: 1000, chunks: 4, paddedChunks: 4, segments: 1, dataSegments: 1 }
 */
export function fileLayout (size: number): FileLayout {
  if (size === 0) throw new EmptyFileError()
  if (!Number.isSafeInteger(size) || size < 0) throw new InvalidInputError(`file size must be a non-negative integer, got ${size}`)
  const chunks = Math.ceil(size / CHUNK_SIZE)
  const paddedChunks = paddedChunkCount(chunks)
  return {
    size,
    chunks,
    paddedChunks,
    segments: Math.ceil(paddedChunks / SEGMENT_CHUNKS),
    dataSegments: Math.ceil(size / SEGMENT_SIZE)
  }
}

/**
 * How many chunks segment `index` has after padding (1024 except possibly the last).
 * @example segmentChunkCount(fileLayout(300_000), 1) // 128
 */
export function segmentChunkCount (layout: FileLayout, index: number): number {
  if (!Number.isInteger(index) || index < 0 || index >= layout.segments) {
    throw new InvalidInputError(`segment index ${index} out of range [0, ${layout.segments})`)
  }
  return Math.min(SEGMENT_CHUNKS, layout.paddedChunks - index * SEGMENT_CHUNKS)
}
