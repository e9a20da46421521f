import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { sha256 } from '@noble/hashes/sha2.js'
import {
  verifyAdjacent, verifyNonAdjacent, verify, verifySkipping, isHeaderExpired, hashHeader, timestampToNanos,
  InvalidHeaderError, InsufficientSignaturesError, NotEnoughTrustError, TrustExpiredError, InvalidSignatureError, BadLightBlockError
} from '../../../protocol/chain/index.js'
import type { LightBlock, Timestamp } from '../../../protocol/chain/index.js'
import { toHex } from '../../../protocol/bytes.js'
import { cloneSignedHeader, defaultTime, makeTestChain, recordingFetcher, signCommit, testKeys } from './fixtures.js'

const DAY_MS = 86_400_000
const TRUSTING_PERIOD_MS = 14 * DAY_MS
/** "now": one second after the given height's time. */
const nowAt = (t: Timestamp): Timestamp => ({ seconds: t.seconds + 1n, nanos: t.nanos })

const A = testKeys(4, 'set-a')
const B = testKeys(4, 'set-b')

describe('verifyAdjacent', () => {
  const chain = makeTestChain({ length: 5 })
  const step = (h: bigint) => ({ trusted: chain.lightBlock(h - 1n), untrusted: chain.signedHeader(h), untrustedVals: chain.validatorsAt(h), trustingPeriodMs: TRUSTING_PERIOD_MS, now: nowAt(chain.timeAt(h)) })

  it('accepts the next header and returns its hash', () => {
    expect(verifyAdjacent(step(2n))).toEqual(hashHeader(chain.header(2n)))
    expect(verify(step(3n))).toBe('adjacent')
  })

  it('accepts `now` as milliseconds since the epoch', () => {
    const ms = Number(chain.timeAt(2n).seconds) * 1000 + 5000
    expect(() => verifyAdjacent({ ...step(2n), now: ms })).not.toThrow()
  })

  it('rejects a header whose validators are not the trusted next validators', () => {
    const forged = makeTestChain({ length: 5, setAt: () => ({ keys: B }) })
    expect(() => verifyAdjacent({ ...step(2n), untrusted: forged.signedHeader(2n), untrustedVals: forged.validatorsAt(2n) }))
      .toThrow(expect.objectContaining({ name: 'InvalidHeaderError', message: expect.stringMatching(/next validators/) }))
  })

  it('rejects a forged header (hash no longer matches the commit)', () => {
    const t = cloneSignedHeader(chain.signedHeader(2n))
    t.header.appHash = sha256(new TextEncoder().encode('stolen funds'))
    expect(() => verifyAdjacent({ ...step(2n), untrusted: t })).toThrow(InvalidHeaderError)
  })

  it('rejects validators that do not hash to the header validators hash', () => {
    expect(() => verifyAdjacent({ ...step(2n), untrustedVals: makeTestChain({ length: 1, setAt: () => ({ keys: B }) }).validatorsAt(1n) }))
      .toThrow(expect.objectContaining({ name: 'InvalidHeaderError', message: expect.stringMatching(/validatorsHash/) }))
  })

  it('rejects a header of another chain', () => {
    const other = makeTestChain({ length: 5, chainId: 'other-chain' })
    expect(() => verifyAdjacent({ ...step(2n), untrusted: other.signedHeader(2n) })).toThrow(/another chain|belongs to chain/)
  })

  it('rejects a commit with a flipped signature bit', () => {
    const t = cloneSignedHeader(chain.signedHeader(2n))
    t.commit.signatures[0].signature[63] ^= 0x80
    expect(() => verifyAdjacent({ ...step(2n), untrusted: t })).toThrow(InvalidSignatureError)
  })

  it('rejects a header from beyond the allowed clock drift', () => {
    const time = chain.timeAt(2n)
    const now = { seconds: time.seconds - 20n, nanos: time.nanos }
    // trusted header 1 is 10 s before header 2, so "now" must still be after header 1
    expect(() => verifyAdjacent({ ...step(2n), now, maxClockDriftMs: 10_000 })).toThrow(/from the future/)
    expect(() => verifyAdjacent({ ...step(2n), now, maxClockDriftMs: 30_000 })).not.toThrow()
  })

  it('rejects expired trust with TrustExpiredError', () => {
    const now = { seconds: chain.timeAt(1n).seconds + BigInt(TRUSTING_PERIOD_MS / 1000), nanos: chain.timeAt(1n).nanos }
    expect(isHeaderExpired(chain.timeAt(1n), TRUSTING_PERIOD_MS, now)).toBe(true)
    let caught: unknown
    try { verifyAdjacent({ ...step(2n), now }) } catch (e) { caught = e }
    expect(caught).toBeInstanceOf(TrustExpiredError)
    expect(caught).toMatchObject({ name: 'TrustExpiredError', code: 'TRUST_EXPIRED', height: 1n })
  })

  it('rejects non-monotonic time', () => {
    const c = makeTestChain({ length: 3, timeAt: h => h === 2n ? defaultTime(1n) : defaultTime(h) })
    expect(() => verifyAdjacent({ trusted: c.lightBlock(1n), untrusted: c.signedHeader(2n), untrustedVals: c.validatorsAt(2n), trustingPeriodMs: TRUSTING_PERIOD_MS, now: nowAt(c.timeAt(3n)) }))
      .toThrow(/not after/)
  })

  it('rejects insufficient commits (2 of 4 signed)', () => {
    const c = makeTestChain({ length: 3, signsAt: (h, i) => h !== 2n || i < 2 })
    expect(() => verifyAdjacent({ trusted: c.lightBlock(1n), untrusted: c.signedHeader(2n), untrustedVals: c.validatorsAt(2n), trustingPeriodMs: TRUSTING_PERIOD_MS, now: nowAt(c.timeAt(2n)) }))
      .toThrow(InsufficientSignaturesError)
  })
})

