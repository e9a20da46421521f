/**
 * Chunk and segment proofs against a file's 0G root. A full node keeps one 32-byte root per segment
 * (a SegmentTree) and the segment bytes; a chunk proof is then the chunk's path inside its segment
 * composed with the segment's path (see merkle.ts for why that composition is exact).
 */
import { type ChunkHasher, nobleHasher } from './hasher.js'
import { CHUNK_SIZE, type FileLayout, SEGMENT_CHUNKS, segmentChunkCount } from './layout.js'
import { type MerkleProof, MerkleTree, composeProofs, rootFromProof } from './merkle.js'
import { segmentRoot, zeroSubtreeRoot } from './root.js'
import { InvalidProofError } from './errors.js'
import { equalBytes } from '../bytes.js'
import { InvalidInputError } from '../errors.js'

/**
 * The tree over a file's segment roots, padding segments included. Holds 32 bytes per segment.
 * @example const t = SegmentTree.fromDataSegmentRoots(layout, roots); t.proof(3)
 */
export class SegmentTree {
  private readonly tree: MerkleTree
  private constructor (readonly layout: FileLayout, roots: Uint8Array[], hasher: ChunkHasher) {
    this.tree = new MerkleTree(roots, hasher.hashPair)
  }

  /** Builds it from the data segments' roots (zero padding segments are added). */
  static fromDataSegmentRoots (layout: FileLayout, roots: Uint8Array[], hasher: ChunkHasher = nobleHasher): SegmentTree {
    if (roots.length !== layout.dataSegments) throw new InvalidInputError(`expected ${layout.dataSegments} segment roots, got ${roots.length}`)
    const all = roots.slice()
    for (let s = layout.dataSegments; s < layout.segments; s++) all.push(zeroSubtreeRoot(10))
    return new SegmentTree(layout, all, hasher)
  }

  /** Builds it from the whole file in memory. */
  static fromBytes (layout: FileLayout, data: Uint8Array, hasher: ChunkHasher = nobleHasher): SegmentTree {
    const roots: Uint8Array[] = []
    for (let s = 0; s < layout.dataSegments; s++) {
      roots.push(segmentRoot(segmentBytes(data, s), segmentChunkCount(layout, s), hasher))
    }
    return SegmentTree.fromDataSegmentRoots(layout, roots, hasher)
  }

  /** The file's 0G root. */
  get root (): Uint8Array { return this.tree.root }
  /** Segment `index`'s root. */
  segmentRoot (index: number): Uint8Array { return this.tree.levels[0][index] }
  /** Segment `index`'s proof against the file root. */
  proof (index: number): MerkleProof { return this.tree.proof(index) }
}

/** The file bytes of segment `index` (the last one may be short; padding is implicit zeros). */
export function segmentBytes (data: Uint8Array, index: number): Uint8Array {
  const start = index * SEGMENT_CHUNKS * CHUNK_SIZE
  return data.subarray(start, Math.min(data.length, start + SEGMENT_CHUNKS * CHUNK_SIZE))
}

function paddedChunks (segment: Uint8Array, chunkCount: number): Uint8Array {
  if (segment.length === chunkCount * CHUNK_SIZE) return segment
  const out = new Uint8Array(chunkCount * CHUNK_SIZE)
  out.set(segment)
  return out
}

/**
 * The proof of chunk `chunkIndex` (0-based within the file) against the file root.
 * `segment` is that chunk's segment bytes (short or full), `segmentProof` its proof in the SegmentTree.
 * @example chunkProof(layout, segBytes, 5000, tree.proof(4))
 */
export function chunkProof (layout: FileLayout, segment: Uint8Array, chunkIndex: number, segmentProof: MerkleProof, hasher: ChunkHasher = nobleHasher): MerkleProof {
  const seg = Math.floor(chunkIndex / SEGMENT_CHUNKS)
  if (!Number.isInteger(chunkIndex) || chunkIndex < 0 || chunkIndex >= layout.paddedChunks) throw new InvalidInputError(`chunk index ${chunkIndex} out of range [0, ${layout.paddedChunks})`)
  if (segmentProof.index !== seg || segmentProof.leafCount !== layout.segments) throw new InvalidInputError('segment proof is for another segment')
  const count = segmentChunkCount(layout, seg)
  const leaves = hasher.leafHashes(paddedChunks(segment, count))
  const list: Uint8Array[] = []
  for (let i = 0; i < count; i++) list.push(leaves.subarray(i * 32, i * 32 + 32))
  const inner = new MerkleTree(list, hasher.hashPair).proof(chunkIndex % SEGMENT_CHUNKS)
  return composeProofs(inner, segmentProof, SEGMENT_CHUNKS, layout.paddedChunks)
}

/**
 * True when `chunk` (256 bytes) is chunk `proof.index` of the file with `root`.
 * @example verifyChunkProof(root, chunk, proof)
 */
export function verifyChunkProof (root: Uint8Array, chunk: Uint8Array, proof: MerkleProof, hasher: ChunkHasher = nobleHasher): boolean {
  if (chunk.length !== CHUNK_SIZE) throw new InvalidProofError(`a chunk is ${CHUNK_SIZE} bytes, got ${chunk.length}`)
  return equalBytes(rootFromProof(hasher.leafHashes(chunk), proof, hasher.hashPair), root)
}

/**
 * True when `segment` (its file bytes; short only for the last data segment) is segment
 * `proof.index` of the file with `root` and layout `layout`.
 * @example verifySegmentProof(root, layout, bytes, proof)
 */
export function verifySegmentProof (root: Uint8Array, layout: FileLayout, segment: Uint8Array, proof: MerkleProof, hasher: ChunkHasher = nobleHasher): boolean {
  if (proof.leafCount !== layout.segments) throw new InvalidProofError(`proof leaf count ${proof.leafCount} != file's ${layout.segments} segments`)
  const count = segmentChunkCount(layout, proof.index)
  if (segment.length > count * CHUNK_SIZE) throw new InvalidProofError('segment longer than its padded size')
  // The data a segment may hold is fixed by the file size: reject a short segment that isn't the last.
  const expectedLen = Math.max(0, Math.min(layout.size - proof.index * CHUNK_SIZE * SEGMENT_CHUNKS, CHUNK_SIZE * SEGMENT_CHUNKS))
  if (segment.length !== expectedLen) throw new InvalidProofError(`segment ${proof.index} must hold ${expectedLen} bytes, got ${segment.length}`)
  return equalBytes(rootFromProof(segmentRoot(segment, count, hasher), proof, hasher.hashPair), root)
}
