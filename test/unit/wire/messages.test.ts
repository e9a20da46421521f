import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  BlockIdFlag, ChallengeStatus, decodeMessage, encodeMessage, MalformedMessageError, MESSAGES, MessageTooLargeError,
  SampleRequest, SampleStatus, SegmentRequest, SegmentStatus, SyncStatus, Validator, Verdict, challengeSignBytes, receiptSignBytes,
  jobClaimSignBytes, jobResultSignBytes, MAX_SEGMENT_RESPONSE_BYTES, SEGMENT_BYTES
} from '../../../protocol/wire/index.js'
import * as arb from './arbitraries.js'

const sample = <T>(a: fc.Arbitrary<T>, seed = 1): T => fc.sample(a, { numRuns: 1, seed })[0]!
const malformed = (fn: () => unknown, match?: RegExp): void => {
  expect(fn).toThrow(MalformedMessageError)
  if (match !== undefined) expect(fn).toThrow(match)
}

describe('every message round-trips', () => {
  for (const [name, type, gen] of arb.CASES) {
    it(`${name}: decode(encode(x)) = x for arbitrary valid x`, () => {
      fc.assert(fc.property(gen, (msg) => {
        const bytes = encodeMessage(type, msg)
        expect(bytes.length).toBeLessThanOrEqual(type.maxBytes)
        expect(decodeMessage(type, bytes)).toEqual(msg)
        // deterministic encoding: signatures are over re-encodings
        expect(encodeMessage(type, decodeMessage(type, bytes))).toEqual(bytes)
      }), { numRuns: 60 })
    })
  }
})

