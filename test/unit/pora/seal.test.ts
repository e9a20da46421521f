import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { sha256 } from '@noble/hashes/sha2.js'
import {
  TEST_SEAL_PARAMS, InvalidSealParamsError, labelLayers, labeler, proveSealing, replicaId, sealSector, unsealSector,
  SealedSector, verifySealingSpotChecks, checkSealParams, type SealParams
} from '../../../protocol/pora/index.js'
import { bytesToWords, messageBuffer, sha256Words, wordsToBytes } from '../../../protocol/pora/sha256.js'
import { verifyChunkProof } from '../../../protocol/storage/index.js'
import { equalBytes } from '../../../protocol/bytes.js'
import { patternBytes } from '../../helpers/bytes.js'

const params = TEST_SEAL_PARAMS
const SECTOR = params.sectorChunks * 256
const idA = sha256(new Uint8Array([1]))
const idB = sha256(new Uint8Array([2]))
const data = patternBytes(SECTOR, 7)
const sealedA = sealSector({ data, nodeId: idA, sectorStart: 0, params })

describe('word sha256', () => {
  it('equals noble sha256 for every word-aligned length up to 600 bytes', () => {
    for (let words = 0; words <= 150; words++) {
      const bytes = patternBytes(words * 4, words + 1)
      const m = messageBuffer(words); bytesToWords(bytes, m, 0)
      const out = new Uint32Array(8); sha256Words(m, words, out, 0)
      expect(wordsToBytes(out)).toEqual(sha256(bytes))
    }
  })
})

describe('sealing', () => {
  it('round-trips: unseal(seal(data)) = data, for any data and node id', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.integer({ min: 0, max: 1000 }), fc.nat(3), (nodeId, seed, k) => {
      const d = patternBytes(SECTOR, seed)
      const sectorStart = k * params.sectorChunks
      const { sealed } = sealSector({ data: d, nodeId, sectorStart, params })
      expect(equalBytes(sealed, d)).toBe(false)
      expect(unsealSector({ sealed, nodeId, sectorStart, params })).toEqual(d)
    }), { numRuns: 12 })
  })

  it('binds to the node id: two ids give different sealed bytes and commitments', () => {
    const b = sealSector({ data, nodeId: idB, sectorStart: 0, params })
    expect(equalBytes(b.sealed, sealedA.sealed)).toBe(false)
    expect(equalBytes(b.commitment.commR, sealedA.commitment.commR)).toBe(false)
    expect(b.commitment.dataRoot).toEqual(sealedA.commitment.dataRoot)
    // Every chunk differs, not just some: no chunk of A's replica answers for B.
    for (let v = 0; v < params.sectorChunks; v++) {
      expect(equalBytes(b.sealed.subarray(v * 256, v * 256 + 256), sealedA.sealed.subarray(v * 256, v * 256 + 256))).toBe(false)
    }
    // And unsealing with the wrong id gives garbage.
    expect(equalBytes(unsealSector({ sealed: sealedA.sealed, nodeId: idB, sectorStart: 0, params }), data)).toBe(false)
  })

  it('binds to the sector position and the parameters', () => {
    expect(replicaId({ nodeId: idA, sectorStart: 0, params })).not.toEqual(replicaId({ nodeId: idA, sectorStart: params.sectorChunks, params }))
    expect(replicaId({ nodeId: idA, sectorStart: 0, params })).not.toEqual(replicaId({ nodeId: idA, sectorStart: 0, params: { ...params, layers: 4 } }))
  })

  it('SealedSector proves every chunk against commR', () => {
    const store = SealedSector.fromSealed(sealedA.sealed, params)
    expect(store.root).toEqual(sealedA.commitment.commR)
    for (const i of [0, 1, 100, params.sectorChunks - 1]) {
      const { sealedChunk, proof } = store.chunk(i)
      expect(verifyChunkProof(sealedA.commitment.commR, sealedChunk, proof)).toBe(true)
    }
  })

  it('rejects bad parameters and inputs with typed errors', () => {
    const bad: SealParams[] = [
      { ...params, sectorChunks: 100 }, { ...params, sectorChunks: 8 }, { ...params, layers: 0 },
      { ...params, baseParents: 1 }, { ...params, expanderParents: 17 }
    ]
    for (const p of bad) expect(() => checkSealParams(p)).toThrow(InvalidSealParamsError)
    expect(() => sealSector({ data: data.subarray(1), nodeId: idA, sectorStart: 0, params })).toThrow(expect.objectContaining({ name: 'InvalidSealParamsError', code: 'PORA_INVALID_PARAMS' }))
    expect(() => sealSector({ data, nodeId: idA, sectorStart: 3, params })).toThrow(InvalidSealParamsError)
    expect(() => sealSector({ data, nodeId: new Uint8Array(31), sectorStart: 0, params })).toThrow(InvalidSealParamsError)
  })
})

