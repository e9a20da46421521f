/** fast-check arbitraries for valid wire messages (each satisfies its validator by construction). */
import fc from 'fast-check'
import {
  BlockIdFlag, ChallengeStatus, JobStatus, SampleStatus, SegmentStatus, SyncStatus, Verdict,
  type BlockId, type Challenge, type ChallengeAnswer, type ChallengeReceipt, type Commit, type CommitSig, type Header,
  type JobOffer, type JobRequest, type JobResponse, type LightBlock, type NewHeader, type SampleRequest, type SampleResponse,
  type SegmentRequest, type SegmentResponse, type SyncRequest, type SyncResponse, type Timestamp, type TxRequest,
  type TxResponse, type Validator, type ValidatorSet, MESSAGES, type MessageType
} from '../../../protocol/wire/index.js'

export const bytes = (n: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: n, maxLength: n })
export const hash = bytes(32)
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })
const height = fc.bigInt({ min: 1n, max: (1n << 63n) - 1n })
const u32 = fc.nat({ max: 0xffff_ffff })
const text = fc.string({ maxLength: 40 })
const emptyOrHash = fc.oneof(fc.constant(new Uint8Array(0)), hash)

const timestamp: fc.Arbitrary<Timestamp> = fc.record({
  seconds: fc.bigInt({ min: -62135596800n, max: 253402300799n }),
  nanos: fc.nat({ max: 999_999_999 })
})
const blockId: fc.Arbitrary<BlockId> = fc.record({
  hash,
  partSetHeader: fc.option(fc.record({ total: fc.nat({ max: 0x7fff_ffff }), hash: emptyOrHash }), { nil: undefined })
}, { requiredKeys: ['hash'] })

const header = (h: bigint): fc.Arbitrary<Header> => fc.record({
  version: fc.record({ block: u64, app: u64 }),
  chainId: fc.stringMatching(/^[a-z0-9-]{1,50}$/),
  height: fc.constant(h),
  time: timestamp,
  lastBlockId: fc.option(blockId, { nil: undefined }),
  lastCommitHash: emptyOrHash,
  dataHash: emptyOrHash,
  validatorsHash: hash,
  nextValidatorsHash: hash,
  consensusHash: hash,
  appHash: fc.uint8Array({ maxLength: 64 }),
  lastResultsHash: emptyOrHash,
  evidenceHash: emptyOrHash,
  proposerAddress: bytes(20)
}, { requiredKeys: ['chainId', 'height', 'time', 'lastCommitHash', 'dataHash', 'validatorsHash', 'nextValidatorsHash', 'consensusHash', 'appHash', 'lastResultsHash', 'evidenceHash', 'proposerAddress'] })

const commitSig: fc.Arbitrary<CommitSig> = fc.oneof(
  fc.record({ blockIdFlag: fc.constant(BlockIdFlag.BLOCK_ID_FLAG_ABSENT), validatorAddress: bytes(0), signature: bytes(0) }),
  fc.record({
    blockIdFlag: fc.constantFrom(BlockIdFlag.BLOCK_ID_FLAG_COMMIT, BlockIdFlag.BLOCK_ID_FLAG_NIL),
    validatorAddress: bytes(20),
    timestamp,
    signature: bytes(64)
  })
)
const commit = (h: bigint): fc.Arbitrary<Commit> => fc.record({
  height: fc.constant(h),
  round: fc.nat({ max: 1000 }),
  blockId,
  signatures: fc.array(commitSig, { minLength: 1, maxLength: 8 })
})
const validator: fc.Arbitrary<Validator> = fc.record({
  address: bytes(20),
  pubKey: fc.record({ ed25519: bytes(32) }),
  votingPower: fc.bigInt({ min: 1n, max: 1n << 40n }),
  proposerPriority: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n })
})
const validatorSet: fc.Arbitrary<ValidatorSet> = fc.record({
  validators: fc.array(validator, { minLength: 1, maxLength: 8 }),
  proposer: fc.option(validator, { nil: undefined }),
  withTotal: fc.boolean()
}).map(({ validators, proposer, withTotal }) => ({
  validators,
  ...(proposer === undefined ? {} : { proposer }),
  totalVotingPower: withTotal ? validators.reduce((a, v) => a + v.votingPower, 0n) : 0n
}))
export const lightBlockAt = (h: bigint): fc.Arbitrary<LightBlock> => fc.record({
  signedHeader: fc.record({ header: header(h), commit: commit(h) }),
  validatorSet
})
export const lightBlock = height.chain(lightBlockAt)