describe('field sizes are checked after decode', () => {
  it('rejects a 31-byte segment root, naming the field', () => {
    // encode with the raw codec (no validation), as a hostile peer would
    const bytes = MESSAGES.segmentRequest.codec.encode({ root: new Uint8Array(31), index: 0n })
    malformed(() => decodeMessage(MESSAGES.segmentRequest, bytes), /SegmentRequest\.root: expected 32 bytes, got 31/)
  })

  it('rejects duplicate, out-of-range, missing and too many sample columns', () => {
    const enc = (columns: number[]): Uint8Array => SampleRequest.encode({ height: 5n, columns })
    malformed(() => decodeMessage(MESSAGES.sampleRequest, enc([3, 9, 3])), /duplicate column 3/)
    malformed(() => decodeMessage(MESSAGES.sampleRequest, enc([128])), /columns\[0\]/)
    malformed(() => decodeMessage(MESSAGES.sampleRequest, enc([])), /1\.\.128 items/)
    // 129 items trip protons' compiled-in repeated-field limit during parsing
    const tooMany = Uint8Array.from([0x08, 0x05, ...Array.from({ length: 129 }, (_, i) => [0x10, i % 128]).flat()])
    malformed(() => decodeMessage(MESSAGES.sampleRequest, tooMany), /too many elements/)
  })

  it('rejects a sample cell of 2047 bytes and a proof count that differs from the blob count', () => {
    const ok = sample(arb.sampleResponse.filter((r) => r.status === SampleStatus.OK && r.blobs.length > 0))
    const short = structuredClone(ok)
    short.columns[0]!.cells[0] = new Uint8Array(2047)
    malformed(() => encodeMessage(MESSAGES.sampleResponse, short), /cells\[0\]: expected 2048 bytes, got 2047/)
    malformed(() => decodeMessage(MESSAGES.sampleResponse, MESSAGES.sampleResponse.codec.encode(short)), /2047/)
    const missing = structuredClone(ok)
    missing.columns[0]!.proofs.pop()
    malformed(() => encodeMessage(MESSAGES.sampleResponse, missing), /proofs/)
    const orphan = structuredClone(ok)
    orphan.blobs[0]!.txIndex = 123_456
    malformed(() => encodeMessage(MESSAGES.sampleResponse, orphan), /no inclusion proof/)
  })

  it('an error status carries no data and an OK one carries some', () => {
    malformed(() => encodeMessage(MESSAGES.sampleResponse, { status: SampleStatus.NOT_AVAILABLE, message: '', height: 1n, blobs: [], txs: [], columns: [{ index: 0, cells: [], proofs: [] }] }))
    malformed(() => encodeMessage(MESSAGES.segmentResponse, { status: SegmentStatus.OK, message: '', data: new Uint8Array(0) }))
    malformed(() => encodeMessage(MESSAGES.syncResponse, { status: SyncStatus.OK, message: '', lightBlocks: [] }))
    malformed(() => decodeMessage(MESSAGES.syncResponse, new Uint8Array(0)), /status/)
  })

  it('bounds segment data at 256 KiB and the whole response at its limit', () => {
    const big = { status: SegmentStatus.OK, message: '', data: new Uint8Array(SEGMENT_BYTES + 1), proof: { siblings: [], leafIndex: 0n, leafCount: 1n } }
    malformed(() => encodeMessage(MESSAGES.segmentResponse, big), /1\.\.262144 bytes/)
    expect(() => decodeMessage(MESSAGES.segmentResponse, new Uint8Array(MAX_SEGMENT_RESPONSE_BYTES + 1))).toThrow(MessageTooLargeError)
    const full = { ...big, data: new Uint8Array(SEGMENT_BYTES), proof: { siblings: Array.from({ length: 64 }, () => new Uint8Array(32)), leafIndex: 5n, leafCount: 6n } }
    expect(decodeMessage(MESSAGES.segmentResponse, encodeMessage(MESSAGES.segmentResponse, full)).data.length).toBe(SEGMENT_BYTES)
  })

  it('checks light blocks the way CometBFT ValidateBasic does', () => {
    const lb = sample(arb.lightBlock)
    const bad = structuredClone(lb)
    bad.signedHeader!.commit!.height += 1n
    malformed(() => encodeMessage(MESSAGES.newHeader, { lightBlock: bad }), /differs from the header height/)
    const absentWithSig = structuredClone(lb)
    absentWithSig.signedHeader!.commit!.signatures[0] = { blockIdFlag: BlockIdFlag.BLOCK_ID_FLAG_ABSENT, validatorAddress: new Uint8Array(0), signature: new Uint8Array(64) }
    malformed(() => encodeMessage(MESSAGES.newHeader, { lightBlock: absentWithSig }), /signature: expected 0 bytes/)
    const zeroPower = structuredClone(lb)
    zeroPower.validatorSet!.validators[0]!.votingPower = 0n
    zeroPower.validatorSet!.totalVotingPower = 0n
    malformed(() => encodeMessage(MESSAGES.newHeader, { lightBlock: zeroPower }), /votingPower/)
    const shortKey = structuredClone(lb)
    shortKey.validatorSet!.validators[0]!.pubKey = { ed25519: new Uint8Array(31) }
    malformed(() => encodeMessage(MESSAGES.newHeader, { lightBlock: shortKey }), /pubKey\.ed25519/)
    // 257 validators: protons' compiled-in limit stops the parse
    const v = Validator.encode(sample(arb.lightBlock).validatorSet!.validators[0]!)
    const set = Uint8Array.from(Array.from({ length: 257 }, () => [0x0a, v.length, ...v]).flat())
    const lbBytes = Uint8Array.from([0x12, ...varint(set.length), ...set])
    malformed(() => decodeMessage(MESSAGES.newHeader, Uint8Array.from([0x0a, ...varint(lbBytes.length), ...lbBytes])), /too many elements/)
  })

  it('sync requests: latest, or 1..32 from a height', () => {
    expect(decodeMessage(MESSAGES.syncRequest, encodeMessage(MESSAGES.syncRequest, { fromHeight: 0n, count: 0, latest: true })).latest).toBe(true)
    malformed(() => encodeMessage(MESSAGES.syncRequest, { fromHeight: 1n, count: 33, latest: false }), /count/)
    malformed(() => encodeMessage(MESSAGES.syncRequest, { fromHeight: 0n, count: 1, latest: false }), /fromHeight/)
    malformed(() => encodeMessage(MESSAGES.syncRequest, { fromHeight: 9n, count: 1, latest: true }), /fromHeight/)
  })

  it('challenge messages: positions distinct, proofs match positions, receipts consistent', () => {
    const c = sample(arb.challenge)
    malformed(() => encodeMessage(MESSAGES.challenge, { ...c, positions: [7n, 7n] }), /duplicate position/)
    malformed(() => encodeMessage(MESSAGES.challenge, { ...c, deadlineMs: 0 }), /deadlineMs/)
    malformed(() => encodeMessage(MESSAGES.challenge, { ...c, positions: Array.from({ length: 17 }, (_, i) => BigInt(i)) }), /1\.\.16 items/)
    const a = sample(arb.challengeAnswer.filter((x) => x.status === ChallengeStatus.OK))
    const moved = structuredClone(a)
    moved.chunks[0]!.position += 1n
    malformed(() => encodeMessage(MESSAGES.challengeAnswer, moved), /leafIndex/)
    const r = sample(arb.challengeReceipt.filter((x) => x.verdict === Verdict.VALID))
    malformed(() => encodeMessage(MESSAGES.challengeReceipt, { ...r, latencyMs: r.deadlineMs + 1 }), /VALID but latency/)
    malformed(() => encodeMessage(MESSAGES.challengeReceipt, { ...r, verdict: Verdict.MISSING }), /answerHash/)
  })

  it('job requests carry exactly one of offer, claim, result', () => {
    malformed(() => decodeMessage(MESSAGES.jobRequest, new Uint8Array(0)), /exactly one/)
    const r = sample(arb.jobRequest.filter((x) => x.result !== undefined))
    malformed(() => encodeMessage(MESSAGES.jobRequest, { ...r, claim: { jobId: new Uint8Array(32), worker: new Uint8Array(32), signature: new Uint8Array(64) } }), /exactly one/)
    malformed(() => encodeMessage(MESSAGES.jobRequest, { result: { ...r.result!, output: new Uint8Array(64 * 1024 + 1) } }), /output/)
  })

  it('rejects wrong JS types on the encode side with the same typed error', () => {
    malformed(() => encodeMessage(MESSAGES.txRequest, { tx: 'abc' } as never))
    malformed(() => encodeMessage(MESSAGES.txRequest, null as never))
    malformed(() => encodeMessage(MESSAGES.sampleRequest, { height: 1, columns: [1] } as never), /bigint/)
    malformed(() => encodeMessage(MESSAGES.segmentResponse, { status: 'NOPE', message: '', data: new Uint8Array(1) } as never), /status/)
  })

  it('sign bytes ignore the signature, differ per message type, and change with any field', () => {
    fc.assert(fc.property(arb.challenge, arb.bytes(64), (c, sig) => {
      expect(challengeSignBytes({ ...c, signature: sig })).toEqual(challengeSignBytes(c))
      expect(challengeSignBytes({ ...c, deadlineMs: c.deadlineMs + 1 })).not.toEqual(challengeSignBytes(c))
    }), { numRuns: 30 })
    const r = sample(arb.challengeReceipt)
    expect(new TextDecoder().decode(receiptSignBytes(r).subarray(0, 27))).toBe('glowmesh/challenge-receipt/')
    const claim = { jobId: new Uint8Array(32), worker: new Uint8Array(32), signature: new Uint8Array(64) }
    expect(jobClaimSignBytes(claim)).not.toEqual(jobResultSignBytes({ ...claim, traceRoot: new Uint8Array(0), output: new Uint8Array(0) }))
  })
})