describe('verifyNonAdjacent', () => {
  const chain = makeTestChain({ length: 30 })
  const opts = (from: bigint, to: bigint, c = chain) => ({ trusted: c.lightBlock(from), untrusted: c.signedHeader(to), untrustedVals: c.validatorsAt(to), trustingPeriodMs: TRUSTING_PERIOD_MS, now: nowAt(c.timeAt(to)) })

  it('skips ahead with an unchanged set', () => {
    expect(verifyNonAdjacent(opts(1n, 30n))).toEqual(chain.signedHeader(30n).commit.blockId.hash)
    expect(verify(opts(1n, 30n))).toBe('skipping')
  })

  it('skips across a half-changed set (2 of 4 trusted validators still sign: 20 > 40/3)', () => {
    const c = makeTestChain({ length: 20, setAt: h => ({ keys: h <= 10n ? A : [A[2], A[3], B[0], B[1]] }) })
    expect(() => verifyNonAdjacent(opts(1n, 20n, c))).not.toThrow()
  })

  it('throws NotEnoughTrustError when the set rotated completely', () => {
    const c = makeTestChain({ length: 20, setAt: h => ({ keys: h <= 10n ? A : B }) })
    expect(() => verifyNonAdjacent(opts(1n, 20n, c))).toThrow(NotEnoughTrustError)
  })

  it('rejects heights that do not go up', () => {
    expect(() => verifyNonAdjacent({ ...opts(5n, 5n), now: nowAt(chain.timeAt(6n)) })).toThrow(InvalidHeaderError)
    expect(() => verifyNonAdjacent({ ...opts(5n, 3n), now: nowAt(chain.timeAt(6n)) })).toThrow(/not above/)
  })

  it('rejects a wrong trusted validator set as bad input', () => {
    expect(() => verifyNonAdjacent({ ...opts(1n, 30n), trusted: { ...chain.lightBlock(1n), validators: makeTestChain({ length: 1, setAt: () => ({ keys: B }) }).validatorsAt(1n) } }))
      .toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }))
  })

  it('rejects when the new set itself signed too little, without bisecting', () => {
    // Trusted validators sign (3 of 4 = enough trust) but the header's own set is larger and mostly silent.
    const big = [...A, ...B]
    const c = makeTestChain({ length: 20, setAt: h => ({ keys: h <= 10n ? A : big }), signsAt: (h, i) => h <= 10n || i < 3 })
    const o = opts(1n, 20n, c)
    const err = (() => { try { verifyNonAdjacent(o) } catch (e) { return e } })()
    expect(err).toBeInstanceOf(InsufficientSignaturesError)
    expect(err).not.toBeInstanceOf(NotEnoughTrustError)
  })
})

