/**
 * Commit verification, as CometBFT's light client does it (`types/validation.go`): only
 * Commit-flagged signatures count, each is checked with ed25519 (ZIP-215 rules, as CometBFT), and
 * checking stops as soon as the counted power is strictly more than what is needed.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { commitVoteSignBytes } from './vote.js'
import { equalBlockIds, isZeroBlockId, validateBlockId } from './header.js'
import { totalVotingPower, validateValidatorSet } from './validators.js'
import { InsufficientSignaturesError, InvalidCommitError, InvalidSignatureError, NotEnoughTrustError } from './errors.js'
import { InvalidInputError } from '../errors.js'
import { equalBytes, toHex } from '../bytes.js'
import { compareTimestamps, ZERO_TIME, checkTimestamp } from './time.js'
import { BlockIdFlag } from './types.js'
import type { BlockId, Commit, CommitSig, Fraction, Validator } from './types.js'

/** Longest signature CometBFT accepts in a CommitSig. */
export const MAX_SIGNATURE_SIZE = 64
/** CometBFT's default light-client trust level. */
export const DEFAULT_TRUST_LEVEL: Fraction = Object.freeze({ numerator: 1n, denominator: 3n })

/** How a commit passed: the power counted before stopping, the power it had to exceed, the set's total. */
export interface CommitTally {
  tallied: bigint
  needed: bigint
  total: bigint
  /** Signatures verified with ed25519. */
  checked: number
}

function validateCommitSig (sig: CommitSig, i: number): void {
  if (sig === null || typeof sig !== 'object') throw new InvalidCommitError(`signature #${i}: missing`)
  const flag = sig.blockIdFlag
  if (flag !== BlockIdFlag.Absent && flag !== BlockIdFlag.Commit && flag !== BlockIdFlag.Nil) {
    throw new InvalidCommitError(`signature #${i}: unknown block id flag ${String(flag)}`)
  }
  if (!(sig.validatorAddress instanceof Uint8Array) || !(sig.signature instanceof Uint8Array)) {
    throw new InvalidCommitError(`signature #${i}: address and signature must be Uint8Array`)
  }
  try { checkTimestamp(sig.timestamp) } catch { throw new InvalidCommitError(`signature #${i}: bad timestamp`) }
  if (flag === BlockIdFlag.Absent) {
    if (sig.validatorAddress.length !== 0 || sig.signature.length !== 0 || compareTimestamps(sig.timestamp, ZERO_TIME) !== 0) {
      throw new InvalidCommitError(`signature #${i}: absent vote carries an address, time or signature`)
    }
    return
  }
  if (sig.validatorAddress.length !== 20) throw new InvalidCommitError(`signature #${i}: validator address must be 20 bytes`)
  if (sig.signature.length === 0) throw new InvalidCommitError(`signature #${i}: signature is missing`)
  if (sig.signature.length > MAX_SIGNATURE_SIZE) throw new InvalidCommitError(`signature #${i}: signature longer than ${MAX_SIGNATURE_SIZE} bytes`)
}

/**
 * CometBFT's `Commit.ValidateBasic`: height and round non-negative; a commit for height ≥ 1 names
 * a block and has signatures, each well-formed for its flag. Throws InvalidCommitError.
 * @example validateCommitBasic(signedHeader.commit)
 */
export function validateCommitBasic (commit: Commit): void {
  if (commit === null || typeof commit !== 'object') throw new InvalidCommitError('commit: missing')
  if (typeof commit.height !== 'bigint' || commit.height < 0n) throw new InvalidCommitError('commit: height must be a non-negative bigint')
  if (!Number.isInteger(commit.round) || commit.round < 0 || commit.round > 0x7fffffff) throw new InvalidCommitError('commit: round must be an int32 ≥ 0')
  try { validateBlockId(commit.blockId, 'commit.blockId') } catch (e) { throw new InvalidCommitError((e as Error).message) }
  if (!Array.isArray(commit.signatures)) throw new InvalidCommitError('commit: signatures must be an array')
  if (commit.height >= 1n) {
    if (isZeroBlockId(commit.blockId)) throw new InvalidCommitError('commit: cannot be for a nil block')
    if (commit.signatures.length === 0) throw new InvalidCommitError('commit: no signatures')
    // an index loop, not forEach: forEach skips the holes of a sparse array, which would reach the verifier as undefined
    for (let i = 0; i < commit.signatures.length; i++) validateCommitSig(commit.signatures[i], i)
  }
}

