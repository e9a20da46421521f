/**
 * Challenge receipts. The challenger measures the round trip itself and signs what it saw; the
 * chain judges "late" from the receipt's own numbers (latency vs the challenge's stated deadline),
 * never from anyone's clock, and pays or penalises with `receiptReward`.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { InvalidInputError } from '../errors.js'
import { Reader, Writer } from './codec.js'
import { MalformedPoraMessageError } from './errors.js'

export type ReceiptVerdict = 'valid' | 'late' | 'invalid' | 'missing'
const VERDICTS: ReceiptVerdict[] = ['valid', 'late', 'invalid', 'missing']

/** The fields a challenger signs. */
export interface ReceiptFields {
  challengeId: Uint8Array
  nodeId: Uint8Array
  /** `answerHash` of the answer received; 32 zero bytes when none arrived. */
  answerHash: Uint8Array
  /** Send-to-receive time the challenger measured (for 'missing': how long it waited). */
  latencyMs: number
  /** The deadline the challenge stated. */
  deadlineMs: number
  verdict: ReceiptVerdict
}

/** A signed receipt. */
export interface Receipt extends ReceiptFields { challenger: Uint8Array, signature: Uint8Array }

/**
 * The verdict a receipt must carry: missing without an answer, invalid when the answer failed
 * `verifyAnswer`, late when it came after the stated deadline, valid otherwise.
 * @example judgeReceipt({ answerVerdict: verifyAnswer(...), latencyMs: 180, deadlineMs: 500 }) // 'valid'
 */
export function judgeReceipt ({ answerVerdict, latencyMs, deadlineMs }: { answerVerdict?: { ok: boolean }, latencyMs: number, deadlineMs: number }): ReceiptVerdict {
  if (answerVerdict === undefined) return 'missing'
  if (!answerVerdict.ok) return 'invalid'
  return latencyMs > deadlineMs ? 'late' : 'valid'
}

function checkFields (f: ReceiptFields): void {
  for (const [k, v] of [['challengeId', f.challengeId], ['nodeId', f.nodeId], ['answerHash', f.answerHash]] as const) {
    if (!(v instanceof Uint8Array) || v.length !== 32) throw new InvalidInputError(`receipt ${k} must be 32 bytes`)
  }
  for (const [k, v] of [['latencyMs', f.latencyMs], ['deadlineMs', f.deadlineMs]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 2 ** 32 - 1) throw new InvalidInputError(`receipt ${k} must be a u32, got ${v}`)
  }
  if (f.deadlineMs < 1) throw new InvalidInputError('receipt deadlineMs must be positive')
  if (!VERDICTS.includes(f.verdict)) throw new InvalidInputError(`unknown verdict ${String(f.verdict)}`)
}

/** Whether the verdict agrees with the receipt's own numbers (what a chain can check without the answer). */
function consistent (f: ReceiptFields): boolean {
  const noAnswer = f.answerHash.every((b) => b === 0)
  if (f.verdict === 'missing') return noAnswer
  if (noAnswer) return false
  if (f.verdict === 'valid') return f.latencyMs <= f.deadlineMs
  if (f.verdict === 'late') return f.latencyMs > f.deadlineMs
  return true // 'invalid': anyone holding the answer can re-run verifyAnswer
}

function fieldBytes (w: Writer, f: ReceiptFields): Writer {
  return w.raw(f.challengeId).raw(f.nodeId).raw(f.answerHash).u32(f.latencyMs).u32(f.deadlineMs).u8(VERDICTS.indexOf(f.verdict))
}

/**
 * Signs a receipt with the challenger's 32-byte ed25519 secret key; refuses a verdict its own
 * numbers contradict (e.g. 'valid' past the deadline).
 * @example signReceipt({ challengeId, nodeId, answerHash: answerHash(a), latencyMs: 120, deadlineMs: 500, verdict: 'valid' }, key)
 */
export function signReceipt (fields: ReceiptFields, challengerKey: Uint8Array): Receipt {
  checkFields(fields)
  if (!consistent(fields)) throw new InvalidInputError(`verdict '${fields.verdict}' contradicts latency ${fields.latencyMs} ms / deadline ${fields.deadlineMs} ms / answer hash`)
  if (!(challengerKey instanceof Uint8Array) || challengerKey.length !== 32) throw new InvalidInputError('challenger secret key must be 32 bytes')
  const challenger = ed25519.getPublicKey(challengerKey)
  const f = { challengeId: fields.challengeId, nodeId: fields.nodeId, answerHash: fields.answerHash, latencyMs: fields.latencyMs, deadlineMs: fields.deadlineMs, verdict: fields.verdict }
  return { ...f, challenger, signature: ed25519.sign(receiptSignBytes({ ...f, challenger }), challengerKey) }
}

