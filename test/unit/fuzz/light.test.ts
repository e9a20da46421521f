// The light-client verifier against mutated real commits: a test chain whose commits are signed
// with ed25519 exactly as CometBFT validators sign precommits, 3 of 4 validators signing (so every
// signature is needed). Any change to a header field, to a signed commit field (height, round,
// block id, a quorum signature, its time, flag or address) or to the validator set is rejected with
// a typed error, adjacent and skipping alike; so is every byte mutation of the light block's wire
// encoding that changes what it says. Only changes outside the signed quorum (CometBFT stops
// counting at > 2/3) may still verify, and then only for the very same header.
import { afterAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { hashHeader, verify, BlockIdFlag, ZERO_TIME, type LightBlock, type SignedHeader, type Validator, type Timestamp } from '../../../protocol/chain/index.js'
import { decodeMessage, encodeMessage, MESSAGES } from '../../../protocol/wire/index.js'
import { lightBlockFromWire, lightBlockToWire } from '../../../fullnode/net/lightblock.js'
import { equalBytes } from '../../../protocol/bytes.js'
import { makeTestChain, testKeys, validatorSetOf } from '../chain/fixtures.js'
import { fuzz, hostile, printSlowest, typedOrOk } from './arbitraries.js'

const TRUSTING_MS = 14 * 86_400_000
const REJECTIONS = ['InvalidHeaderError', 'InvalidCommitError', 'InvalidSignatureError', 'InsufficientSignaturesError', 'NotEnoughTrustError', 'InvalidValidatorSetError', 'InvalidInputError', 'TrustExpiredError']
// validator 3 never signs: the three signatures that do are exactly the > 2/3 quorum
const chain = makeTestChain({ length: 6, signsAt: (_h, i) => i !== 3 })
const trusted = chain.lightBlock(1n)
const nowAt = (t: Timestamp): Timestamp => ({ seconds: t.seconds + 5n, nanos: t.nanos })
const clone = <T>(x: T): T => structuredClone(x)
const flip = (b: Uint8Array, at: number, bit = 0): Uint8Array => { const c = b.length === 0 ? new Uint8Array(1) : b.slice(); c[at % c.length] ^= 1 << bit; return c }

/** Accepts or throws a typed rejection; returns the accepted header's hash. */
function accept (sh: SignedHeader, vals: Validator[]): Uint8Array | undefined {
  return typedOrOk(() => {
    verify({ trusted, untrusted: sh, untrustedVals: vals, trustingPeriodMs: TRUSTING_MS, now: nowAt(chain.timeAt(6n)) })
    return hashHeader(sh.header)
  }, REJECTIONS)
}

/** One of the (up to) three quorum signatures. */
const quorumSig = (sh: SignedHeader, n: number): SignedHeader['commit']['signatures'][number] | undefined => sh.commit.signatures[n % Math.max(1, Math.min(3, sh.commit.signatures.length))]
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a, big) === JSON.stringify(b, big)
function big (_k: string, v: unknown): unknown { return typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v }

type Mutation = (sh: SignedHeader, vals: Validator[], n: number, bit: number) => void
const HEADER_FIELDS = ['chainId', 'height', 'time', 'lastBlockId', 'lastCommitHash', 'dataHash', 'validatorsHash', 'nextValidatorsHash', 'consensusHash', 'appHash', 'lastResultsHash', 'evidenceHash', 'proposerAddress', 'version'] as const
const OTHER_KEYS = testKeys(2, 'fuzz-strangers')

