/**
 * The 0G merkle tree shape, generically over 32-byte leaf hashes: nodes are paired left to right at
 * every level and an odd last node is promoted unchanged. Node j of level l therefore covers leaves
 * [j·2^l, min((j+1)·2^l, n)), which is what makes three things true that we rely on:
 *  - a streaming stack of perfect subtrees, folded right to left at the end, gives the same root;
 *  - a file's chunk-level tree equals the tree over its segment roots (segments are 2^10 aligned),
 *    so a chunk proof is the chunk's path inside its segment followed by the segment's path;
 *  - a proof is checked from (index, leafCount) alone: the verifier knows where siblings must be.
 */
import { InvalidProofError } from './errors.js'
import { hashPair } from './hasher.js'
import { equalBytes } from '../bytes.js'

type PairHash = (left: Uint8Array, right: Uint8Array) => Uint8Array

/** A merkle path: the leaf's index, the tree's leaf count, and sibling hashes from the bottom up. */
export interface MerkleProof {
  index: number
  leafCount: number
  siblings: Uint8Array[]
}

/** Number of siblings a proof for `index` among `leafCount` leaves must carry. */
export function proofLength (index: number, leafCount: number): number {
  checkPosition(index, leafCount)
  let len = 0
  for (let i = index, n = leafCount; n > 1; i = Math.floor(i / 2), n = Math.ceil(n / 2)) {
    if (i % 2 === 1 || i + 1 < n) len++
  }
  return len
}

function checkPosition (index: number, leafCount: number): void {
  if (!Number.isSafeInteger(leafCount) || leafCount < 1) throw new InvalidProofError(`leaf count must be a positive integer, got ${leafCount}`)
  if (!Number.isSafeInteger(index) || index < 0 || index >= leafCount) throw new InvalidProofError(`leaf index ${index} out of range [0, ${leafCount})`)
}

/**
 * Recomputes the root from a leaf hash and its proof; throws InvalidProofError on a malformed proof.
 * @example equalBytes(rootFromProof(leaf, proof), root)
 */
export function rootFromProof (leaf: Uint8Array, proof: MerkleProof, pair: PairHash = hashPair): Uint8Array {
  checkPosition(proof.index, proof.leafCount)
  if (leaf.length !== 32) throw new InvalidProofError(`leaf hash must be 32 bytes, got ${leaf.length}`)
  const expected = proofLength(proof.index, proof.leafCount)
  if (!Array.isArray(proof.siblings) || proof.siblings.length !== expected) {
    throw new InvalidProofError(`proof for leaf ${proof.index} of ${proof.leafCount} needs ${expected} siblings, got ${proof.siblings?.length}`)
  }
  let hash = leaf
  let s = 0
  for (let i = proof.index, n = proof.leafCount; n > 1; i = Math.floor(i / 2), n = Math.ceil(n / 2)) {
    if (i % 2 === 1 || i + 1 < n) {
      const sib = proof.siblings[s++]
      if (!(sib instanceof Uint8Array) || sib.length !== 32) throw new InvalidProofError('sibling hashes must be 32 bytes')
      hash = i % 2 === 1 ? pair(sib, hash) : pair(hash, sib)
    }
  }
  return hash
}

/**
 * True when `proof` places `leaf` at its index under `root`; false on a mismatch, throws on a malformed proof.
 * @example verifyMerkleProof(root, leafHash, { index: 3, leafCount: 7, siblings })
 */
export function verifyMerkleProof (root: Uint8Array, leaf: Uint8Array, proof: MerkleProof, pair: PairHash = hashPair): boolean {
  return equalBytes(rootFromProof(leaf, proof, pair), root)
}

/**
 * A whole tree kept level by level, for proofs over a modest number of leaves (a segment's 1024
 * chunks, a file's segment roots). For the chunk level of big files, compose proofs instead.
 * @example new MerkleTree(leafHashes).proof(5)
 */
export class MerkleTree {
  readonly levels: Uint8Array[][]
  constructor (leaves: Uint8Array[], pair: PairHash = hashPair) {
    if (leaves.length === 0) throw new InvalidProofError('a merkle tree needs at least one leaf')
    let level = leaves
    this.levels = [level]
    while (level.length > 1) {
      const next: Uint8Array[] = []
      for (let i = 0; i + 1 < level.length; i += 2) next.push(pair(level[i], level[i + 1]))
      if (level.length % 2 === 1) next.push(level[level.length - 1])
      this.levels.push(next)
      level = next
    }
  }

  /** The root hash. */
  get root (): Uint8Array { return this.levels[this.levels.length - 1][0] }
  /** Number of leaves. */
  get leafCount (): number { return this.levels[0].length }

  /** The proof for leaf `index`. */
  proof (index: number): MerkleProof {
    checkPosition(index, this.leafCount)
    const siblings: Uint8Array[] = []
    let i = index
    for (const level of this.levels.slice(0, -1)) {
      if (i % 2 === 1) siblings.push(level[i - 1])
      else if (i + 1 < level.length) siblings.push(level[i + 1])
      i = Math.floor(i / 2)
    }
    return { index, leafCount: this.leafCount, siblings }
  }
}

/**
 * Appends `inner` (a proof inside an aligned 2^k-leaf subtree, e.g. a chunk inside its segment)
 * to `outer` (that subtree's proof in the bigger tree), giving the leaf's proof in the bigger tree
 * of `leafCount` leaves.
 * @example composeProofs(chunkInSegment, segmentProof, 1024, layout.paddedChunks)
 */
export function composeProofs (inner: MerkleProof, outer: MerkleProof, subtreeLeaves: number, leafCount: number): MerkleProof {
  const proof = { index: outer.index * subtreeLeaves + inner.index, leafCount, siblings: [...inner.siblings, ...outer.siblings] }
  if (proofLength(proof.index, leafCount) !== proof.siblings.length) throw new InvalidProofError('inner and outer proofs do not compose into this tree')
  return proof
}

/**
 * Streaming root over leaf hashes in order, in O(log n) memory: a stack of perfect subtrees merged
 * like a binary counter, folded right to left at the end (equal to the level-by-level 0G tree).
 * @example const acc = new MerkleAccumulator(); acc.push(a); acc.push(b); acc.root()
 */
export class MerkleAccumulator {
  private readonly stack: Array<{ hash: Uint8Array, height: number }> = []
  private count = 0
  constructor (private readonly pair: PairHash = hashPair) {}

  /** Leaves pushed so far. */
  get leafCount (): number { return this.count }

  /** Appends a leaf hash, or the root of a perfect subtree of 2^height leaves aligned at the current count. */
  push (hash: Uint8Array, height = 0): void {
    if (hash.length !== 32) throw new InvalidProofError('leaf hashes must be 32 bytes')
    if (this.count % 2 ** height !== 0) throw new InvalidProofError('a subtree must start at a multiple of its size')
    let node = { hash, height }
    while (this.stack.length > 0 && this.stack[this.stack.length - 1].height === node.height) {
      const left = this.stack.pop()!
      node = { hash: this.pair(left.hash, node.hash), height: node.height + 1 }
    }
    this.stack.push(node)
    this.count += 2 ** height
  }

  /** The root over everything pushed (at least one leaf). */
  root (): Uint8Array {
    if (this.stack.length === 0) throw new InvalidProofError('no leaves pushed')
    let acc = this.stack[this.stack.length - 1].hash
    for (let i = this.stack.length - 2; i >= 0; i--) acc = this.pair(this.stack[i].hash, acc)
    return acc
  }
}