describe('int64 fields (CometBFT heights, powers, priorities, timestamps)', () => {
  it('encode as the uint64 varint of their two\'s complement and decode back, at every edge', () => {
    // protons-runtime 7.1.2 alone gets −2^53, −2^54 and −2^63 wrong; generate.mjs routes around it
    const edges = [0n, 1n, -1n, -(2n ** 32n), -(2n ** 53n), -(2n ** 53n) - 1n, -(2n ** 54n), -(2n ** 54n) - (2n ** 32n), -(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n]
    const check = (p: bigint): void => {
      const v = { address: new Uint8Array(20), pubKey: { ed25519: new Uint8Array(32) }, votingPower: 1n, proposerPriority: p }
      const bytes = Validator.encode(v)
      if (p !== 0n) expect([...bytes.subarray(bytes.length - bigVarint(BigInt.asUintN(64, p)).length)]).toEqual(bigVarint(BigInt.asUintN(64, p)))
      expect(Validator.decode(bytes).proposerPriority).toBe(p)
    }
    edges.forEach(check)
    fc.assert(fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.nat({ max: 2 ** 31 - 1 }), (p, lo) => {
      check(p)
      check((p >> 32n) << 32n) // low 32 bits zero: the case protons gets wrong
      check(-((BigInt(lo) + 1n) << 32n))
    }))
  })
})

describe('uint64 fields', () => {
  it('encode every value as its reference varint, including [2^31, 2^32) that protons-runtime alone corrupts', () => {
    const check = (index: bigint): void => {
      const bytes = SegmentRequest.encode({ root: new Uint8Array(0), index })
      expect([...bytes]).toEqual(index === 0n ? [] : [0x10, ...bigVarint(index)])
      expect(SegmentRequest.decode(bytes).index).toBe(index)
    }
    ;[2n ** 31n, 2n ** 31n + 5n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n].forEach(check)
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 2n ** 31n, max: 2n ** 32n - 1n }), (a, b) => { check(a); check(b) }))
  })
})

function bigVarint (n: bigint): number[] {
  const out: number[] = []
  while (n >= 0x80n) { out.push(Number(n & 0x7fn) | 0x80); n >>= 7n }
  out.push(Number(n))
  return out
}

function varint (n: number): number[] {
  const out: number[] = []
  while (n >= 0x80) { out.push((n & 0x7f) | 0x80); n >>>= 7 }
  out.push(n)
  return out
}