const MUTATIONS: Record<string, Mutation> = {
  header: (sh, _v, n, bit) => {
    const h = sh.header as any
    const f = HEADER_FIELDS[n % HEADER_FIELDS.length]
    if (f === 'chainId') h.chainId = h.chainId + 'x'
    else if (f === 'height') h.height += bit % 2 === 0 ? 1n : -1n
    else if (f === 'time') h.time = { seconds: h.time.seconds, nanos: (h.time.nanos + 1 + bit) % 1_000_000_000 }
    else if (f === 'lastBlockId') h.lastBlockId = { ...h.lastBlockId, hash: flip(h.lastBlockId.hash, n, bit) }
    else if (f === 'version') h.version = { ...h.version, app: h.version.app + 1n }
    else h[f] = flip(h[f], n, bit)
  },
  commitHeight: (sh, _v, _n, bit) => { sh.commit.height += bit % 2 === 0 ? 1n : -1n },
  commitRound: (sh, _v, n) => { sh.commit.round = 1 + (n % 1000) },
  blockIdHash: (sh, _v, n, bit) => { sh.commit.blockId.hash = flip(sh.commit.blockId.hash, n, bit) },
  partSetHeader: (sh, _v, n, bit) => {
    const p = sh.commit.blockId.partSetHeader
    if (n % 2 === 0) p.total += 1 + (n % 7)
    else p.hash = flip(p.hash, n, bit)
  },
  signature: (sh, _v, n, bit) => { const s = quorumSig(sh, n); if (s === undefined) return; s.signature = flip(s.signature, n, bit) },
  signatureTime: (sh, _v, n, bit) => { const s = quorumSig(sh, n); if (s === undefined) return; s.timestamp = { ...s.timestamp, nanos: (s.timestamp.nanos + 1 + bit) % 1_000_000_000 } },
  signatureAddress: (sh, _v, n, bit) => { const s = quorumSig(sh, n); if (s === undefined) return; s.validatorAddress = flip(s.validatorAddress, n, bit) },
  signatureFlag: (sh, _v, n) => {
    const s = quorumSig(sh, n)
    if (s === undefined) return
    if (n % 2 === 0) s.blockIdFlag = BlockIdFlag.Nil
    else Object.assign(s, { blockIdFlag: BlockIdFlag.Absent, validatorAddress: new Uint8Array(), timestamp: ZERO_TIME, signature: new Uint8Array() })
  },
  dropSignature: (sh, _v, n) => { sh.commit.signatures.splice(n % Math.max(1, sh.commit.signatures.length), 1) },
  swapSignatures: (sh, _v, n) => {
    const s = sh.commit.signatures
    const m = Math.min(3, s.length)
    if (m < 2) return
    const i = n % m; const j = (i + 1) % m;[s[i], s[j]] = [s[j], s[i]]
  },
  // beyond the quorum: CometBFT's light verification never looks at it, so the same header may pass
  fillAbsentSlot: (sh, _v, n) => {
    const from = quorumSig(sh, n)
    if (from === undefined || sh.commit.signatures.length !== 4) return
    sh.commit.signatures[3] = { ...from, signature: flip(from.signature, n) }
  },
  // holes (a structured clone keeps them): validation must see them, not skip them
  sparseSignature: (sh, _v, n) => { delete (sh.commit.signatures as unknown[])[n % Math.max(1, sh.commit.signatures.length)] },
  sparseValidator: (_sh, vals, n) => { delete (vals as unknown[])[n % Math.max(1, vals.length)] },
  validatorPower: (_sh, vals, n) => { const v = vals[n % Math.max(1, vals.length)]; if (v !== undefined) v.votingPower += 1n + BigInt(n % 50) },
  validatorKey: (_sh, vals, n) => { const v = vals[n % Math.max(1, vals.length)]; if (v !== undefined) v.pubKey = OTHER_KEYS[n % 2].pubKey },
  validatorAddress: (_sh, vals, n, bit) => { const v = vals[n % Math.max(1, vals.length)]; if (v !== undefined) v.address = flip(v.address, n, bit) },
  validatorRemoved: (_sh, vals, n) => { vals.splice(n % Math.max(1, vals.length), 1) },
  validatorAdded: (_sh, vals, n) => { vals.push(...validatorSetOf([OTHER_KEYS[n % 2]])) },
  validatorsReordered: (_sh, vals, n) => {
    if (vals.length < 2) return
    const i = n % vals.length; const j = (i + 1) % vals.length;[vals[i], vals[j]] = [vals[j], vals[i]]
  }
}

