/**
 * Challenge answers: per position, the sealed chunk and its 0G proof against the sector's commR.
 * The proof's index and leaf count are implied by the position and the params, so only sibling
 * hashes travel. Encoding is deterministic; `answerHash` is what a receipt signs.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { type ChunkHasher, CHUNK_SIZE, nobleHasher, verifyChunkProof } from '../storage/index.js'
import { equalBytes } from '../bytes.js'
import { GlowmeshError, InvalidInputError } from '../errors.js'
import { type ChallengeSpec, MAX_CHALLENGE_POSITIONS } from './challenge.js'
import { Reader, Writer } from './codec.js'
import { MalformedPoraMessageError } from './errors.js'
import { type SealParams, checkSealParams } from './params.js'
import { type SealedSector, type SectorCommitment } from './seal.js'

/** Most sibling hashes one item may carry (sectors have at most 2^22 chunks: 22 suffice). */
export const MAX_PROOF_SIBLINGS = 32
/** Largest encoded answer accepted. */
export const MAX_ANSWER_BYTES = 66 + MAX_CHALLENGE_POSITIONS * (8 + CHUNK_SIZE + 1 + 32 * MAX_PROOF_SIBLINGS)

/** One proven position. */
export interface AnswerItem {
  /** Flow chunk position. */
  position: number
  /** The 256-byte sealed chunk. */
  sealedChunk: Uint8Array
  /** Sibling hashes from the chunk up to commR. */
  proof: Uint8Array[]
}

/** A node's answer to one challenge. */
export interface Answer { challengeId: Uint8Array, nodeId: Uint8Array, items: AnswerItem[] }

/**
 * Deterministic bytes of an answer; throws MalformedPoraMessageError for anything out of bounds.
 * @example decodeAnswer(encodeAnswer(answer))
 */
export function encodeAnswer (a: Answer): Uint8Array {
  if (!(a.challengeId instanceof Uint8Array) || a.challengeId.length !== 32 || !(a.nodeId instanceof Uint8Array) || a.nodeId.length !== 32) throw new MalformedPoraMessageError('answer: challengeId and nodeId must be 32 bytes')
  if (!Array.isArray(a.items) || a.items.length < 1 || a.items.length > MAX_CHALLENGE_POSITIONS) throw new MalformedPoraMessageError(`answer: 1..${MAX_CHALLENGE_POSITIONS} items`)
  const w = new Writer().u8(1).raw(a.challengeId).raw(a.nodeId).u8(a.items.length)
  for (const it of a.items) {
    if (!Number.isSafeInteger(it.position) || it.position < 0) throw new MalformedPoraMessageError(`answer: bad position ${it.position}`)
    if (!(it.sealedChunk instanceof Uint8Array) || it.sealedChunk.length !== CHUNK_SIZE) throw new MalformedPoraMessageError('answer: a sealed chunk is 256 bytes')
    if (!Array.isArray(it.proof) || it.proof.length > MAX_PROOF_SIBLINGS || it.proof.some((s) => !(s instanceof Uint8Array) || s.length !== 32)) throw new MalformedPoraMessageError(`answer: a proof is at most ${MAX_PROOF_SIBLINGS} 32-byte hashes`)
    w.u64(it.position).raw(it.sealedChunk).u8(it.proof.length)
    for (const s of it.proof) w.raw(s)
  }
  return w.bytes()
}

/**
 * Parses `encodeAnswer` output strictly (size limit, version, counts, no trailing bytes).
 * @example const answer = decodeAnswer(bytesFromPeer)
 */
