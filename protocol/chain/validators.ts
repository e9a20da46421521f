/**
 * Validator sets: addresses, the set hash that headers commit to (`validators_hash`), ordering and
 * the total-power limit. The hash covers each validator's SimpleValidator{ pub_key, voting_power }
 * in the set's order; proposer priority is deliberately left out (it changes every round).
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { ProtoWriter } from './proto.js'
import { merkleRootRfc6962 } from './merkle.js'
import { InvalidValidatorSetError } from './errors.js'
import { equalBytes, toHex } from '../bytes.js'
import { InvalidInputError } from '../errors.js'
import type { Validator } from './types.js'

/** CometBFT's cap on a set's total voting power: MaxInt64 / 8, so priority arithmetic cannot overflow. */
export const MAX_TOTAL_VOTING_POWER = ((1n << 63n) - 1n) / 8n

/** sha256(ed25519 public key)[0:20], CometBFT's validator (and glowmesh's account) address bytes. @example validatorAddress(pubKey).length // 20 */
export function validatorAddress (pubKey: Uint8Array): Uint8Array {
  if (!(pubKey instanceof Uint8Array) || pubKey.length !== 32) throw new InvalidInputError('validatorAddress: expected a 32-byte ed25519 public key')
  return sha256(pubKey).slice(0, 20)
}

/** A validator from its key and power, address derived. @example makeValidator(pubKey, 10n) */
export function makeValidator (pubKey: Uint8Array, votingPower: bigint): Validator {
  return { address: validatorAddress(pubKey), pubKey, votingPower }
}

/** `SimpleValidator{ pub_key: PublicKey{ ed25519 }, voting_power }` bytes: one leaf of the set hash. @example encodeSimpleValidator(v) */
export function encodeSimpleValidator (v: Validator): Uint8Array {
  const pubKey = new ProtoWriter().message(1, v.pubKey).finish() // oneof member: present even if empty
  return new ProtoWriter().message(1, pubKey).int64(2, v.votingPower).finish()
}

/** The set hash a header's validatorsHash commits to, over the validators in the given order. @example validatorSetHash(vals) */
export function validatorSetHash (vals: readonly Validator[]): Uint8Array {
  if (!Array.isArray(vals)) throw new InvalidInputError('validatorSetHash: expected an array of validators')
  return merkleRootRfc6962(vals.map(encodeSimpleValidator))
}

/** Sorts as CometBFT orders a set: voting power descending, then address ascending (new array). @example sortValidators(vals) */
export function sortValidators (vals: readonly Validator[]): Validator[] {
  return [...vals].sort((a, b) => {
    if (a.votingPower !== b.votingPower) return a.votingPower > b.votingPower ? -1 : 1
    for (let i = 0; i < Math.min(a.address.length, b.address.length); i++) {
      if (a.address[i] !== b.address[i]) return a.address[i] - b.address[i]
    }
    return a.address.length - b.address.length
  })
}

/** Sum of voting power; throws InvalidValidatorSetError past MAX_TOTAL_VOTING_POWER. @example totalVotingPower(vals) // 40n */
export function totalVotingPower (vals: readonly Validator[]): bigint {
  let sum = 0n
  for (const v of vals) {
    sum += v.votingPower
    if (sum > MAX_TOTAL_VOTING_POWER) throw new InvalidValidatorSetError(`total voting power exceeds ${MAX_TOTAL_VOTING_POWER}`)
  }
  return sum
}

/**
 * Checks a set as CometBFT's ValidateBasic does, plus what a light client must not trust blindly:
 * non-empty, 32-byte keys, address = sha256(key)[0:20], power > 0, no duplicate addresses, total
 * within the cap. Throws InvalidValidatorSetError.
 * @example validateValidatorSet(untrustedVals)
 */
export function validateValidatorSet (vals: readonly Validator[]): void {
  if (!Array.isArray(vals) || vals.length === 0) throw new InvalidValidatorSetError('validator set is empty')
  const seen = new Set<string>()
  // an index loop, not forEach: forEach skips the holes of a sparse array
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i]
    if (v === null || typeof v !== 'object') throw new InvalidValidatorSetError(`validator #${i}: missing`)
    if (!(v.pubKey instanceof Uint8Array) || v.pubKey.length !== 32) throw new InvalidValidatorSetError(`validator #${i}: expected a 32-byte ed25519 key`)
    if (!(v.address instanceof Uint8Array) || !equalBytes(v.address, validatorAddress(v.pubKey))) {
      throw new InvalidValidatorSetError(`validator #${i}: address does not match its public key`)
    }
    if (typeof v.votingPower !== 'bigint' || v.votingPower <= 0n) throw new InvalidValidatorSetError(`validator #${i}: voting power must be a positive bigint`)
    const key = toHex(v.address)
    if (seen.has(key)) throw new InvalidValidatorSetError(`duplicate validator ${key}`)
    seen.add(key)
  }
  totalVotingPower(vals)
}
