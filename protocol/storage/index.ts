// protocol/storage — 0G Storage's layout, merkle roots and proofs (DESIGN §2). Pure and isomorphic.
export { CHUNK_SIZE, SEGMENT_CHUNKS, SEGMENT_SIZE, type FileLayout, fileLayout, paddedChunkCount, segmentChunkCount } from './layout.js'
export { EmptyFileError, InvalidProofError } from './errors.js'
export { type ChunkHasher, nobleHasher, hashPair, foldLevels, checkChunkData } from './hasher.js'
export { type MerkleProof, MerkleTree, MerkleAccumulator, rootFromProof, verifyMerkleProof, composeProofs, proofLength } from './merkle.js'
export { FileRootBuilder, fileRoot, fileRootFromSegmentRoots, segmentRoot, zeroSubtreeRoot } from './root.js'
export { SegmentTree, segmentBytes, chunkProof, verifyChunkProof, verifySegmentProof } from './proofs.js'