export function decodeAnswer (bytes: Uint8Array): Answer {
  if (!(bytes instanceof Uint8Array)) throw new MalformedPoraMessageError('answer: expected bytes')
  if (bytes.length > MAX_ANSWER_BYTES) throw new MalformedPoraMessageError(`answer: ${bytes.length} bytes exceeds ${MAX_ANSWER_BYTES}`)
  const r = new Reader(bytes, 'answer')
  const version = r.u8()
  if (version !== 1) throw new MalformedPoraMessageError(`answer: unknown version ${version}`)
  const challengeId = r.raw(32); const nodeId = r.raw(32)
  const n = r.u8()
  if (n < 1 || n > MAX_CHALLENGE_POSITIONS) throw new MalformedPoraMessageError(`answer: ${n} items`)
  const items: AnswerItem[] = []
  for (let i = 0; i < n; i++) {
    const position = r.u64(); const sealedChunk = r.raw(CHUNK_SIZE); const k = r.u8()
    if (k > MAX_PROOF_SIBLINGS) throw new MalformedPoraMessageError(`answer: ${k} proof siblings`)
    items.push({ position, sealedChunk, proof: Array.from({ length: k }, () => r.raw(32)) })
  }
  r.end()
  return { challengeId, nodeId, items }
}

/**
 * sha256 of the answer's encoding: what the challenger's receipt commits to.
 * @example answerHash(answer)
 */
export function answerHash (a: Answer): Uint8Array {
  return sha256(encodeAnswer(a))
}

/**
 * Builds the answer from the sealed sectors a node keeps (keyed by sectorStart).
 * @example answerChallenge({ challenge, nodeId, sectors: new Map([[0, SealedSector.fromSealed(sealed, params)]]), params })
 */
export function answerChallenge ({ challenge, nodeId, sectors, params }: { challenge: ChallengeSpec, nodeId: Uint8Array, sectors: Map<number, SealedSector>, params: SealParams }): Answer {
  checkSealParams(params)
  const items = challenge.positions.map((position) => {
    const start = position - (position % params.sectorChunks)
    const sector = sectors.get(start)
    if (sector === undefined) throw new InvalidInputError(`no sealed sector holds position ${position}`)
    const { sealedChunk, proof } = sector.chunk(position - start)
    return { position, sealedChunk, proof: proof.siblings }
  })
  return { challengeId: Uint8Array.from(challenge.id), nodeId: Uint8Array.from(nodeId), items }
}

/** Result of a pure check: ok, or the first reason it failed. */
export type Verdict = { ok: true } | { ok: false, reason: string }

/**
 * Checks an answer against its challenge and the node's registered sector commitments; pure,
 * no clock: lateness is the receipt's business.
 * @example verifyAnswer({ answer, challenge, sectors: [commitment], params }).ok
 */
export function verifyAnswer ({ answer, challenge, sectors, params, hasher = nobleHasher }: { answer: Answer, challenge: ChallengeSpec, sectors: SectorCommitment[], params: SealParams, hasher?: ChunkHasher }): Verdict {
  try {
    checkSealParams(params)
    if (!equalBytes(answer.challengeId, challenge.id)) return { ok: false, reason: 'answer is for another challenge' }
    if (!equalBytes(answer.nodeId, challenge.nodeId)) return { ok: false, reason: 'answer is from another node' }
    if (answer.items.length !== challenge.positions.length) return { ok: false, reason: `expected ${challenge.positions.length} items, got ${answer.items.length}` }
    for (let i = 0; i < answer.items.length; i++) {
      const it = answer.items[i]
      const pos = challenge.positions[i]
      if (it.position !== pos) return { ok: false, reason: `item ${i} is for position ${it.position}, challenged ${pos}` }
      const start = pos - (pos % params.sectorChunks)
      const sector = sectors.find((s) => s.sectorStart === start && equalBytes(s.nodeId, challenge.nodeId))
      if (sector === undefined) return { ok: false, reason: `node has no sealed sector at ${start}` }
      const proof = { index: pos - start, leafCount: params.sectorChunks, siblings: it.proof }
      if (!verifyChunkProof(sector.commR, it.sealedChunk, proof, hasher)) return { ok: false, reason: `item ${i}: sealed chunk is not under commR` }
    }
    return { ok: true }
  } catch (err) {
    if (err instanceof GlowmeshError || err instanceof TypeError) return { ok: false, reason: `malformed answer: ${(err as Error).message}` }
    throw err
  }
}
