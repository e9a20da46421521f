// fullnode/store — a full node's storage: the flow log on disk with LevelDB indexes (FlowStore),
// and the parallel 0G root of files on disk (rootOfFile). Node only.
export { FlowStore, type FlowStoreOptions, type Allocation, type PutSegmentResult, type StoredSegment, type FlowChunk, type FlowStoreStats, type CompactResult, type RootLike } from './flow-store.js'
export { FlowLog, DEFAULT_PART_SIZE, type FlowLogOptions, type ReclaimMode } from './flow-log.js'
export { type FileInfo, type FileStatus } from './records.js'
export {
  UnknownFileError, SegmentProofError, SegmentOutOfRangeError, SegmentMissingError, FileTombstonedError, FilePrunedError,
  AllocationConflictError, SegmentCorruptError, StoreLockedError, StoreClosedError
} from './errors.js'
export { rootOfFile, FileReadError, type RootOfFileOptions } from './root-file.js'
export { startReplicator, type Replicator, type SegmentSource } from './replicate.js'
export { startCompactor, type Compactor } from './compactor.js'
export { declaredCid, cidCompletionCheck, computeFileDag, nodeSha256, CidMismatchError, type FileDag, type CompletionCheck, type CompletionVerdict, type FileReader } from './cid-check.js'
