import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { sha256 } from '@noble/hashes/sha2.js'
import {
  TEST_SEAL_PARAMS, MAX_ANSWER_BYTES, MalformedPoraMessageError, SealedSector, answerChallenge, answerHash, decodeAnswer,
  encodeAnswer, sealSector, verifyAnswer, type Answer, type ChallengeSpec
} from '../../../protocol/pora/index.js'
import { SegmentTree, chunkProof, fileLayout, segmentBytes } from '../../../protocol/storage/index.js'
import { GlowmeshError } from '../../../protocol/errors.js'
import { patternBytes } from '../../helpers/bytes.js'

const params = TEST_SEAL_PARAMS
const n = params.sectorChunks
const idA = sha256(new Uint8Array([1])); const idB = sha256(new Uint8Array([2]))
const data0 = patternBytes(n * 256, 1); const data1 = patternBytes(n * 256, 2)
const a0 = sealSector({ data: data0, nodeId: idA, sectorStart: 0, params })
const a1 = sealSector({ data: data1, nodeId: idA, sectorStart: n, params })
const b0 = sealSector({ data: data0, nodeId: idB, sectorStart: 0, params })
const storeA = new Map([[0, SealedSector.fromSealed(a0.sealed, params)], [n, SealedSector.fromSealed(a1.sealed, params)]])
const storeB = new Map([[0, SealedSector.fromSealed(b0.sealed, params)]])
const sectorsA = [a0.commitment, a1.commitment]
const challenge: ChallengeSpec = { id: sha256(new Uint8Array([3])), nodeId: idA, positions: [5, n + 17, n - 1, 200], deadlineMs: 500, issuedAtHeight: 9 }
const honest = answerChallenge({ challenge, nodeId: idA, sectors: storeA, params })
const clone = (a: Answer): Answer => decodeAnswer(encodeAnswer(a))
const check = (answer: Answer, over: Partial<Parameters<typeof verifyAnswer>[0]> = {}) => verifyAnswer({ answer, challenge, sectors: sectorsA, params, ...over })

describe('answers', () => {
  it('an honest answer over two sectors verifies', () => {
    expect(check(honest)).toEqual({ ok: true })
  })

  it('rejects a flipped bit in a sealed chunk or a proof sibling', () => {
    const x = clone(honest); x.items[1].sealedChunk[100] ^= 1
    expect(check(x)).toMatchObject({ ok: false, reason: expect.stringMatching(/not under commR/) })
    const y = clone(honest); y.items[2].proof[3][0] ^= 1
    expect(check(y).ok).toBe(false)
  })

  it('rejects another node’s replica (the same data sealed for node B), under either id', () => {
    const fromB = answerChallenge({ challenge: { ...challenge, positions: [5] }, nodeId: idA, sectors: storeB, params })
    expect(check(fromB, { challenge: { ...challenge, positions: [5] } }).ok).toBe(false)
    // B answering for itself against A's commitments: wrong node.
    const asB = answerChallenge({ challenge: { ...challenge, positions: [5], nodeId: idB }, nodeId: idB, sectors: storeB, params })
    expect(check(asB, { challenge: { ...challenge, positions: [5] } })).toMatchObject({ ok: false, reason: expect.stringMatching(/another node/) })
    // B's own sectors can't be used for A's challenge: commitments are looked up by node id.
    expect(check({ ...asB, nodeId: idA }, { challenge: { ...challenge, positions: [5] }, sectors: [b0.commitment] })).toMatchObject({ ok: false, reason: expect.stringMatching(/no sealed sector/) })
  })

  it('rejects attacker (a): the unsealed chunk with its proof against the data root', () => {
    const layout = fileLayout(data0.length); const tree = SegmentTree.fromBytes(layout, data0)
    const proof = chunkProof(layout, segmentBytes(data0, 0), 5, tree.proof(0))
    const c1 = { ...challenge, positions: [5] }
    const fake: Answer = { challengeId: challenge.id, nodeId: idA, items: [{ position: 5, sealedChunk: data0.slice(5 * 256, 6 * 256), proof: proof.siblings }] }
    expect(check(fake, { challenge: c1 })).toMatchObject({ ok: false, reason: expect.stringMatching(/not under commR/) })
  })

  it('rejects wrong positions, a chunk moved to another position, wrong challenge id, missing items', () => {
    const x = clone(honest); x.items[0].position = 6
    expect(check(x)).toMatchObject({ ok: false, reason: expect.stringMatching(/position/) })
    // The right sealed chunk and proof, but claimed for the challenged position next to it.
    const moved = answerChallenge({ challenge: { ...challenge, positions: [6, n + 17, n - 1, 200] }, nodeId: idA, sectors: storeA, params })
    moved.items[0].position = 5
    expect(check(moved).ok).toBe(false)
    expect(check({ ...clone(honest), challengeId: sha256(new Uint8Array([4])) })).toMatchObject({ ok: false, reason: expect.stringMatching(/another challenge/) })
    expect(check({ ...clone(honest), items: honest.items.slice(0, 3) }).ok).toBe(false)
  })

  it('rejects a proof for another root (sector 1’s proof used for a position in sector 0)', () => {
    const x = clone(honest); x.items[0].proof = honest.items[1].proof; x.items[0].sealedChunk = honest.items[1].sealedChunk
    expect(check(x).ok).toBe(false)
    const y = clone(honest); y.items[0].proof = y.items[0].proof.slice(1)
    expect(check(y)).toMatchObject({ ok: false, reason: expect.stringMatching(/malformed|siblings/) })
  })
})

