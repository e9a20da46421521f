/**
 * The 0G root of a file, streamed in constant memory: bytes go in segment by segment, each segment
 * root joins a MerkleAccumulator, and the flow padding (zero chunks, then whole zero segments) is
 * added at the end from the file size alone.
 */
import { keccak_256 } from '@noble/hashes/sha3.js'
import { type ChunkHasher, nobleHasher } from './hasher.js'
import { CHUNK_SIZE, type FileLayout, SEGMENT_CHUNKS, SEGMENT_SIZE, fileLayout, segmentChunkCount } from './layout.js'
import { MerkleAccumulator } from './merkle.js'
import { InvalidInputError } from '../errors.js'

let zeroHashes: Uint8Array[] | undefined
/** Root of a perfect tree of 2^height zero chunks (height 10 = an all-zero segment). */
export function zeroSubtreeRoot (height: number): Uint8Array {
  if (zeroHashes === undefined) {
    zeroHashes = [keccak_256(new Uint8Array(CHUNK_SIZE))]
    for (let h = 1; h <= 10; h++) {
      const buf = new Uint8Array(64)
      buf.set(zeroHashes[h - 1], 0)
      buf.set(zeroHashes[h - 1], 32)
      zeroHashes.push(keccak_256(buf))
    }
  }
  if (!Number.isInteger(height) || height < 0 || height > 10) throw new InvalidInputError(`zero subtree height must be 0..10, got ${height}`)
  return zeroHashes[height]
}

/**
 * Root of segment bytes zero-padded to `chunkCount` chunks (a segment's padded chunk count).
 * @example segmentRoot(bytes, 1024)
 */
export function segmentRoot (data: Uint8Array, chunkCount: number, hasher: ChunkHasher = nobleHasher): Uint8Array {
  if (!Number.isInteger(chunkCount) || chunkCount < 1 || chunkCount > SEGMENT_CHUNKS) throw new InvalidInputError(`segment chunk count must be 1..1024, got ${chunkCount}`)
  if (data.length > chunkCount * CHUNK_SIZE) throw new InvalidInputError(`segment data (${data.length} B) exceeds ${chunkCount} chunks`)
  if (data.length === 0 && chunkCount === SEGMENT_CHUNKS) return zeroSubtreeRoot(10)
  let padded = data
  if (data.length !== chunkCount * CHUNK_SIZE) {
    padded = new Uint8Array(chunkCount * CHUNK_SIZE)
    padded.set(data)
  }
  return hasher.chunksRoot(padded)
}

/**
 * The file root from its segment roots in order (data segments only; padding is added here).
 * Used by parallel hashers, which compute segment roots out of order and feed them back in order.
 * @example fileRootFromSegmentRoots(fileLayout(size), roots)
 */
export function fileRootFromSegmentRoots (layout: FileLayout, roots: Iterable<Uint8Array>, hasher: ChunkHasher = nobleHasher): Uint8Array {
  const acc = new MerkleAccumulator(hasher.hashPair)
  for (const r of roots) acc.push(r)
  if (acc.leafCount !== layout.dataSegments) throw new InvalidInputError(`expected ${layout.dataSegments} segment roots, got ${acc.leafCount}`)
  padSegments(acc, layout)
  return acc.root()
}

function padSegments (acc: MerkleAccumulator, layout: FileLayout): void {
  // Whole zero segments appended by flow padding (they exist only for files past 4 MiB, where the
  // padding unit is ≥ one segment, so they are always full segments).
  for (let s = layout.dataSegments; s < layout.segments; s++) {
    if (segmentChunkCount(layout, s) !== SEGMENT_CHUNKS) throw new Error('unreachable: partial zero segment')
    acc.push(zeroSubtreeRoot(10))
  }
}

/**
 * Streaming 0G root builder: `update` with bytes in any slices, `digest` once. Memory: one segment.
 * @example const b = new FileRootBuilder(); b.update(part1); b.update(part2); toHex(b.digest())
 */
export class FileRootBuilder {
  private readonly buf = new Uint8Array(SEGMENT_SIZE)
  private fill = 0
  private total = 0
  private readonly roots: MerkleAccumulator
  private done = false
  constructor (private readonly hasher: ChunkHasher = nobleHasher) {
    this.roots = new MerkleAccumulator(hasher.hashPair)
  }

  /** Bytes consumed so far. */
  get size (): number { return this.total }

  /** Feeds the next bytes of the file. */
  update (data: Uint8Array): this {
    if (this.done) throw new InvalidInputError('FileRootBuilder: update after digest')
    let off = 0
    while (off < data.length) {
      if (this.fill === 0 && data.length - off >= SEGMENT_SIZE) {
        // Whole segments straight from the caller's buffer: no copy.
        this.roots.push(this.hasher.chunksRoot(data.subarray(off, off + SEGMENT_SIZE)))
        off += SEGMENT_SIZE
        this.total += SEGMENT_SIZE
        continue
      }
      const n = Math.min(SEGMENT_SIZE - this.fill, data.length - off)
      this.buf.set(data.subarray(off, off + n), this.fill)
      this.fill += n
      off += n
      this.total += n
      if (this.fill === SEGMENT_SIZE) {
        this.roots.push(this.hasher.chunksRoot(this.buf))
        this.fill = 0
      }
    }
    return this
  }

  /** The 32-byte root; throws EmptyFileError when no byte was fed. */
  digest (): Uint8Array {
    if (this.done) throw new InvalidInputError('FileRootBuilder: digest called twice')
    this.done = true
    const layout = fileLayout(this.total)
    if (this.fill > 0) {
      const last = layout.dataSegments - 1
      this.roots.push(segmentRoot(this.buf.subarray(0, this.fill), segmentChunkCount(layout, last), this.hasher))
    }
    padSegments(this.roots, layout)
    return this.roots.root()
  }
}

/**
 * The 0G root of bytes in memory.
 * @example toHex(fileRoot(new TextEncoder().encode('hello')))
 */
export function fileRoot (data: Uint8Array, hasher: ChunkHasher = nobleHasher): Uint8Array {
  return new FileRootBuilder(hasher).update(data).digest()
}
