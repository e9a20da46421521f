/**
 * Merkle trees over one layer's labels (sha256 pairs, leaves = the labels themselves). Sectors
 * hold a power-of-two number of nodes, so the tree is perfect and the 0G proof shape in
 * protocol/storage (`MerkleProof`, `rootFromProof`) applies unchanged with this pair hash.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { type MerkleProof } from '../storage/index.js'
import { messageBuffer, sha256Words, wordsToBytes } from './sha256.js'

/** sha256(left ‖ right): the inner node of label trees. @example labelPair(a, b) */
export function labelPair (left: Uint8Array, right: Uint8Array): Uint8Array {
  const b = new Uint8Array(64); b.set(left); b.set(right, 32)
  return sha256(b)
}

const pairMsg = messageBuffer(16)
/** All levels of the tree over `labels` (8 words per leaf, count a power of two), leaves first. @example labelTreeLevels(layer).at(-1) */
export function labelTreeLevels (labels: Uint32Array): Uint32Array[] {
  const levels = [labels]
  let level = labels
  while (level.length > 8) {
    const next = new Uint32Array(level.length / 2)
    for (let i = 0; i < next.length; i += 8) {
      for (let k = 0; k < 16; k++) pairMsg[k] = level[2 * i + k]
      sha256Words(pairMsg, 16, next, i)
    }
    levels.push(next)
    level = next
  }
  return levels
}

/** Root of the tree over `labels` as 32 bytes. @example labelTreeRoot(finalLayer) */
export function labelTreeRoot (labels: Uint32Array): Uint8Array {
  const levels = labelTreeLevels(labels)
  return wordsToBytes(levels[levels.length - 1])
}

/** Proof for leaf `index` from `labelTreeLevels` output. @example labelTreeProof(levels, 5) */
export function labelTreeProof (levels: Uint32Array[], index: number): MerkleProof {
  const siblings: Uint8Array[] = []
  let i = index
  for (const level of levels.slice(0, -1)) {
    const s = i ^ 1
    siblings.push(wordsToBytes(level.subarray(s * 8, s * 8 + 8)))
    i >>>= 1
  }
  return { index, leafCount: levels[0].length / 8, siblings }
}
