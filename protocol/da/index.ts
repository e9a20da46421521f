// protocol/da: blob packing, KZG cells in the EIP-7594 layout, and sampling math. Pure and
// isomorphic (Node, browsers, workerd); the native encoder lives in fullnode/da.
export * from './constants.js'
export {
  EmptyPayloadError, InsufficientCellsError, InvalidSampleError, KzgUnavailableError, MalformedBlobError,
  MalformedCellError
} from './errors.js'
export { assertBlob, blobCount, packBlob, packBlobs, unpackBlobs } from './pack.js'
export {
  assertCellBatch, assertCellSet, blobFromCells, recoverBlob, verifyColumn,
  type CellBatch, type CellSet, type EncodedBlob, type KzgCallOptions, type KzgCellBackend, type KzgCellVerifier
} from './kzg.js'
export { jsKzg } from './kzg-js.js'
export {
  confidence, DEFAULT_SAMPLES, failureProbability, MAX_SERVED_COLUMNS_UNRECOVERABLE, MIN_SEED_BYTES, sampleColumns
} from './sampling.js'
