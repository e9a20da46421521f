/**
 * CometBFT's simple merkle tree (RFC 6962): SHA-256, leaves hashed as 0x00 ‖ leaf, inner nodes as
 * 0x01 ‖ left ‖ right, the left subtree holding the largest power of two strictly below the
 * count. The empty tree hashes to SHA-256 of nothing. Header hashes, validator-set hashes and
 * `data_hash` (the block's transactions) all use it, so DA inclusion proofs are these proofs.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { InvalidInputError } from '../errors.js'
import { equalBytes } from '../bytes.js'

/** CometBFT caps proofs at 100 aunts (a tree of 2^100 leaves) to bound the work a peer can cause. */
export const MAX_MERKLE_AUNTS = 100

/** An inclusion proof in CometBFT's shape (`crypto/merkle.Proof`): aunts from the leaf's sibling up. */
export interface MerkleProof {
  /** Number of leaves in the tree. */
  total: number
  /** Index of the proven leaf. */
  index: number
  /** Hash of the proven leaf (0x00-prefixed SHA-256). */
  leafHash: Uint8Array
  /** Sibling hashes, nearest to the leaf first. */
  aunts: Uint8Array[]
}

/** SHA-256(0x00 ‖ leaf). @example merkleLeafHash(new Uint8Array()) // 6e340b9c… */
export function merkleLeafHash (leaf: Uint8Array): Uint8Array {
  const h = sha256.create()
  h.update(new Uint8Array([0]))
  h.update(leaf)
  return h.digest()
}

/** SHA-256(0x01 ‖ left ‖ right). @example merkleInnerHash(a, b) */
export function merkleInnerHash (left: Uint8Array, right: Uint8Array): Uint8Array {
  const h = sha256.create()
  h.update(new Uint8Array([1]))
  h.update(left)
  h.update(right)
  return h.digest()
}

/** Largest power of two strictly less than n (n ≥ 2). */
function splitPoint (n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

function checkLeaves (leaves: readonly Uint8Array[]): void {
  if (!Array.isArray(leaves)) throw new InvalidInputError('merkle: leaves must be an array of Uint8Array')
  for (const l of leaves) if (!(l instanceof Uint8Array)) throw new InvalidInputError('merkle: every leaf must be a Uint8Array')
}

function root (leaves: readonly Uint8Array[], from: number, to: number): Uint8Array {
  const n = to - from
  if (n === 1) return merkleLeafHash(leaves[from])
  const k = splitPoint(n)
  return merkleInnerHash(root(leaves, from, from + k), root(leaves, from + k, to))
}

/**
 * The RFC 6962 root of the leaves, in order (CometBFT `merkle.HashFromByteSlices`).
 * @example merkleRootRfc6962([]) // sha256('') = e3b0c442…
 */
export function merkleRootRfc6962 (leaves: readonly Uint8Array[]): Uint8Array {
  checkLeaves(leaves)
  if (leaves.length === 0) return sha256(new Uint8Array())
  return root(leaves, 0, leaves.length)
}

/**
 * The root and one inclusion proof per leaf (CometBFT `merkle.ProofsFromByteSlices`).
 * @example const { root, proofs } = merkleProofs(txs); verifyMerkleInclusion(root, txs[3], proofs[3])
 */
export function merkleProofs (leaves: readonly Uint8Array[]): { root: Uint8Array, proofs: MerkleProof[] } {
  checkLeaves(leaves)
  const total = leaves.length
  if (total === 0) return { root: sha256(new Uint8Array()), proofs: [] }
  const aunts: Uint8Array[][] = leaves.map(() => [])
  // Returns the subtree hash; appends this subtree's sibling to every leaf below it on the way up.
  const build = (from: number, to: number): Uint8Array => {
    if (to - from === 1) return merkleLeafHash(leaves[from])
    const k = splitPoint(to - from)
    const left = build(from, from + k)
    const right = build(from + k, to)
    for (let i = from; i < from + k; i++) aunts[i].push(right)
    for (let i = from + k; i < to; i++) aunts[i].push(left)
    return merkleInnerHash(left, right)
  }
  const r = build(0, total)
  return { root: r, proofs: leaves.map((leaf, index) => ({ total, index, leafHash: merkleLeafHash(leaf), aunts: aunts[index] })) }
}

function rootFromAunts (index: number, total: number, leafHash: Uint8Array, aunts: readonly Uint8Array[], used: number): Uint8Array | undefined {
  if (total === 1) return used === 0 ? leafHash : undefined
  if (used === 0) return undefined
  const k = splitPoint(total)
  const aunt = aunts[used - 1]
  if (index < k) {
    const left = rootFromAunts(index, k, leafHash, aunts, used - 1)
    return left === undefined ? undefined : merkleInnerHash(left, aunt)
  }
  const right = rootFromAunts(index - k, total - k, leafHash, aunts, used - 1)
  return right === undefined ? undefined : merkleInnerHash(aunt, right)
}

/**
 * True when `proof` shows `leaf` at `proof.index` of a tree with root `rootHash`. A proof from a
 * peer that is malformed (bad index, wrong number or size of aunts) is simply not valid: false.
 * @example verifyMerkleInclusion(header.dataHash, txBytes, proof) // true
 */
export function verifyMerkleInclusion (rootHash: Uint8Array, leaf: Uint8Array, proof: MerkleProof): boolean {
  if (!(rootHash instanceof Uint8Array) || !(leaf instanceof Uint8Array)) throw new InvalidInputError('merkle: root and leaf must be Uint8Array')
  if (proof === null || typeof proof !== 'object') throw new InvalidInputError('merkle: proof must be an object')
  const { total, index, leafHash, aunts } = proof
  if (!Number.isSafeInteger(total) || !Number.isSafeInteger(index) || total < 1 || index < 0 || index >= total) return false
  if (!Array.isArray(aunts) || aunts.length > MAX_MERKLE_AUNTS) return false
  if (!aunts.every(a => a instanceof Uint8Array && a.length === 32)) return false
  const expectedLeaf = merkleLeafHash(leaf)
  if (!(leafHash instanceof Uint8Array) || !equalBytes(leafHash, expectedLeaf)) return false
  const computed = rootFromAunts(index, total, expectedLeaf, aunts, aunts.length)
  return computed !== undefined && equalBytes(computed, rootHash)
}
