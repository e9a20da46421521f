import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  CHUNK_SIZE, SEGMENT_CHUNKS, SEGMENT_SIZE, InvalidProofError, MerkleAccumulator, MerkleTree, SegmentTree,
  chunkProof, fileLayout, fileRoot, proofLength, rootFromProof, segmentBytes, verifyChunkProof,
  verifyMerkleProof, verifySegmentProof, hashPair
} from '../../../protocol/storage/index.js'
import { toHex } from '../../../protocol/bytes.js'
import { createWasmHasher } from '../../../wasm/keccak/index.js'
import { ZgMerkleTree } from '../../helpers/zg-sdk.js'
import { patternBytes } from '../../helpers/bytes.js'

const wasm = createWasmHasher()
const leavesOf = (n: number, seed = 1): Uint8Array[] => Array.from({ length: n }, (_, i) => patternBytes(32, seed * 100_003 + i))

describe('merkle proofs (0G tree shape)', () => {
  it('every leaf of trees up to 70 leaves proves against the root; the SDK agrees on root and siblings', () => {
    for (let n = 1; n <= 70; n++) {
      const leaves = leavesOf(n, n)
      const tree = new MerkleTree(leaves)
      const sdk = new ZgMerkleTree()
      for (const l of leaves) sdk.addLeafByHash(toHex(l))
      sdk.build()
      expect(toHex(tree.root)).toBe(sdk.rootHash())
      for (let i = 0; i < n; i++) {
        const proof = tree.proof(i)
        expect(proof.siblings.length).toBe(proofLength(i, n))
        expect(verifyMerkleProof(tree.root, leaves[i], proof)).toBe(true)
        const lemma = sdk.proofAt(i).lemma as string[]
        expect(proof.siblings.map(toHex)).toEqual(n === 1 ? [] : lemma.slice(1, -1))
      }
    }
  })

  it('rejects a proof moved to another index, a wrong leaf, a flipped sibling', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 300 }), fc.nat(), fc.nat(), (n, a, b) => {
      const leaves = leavesOf(n, 9)
      const tree = new MerkleTree(leaves)
      const i = a % n
      const proof = tree.proof(i)
      const j = (i + 1 + (b % (n - 1))) % n
      if (proofLength(j, n) === proof.siblings.length) {
        expect(verifyMerkleProof(tree.root, leaves[i], { ...proof, index: j })).toBe(false)
      } else {
        expect(() => verifyMerkleProof(tree.root, leaves[i], { ...proof, index: j })).toThrow(InvalidProofError)
      }
      expect(verifyMerkleProof(tree.root, leaves[j], proof)).toBe(false)
      if (proof.siblings.length > 0) {
        const bad = proof.siblings.map((s) => s.slice())
        bad[b % bad.length][b % 32] ^= 1
        expect(verifyMerkleProof(tree.root, leaves[i], { ...proof, siblings: bad })).toBe(false)
      }
    }), { numRuns: 200 })
  })

  it('throws InvalidProofError on malformed proofs', () => {
    const tree = new MerkleTree(leavesOf(5))
    const p = tree.proof(2)
    expect(() => rootFromProof(leavesOf(1)[0], { ...p, siblings: p.siblings.slice(1) })).toThrow(/needs 3 siblings/)
    expect(() => rootFromProof(leavesOf(1)[0], { ...p, index: 5 })).toThrow(/out of range/)
    expect(() => rootFromProof(leavesOf(1)[0], { ...p, leafCount: 0 })).toThrow(/positive/)
    expect(() => rootFromProof(new Uint8Array(31), p)).toThrow(/32 bytes/)
    expect(() => rootFromProof(leavesOf(1)[0], { ...p, siblings: [new Uint8Array(3), ...p.siblings.slice(1)] })).toThrow(/32 bytes/)
    expect(() => new MerkleTree([])).toThrow(InvalidProofError)
  })

  it('the streaming accumulator equals the level-by-level tree', () => {
    for (let n = 1; n <= 100; n++) {
      const leaves = leavesOf(n, 3)
      const acc = new MerkleAccumulator()
      for (const l of leaves) acc.push(l)
      expect(toHex(acc.root())).toBe(toHex(new MerkleTree(leaves).root))
    }
    const acc = new MerkleAccumulator()
    acc.push(leavesOf(1)[0])
    expect(() => acc.push(leavesOf(1)[0], 1)).toThrow(/multiple of its size/)
    expect(() => new MerkleAccumulator().root()).toThrow(/no leaves/)
  })
})

describe('chunk and segment proofs against a file root', () => {
  // 2049 chunks: 3 segments, the last partial with flow padding; 16385 chunks: zero padding segments.
  it.each([1, 1000, SEGMENT_SIZE, 2049 * CHUNK_SIZE - 3, 16385 * CHUNK_SIZE])('proves chunks and segments of a %i-byte file', (size) => {
    const data = patternBytes(size, size)
    const layout = fileLayout(size)
    const tree = SegmentTree.fromBytes(layout, data, wasm)
    const root = fileRoot(data, wasm)
    expect(toHex(tree.root)).toBe(toHex(root))
    const chunkIdx = [0, layout.chunks - 1, Math.floor(layout.chunks / 2), layout.paddedChunks - 1]
    for (const c of chunkIdx) {
      const s = Math.floor(c / SEGMENT_CHUNKS)
      const proof = chunkProof(layout, segmentBytes(data, s), c, tree.proof(s), wasm)
      expect(proof.leafCount).toBe(layout.paddedChunks)
      const chunk = new Uint8Array(CHUNK_SIZE)
      chunk.set(data.subarray(c * CHUNK_SIZE, Math.min(size, (c + 1) * CHUNK_SIZE)))
      expect(verifyChunkProof(root, chunk, proof)).toBe(true)
      chunk[0] ^= 1
      expect(verifyChunkProof(root, chunk, proof)).toBe(false)
    }
    for (let s = 0; s < layout.segments; s++) {
      const seg = segmentBytes(data, s)
      expect(verifySegmentProof(root, layout, seg, tree.proof(s), wasm)).toBe(true)
      if (seg.length > 0) {
        const bad = seg.slice(); bad[bad.length - 1] ^= 0x80
        expect(verifySegmentProof(root, layout, bad, tree.proof(s), wasm)).toBe(false)
        expect(() => verifySegmentProof(root, layout, seg.subarray(1), tree.proof(s), wasm)).toThrow(InvalidProofError)
      }
    }
  })

  it('rejects a segment proof for another file shape', () => {
    const data = patternBytes(3 * SEGMENT_SIZE, 5)
    const layout = fileLayout(data.length)
    const tree = SegmentTree.fromBytes(layout, data)
    expect(() => verifySegmentProof(tree.root, fileLayout(5 * SEGMENT_SIZE), segmentBytes(data, 0), tree.proof(0))).toThrow(/leaf count/)
    expect(() => chunkProof(layout, segmentBytes(data, 0), 2000, tree.proof(0))).toThrow(/another segment/)
    expect(hashPair(new Uint8Array(32), new Uint8Array(32)).length).toBe(32)
  })
})