describe('answer encoding', () => {
  it('round-trips and hashes deterministically', () => {
    fc.assert(fc.property(fc.array(fc.record({
      position: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
      sealedChunk: fc.uint8Array({ minLength: 256, maxLength: 256 }),
      proof: fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 32 })
    }), { minLength: 1, maxLength: 64 }), (items) => {
      const a: Answer = { challengeId: challenge.id, nodeId: idA, items }
      const bytes = encodeAnswer(a)
      expect(bytes.length).toBeLessThanOrEqual(MAX_ANSWER_BYTES)
      expect(decodeAnswer(bytes)).toEqual(a)
      expect(answerHash(decodeAnswer(bytes))).toEqual(answerHash(a))
    }), { numRuns: 30 })
  })

  it('rejects truncated, padded, oversized and malformed bytes with typed errors', () => {
    const bytes = encodeAnswer(honest)
    for (let cut = 0; cut < bytes.length; cut += 37) expect(() => decodeAnswer(bytes.subarray(0, cut))).toThrow(MalformedPoraMessageError)
    expect(() => decodeAnswer(new Uint8Array([...bytes, 0]))).toThrow(MalformedPoraMessageError)
    expect(() => decodeAnswer(new Uint8Array(MAX_ANSWER_BYTES + 1))).toThrow(expect.objectContaining({ code: 'PORA_MALFORMED' }))
    const v = Uint8Array.from(bytes); v[0] = 9
    expect(() => decodeAnswer(v)).toThrow(MalformedPoraMessageError)
    const zeroItems = Uint8Array.from(bytes.subarray(0, 66)); zeroItems[65] = 0
    expect(() => decodeAnswer(zeroItems)).toThrow(MalformedPoraMessageError)
    const manySiblings = Uint8Array.from(bytes); manySiblings[66 + 8 + 256] = 33
    expect(() => decodeAnswer(manySiblings)).toThrow(MalformedPoraMessageError)
    expect(() => encodeAnswer({ ...honest, items: [{ ...honest.items[0], sealedChunk: new Uint8Array(255) }] })).toThrow(MalformedPoraMessageError)
  })

  it('random bytes never crash the decoder: they parse or throw a typed error', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), (b) => {
      try { decodeAnswer(b) } catch (err) { expect(err).toBeInstanceOf(GlowmeshError) }
    }), { numRuns: 300 })
  })
})
