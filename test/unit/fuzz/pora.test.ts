// PoRA: the answer, challenge, receipt, sector-commitment and sealing-proof decoders on mutated
// valid encodings, and the verifiers: a mutated answer, sealing proof, receipt or challenge never
// verifies unless it decodes to exactly the honest one; the honest ones do.
import { afterAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { sha256 } from '@noble/hashes/sha2.js'
import {
  TEST_SEAL_PARAMS, SealedSector, answerChallenge, decodeAnswer, encodeAnswer, sealSector, verifyAnswer, decodeChallenge, encodeChallenge,
  createChallenge, verifyChallengeSignature, decodeReceipt, encodeReceipt, signReceipt, verifyReceipt, decodeSectorCommitment,
  encodeSectorCommitment, decodeSealingProof, encodeSealingProof, proveSealing, verifySealingSpotChecks, type ChallengeSpec
} from '../../../protocol/pora/index.js'
import { equalBytes } from '../../../protocol/bytes.js'
import { patternBytes } from '../../helpers/bytes.js'
import { fuzz, hostile, printSlowest, typedOrOk } from './arbitraries.js'

const PORA = ['MalformedPoraMessageError']
const params = TEST_SEAL_PARAMS
const n = params.sectorChunks
const idA = sha256(Uint8Array.of(1))
const data0 = patternBytes(n * 256, 1); const data1 = patternBytes(n * 256, 2)
const a0 = sealSector({ data: data0, nodeId: idA, sectorStart: 0, params })
const a1 = sealSector({ data: data1, nodeId: idA, sectorStart: n, params })
const store = new Map([[0, SealedSector.fromSealed(a0.sealed, params)], [n, SealedSector.fromSealed(a1.sealed, params)]])
const sectors = [a0.commitment, a1.commitment]
const spec: ChallengeSpec = { id: sha256(Uint8Array.of(3)), nodeId: idA, positions: [5, n + 17, n - 1, 200], deadlineMs: 500, issuedAtHeight: 9 }
const honest = encodeAnswer(answerChallenge({ challenge: spec, nodeId: idA, sectors: store, params }))
const challengerKey = sha256(Uint8Array.of(77))
const seed = sha256(Uint8Array.of(9))

afterAll(printSlowest)

describe('fuzz: PoRA decoders and verifiers', () => {
  it('answers: mutated honest answers decode or throw MalformedPoraMessageError, and only the honest one verifies', async () => {
    expect(verifyAnswer({ answer: decodeAnswer(honest), challenge: spec, sectors, params })).toEqual({ ok: true })
    await fuzz('pora/answer', [hostile(fc.constant(honest))], (bytes) => {
      const answer = typedOrOk(() => decodeAnswer(bytes), PORA)
      if (answer === undefined) return
      expect(equalBytes(encodeAnswer(answer), bytes)).toBe(true)
      // every byte of an answer is either checked against the challenge or under commR
      expect(verifyAnswer({ answer, challenge: spec, sectors, params }).ok).toBe(equalBytes(bytes, honest))
    })
  })

  it('challenges and receipts: mutated signed ones decode or throw typed errors; only the signed bytes verify', async () => {
    const challenge = encodeChallenge(createChallenge(spec, challengerKey))
    expect(verifyChallengeSignature(decodeChallenge(challenge))).toBe(true)
    await fuzz('pora/challenge', [hostile(fc.constant(challenge))], (bytes) => {
      const c = typedOrOk(() => decodeChallenge(bytes), PORA)
      if (c === undefined) return
      expect(equalBytes(encodeChallenge(c), bytes)).toBe(true)
      expect(verifyChallengeSignature(c)).toBe(equalBytes(bytes, challenge))
    })
    const receipt = encodeReceipt(signReceipt({ challengeId: spec.id, nodeId: idA, answerHash: sha256(honest), latencyMs: 120, deadlineMs: 500, verdict: 'valid' }, challengerKey))
    expect(verifyReceipt(decodeReceipt(receipt))).toBe(true)
    await fuzz('pora/receipt', [hostile(fc.constant(receipt))], (bytes) => {
      const r = typedOrOk(() => decodeReceipt(bytes), PORA)
      if (r === undefined) return
      expect(equalBytes(encodeReceipt(r), bytes)).toBe(true)
      expect(verifyReceipt(r)).toBe(equalBytes(bytes, receipt))
    })
  })

  it('sector commitments and sealing proofs: mutated ones decode or throw typed errors; a mutated proof never verifies', async () => {
    const commitment = encodeSectorCommitment(a0.commitment)
    await fuzz('pora/commitment', [hostile(fc.constant(commitment))], (bytes) => {
      const c = typedOrOk(() => decodeSectorCommitment(bytes, idA), PORA)
      if (c !== undefined) expect(equalBytes(encodeSectorCommitment(c), bytes)).toBe(true)
    })
    const proof = encodeSealingProof(proveSealing({ data: data0, commitment: a0.commitment, params, seed }))
    expect(verifySealingSpotChecks({ commitment: a0.commitment, params, seed, proof: decodeSealingProof(proof) })).toEqual({ ok: true })
    await fuzz('pora/sealing-proof', [hostile(fc.constant(proof))], (bytes) => {
      const p = typedOrOk(() => decodeSealingProof(bytes), PORA)
      if (p === undefined) return
      expect(equalBytes(encodeSealingProof(p), bytes)).toBe(true)
      expect(verifySealingSpotChecks({ commitment: a0.commitment, params, seed, proof: p }).ok).toBe(equalBytes(bytes, proof))
    }, 0.5)
  })
})
