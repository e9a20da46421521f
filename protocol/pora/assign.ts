/**
 * Deterministic, sector-aligned range assignment for light nodes (DESIGN §4). Pure: the light node
 * computes what to fetch and seal, the ledger checks a `pora.commit` against it, challengers know
 * what to ask.
 *
 * The flow (the global log of submissions, in 256-byte chunks) is cut into sectors of
 * `sectorChunks` chunks (the seal's unit, `SealParams.sectorChunks`). Only **whole** sectors that
 * lie inside the flow are assignable — a sector past the flow length has no data yet, and sealing
 * zeros that later change would make the commitment wrong. A node pledging P bytes gets
 * ceil(P / sectorBytes) sectors (all whole sectors if the flow has fewer), drawn as runs of up to
 * 16 MiB of consecutive sectors (sequential reads, few ranges) whose starts are uniform draws from
 * sha256(tag ‖ epochSeed ‖ nodeId): nobody picks their ranges, and they move with the epoch seed.
 * Runs wrap at the end of the flow and may overlap; drawing continues until the pledge is covered.
 * Output: sorted, disjoint [start, end) chunk ranges whose ends are multiples of sectorChunks.
 */
import { InvalidInputError } from '../errors.js'
import { drawStream } from './rng.js'
import type { ChunkRange } from './challenge.js'

/** Chunks per segment (0G: 1024 × 256 B). */
export const ASSIGN_SEGMENT_CHUNKS = 1024
/** Bytes per segment. */
export const ASSIGN_SEGMENT_BYTES = 256 * 1024
/** Longest run one draw assigns, in bytes (16 MiB; at least one sector). */
export const ASSIGN_RUN_BYTES = 16 * 1024 * 1024
/** Kept for callers of the segment-based API: 64 segments = 16 MiB. */
export const ASSIGN_RUN_SEGMENTS = 64

/** Arguments of `assignRanges`. */
export interface AssignInput {
  nodeId: Uint8Array
  pledgeBytes: number
  /** Flow length in chunks. */
  flowLength: number
  epochSeed: Uint8Array
  /** Chunks per sector (a power of two ≥ 16); default one segment (1024). */
  sectorChunks?: number
}

/**
 * The sector-aligned flow ranges a node stores.
 * @example assignRanges({ nodeId, pledgeBytes: 64 << 20, flowLength: 1 << 20, epochSeed, sectorChunks: 1 << 18 }) // [{ start, end }, …]
 */
export function assignRanges ({ nodeId, pledgeBytes, flowLength, epochSeed, sectorChunks = ASSIGN_SEGMENT_CHUNKS }: AssignInput): ChunkRange[] {
  if (!(nodeId instanceof Uint8Array) || nodeId.length !== 32) throw new InvalidInputError('assignRanges: nodeId must be 32 bytes')
  if (!(epochSeed instanceof Uint8Array) || epochSeed.length !== 32) throw new InvalidInputError('assignRanges: epochSeed must be 32 bytes')
  if (!Number.isSafeInteger(pledgeBytes) || pledgeBytes < 0) throw new InvalidInputError('assignRanges: pledgeBytes must be a non-negative integer')
  if (!Number.isSafeInteger(flowLength) || flowLength < 0) throw new InvalidInputError('assignRanges: flowLength must be a non-negative integer')
  if (!Number.isSafeInteger(sectorChunks) || sectorChunks < 16 || (sectorChunks & (sectorChunks - 1)) !== 0) throw new InvalidInputError('assignRanges: sectorChunks must be a power of two ≥ 16')
  const sectorBytes = sectorChunks * 256
  const flowSectors = Math.floor(flowLength / sectorChunks)
  const want = Math.min(Math.ceil(pledgeBytes / sectorBytes), flowSectors)
  if (want === 0) return []
  if (want === flowSectors) return [{ start: 0, end: flowSectors * sectorChunks }]
  const seed = new Uint8Array(64)
  seed.set(epochSeed); seed.set(nodeId, 32)
  const next = drawStream('glowmesh/assign/v1', seed)
  const run = Math.min(Math.max(1, Math.floor(ASSIGN_RUN_BYTES / sectorBytes)), want)
  const chosen = new Set<number>()
  while (chosen.size < want) {
    const start = next(flowSectors)
    for (let j = 0; j < run && chosen.size < want; j++) chosen.add((start + j) % flowSectors)
  }
  const out: ChunkRange[] = []
  for (const s of [...chosen].sort((a, b) => a - b)) {
    const start = s * sectorChunks
    const last = out[out.length - 1]
    if (last !== undefined && last.end === start) last.end = start + sectorChunks
    else out.push({ start, end: start + sectorChunks })
  }
  return out
}

/**
 * The sector starts inside sector-aligned ranges, in order.
 * @example sectorStarts([{ start: 0, end: 2048 }], 1024) // [0, 1024]
 */
export function sectorStarts (ranges: ChunkRange[], sectorChunks: number): number[] {
  const out: number[] = []
  for (const r of ranges) for (let s = r.start; s < r.end; s += sectorChunks) out.push(s)
  return out
}