function verifySignature (chainId: string, commit: Commit, index: number, val: Validator): void {
  const sig = commit.signatures[index]
  let ok = false
  try {
    ok = ed25519.verify(sig.signature, commitVoteSignBytes(chainId, commit, index), val.pubKey, { zip215: true })
  } catch { ok = false }
  if (!ok) throw new InvalidSignatureError(index, `wrong signature #${index} from ${toHex(val.address)}`)
}

/**
 * Throws InvalidInputError unless the trust level lies in [1/3, 1] (CometBFT `ValidateTrustLevel`).
 * @example validateTrustLevel({ numerator: 1n, denominator: 3n })
 */
export function validateTrustLevel (level: Fraction): void {
  if (level === null || typeof level !== 'object' || typeof level.numerator !== 'bigint' || typeof level.denominator !== 'bigint' ||
    level.denominator <= 0n || level.numerator * 3n < level.denominator || level.numerator > level.denominator) {
    throw new InvalidInputError('trust level must be a fraction of bigints within [1/3, 1]')
  }
}

/**
 * Verifies that more than 2/3 of `vals` (the set of that height, in commit order) signed the
 * block `blockId` at `height`. Throws InvalidCommitError, InvalidSignatureError or
 * InsufficientSignaturesError (exactly 2/3 is not enough).
 * @example verifyCommitLight(chainId, vals, commit.blockId, header.height, commit)
 */
export function verifyCommitLight (chainId: string, vals: readonly Validator[], blockId: BlockId, height: bigint, commit: Commit): CommitTally {
  validateValidatorSet(vals)
  validateCommitBasic(commit)
  if (vals.length !== commit.signatures.length) {
    throw new InvalidCommitError(`commit has ${commit.signatures.length} signatures, the validator set has ${vals.length}`)
  }
  if (height !== commit.height) throw new InvalidCommitError(`commit is for height ${commit.height}, expected ${height}`)
  if (!equalBlockIds(blockId, commit.blockId)) throw new InvalidCommitError('commit is for a different block id')
  const total = totalVotingPower(vals)
  const needed = total * 2n / 3n
  let tallied = 0n
  let checked = 0
  for (let i = 0; i < commit.signatures.length; i++) {
    const sig = commit.signatures[i]
    if (sig.blockIdFlag !== BlockIdFlag.Commit) continue
    const val = vals[i]
    if (!equalBytes(val.address, sig.validatorAddress)) {
      throw new InvalidCommitError(`signature #${i} is from ${toHex(sig.validatorAddress)}, the set has ${toHex(val.address)} there`)
    }
    verifySignature(chainId, commit, i, val)
    checked++
    tallied += val.votingPower
    if (tallied > needed) return { tallied, needed, total, checked }
  }
  throw new InsufficientSignaturesError(tallied, needed)
}

/**
 * Verifies that more than `trustLevel` (default 1/3) of `trustedVals` signed the commit; the set
 * need not be the commit's own, so signatures are matched by address and strangers are skipped.
 * A validator signing twice is rejected. Throws NotEnoughTrustError when too little power signed.
 * @example verifyCommitLightTrusting(chainId, trusted.validators, untrusted.signedHeader.commit)
 */
export function verifyCommitLightTrusting (chainId: string, trustedVals: readonly Validator[], commit: Commit, trustLevel: Fraction = DEFAULT_TRUST_LEVEL): CommitTally {
  validateTrustLevel(trustLevel)
  validateValidatorSet(trustedVals)
  validateCommitBasic(commit)
  const total = totalVotingPower(trustedVals)
  const needed = total * trustLevel.numerator / trustLevel.denominator
  const byAddress = new Map(trustedVals.map(v => [toHex(v.address), v]))
  const seen = new Map<string, number>()
  let tallied = 0n
  let checked = 0
  for (let i = 0; i < commit.signatures.length; i++) {
    const sig = commit.signatures[i]
    if (sig.blockIdFlag !== BlockIdFlag.Commit) continue
    const key = toHex(sig.validatorAddress)
    const val = byAddress.get(key)
    if (val === undefined) continue
    const first = seen.get(key)
    if (first !== undefined) throw new InvalidCommitError(`double vote from ${key} (signatures #${first} and #${i})`)
    seen.set(key, i)
    verifySignature(chainId, commit, i, val)
    checked++
    tallied += val.votingPower
    if (tallied > needed) return { tallied, needed, total, checked }
  }
  throw new NotEnoughTrustError(tallied, needed)
}