afterAll(printSlowest)

describe('fuzz: light-client verifier', () => {
  it('the unmutated headers verify, adjacent and skipping', () => {
    for (const h of [2n, 4n, 6n]) expect(accept(chain.signedHeader(h), chain.validatorsAt(h))).toEqual(hashHeader(chain.header(h)))
  })

  it('structured mutations of headers, commits and validator sets never verify (adjacent and skipping)', async () => {
    const names = Object.keys(MUTATIONS)
    const steps = fc.array(fc.tuple(fc.constantFrom(...names), fc.nat(), fc.nat({ max: 7 })), { minLength: 1, maxLength: 3 })
    await fuzz('light/structured', [fc.constantFrom(2n, 3n, 6n), steps], (height, muts) => {
      const sh = clone(chain.signedHeader(height))
      const vals = clone(chain.validatorsAt(height))
      for (const [name, n, bit] of muts) MUTATIONS[name](sh, vals, n, bit)
      const got = accept(sh, vals)
      const orig = chain.signedHeader(height)
      // judged on the final state (two mutations may cancel out): only a change confined to the
      // signature slot outside the quorum (index 3, never counted) may still verify
      const { signatures, ...meta } = sh.commit
      const { signatures: origSigs, ...origMeta } = orig.commit
      const quorumIntact = signatures.length === 4 && [0, 1, 2].every((i) => same(signatures[i], origSigs[i]))
      const mustReject = !same(sh.header, orig.header) || !same(vals, chain.validatorsAt(height)) || !same(meta, origMeta) || !quorumIntact
      if (same(sh, orig) && same(vals, chain.validatorsAt(height))) expect(got).toBeDefined()
      else if (mustReject) expect(got, `accepted after ${muts.map((m) => m[0]).join(', ')}`).toBeUndefined()
      else if (got !== undefined) expect(equalBytes(got, hashHeader(chain.header(height)))).toBe(true)
    }, 0.5)
  })

  it('byte mutations of a light block on the wire (NewHeader) never verify a different header or commit', async () => {
    const encoded = (h: bigint): Uint8Array => encodeMessage(MESSAGES.newHeader, { lightBlock: lightBlockToWire(chain.lightBlock(h)) })
    for (const h of [2n, 5n]) {
      const lb = lightBlockFromWire(decodeMessage(MESSAGES.newHeader, encoded(h)).lightBlock!)
      expect(accept(lb.signedHeader, lb.validators)).toEqual(hashHeader(chain.header(h)))
    }
    const seen = { decoded: 0, accepted: 0, cases: 0 }
    const valid = fc.constantFrom(2n, 5n).map((h) => ({ h, bytes: encoded(h) }))
    await fuzz('light/wire', [valid.chain(({ h, bytes }) => fc.tuple(fc.constant(h), hostile(fc.constant(bytes))))], ([h, bytes]) => {
      seen.cases++
      const lb = typedOrOk(() => lightBlockFromWire(decodeMessage(MESSAGES.newHeader, bytes).lightBlock!), ['MalformedMessageError', 'MessageTooLargeError', 'TruncatedMessageError'])
      if (lb === undefined) return
      seen.decoded++
      const got = accept(lb.signedHeader, lb.validators)
      if (got === undefined) return
      seen.accepted++
      // accepted: the header is the original, its commit's quorum untouched
      const orig: LightBlock = chain.lightBlock(lb.signedHeader.header.height)
      expect(lb.signedHeader.header.height === h || lb.signedHeader.header.height === orig.signedHeader.header.height).toBe(true)
      expect(equalBytes(got, hashHeader(orig.signedHeader.header))).toBe(true)
      for (let i = 0; i < 3; i++) expect(lb.signedHeader.commit.signatures[i]).toEqual(orig.signedHeader.commit.signatures[i])
    }, 0.5)
    console.log(`[bench] fuzz light/wire: ${seen.cases} cases, ${seen.decoded} decoded to a light block, ${seen.accepted} accepted (each the original header)`)
  })
})