export const syncRequest: fc.Arbitrary<SyncRequest> = fc.oneof(
  fc.record({ fromHeight: fc.constant(0n), count: fc.constantFrom(0, 1), latest: fc.constant(true) }),
  fc.record({ fromHeight: height, count: fc.integer({ min: 1, max: 32 }), latest: fc.constant(false) })
)
const errorStatus = <S extends string>(values: S[]): fc.Arbitrary<{ status: S, message: string }> =>
  fc.record({ status: fc.constantFrom(...values), message: text })
export const syncResponse: fc.Arbitrary<SyncResponse> = fc.oneof(
  fc.tuple(fc.bigInt({ min: 1n, max: 1n << 40n }), fc.integer({ min: 1, max: 3 }), text).chain(([start, n, message]) =>
    fc.tuple(...Array.from({ length: n }, (_, i) => lightBlockAt(start + BigInt(i))))
      .map((lightBlocks) => ({ status: SyncStatus.OK, message, lightBlocks }))),
  errorStatus([SyncStatus.NOT_FOUND, SyncStatus.BAD_REQUEST, SyncStatus.RATE_LIMITED, SyncStatus.INTERNAL]).map((s) => ({ ...s, lightBlocks: [] }))
)
export const newHeader: fc.Arbitrary<NewHeader> = lightBlock.map((lightBlock) => ({ lightBlock }))

const columns = (min: number, max: number): fc.Arbitrary<number[]> =>
  fc.uniqueArray(fc.integer({ min: 0, max: 127 }), { minLength: min, maxLength: max })
export const sampleRequest: fc.Arbitrary<SampleRequest> = fc.record({ height, columns: columns(1, 128), blobs: fc.uniqueArray(fc.integer({ min: 0, max: 63 }), { maxLength: 8 }) })
export const sampleResponse: fc.Arbitrary<SampleResponse> = fc.oneof(
  fc.record({
    height,
    message: text,
    txIndices: fc.uniqueArray(fc.nat({ max: 999 }), { minLength: 1, maxLength: 3 }),
    blobCount: fc.nat({ max: 3 }),
    cols: columns(1, 4)
  }).chain(({ height, message, txIndices, blobCount, cols }) => fc.record({
    status: fc.constant(SampleStatus.OK),
    message: fc.constant(message),
    height: fc.constant(height),
    blobs: fc.array(fc.record({ commitment: bytes(48), txIndex: fc.constantFrom(...txIndices) }), { minLength: blobCount, maxLength: blobCount }),
    txs: fc.tuple(...txIndices.map((index) => fc.record({
      index: fc.constant(index),
      total: fc.integer({ min: index + 1, max: 0xffff_ffff }),
      aunts: fc.array(hash, { maxLength: 5 }),
      tx: fc.uint8Array({ minLength: 1, maxLength: 200 })
    }))),
    columns: fc.tuple(...cols.map((index) => fc.record({
      index: fc.constant(index),
      cells: fc.array(bytes(2048), { minLength: blobCount, maxLength: blobCount }),
      proofs: fc.array(bytes(48), { minLength: blobCount, maxLength: blobCount })
    })))
  })),
  errorStatus([SampleStatus.NOT_FOUND, SampleStatus.NOT_AVAILABLE, SampleStatus.TOO_LARGE, SampleStatus.BAD_REQUEST, SampleStatus.RATE_LIMITED, SampleStatus.INTERNAL])
    .chain((s) => fc.record({ height: fc.bigInt({ min: 0n, max: 1n << 62n }) }).map((r) => ({ ...s, ...r, blobs: [], txs: [], columns: [] })))
)

const proof = fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }).chain((leafCount) => fc.record({
  siblings: fc.array(hash, { maxLength: 64 }),
  leafIndex: fc.bigInt({ min: 0n, max: leafCount - 1n }),
  leafCount: fc.constant(leafCount)
}))
export const segmentRequest: fc.Arbitrary<SegmentRequest> = fc.record({ root: hash, index: u64 })
export const segmentResponse: fc.Arbitrary<SegmentResponse> = fc.oneof(
  fc.record({ status: fc.constant(SegmentStatus.OK), message: text, data: fc.uint8Array({ minLength: 1, maxLength: 4096 }), proof }),
  errorStatus([SegmentStatus.NOT_FOUND, SegmentStatus.PRUNED, SegmentStatus.BAD_REQUEST, SegmentStatus.RATE_LIMITED, SegmentStatus.INTERNAL]).map((s) => ({ ...s, data: new Uint8Array(0) }))
)

