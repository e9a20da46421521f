/**
 * protocol/pora ⇄ protocol/wire (/glowmesh/challenge/1.0.0). The wire Challenge carries the
 * challenge's block hash beside the signed fields; its signature is protocol/pora's
 * `challengeSignBytes` (id, node, height, deadline, positions, challenger). In answers the wire
 * proof's `leafIndex` is the flow position (as the wire requires) and `leafCount` the end of the
 * position's sector; verifiers ignore both and use the seal params (`verifyAnswer`).
 */
import type { Challenge as WireChallenge, ChallengeAnswer as WireAnswer } from '../wire/index.js'
import { ChallengeStatus } from '../wire/index.js'
import type { Answer } from './answer.js'
import type { Challenge } from './challenge.js'
import { MalformedPoraMessageError } from './errors.js'

/** Most positions the wire carries per challenge (protocol/wire MAX_CHALLENGE_POSITIONS). */
export const WIRE_MAX_POSITIONS = 16

const num = (x: bigint, what: string): number => {
  if (x > BigInt(Number.MAX_SAFE_INTEGER)) throw new MalformedPoraMessageError(`${what} ${x} beyond 2^53`)
  return Number(x)
}

/**
 * A signed challenge as the wire message.
 * @example encodeRequest(CHALLENGE_PROTOCOL, challengeToWire(c, blockHash))
 */
export function challengeToWire (c: Challenge, blockHash: Uint8Array): WireChallenge {
  return { id: c.id, height: BigInt(c.issuedAtHeight), blockHash, nodeId: c.nodeId, positions: c.positions.map(BigInt), deadlineMs: c.deadlineMs, challenger: c.challenger, signature: c.signature }
}

/**
 * The wire challenge as protocol/pora's (check it with `verifyChallengeSignature`).
 * @example verifyChallengeSignature(challengeFromWire(msg))
 */
export function challengeFromWire (w: WireChallenge): Challenge & { blockHash: Uint8Array } {
  return { id: w.id, nodeId: w.nodeId, positions: w.positions.map((p) => num(p, 'position')), deadlineMs: w.deadlineMs, issuedAtHeight: num(w.height, 'height'), challenger: w.challenger, signature: w.signature, blockHash: w.blockHash }
}

/**
 * An answer as the wire's OK ChallengeAnswer.
 * @example answerToWire(answerChallenge(...), params.sectorChunks)
 */
export function answerToWire (a: Answer, sectorChunks: number): WireAnswer {
  return {
    status: ChallengeStatus.OK,
    message: '',
    challengeId: a.challengeId,
    nodeId: a.nodeId,
    chunks: a.items.map((it) => ({
      position: BigInt(it.position),
      data: it.sealedChunk,
      proof: { siblings: it.proof, leafIndex: BigInt(it.position), leafCount: BigInt(it.position - (it.position % sectorChunks) + sectorChunks) }
    }))
  }
}

/**
 * A wire ChallengeAnswer as protocol/pora's Answer; undefined for a non-OK status (no answer).
 * @example const a = answerFromWire(res); a === undefined ? 'missing' : verifyAnswer({ answer: a, ... })
 */
export function answerFromWire (w: WireAnswer): Answer | undefined {
  if (w.status !== ChallengeStatus.OK) return undefined
  return { challengeId: w.challengeId, nodeId: w.nodeId, items: w.chunks.map((c) => ({ position: num(c.position, 'position'), sealedChunk: c.data, proof: c.proof?.siblings ?? [] })) }
}
