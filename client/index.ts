/**
 * client/: the light node core (no Node or DOM imports). Platform adapters live beside it:
 * client/node/ (libp2p through Helia + files), later the browser and the edge. See README.md.
 */
export { createLightNode, DEFAULT_TRUSTING_PERIOD_MS, type LightNode, type LightNodeOptions } from './light-node.js'
export { InvalidHeightError, HeightNotAvailableError, HeaderVerificationError, QueryAbortedError, type AvailabilityReport } from './api.js'
export type { LightNodeEvents, LightNodeEventName, Listener } from './events.js'
export { pinGenesis, type PinnedGenesis } from './genesis.js'
export { readHeaderLog, headerKey } from './header-log.js'
export { parseCheckpoint, validateCheckpoint, InvalidCheckpointError, CheckpointMismatchError, type Checkpoint } from './checkpoint.js'
export { checkSampleResponse, EMPTY_DATA_HASH, type CheckedSample, type ProvenBlob } from './sample-check.js'
export type { SamplerStats, SampleOutcome } from './sampler.js'
export { encodeRecord, decodeRecord } from './codec.js'
export { fetchFile, fetchSegment, createFileResolver, parseFileRef, FileNotFoundError, FileExpiredError, InvalidFileRefError, FileRecordMismatchError, SegmentUnavailableError, type FetchFileComponents, type FetchFileOptions, type FileResolver, type FileResolverOptions, type ResolvedFile, type FileRef } from './files.js'
export { openCellCache, CellsNotHeldError, SampleRefusedError, type CellCache, type CellCacheOptions, type VerifiedSample } from './cell-cache.js'
export { openSegmentCache, SegmentNotHeldError, type SegmentCache, type SegmentCacheOptions, type HeldSegment } from './segment-cache.js'
export { verifyInference, createVerifiedChainReader, createLightNodeVerification, fileBytes, type InferenceReport, type InferenceCheck, type VerifyInferenceOptions, type ChainReader, type FetchFileBytes } from './compute/index.js'
export * from './errors.js'
export type * from './types.js'