describe('verifySkipping', () => {
  const base = (c: ReturnType<typeof makeTestChain>, from: bigint, to: bigint) => {
    const f = recordingFetcher(c)
    return {
      fetcher: f,
      options: { trusted: c.lightBlock(from), untrusted: c.signedHeader(to), untrustedVals: c.validatorsAt(to), trustingPeriodMs: TRUSTING_PERIOD_MS, now: nowAt(c.timeAt(to)), fetchLightBlock: f.fetchLightBlock }
    }
  }

  it('verifies in one skip when trust carries over, fetching nothing', async () => {
    const c = makeTestChain({ length: 64 })
    const { fetcher, options } = base(c, 1n, 64n)
    const res = await verifySkipping(options)
    expect(res.trace).toEqual([{ height: 64n, hash: c.signedHeader(64n).commit.blockId.hash, verifiedBy: 'skipping', from: 1n }])
    expect(fetcher.asked).toEqual([])
    expect(res.fetched).toEqual([])
  })

  it('verifies an adjacent target as adjacent', async () => {
    const c = makeTestChain({ length: 3 })
    const { options } = base(c, 2n, 3n)
    expect((await verifySkipping(options)).trace.map(t => t.verifiedBy)).toEqual(['adjacent'])
  })

  it('bisects at 9/16 through a complete validator-set rotation', async () => {
    const c = makeTestChain({ length: 20, setAt: h => ({ keys: h <= 10n ? A : B }) })
    const { fetcher, options } = base(c, 1n, 20n)
    const res = await verifySkipping(options)
    // 1→20 lacks trust: pivot 1+19·9/16 = 11 (set B, lacks trust too), then 1+10·9/16 = 6 (set A) …
    expect(fetcher.asked).toEqual([11n, 6n, 8n, 9n, 10n])
    expect(res.fetched).toEqual(fetcher.asked)
    expect(res.trace.map(t => [t.height, t.verifiedBy, t.from])).toEqual([
      [6n, 'skipping', 1n], [8n, 'skipping', 6n], [9n, 'adjacent', 8n], [10n, 'adjacent', 9n], [11n, 'adjacent', 10n], [20n, 'skipping', 11n]
    ])
    expect(toHex(res.trace.at(-1)!.hash)).toBe(toHex(hashHeader(c.header(20n))))
  })

  it('rejects a forged chain by outsiders after bisecting down to an adjacent step', async () => {
    const honest = makeTestChain({ length: 20, setAt: () => ({ keys: A }) })
    const forged = makeTestChain({ length: 20, setAt: () => ({ keys: B }) })
    const f = recordingFetcher(forged)
    const err = await verifySkipping({
      trusted: honest.lightBlock(1n), untrusted: forged.signedHeader(20n), untrustedVals: forged.validatorsAt(20n),
      trustingPeriodMs: TRUSTING_PERIOD_MS, now: nowAt(forged.timeAt(20n)), fetchLightBlock: f.fetchLightBlock
    }).catch(e => e)
    expect(err).toBeInstanceOf(InvalidHeaderError)
    expect(f.asked.length).toBeGreaterThan(0)
    expect(f.asked.at(-1)).toBe(2n) // bisected all the way to the adjacent height, which fails outright
  })

  it('rejects without bisecting when the failure is not a lack of trust', async () => {
    const c = makeTestChain({ length: 20 })
    const { fetcher, options } = base(c, 1n, 20n)
    const t = cloneSignedHeader(c.signedHeader(20n))
    t.commit.signatures[0].signature[5] ^= 1
    await expect(verifySkipping({ ...options, untrusted: t })).rejects.toBeInstanceOf(InvalidSignatureError)
    expect(fetcher.asked).toEqual([])
  })

  it('reports expired trust as TrustExpiredError', async () => {
    const c = makeTestChain({ length: 20 })
    const { options } = base(c, 1n, 20n)
    await expect(verifySkipping({ ...options, trustingPeriodMs: 60_000 })).rejects.toMatchObject({ name: 'TrustExpiredError' })
  })

  it('rejects a fetcher that answers with the wrong height', async () => {
    const c = makeTestChain({ length: 20, setAt: h => ({ keys: h <= 10n ? A : B }) })
    const { options } = base(c, 1n, 20n)
    await expect(verifySkipping({ ...options, fetchLightBlock: async () => c.lightBlock(3n) })).rejects.toBeInstanceOf(BadLightBlockError)
  })

  it('honours an AbortSignal before starting and during a fetch', async () => {
    const c = makeTestChain({ length: 20, setAt: h => ({ keys: h <= 10n ? A : B }) })
    const { options } = base(c, 1n, 20n)
    const before = new AbortController()
    before.abort(new Error('stop'))
    await expect(verifySkipping({ ...options, signal: before.signal })).rejects.toThrow('stop')

    const during = new AbortController()
    let calls = 0
    const fetchLightBlock = async (h: bigint, { signal }: { signal?: AbortSignal }): Promise<LightBlock> => {
      calls++
      expect(signal).toBe(during.signal)
      during.abort(new Error('cancelled mid-fetch'))
      return c.lightBlock(h)
    }
    await expect(verifySkipping({ ...options, signal: during.signal, fetchLightBlock })).rejects.toThrow('cancelled mid-fetch')
    expect(calls).toBe(1)
  })

  it('rejects a target with a forged commit for another chain id, even via bisection', async () => {
    const c = makeTestChain({ length: 20 })
    const { options } = base(c, 1n, 20n)
    const forged = signCommit({ chainId: c.chainId, header: c.header(20n), validators: c.validatorsAt(20n), keys: c.keys, signChainId: 'evil-chain' })
    await expect(verifySkipping({ ...options, untrusted: { header: c.header(20n), commit: forged } })).rejects.toBeInstanceOf(InvalidSignatureError)
  })

  it('keeps times as nanoseconds (a header 1 ns after the trusted one is later)', () => {
    const c = makeTestChain({ length: 2, timeAt: h => ({ seconds: 1_700_000_000n, nanos: Number(h) }) })
    expect(timestampToNanos(c.timeAt(2n)) - timestampToNanos(c.timeAt(1n))).toBe(1n)
    expect(verify({ trusted: c.lightBlock(1n), untrusted: c.signedHeader(2n), untrustedVals: c.validatorsAt(2n), trustingPeriodMs: DAY_MS, now: nowAt(c.timeAt(2n)) })).toBe('adjacent')
  })
})

