/**
 * Deterministic range assignment for light nodes (DESIGN §4). Pure (no Node APIs): the light node
 * imports it to learn what to fetch and seal, the chain and challengers to know what to ask.
 *
 * The flow (the global log of submissions, in 256-byte chunks) is cut into 1024-chunk segments. A
 * node pledging P bytes gets ceil(P / 256 KiB) segments (all of them if the flow is smaller), drawn
 * as runs of up to 64 consecutive segments (16 MiB: sequential reads, few ranges) whose starts are
 * uniform draws from sha256(tag ‖ epochSeed ‖ nodeId) — so nobody can choose their ranges, and the
 * assignment moves with the epoch seed. Runs wrap at the end of the flow and may overlap; drawing
 * continues until the pledge is covered. Output: sorted, disjoint [start, end) chunk ranges,
 * segment-aligned (the last may end at the flow's end), in protocol/pora's ChunkRange shape.
 */
import { drawStream } from '../../protocol/pora/rng.js'
import { InvalidInputError } from '../../protocol/errors.js'

/** A half-open range of flow chunk positions (protocol/pora's ChunkRange). */
export interface AssignedRange { start: number, end: number }

/** Chunks per segment (0G: 1024 × 256 B). */
export const ASSIGN_SEGMENT_CHUNKS = 1024
/** Bytes per segment. */
export const ASSIGN_SEGMENT_BYTES = 256 * 1024
/** Longest run of consecutive segments one draw assigns. */
export const ASSIGN_RUN_SEGMENTS = 64

/**
 * The flow ranges a node stores this epoch.
 * @example assignRanges({ nodeId, pledgeBytes: 64 << 20, flowLength: 1 << 20, epochSeed }) // [{ start, end }, …]
 */
export function assignRanges ({ nodeId, pledgeBytes, flowLength, epochSeed }: { nodeId: Uint8Array, pledgeBytes: number, flowLength: number, epochSeed: Uint8Array }): AssignedRange[] {
  if (!(nodeId instanceof Uint8Array) || nodeId.length !== 32) throw new InvalidInputError('assignRanges: nodeId must be 32 bytes')
  if (!(epochSeed instanceof Uint8Array) || epochSeed.length !== 32) throw new InvalidInputError('assignRanges: epochSeed must be 32 bytes')
  if (!Number.isSafeInteger(pledgeBytes) || pledgeBytes < 0) throw new InvalidInputError('assignRanges: pledgeBytes must be a non-negative integer')
  if (!Number.isSafeInteger(flowLength) || flowLength < 0) throw new InvalidInputError('assignRanges: flowLength must be a non-negative integer')
  const flowSegments = Math.ceil(flowLength / ASSIGN_SEGMENT_CHUNKS)
  const want = Math.min(Math.ceil(pledgeBytes / ASSIGN_SEGMENT_BYTES), flowSegments)
  if (want === 0) return []
  if (want === flowSegments) return [{ start: 0, end: flowLength }]
  const seed = new Uint8Array(64)
  seed.set(epochSeed); seed.set(nodeId, 32)
  const next = drawStream('glowmesh/assign/v1', seed)
  const run = Math.min(ASSIGN_RUN_SEGMENTS, want)
  const chosen = new Set<number>()
  while (chosen.size < want) {
    const start = next(flowSegments)
    for (let j = 0; j < run && chosen.size < want; j++) chosen.add((start + j) % flowSegments)
  }
  const segs = [...chosen].sort((a, b) => a - b)
  const out: AssignedRange[] = []
  for (const s of segs) {
    const start = s * ASSIGN_SEGMENT_CHUNKS
    const end = Math.min(start + ASSIGN_SEGMENT_CHUNKS, flowLength)
    const last = out[out.length - 1]
    if (last !== undefined && last.end === start) last.end = end
    else out.push({ start, end })
  }
  return out
}
