import { describe, expect, it } from 'vitest'
import {
  verifyCommitLight, verifyCommitLightTrusting, validateValidatorSet, validatorSetHash, sortValidators, totalVotingPower,
  InsufficientSignaturesError, NotEnoughTrustError, InvalidCommitError, InvalidSignatureError, InvalidValidatorSetError,
  MAX_TOTAL_VOTING_POWER, BlockIdFlag
} from '../../../protocol/chain/index.js'
import type { Validator } from '../../../protocol/chain/index.js'
import { makeTestChain, signCommit, testKeys, validatorSetOf, cloneSignedHeader } from './fixtures.js'

const chain = makeTestChain({ length: 3 })
const vals = chain.validatorsAt(2n)
const sh = chain.signedHeader(2n)

function expectThrow (fn: () => unknown, cls: new (...a: any[]) => Error, props: Record<string, unknown> = {}): void {
  let caught: unknown
  try { fn() } catch (e) { caught = e }
  expect(caught).toBeInstanceOf(cls)
  expect(caught).toMatchObject(props)
}

describe('verifyCommitLight', () => {
  it('accepts a fully signed commit and stops once more than 2/3 signed', () => {
    const tally = verifyCommitLight(chain.chainId, vals, sh.commit.blockId, 2n, sh.commit)
    expect(tally).toEqual({ tallied: 30n, needed: 26n, total: 40n, checked: 3 })
  })

  it('rejects exactly 2/3 of the power (3 equal validators, 2 sign)', () => {
    const keys = testKeys(3)
    const c = makeTestChain({ length: 2, setAt: () => ({ keys }), signsAt: (_h, i) => i < 2 })
    const s = c.signedHeader(1n)
    expectThrow(() => verifyCommitLight(c.chainId, c.validatorsAt(1n), s.commit.blockId, 1n, s.commit),
      InsufficientSignaturesError, { name: 'InsufficientSignaturesError', code: 'INSUFFICIENT_SIGNATURES', got: 20n, needed: 20n })
  })

  it('counts only Commit-flagged signatures (nil votes do not count)', () => {
    const keys = testKeys(4)
    const v = validatorSetOf(keys)
    const header = chain.header(2n)
    const commit = signCommit({ chainId: chain.chainId, header, validators: v, keys, votesNil: i => i >= 2 })
    expect(commit.signatures.map(s => s.blockIdFlag)).toEqual([2, 2, 3, 3])
    expectThrow(() => verifyCommitLight(chain.chainId, v, commit.blockId, 2n, commit), InsufficientSignaturesError, { got: 20n })
    const enough = signCommit({ chainId: chain.chainId, header, validators: v, keys, votesNil: i => i === 3 })
    expect(verifyCommitLight(chain.chainId, v, enough.blockId, 2n, enough).tallied).toBe(30n)
  })

  it('rejects a commit signed for another chain id', () => {
    const forged = signCommit({ chainId: chain.chainId, header: chain.header(2n), validators: vals, keys: chain.keys, signChainId: 'other-chain' })
    expectThrow(() => verifyCommitLight(chain.chainId, vals, forged.blockId, 2n, forged), InvalidSignatureError, { code: 'INVALID_SIGNATURE', index: 0 })
  })

  it('rejects a signature with one flipped bit', () => {
    const t = cloneSignedHeader(sh)
    t.commit.signatures[1].signature[10] ^= 0x04
    expectThrow(() => verifyCommitLight(chain.chainId, vals, t.commit.blockId, 2n, t.commit), InvalidSignatureError, { index: 1 })
  })

  it('rejects wrong height, wrong block id, wrong size and misplaced signers', () => {
    expectThrow(() => verifyCommitLight(chain.chainId, vals, sh.commit.blockId, 3n, sh.commit), InvalidCommitError)
    const other = chain.signedHeader(3n).commit.blockId
    expectThrow(() => verifyCommitLight(chain.chainId, vals, other, 2n, sh.commit), InvalidCommitError)
    expectThrow(() => verifyCommitLight(chain.chainId, vals.slice(0, 3), sh.commit.blockId, 2n, sh.commit), InvalidCommitError)
    const swapped = cloneSignedHeader(sh)
    swapped.commit.signatures.reverse()
    expectThrow(() => verifyCommitLight(chain.chainId, vals, sh.commit.blockId, 2n, swapped.commit), InvalidCommitError)
  })

  it('rejects malformed commit signatures with a typed error', () => {
    const t = cloneSignedHeader(sh)
    t.commit.signatures[0] = { ...t.commit.signatures[0], blockIdFlag: 7 as any }
    expectThrow(() => verifyCommitLight(chain.chainId, vals, t.commit.blockId, 2n, t.commit), InvalidCommitError)
    const u = cloneSignedHeader(sh)
    u.commit.signatures[0] = { ...u.commit.signatures[0], signature: new Uint8Array() }
    expectThrow(() => verifyCommitLight(chain.chainId, vals, u.commit.blockId, 2n, u.commit), InvalidCommitError)
    const a = cloneSignedHeader(sh)
    a.commit.signatures[0] = { ...a.commit.signatures[0], blockIdFlag: BlockIdFlag.Absent }
    expectThrow(() => verifyCommitLight(chain.chainId, vals, a.commit.blockId, 2n, a.commit), InvalidCommitError)
  })
})

