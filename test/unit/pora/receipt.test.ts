import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { sha256 } from '@noble/hashes/sha2.js'
import {
  MalformedPoraMessageError, decodeReceipt, encodeReceipt, judgeReceipt, receiptReward, rewardWeight, signReceipt, verifyReceipt,
  type ReceiptFields
} from '../../../protocol/pora/index.js'
import { InvalidInputError } from '../../../protocol/errors.js'

const key = sha256(new Uint8Array([77]))
const base: ReceiptFields = { challengeId: sha256(new Uint8Array([1])), nodeId: sha256(new Uint8Array([2])), answerHash: sha256(new Uint8Array([3])), latencyMs: 120, deadlineMs: 500, verdict: 'valid' }

describe('receipts', () => {
  it('sign, verify, round-trip, and fail on any change', () => {
    const r = signReceipt(base, key)
    expect(verifyReceipt(r)).toBe(true)
    expect(decodeReceipt(encodeReceipt(r))).toEqual(r)
    for (const t of [{ latencyMs: 121 }, { deadlineMs: 600 }, { answerHash: sha256(new Uint8Array([4])) }, { nodeId: base.challengeId }, { challenger: base.nodeId }]) {
      expect(verifyReceipt({ ...r, ...t })).toBe(false)
    }
  })

  it('judges late against the stated deadline, and invalid / missing answers', () => {
    expect(judgeReceipt({ answerVerdict: { ok: true }, latencyMs: 500, deadlineMs: 500 })).toBe('valid')
    expect(judgeReceipt({ answerVerdict: { ok: true }, latencyMs: 501, deadlineMs: 500 })).toBe('late')
    expect(judgeReceipt({ answerVerdict: { ok: false }, latencyMs: 10, deadlineMs: 500 })).toBe('invalid')
    expect(judgeReceipt({ latencyMs: 5000, deadlineMs: 500 })).toBe('missing')
  })

  it('a challenger cannot sign a verdict its own numbers contradict', () => {
    expect(() => signReceipt({ ...base, latencyMs: 900 }, key)).toThrow(InvalidInputError) // "valid" but late
    expect(() => signReceipt({ ...base, verdict: 'late' }, key)).toThrow(InvalidInputError) // "late" but on time
    expect(() => signReceipt({ ...base, verdict: 'missing' }, key)).toThrow(InvalidInputError) // missing with an answer
    const late = signReceipt({ ...base, latencyMs: 700, verdict: 'late' }, key)
    expect(verifyReceipt(late)).toBe(true)
    // Re-labelled after signing: the signature no longer matches and the numbers contradict it.
    expect(verifyReceipt({ ...late, verdict: 'valid' })).toBe(false)
    expect(verifyReceipt(signReceipt({ ...base, answerHash: new Uint8Array(32), latencyMs: 5000, verdict: 'missing' }, key))).toBe(true)
  })

  it('pays fast valid answers, less for late ones, nothing past 1.5x the deadline, and penalises invalid / missing', () => {
    const b = 1000n
    expect(receiptReward({ verdict: 'valid', latencyMs: 100, deadlineMs: 500 }, { base: b })).toBe(1000n)
    expect(receiptReward({ verdict: 'late', latencyMs: 700, deadlineMs: 500 }, { base: b })).toBe(250n)
    expect(receiptReward({ verdict: 'late', latencyMs: 751, deadlineMs: 500 }, { base: b })).toBe(0n)
    expect(receiptReward({ verdict: 'invalid', latencyMs: 10, deadlineMs: 500 }, { base: b })).toBe(-4000n)
    expect(receiptReward({ verdict: 'missing', latencyMs: 5000, deadlineMs: 500 }, { base: b })).toBe(-1000n)
  })

  it('the decoder rejects wrong lengths, versions and verdicts with typed errors', () => {
    const bytes = encodeReceipt(signReceipt(base, key))
    expect(() => decodeReceipt(bytes.subarray(1))).toThrow(MalformedPoraMessageError)
    expect(() => decodeReceipt(new Uint8Array([...bytes, 0]))).toThrow(MalformedPoraMessageError)
    const badVerdict = Uint8Array.from(bytes); badVerdict[1 + 96 + 8] = 9
    expect(() => decodeReceipt(badVerdict)).toThrow(expect.objectContaining({ name: 'MalformedPoraMessageError' }))
  })
})

describe('rewardWeight', () => {
  it('splitting a stake over identities never earns more than one identity with it all', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 6n }), fc.bigInt({ min: 0n, max: 1n << 40n })), { minLength: 1, maxLength: 8 }), (ids) => {
      const per = 1n << 26n
      const split = ids.reduce((s, [stake, pledge]) => s + rewardWeight({ stake, pledgeBytes: pledge, bytesPerStakeUnit: per }), 0n)
      const stake = ids.reduce((s, [x]) => s + x, 0n); const pledge = ids.reduce((s, [, p]) => s + p, 0n)
      expect(split <= rewardWeight({ stake, pledgeBytes: pledge, bytesPerStakeUnit: per })).toBe(true)
    }))
    expect(() => rewardWeight({ stake: -1n, pledgeBytes: 1n, bytesPerStakeUnit: 1n })).toThrow(InvalidInputError)
  })
})