export const challenge: fc.Arbitrary<Challenge> = fc.record({
  id: hash,
  height,
  blockHash: hash,
  nodeId: bytes(32),
  positions: fc.uniqueArray(u64, { minLength: 1, maxLength: 16 }),
  deadlineMs: fc.integer({ min: 1, max: 60_000 }),
  challenger: bytes(32),
  signature: bytes(64)
})
export const challengeAnswer: fc.Arbitrary<ChallengeAnswer> = fc.oneof(
  fc.record({
    status: fc.constant(ChallengeStatus.OK),
    message: text,
    challengeId: hash,
    nodeId: bytes(32),
    chunks: fc.array(proof.chain((p) => fc.record({ position: fc.constant(p.leafIndex), data: bytes(256), proof: fc.constant(p) })), { minLength: 1, maxLength: 16 })
  }),
  fc.record({
    status: fc.constantFrom(ChallengeStatus.NOT_HELD, ChallengeStatus.BAD_CHALLENGE, ChallengeStatus.RATE_LIMITED, ChallengeStatus.INTERNAL),
    message: text,
    challengeId: hash,
    nodeId: bytes(32),
    chunks: fc.constant<ChallengeAnswer['chunks']>([])
  })
)
export const challengeReceipt: fc.Arbitrary<ChallengeReceipt> = fc.record({
  challengeId: hash,
  nodeId: bytes(32),
  verdict: fc.constantFrom(Verdict.VALID, Verdict.LATE, Verdict.INVALID, Verdict.MISSING),
  deadlineMs: fc.integer({ min: 1, max: 60_000 }),
  latency: fc.nat({ max: 120_000 }),
  challenger: bytes(32),
  signature: bytes(64),
  height,
  answerHash: hash
}).map(({ latency, ...r }) => ({
  ...r,
  // keep the verdict consistent with latency vs deadline, as the validator requires
  latencyMs: r.verdict === Verdict.VALID ? Math.min(latency, r.deadlineMs) : r.verdict === Verdict.LATE ? r.deadlineMs + 1 + latency : latency,
  answerHash: r.verdict === Verdict.MISSING ? new Uint8Array(0) : r.answerHash
}))

export const jobOffer: fc.Arbitrary<JobOffer> = fc.record({
  jobId: hash,
  modelRoot: hash,
  input: fc.record({ root: hash, offset: fc.bigInt({ min: 0n, max: 1n << 62n }), length: fc.bigInt({ min: 1n, max: 1n << 62n }) }),
  batchSize: fc.integer({ min: 1, max: 65_536 }),
  fee: u64,
  deadlineHeight: height,
  requester: bytes(32)
})
export const jobRequest: fc.Arbitrary<JobRequest> = fc.oneof(
  jobOffer.map((offer) => ({ offer })),
  fc.record({ jobId: hash, worker: bytes(32), signature: bytes(64) }).map((claim) => ({ claim })),
  fc.record({ jobId: hash, worker: bytes(32), traceRoot: hash, output: fc.uint8Array({ minLength: 1, maxLength: 2048 }), signature: bytes(64) }).map((result) => ({ result }))
)
export const jobResponse: fc.Arbitrary<JobResponse> = fc.record({
  status: fc.constantFrom(...Object.values(JobStatus).filter((s): s is JobStatus => typeof s === 'string' && s !== JobStatus.JOB_STATUS_UNSPECIFIED)),
  message: text,
  jobId: emptyOrHash
})

export const txRequest: fc.Arbitrary<TxRequest> = fc.record({ tx: fc.uint8Array({ minLength: 1, maxLength: 4096 }) })
export const txResponse: fc.Arbitrary<TxResponse> = fc.record({ txHash: hash, code: u32, log: fc.string({ maxLength: 200 }) })

/** Every message type with an arbitrary of valid values (the envelope is tested on its own). */
export const CASES: Array<[string, MessageType<any>, fc.Arbitrary<any>]> = [
  ['syncRequest', MESSAGES.syncRequest, syncRequest],
  ['syncResponse', MESSAGES.syncResponse, syncResponse],
  ['newHeader', MESSAGES.newHeader, newHeader],
  ['sampleRequest', MESSAGES.sampleRequest, sampleRequest],
  ['sampleResponse', MESSAGES.sampleResponse, sampleResponse],
  ['segmentRequest', MESSAGES.segmentRequest, segmentRequest],
  ['segmentResponse', MESSAGES.segmentResponse, segmentResponse],
  ['challenge', MESSAGES.challenge, challenge],
  ['challengeAnswer', MESSAGES.challengeAnswer, challengeAnswer],
  ['challengeReceipt', MESSAGES.challengeReceipt, challengeReceipt],
  ['jobRequest', MESSAGES.jobRequest, jobRequest],
  ['jobResponse', MESSAGES.jobResponse, jobResponse],
  ['jobOffer', MESSAGES.jobOffer, jobOffer],
  ['txRequest', MESSAGES.txRequest, txRequest],
  ['txResponse', MESSAGES.txResponse, txResponse]
]
