/**
 * Leaves ↔ 0G segments. A 1 MiB leaf is exactly four 256 KiB segments (DESIGN §2b), and both cut
 * the file from byte 0, so leaf i covers segments [4i, 4i + 4) and segment s lies in leaf ⌊s/4⌋ —
 * a full node serves a leaf by reading four segments of the flow log, and a leaf's bytes are checked
 * against the 0G root segment by segment.
 */
import { SEGMENT_SIZE, fileLayout } from '../storage/index.js'
import { InvalidInputError } from '../errors.js'
import { CID_LEAF_SIZE } from './unixfs.js'

/** Segments per leaf: 4. */
export const SEGMENTS_PER_LEAF = CID_LEAF_SIZE / SEGMENT_SIZE

function index (name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 0) throw new InvalidInputError(`${name} must be a non-negative integer, got ${String(v)}`)
  return v
}

/**
 * Leaves in a file of `size` bytes (the empty file has one, empty).
 * @example cidLeafCount(3 * 1048576 + 1) // 4
 */
export function cidLeafCount (size: number): number {
  return Math.max(1, Math.ceil(index('size', size) / CID_LEAF_SIZE))
}

/**
 * The segments leaf `i` covers: `[start, end)`. With `size`, `end` stops at the file's last data
 * segment and a leaf past the end is an InvalidInputError.
 * @example leafSegments(2) // { start: 8, end: 12 }
 */
export function leafSegments (i: number, size?: number): { start: number, end: number } {
  const start = index('leaf index', i) * SEGMENTS_PER_LEAF
  if (size === undefined) return { start, end: start + SEGMENTS_PER_LEAF }
  const { dataSegments } = fileLayout(size)
  if (start >= dataSegments) throw new InvalidInputError(`leaf ${i} is past the end of a ${size}-byte file (${cidLeafCount(size)} leaves)`)
  return { start, end: Math.min(start + SEGMENTS_PER_LEAF, dataSegments) }
}

/**
 * The leaf that holds segment `s`.
 * @example segmentLeaf(9) // 2
 */
export function segmentLeaf (s: number): number {
  return Math.floor(index('segment index', s) / SEGMENTS_PER_LEAF)
}

/**
 * The bytes `[start, end)` of the file that leaf `i` holds.
 * @example leafByteRange(1, 1_500_000) // { start: 1048576, end: 1500000 }
 */
export function leafByteRange (i: number, size: number): { start: number, end: number } {
  const n = cidLeafCount(size)
  if (index('leaf index', i) >= n) throw new InvalidInputError(`leaf ${i} is past the end of a ${size}-byte file (${n} leaves)`)
  return { start: i * CID_LEAF_SIZE, end: Math.min((i + 1) * CID_LEAF_SIZE, size) }
}
