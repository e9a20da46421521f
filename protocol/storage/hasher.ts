/**
 * The keccak256 work of a 0G merkle tree, behind one small interface so a faster backend (the WASM
 * kernel in wasm/keccak, which Node and browsers load) can replace the pure-JS default anywhere.
 */
import { keccak_256 } from '@noble/hashes/sha3.js'
import { CHUNK_SIZE, SEGMENT_SIZE } from './layout.js'
import { InvalidInputError } from '../errors.js'

export interface ChunkHasher {
  /** keccak256 of each 256-byte chunk of `data` (length a positive multiple of 256): 32·n bytes. */
  leafHashes: (data: Uint8Array) => Uint8Array
  /** Root of the 0G tree over the chunks of `data` (a positive multiple of 256, ≤ one segment). */
  chunksRoot: (data: Uint8Array) => Uint8Array
  /** keccak256(left ‖ right), the inner node. */
  hashPair: (left: Uint8Array, right: Uint8Array) => Uint8Array
}

/** Checks the shape every ChunkHasher accepts; shared so backends reject the same inputs. */
export function checkChunkData (data: Uint8Array, maxBytes = SEGMENT_SIZE): number {
  if (!(data instanceof Uint8Array)) throw new InvalidInputError('chunk data must be a Uint8Array')
  if (data.length === 0 || data.length % CHUNK_SIZE !== 0 || data.length > maxBytes) {
    throw new InvalidInputError(`chunk data must be a positive multiple of ${CHUNK_SIZE} bytes, at most ${maxBytes}; got ${data.length}`)
  }
  return data.length / CHUNK_SIZE
}

/** keccak256(left ‖ right) with noble. @example hashPair(a, b) */
export function hashPair (left: Uint8Array, right: Uint8Array): Uint8Array {
  const buf = new Uint8Array(64)
  buf.set(left, 0)
  buf.set(right, 32)
  return keccak_256(buf)
}

/** Folds leaf hashes (32·n bytes) level by level, promoting an odd last node unchanged (0G's rule). */
export function foldLevels (leaves: Uint8Array, pair: (l: Uint8Array, r: Uint8Array) => Uint8Array = hashPair): Uint8Array {
  let level: Uint8Array[] = []
  for (let i = 0; i < leaves.length; i += 32) level.push(leaves.subarray(i, i + 32))
  if (level.length === 0) throw new InvalidInputError('no leaves')
  while (level.length > 1) {
    const next: Uint8Array[] = []
    for (let i = 0; i + 1 < level.length; i += 2) next.push(pair(level[i], level[i + 1]))
    if (level.length % 2 === 1) next.push(level[level.length - 1])
    level = next
  }
  return Uint8Array.from(level[0])
}

/**
 * The pure-JS backend (@noble/hashes keccak_256): runs everywhere, ~36 MB/s.
 * @example nobleHasher.chunksRoot(new Uint8Array(256))
 */
export const nobleHasher: ChunkHasher = {
  leafHashes (data) {
    const n = checkChunkData(data, Number.MAX_SAFE_INTEGER)
    const out = new Uint8Array(n * 32)
    for (let i = 0; i < n; i++) out.set(keccak_256(data.subarray(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE)), i * 32)
    return out
  },
  chunksRoot (data) {
    checkChunkData(data)
    return foldLevels(this.leafHashes(data))
  },
  hashPair
}