/**
 * The cheapest cheating sealer: labels a fraction of each layer's nodes (those with v % 10 === 3,
 * 10 %) with sha256(replica ‖ v) instead of from their parents — free checkpoints that cut the
 * graph's depth — and then commits and proves honestly over its own labels.
 */
function skippingLabelling (fraction10: number): typeof labelLayers {
  return (replica, p, onLayer) => {
    const label = labeler(replica, p)
    const n = p.sectorChunks
    let prev: Uint32Array | undefined
    let cur = new Uint32Array(n * 8)
    for (let l = 1; l <= p.layers; l++) {
      for (let v = 0; v < n; v++) {
        if (v % 10 < fraction10) {
          const fake = sha256(new Uint8Array([...replica, l, v & 255, v >> 8]))
          bytesToWords(fake, cur, v * 8)
        } else label(l, v, cur, prev, cur)
      }
      onLayer?.(l, cur, prev)
      if (l === p.layers) break
      prev = cur; cur = new Uint32Array(n * 8)
    }
    return cur
  }
}

describe('registration spot checks', () => {
  const seeds = [1, 2, 3, 4].map((i) => sha256(new Uint8Array([9, i])))

  it('an honest sealer passes', () => {
    for (const seed of seeds.slice(0, 2)) {
      const proof = proveSealing({ data, commitment: sealedA.commitment, params, seed })
      expect(verifySealingSpotChecks({ commitment: sealedA.commitment, params, seed, proof })).toEqual({ ok: true })
    }
  })

  it('catches a sealer that skipped labelling on 10 % of nodes', () => {
    const labelling = skippingLabelling(1)
    const cheat = sealSector({ data, nodeId: idA, sectorStart: 0, params, labelling })
    for (const seed of seeds) {
      const proof = proveSealing({ data, commitment: cheat.commitment, params, seed, labelling })
      const v = verifySealingSpotChecks({ commitment: cheat.commitment, params, seed, proof })
      expect(v.ok).toBe(false)
      if (!v.ok) expect(v.reason).toMatch(/not the hash of its parents/)
    }
  })

  it('catches a sealer that sealed other data than it committed to', () => {
    const other = Uint8Array.from(data); for (let i = 0; i < other.length; i += 512) other[i] ^= 1 // every other chunk
    const { sealed } = sealSector({ data: other, nodeId: idA, sectorStart: 0, params })
    const lying = { ...sealedA.commitment, commR: SealedSector.fromSealed(sealed, params).root }
    const proof = proveSealing({ data, commitment: lying, params, seed: seeds[0] })
    // The honest prover recomputes sealed chunks from `data`; a liar must show chunks under its commR.
    for (const o of proof.data) { const s = SealedSector.fromSealed(sealed, params).chunk(o.node); o.sealedChunk = s.sealedChunk; o.sealedProof = s.proof }
    const v = verifySealingSpotChecks({ commitment: lying, params, seed: seeds[0], proof })
    expect(v).toMatchObject({ ok: false, reason: expect.stringMatching(/data ⊕ key/) })
  })

  it('rejects a proof made for another seed, and malformed proofs', () => {
    const proof = proveSealing({ data, commitment: sealedA.commitment, params, seed: seeds[0] })
    expect(verifySealingSpotChecks({ commitment: sealedA.commitment, params, seed: seeds[1], proof }).ok).toBe(false)
    expect(verifySealingSpotChecks({ commitment: sealedA.commitment, params, seed: seeds[0], proof: { labels: proof.labels.slice(1), data: proof.data } }).ok).toBe(false)
    const broken = { labels: proof.labels.map((o) => ({ ...o, base: o.base.map(() => ({}) as never) })), data: proof.data }
    expect(verifySealingSpotChecks({ commitment: sealedA.commitment, params, seed: seeds[0], proof: broken }).ok).toBe(false)
  })
})