/**
 * The bytes a challenger signs.
 * @example receiptSignBytes(receipt)
 */
export function receiptSignBytes (r: ReceiptFields & { challenger: Uint8Array }): Uint8Array {
  checkFields(r)
  return fieldBytes(new Writer().raw(new TextEncoder().encode('glowmesh/pora/receipt/v1')), r).raw(r.challenger).bytes()
}

/**
 * True when the signature is the challenger's and the verdict agrees with the latency, deadline
 * and answer hash; false for anything malformed.
 * @example verifyReceipt(receipt)
 */
export function verifyReceipt (r: Receipt): boolean {
  try {
    if (!consistent(r) || !(r.signature instanceof Uint8Array) || r.signature.length !== 64) return false
    return ed25519.verify(r.signature, receiptSignBytes(r), r.challenger)
  } catch { return false }
}

/** Receipt bytes for the chain. @example decodeReceipt(encodeReceipt(r)) */
export function encodeReceipt (r: Receipt): Uint8Array {
  checkFields(r)
  return fieldBytes(new Writer().u8(1), r).raw(r.challenger).raw(r.signature).bytes()
}

/** Parses `encodeReceipt` output strictly (does not check the signature). @example verifyReceipt(decodeReceipt(b)) */
export function decodeReceipt (bytes: Uint8Array): Receipt {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 1 + 96 + 9 + 96) throw new MalformedPoraMessageError(`receipt: expected 202 bytes, got ${(bytes as Uint8Array)?.length}`)
  const rd = new Reader(bytes, 'receipt')
  if (rd.u8() !== 1) throw new MalformedPoraMessageError('receipt: unknown version')
  const challengeId = rd.raw(32); const nodeId = rd.raw(32); const answerHash = rd.raw(32)
  const latencyMs = rd.u32(); const deadlineMs = rd.u32(); const v = rd.u8()
  if (v >= VERDICTS.length) throw new MalformedPoraMessageError(`receipt: unknown verdict ${v}`)
  // what encodeReceipt refuses to write is malformed here too
  if (deadlineMs < 1) throw new MalformedPoraMessageError('receipt: zero deadline')
  const challenger = rd.raw(32); const signature = rd.raw(64)
  rd.end()
  return { challengeId, nodeId, answerHash, latencyMs, deadlineMs, verdict: VERDICTS[v], challenger, signature }
}

/**
 * Reward (positive) or penalty (negative) for one receipt, in token units, given the base reward
 * per answered challenge: valid +base; late +base/4 up to 1.5× the deadline (a slow link), 0 after
 * (re-sealing on the fly takes ≥ 2.9× that window even at native speed, so it earns nothing); invalid −4·base (a forged proof
 * is deliberate); missing −base.
 * @example receiptReward(receipt, { base: 1000n }) // 1000n for a valid one
 */
export function receiptReward (r: Pick<ReceiptFields, 'verdict' | 'latencyMs' | 'deadlineMs'>, { base }: { base: bigint }): bigint {
  if (typeof base !== 'bigint' || base < 0n) throw new InvalidInputError('base must be a non-negative bigint')
  switch (r.verdict) {
    case 'valid': return base
    case 'late': return 2 * r.latencyMs <= 3 * r.deadlineMs ? base / 4n : 0n
    case 'invalid': return -4n * base
    case 'missing': return -base
    default: throw new InvalidInputError(`unknown verdict ${String(r.verdict)}`)
  }
}

/**
 * The share of PoRA rewards an identity's pledge earns: its pledge, capped by its bonded stake
 * (`bytesPerStakeUnit` bytes per stake unit). min is concave, so splitting one stake over many
 * identities never earns more than keeping it on one: extra identities gain nothing even where
 * sealing alone couldn't stop them (defence in depth; see README for the measured margin).
 * @example rewardWeight({ stake: 10n, pledgeBytes: 1n << 28n, bytesPerStakeUnit: 1n << 26n }) // 2^28
 */
export function rewardWeight ({ stake, pledgeBytes, bytesPerStakeUnit }: { stake: bigint, pledgeBytes: bigint, bytesPerStakeUnit: bigint }): bigint {
  if (typeof stake !== 'bigint' || typeof pledgeBytes !== 'bigint' || typeof bytesPerStakeUnit !== 'bigint' || stake < 0n || pledgeBytes < 0n || bytesPerStakeUnit <= 0n) {
    throw new InvalidInputError('stake, pledgeBytes ≥ 0 and bytesPerStakeUnit > 0 must be bigints')
  }
  const covered = stake * bytesPerStakeUnit
  return pledgeBytes < covered ? pledgeBytes : covered
}
