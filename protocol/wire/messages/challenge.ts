/** /glowmesh/challenge/1.0.0 messages: challenge (request), answer (response), receipt (push). */
import * as pb from '../pb/challenge.js'
import {
  CHUNK_BYTES, HASH_BYTES, MAX_CHALLENGE_ANSWER_BYTES, MAX_CHALLENGE_BYTES, MAX_CHALLENGE_DEADLINE_MS,
  MAX_CHALLENGE_POSITIONS, MAX_CHALLENGE_RECEIPT_BYTES, MAX_STATUS_MESSAGE_BYTES, PUBLIC_KEY_BYTES, SIGNATURE_BYTES
} from '../limits.js'
import { enumValues, bytesExact, fail, INT64_MAX, list, oneOf, present, stringMax, u32, u64, UINT32_MAX, UINT64_MAX } from '../check.js'
import { defineMessage } from '../message.js'
import { validateMerkleProof } from './segment.js'

const STATUSES = enumValues<pb.ChallengeStatus>(pb.ChallengeStatus, 'CHALLENGE_STATUS_UNSPECIFIED')
const VERDICTS = enumValues<pb.Verdict>(pb.Verdict, 'VERDICT_UNSPECIFIED')

export const challenge = defineMessage<pb.Challenge>({
  name: 'Challenge',
  maxBytes: MAX_CHALLENGE_BYTES,
  codec: pb.Challenge,
  validate (m) {
    bytesExact(m.id, HASH_BYTES, 'Challenge.id')
    u64(m.height, 1n, INT64_MAX, 'Challenge.height')
    bytesExact(m.blockHash, HASH_BYTES, 'Challenge.blockHash')
    bytesExact(m.nodeId, PUBLIC_KEY_BYTES, 'Challenge.nodeId')
    const positions = list<bigint>(m.positions, 1, MAX_CHALLENGE_POSITIONS, 'Challenge.positions')
    const seen = new Set<bigint>()
    positions.forEach((p, i) => {
      u64(p, 0n, UINT64_MAX, `Challenge.positions[${i}]`)
      if (seen.has(p)) fail(`Challenge.positions[${i}]`, `duplicate position ${p}`)
      seen.add(p)
    })
    u32(m.deadlineMs, 1, MAX_CHALLENGE_DEADLINE_MS, 'Challenge.deadlineMs')
    bytesExact(m.challenger, PUBLIC_KEY_BYTES, 'Challenge.challenger')
    bytesExact(m.signature, SIGNATURE_BYTES, 'Challenge.signature')
  }
})

export const challengeAnswer = defineMessage<pb.ChallengeAnswer>({
  name: 'ChallengeAnswer',
  maxBytes: MAX_CHALLENGE_ANSWER_BYTES,
  codec: pb.ChallengeAnswer,
  validate (m) {
    const status = oneOf(m.status, STATUSES, 'ChallengeAnswer.status')
    stringMax(m.message, MAX_STATUS_MESSAGE_BYTES, 'ChallengeAnswer.message')
    bytesExact(m.challengeId, HASH_BYTES, 'ChallengeAnswer.challengeId')
    bytesExact(m.nodeId, PUBLIC_KEY_BYTES, 'ChallengeAnswer.nodeId')
    const ok = status === pb.ChallengeStatus.OK
    const chunks = list<pb.SealedChunk>(m.chunks, ok ? 1 : 0, ok ? MAX_CHALLENGE_POSITIONS : 0, 'ChallengeAnswer.chunks')
    chunks.forEach((c, i) => {
      const path = `ChallengeAnswer.chunks[${i}]`
      present(c, path)
      const position = u64(c.position, 0n, UINT64_MAX, `${path}.position`)
      bytesExact(c.data, CHUNK_BYTES, `${path}.data`)
      validateMerkleProof(c.proof, `${path}.proof`)
      // the proof is for the chunk at that flow position
      if (c.proof!.leafIndex !== position) fail(`${path}.proof.leafIndex`, 'differs from the position')
    })
  }
})

export const challengeReceipt = defineMessage<pb.ChallengeReceipt>({
  name: 'ChallengeReceipt',
  maxBytes: MAX_CHALLENGE_RECEIPT_BYTES,
  codec: pb.ChallengeReceipt,
  validate (m) {
    bytesExact(m.challengeId, HASH_BYTES, 'ChallengeReceipt.challengeId')
    bytesExact(m.nodeId, PUBLIC_KEY_BYTES, 'ChallengeReceipt.nodeId')
    const verdict = oneOf(m.verdict, VERDICTS, 'ChallengeReceipt.verdict')
    // a missing answer has nothing to hash
    bytesExact(m.answerHash, verdict === pb.Verdict.MISSING ? 0 : HASH_BYTES, 'ChallengeReceipt.answerHash')
    u32(m.latencyMs, 0, UINT32_MAX, 'ChallengeReceipt.latencyMs')
    u32(m.deadlineMs, 1, MAX_CHALLENGE_DEADLINE_MS, 'ChallengeReceipt.deadlineMs')
    // "late" is judged against the stated deadline; a receipt contradicting its own numbers is forged or buggy
    if (verdict === pb.Verdict.VALID && m.latencyMs > m.deadlineMs) fail('ChallengeReceipt.verdict', 'VALID but latency exceeds the deadline')
    if (verdict === pb.Verdict.LATE && m.latencyMs <= m.deadlineMs) fail('ChallengeReceipt.verdict', 'LATE but latency within the deadline')
    bytesExact(m.challenger, PUBLIC_KEY_BYTES, 'ChallengeReceipt.challenger')
    bytesExact(m.signature, SIGNATURE_BYTES, 'ChallengeReceipt.signature')
    u64(m.height, 1n, INT64_MAX, 'ChallengeReceipt.height')
  }
})
