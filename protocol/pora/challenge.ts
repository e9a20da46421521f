/**
 * Challenges. Per block, the chain derives positions for each node from the block hash and the
 * node's assigned ranges (`deriveChallenges`); validators also send signed challenges at random
 * times (`createChallenge`). Both carry the same fields an answer is checked against.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { InvalidInputError } from '../errors.js'
import { Reader, Writer } from './codec.js'
import { MalformedPoraMessageError } from './errors.js'
import { drawStream } from './rng.js'

/** Most positions one challenge may ask for (bounds answer size and verify time). */
export const MAX_CHALLENGE_POSITIONS = 64

/** A half-open range [start, end) of flow chunk positions. */
export interface ChunkRange { start: number, end: number }

/** The part of a challenge an answer is checked against. */
export interface ChallengeSpec {
  /** 32-byte challenge id (random for validator challenges, `blockChallengeId` for block ones). */
  id: Uint8Array
  /** The challenged node's 32-byte ed25519 public key. */
  nodeId: Uint8Array
  /** Flow chunk positions to prove, in order. */
  positions: number[]
  /** Answer deadline, measured by the challenger from sending to receiving. */
  deadlineMs: number
  /** Chain height the challenge was issued at. */
  issuedAtHeight: number
}

/** A validator's signed challenge. */
export interface Challenge extends ChallengeSpec {
  /** The challenger's 32-byte ed25519 public key. */
  challenger: Uint8Array
  /** ed25519 signature over `challengeSignBytes`. */
  signature: Uint8Array
}

function check32 (b: Uint8Array, what: string): void {
  if (!(b instanceof Uint8Array) || b.length !== 32) throw new InvalidInputError(`${what} must be 32 bytes`)
}

function checkRanges (ranges: ChunkRange[]): number {
  if (!Array.isArray(ranges) || ranges.length === 0) throw new InvalidInputError('ranges must be a non-empty array')
  let total = 0
  let last = -1
  for (const r of ranges) {
    if (!Number.isSafeInteger(r?.start) || !Number.isSafeInteger(r?.end) || r.start < 0 || r.end <= r.start) throw new InvalidInputError(`bad range [${r?.start}, ${r?.end})`)
    if (r.start < last) throw new InvalidInputError('ranges must be sorted and must not overlap')
    last = r.end
    total += r.end - r.start
  }
  if (total > 2 ** 48) throw new InvalidInputError('ranges cover more than 2^48 chunks')
  return total
}

/**
 * Positions a block challenges in a node's ranges: `count` distinct positions drawn uniformly
 * from the union of the ranges (so each range gets its share by size), unbiased by rejection
 * sampling, the same everywhere for the same inputs.
 * @example deriveChallenges({ blockHash, nodeId, ranges: [{ start: 0, end: 262144 }], count: 4 })
 */
export function deriveChallenges ({ blockHash, nodeId, ranges, count }: { blockHash: Uint8Array, nodeId: Uint8Array, ranges: ChunkRange[], count: number }): number[] {
  check32(blockHash, 'blockHash'); check32(nodeId, 'nodeId')
  const total = checkRanges(ranges)
  if (!Number.isInteger(count) || count < 1 || count > MAX_CHALLENGE_POSITIONS || count > total) throw new InvalidInputError(`count must be in [1, min(${MAX_CHALLENGE_POSITIONS}, ${total})], got ${count}`)
  const next = drawStream('glowmesh/pora/challenge/v1', new Uint8Array([...blockHash, ...nodeId]))
  const seen = new Set<number>()
  const out: number[] = []
  while (out.length < count) {
    let u = next(total)
    let pos = -1
    for (const r of ranges) {
      if (u < r.end - r.start) { pos = r.start + u; break }
      u -= r.end - r.start
    }
    if (seen.has(pos)) continue // distinct positions: a repeat proves nothing new
    seen.add(pos); out.push(pos)
  }
  return out
}

/**
 * The id of the challenge a block makes for a node: sha256(tag ‖ blockHash ‖ nodeId).
 * @example blockChallengeId(blockHash, nodeId)
 */
export function blockChallengeId (blockHash: Uint8Array, nodeId: Uint8Array): Uint8Array {
  check32(blockHash, 'blockHash'); check32(nodeId, 'nodeId')
  return sha256(new Uint8Array([...new TextEncoder().encode('glowmesh/pora/block-challenge/v1'), ...blockHash, ...nodeId]))
}