describe('property: any change to a verified header is rejected with a typed error', () => {
  const chain = makeTestChain({ length: 6 })
  const fields = ['lastCommitHash', 'dataHash', 'validatorsHash', 'nextValidatorsHash', 'consensusHash', 'appHash', 'lastResultsHash', 'evidenceHash', 'proposerAddress'] as const
  it('flipping any bit of any hashed field or of the commit block id', () => {
    fc.assert(fc.property(fc.constantFrom(...fields, 'blockId' as const), fc.nat(), fc.integer({ min: 0, max: 7 }), fc.boolean(), (field, at, bit, adjacent) => {
      const t = cloneSignedHeader(chain.signedHeader(6n))
      const target = field === 'blockId' ? (t.commit.blockId = { ...t.commit.blockId, hash: t.commit.blockId.hash.slice() }).hash : (t.header[field] = t.header[field].slice())
      target[at % target.length] ^= 1 << bit
      const from = adjacent ? 5n : 2n
      let err: unknown
      try { verify({ trusted: chain.lightBlock(from), untrusted: t, untrustedVals: chain.validatorsAt(6n), trustingPeriodMs: TRUSTING_PERIOD_MS, now: nowAt(chain.timeAt(6n)) }) } catch (e) { err = e }
      expect(err).toBeInstanceOf(Error)
      expect(['InvalidHeaderError', 'InvalidCommitError', 'InvalidSignatureError']).toContain((err as Error).name)
    }), { numRuns: 200 })
  })
})
