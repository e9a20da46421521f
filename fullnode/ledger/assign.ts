/**
 * Range assignment moved to protocol/pora/assign.ts (pure, so the light node imports it without
 * fullnode/); re-exported here for the ledger and the app.
 */
export { assignRanges, sectorStarts, ASSIGN_SEGMENT_CHUNKS, ASSIGN_SEGMENT_BYTES, ASSIGN_RUN_SEGMENTS, ASSIGN_RUN_BYTES, type AssignInput } from '../../protocol/pora/assign.js'
export type { ChunkRange as AssignedRange } from '../../protocol/pora/challenge.js'