describe('verifyCommitLightTrusting', () => {
  it('accepts more than 1/3 of the trusted power, ignoring unknown signers', () => {
    const trusted = validatorSetOf(testKeys(4).slice(0, 2).concat(testKeys(2, 'outsider')))
    // 2 of the trusted set's 4 equal validators are in the commit: 20 > 40/3.
    expect(verifyCommitLightTrusting(chain.chainId, trusted, sh.commit)).toMatchObject({ tallied: 20n, needed: 13n, total: 40n })
  })

  it('throws NotEnoughTrustError (an InsufficientSignaturesError) at or below the trust level', () => {
    const trusted = validatorSetOf(testKeys(1).concat(testKeys(2, 'outsider')))
    expectThrow(() => verifyCommitLightTrusting(chain.chainId, trusted, sh.commit), NotEnoughTrustError,
      { name: 'NotEnoughTrustError', code: 'NOT_ENOUGH_TRUST', got: 10n, needed: 10n })
    expectThrow(() => verifyCommitLightTrusting(chain.chainId, trusted, sh.commit), InsufficientSignaturesError)
  })

  it('rejects a validator voting twice (duplicate signatures)', () => {
    const keys = testKeys(4)
    const header = chain.header(2n)
    // A commit whose signer list names validator 0 twice, both times with a valid signature.
    const twice = [vals[0], vals[0], vals[1], vals[2]]
    const commit = signCommit({ chainId: chain.chainId, header, validators: twice, keys })
    expect(commit.signatures[0].signature).not.toEqual(commit.signatures[1].signature)
    // A high trust level so counting does not stop before the duplicate is seen.
    expectThrow(() => verifyCommitLightTrusting(chain.chainId, vals, commit, { numerator: 1n, denominator: 1n }), InvalidCommitError, { code: 'INVALID_COMMIT' })
  })

  it('rejects bad signatures from known validators', () => {
    const t = cloneSignedHeader(sh)
    t.commit.signatures[0].signature[0] ^= 1
    expectThrow(() => verifyCommitLightTrusting(chain.chainId, vals, t.commit), InvalidSignatureError)
  })

  it('rejects trust levels outside [1/3, 1]', () => {
    expect(() => verifyCommitLightTrusting(chain.chainId, vals, sh.commit, { numerator: 1n, denominator: 4n })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }))
    expect(() => verifyCommitLightTrusting(chain.chainId, vals, sh.commit, { numerator: 2n, denominator: 1n })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }))
  })
})

describe('validator sets', () => {
  const keys = testKeys(5)
  it('sorts by power descending then address ascending, and the hash follows the order', () => {
    const set = keys.map((k, i) => ({ address: k.address, pubKey: k.pubKey, votingPower: BigInt(i % 2 === 0 ? 5 : 9) }))
    const sorted = sortValidators(set)
    expect(sorted.map(v => v.votingPower)).toEqual([9n, 9n, 5n, 5n, 5n])
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i].votingPower === sorted[i - 1].votingPower) expect(Buffer.compare(sorted[i - 1].address, sorted[i].address)).toBeLessThan(0)
    }
    expect(validatorSetHash(sorted)).not.toEqual(validatorSetHash(set))
  })

  it('rejects duplicates, bad addresses, zero power, empty sets and too much power', () => {
    const v = validatorSetOf(keys)
    expect(() => validateValidatorSet([...v, v[0]])).toThrow(InvalidValidatorSetError)
    expect(() => validateValidatorSet([])).toThrow(InvalidValidatorSetError)
    expect(() => validateValidatorSet([{ ...v[0], address: v[1].address }])).toThrow(InvalidValidatorSetError)
    expect(() => validateValidatorSet([{ ...v[0], votingPower: 0n }])).toThrow(InvalidValidatorSetError)
    const huge: Validator[] = [{ ...v[0], votingPower: MAX_TOTAL_VOTING_POWER }, { ...v[1], votingPower: 1n }]
    expect(() => totalVotingPower(huge)).toThrow(expect.objectContaining({ name: 'InvalidValidatorSetError' }))
    expect(() => verifyCommitLight(chain.chainId, [...vals.slice(0, 3), vals[0]], sh.commit.blockId, 2n, sh.commit)).toThrow(InvalidValidatorSetError)
  })
})