function checkSpec (c: ChallengeSpec): void {
  check32(c.id, 'challenge id'); check32(c.nodeId, 'nodeId')
  if (!Array.isArray(c.positions) || c.positions.length < 1 || c.positions.length > MAX_CHALLENGE_POSITIONS) throw new InvalidInputError(`a challenge has 1..${MAX_CHALLENGE_POSITIONS} positions`)
  for (const p of c.positions) if (!Number.isSafeInteger(p) || p < 0) throw new InvalidInputError(`bad position ${p}`)
  if (!Number.isInteger(c.deadlineMs) || c.deadlineMs < 1 || c.deadlineMs > 2 ** 32 - 1) throw new InvalidInputError(`deadlineMs must be in [1, 2^32), got ${c.deadlineMs}`)
  if (!Number.isSafeInteger(c.issuedAtHeight) || c.issuedAtHeight < 0) throw new InvalidInputError(`bad issuedAtHeight ${c.issuedAtHeight}`)
}

function writeSpec (w: Writer, c: ChallengeSpec): Writer {
  w.raw(c.id).raw(c.nodeId).u64(c.issuedAtHeight).u32(c.deadlineMs).u8(c.positions.length)
  for (const p of c.positions) w.u64(p)
  return w
}

/**
 * The bytes a challenger signs: tag ‖ id ‖ nodeId ‖ height ‖ deadline ‖ positions ‖ challenger.
 * @example ed25519.verify(c.signature, challengeSignBytes(c), c.challenger)
 */
export function challengeSignBytes (c: ChallengeSpec & { challenger: Uint8Array }): Uint8Array {
  checkSpec(c); check32(c.challenger, 'challenger')
  return writeSpec(new Writer().raw(new TextEncoder().encode('glowmesh/pora/challenge-sig/v1')), c).raw(c.challenger).bytes()
}

/**
 * Signs a challenge with the challenger's 32-byte ed25519 secret key.
 * @example createChallenge({ id, nodeId, positions, deadlineMs: 500, issuedAtHeight: 42 }, secretKey)
 */
export function createChallenge (spec: ChallengeSpec, challengerKey: Uint8Array): Challenge {
  check32(challengerKey, 'challenger secret key')
  const challenger = ed25519.getPublicKey(challengerKey)
  const fields = { id: spec.id, nodeId: spec.nodeId, positions: [...spec.positions], deadlineMs: spec.deadlineMs, issuedAtHeight: spec.issuedAtHeight, challenger }
  return { ...fields, signature: ed25519.sign(challengeSignBytes(fields), challengerKey) }
}

/**
 * True when the challenge's signature is its challenger's; false for any malformed field.
 * @example verifyChallengeSignature(challenge)
 */
export function verifyChallengeSignature (c: Challenge): boolean {
  try {
    if (!(c.signature instanceof Uint8Array) || c.signature.length !== 64) return false
    return ed25519.verify(c.signature, challengeSignBytes(c), c.challenger)
  } catch { return false }
}

/**
 * A signed challenge as bytes (for the wire): sign bytes' fields followed by challenger and signature.
 * @example decodeChallenge(encodeChallenge(c))
 */
export function encodeChallenge (c: Challenge): Uint8Array {
  checkSpec(c); check32(c.challenger, 'challenger')
  return writeSpec(new Writer().u8(1), c).raw(c.challenger).raw(c.signature).bytes()
}

/**
 * Parses `encodeChallenge` output; MalformedPoraMessageError on anything else. Does not check the signature.
 * @example verifyChallengeSignature(decodeChallenge(bytes))
 */
export function decodeChallenge (bytes: Uint8Array): Challenge {
  if (!(bytes instanceof Uint8Array) || bytes.length > 1024) throw new MalformedPoraMessageError('challenge: not bytes or over 1024 bytes')
  const r = new Reader(bytes, 'challenge')
  if (r.u8() !== 1) throw new MalformedPoraMessageError('challenge: unknown version')
  const id = r.raw(32); const nodeId = r.raw(32); const issuedAtHeight = r.u64(); const deadlineMs = r.u32()
  const n = r.u8()
  if (n < 1 || n > MAX_CHALLENGE_POSITIONS) throw new MalformedPoraMessageError(`challenge: ${n} positions`)
  const positions = Array.from({ length: n }, () => r.u64())
  const challenger = r.raw(32); const signature = r.raw(64)
  r.end()
  if (deadlineMs < 1) throw new MalformedPoraMessageError('challenge: zero deadline')
  return { id, nodeId, positions, deadlineMs, issuedAtHeight, challenger, signature }
}
