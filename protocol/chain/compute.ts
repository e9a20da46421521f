/**
 * The compute market's chain formats (issue 11, compute-spec "Market"): the tx bodies of the six
 * `compute.*` kinds, their stateless rules, the state records a light node may prove (`model/…`,
 * `job/…`, `worker/…`), job ids, and the JSON the RPC renders. Pure: bodies.ts and state-proof.ts
 * plug these schemas in; browsers and workers build the same transactions.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import type { FieldSpec } from './bodies.js'
import { fromHex, toHex } from '../bytes.js'
import { InvalidInputError } from '../errors.js'

/** Most inputs one job may batch. */
export const MAX_JOB_BATCH = 64
/** Hard cap of a job's input bytes in a body (the ledger's `maxJobInputBytes` may be lower). */
export const MAX_JOB_INPUT_BYTES = 65_536
/** Most layers a model may have (GMM1's layerCount). */
export const MAX_MODEL_LAYERS = 16
/** Most output classes a registered model may declare. */
export const MAX_MODEL_OUTPUTS = 1024
/** RFC 6962 proofs over ≤ 16 leaves have at most 4 aunts. */
export const MAX_COMPUTE_PROOF_AUNTS = 4
/** Verification levels a job may ask for. */
export const JOB_VERIFICATIONS = ['freivalds', 'full'] as const
/** Kinds of a `compute.report` (alignment monitor). */
export const REPORT_KINDS = ['drift', 'disagreement'] as const
/**
 * Job statuses in state (`JobRecord.status` is the index). open → claimed → resulted → paid, or:
 * `slashed` (the worker lost a dispute: fee refunded), `expired` (claimed, no result by the
 * deadline: stake burned, fee refunded), `refunded` (never claimed by the deadline: fee refunded).
 */
export const JOB_STATUSES = ['open', 'claimed', 'resulted', 'paid', 'slashed', 'expired', 'refunded'] as const
/** A job status name. */
export type JobStatus = typeof JOB_STATUSES[number]
/** Numeric status codes (`JobRecord.status`). */
export const JobState = { open: 0, claimed: 1, resulted: 2, paid: 3, slashed: 4, expired: 5, refunded: 6 } as const

/** `compute.model.register`: a model stored in glowmesh (live file `root`), its CID, GMM1 layers root and shape. */
export interface ComputeModelRegisterBody {
  root: Uint8Array, cid: Uint8Array, layersRoot: Uint8Array, inputSize: number, outputSize: number, layerCount: number
  /** outputSize × u16 little-endian permille, summing to 1000 (`encodeDistribution`). */
  referenceDistribution: Uint8Array
}
/** `compute.job.post`: run `batch` inputs (k-major int8, `batch × inputSize` bytes) through the model; the fee is escrowed. */
export interface ComputeJobPostBody { modelRoot: Uint8Array, input: Uint8Array, batch: number, fee: bigint, deadlineBlocks: number, verification: string }
/** `compute.job.claim`: bond `computeStake` and take the job. */
export interface ComputeJobClaimBody { jobId: Uint8Array }
/**
 * `compute.job.result`: the claimant's answer; opens the challenge window. `predictions`: one byte
 * per input. `signature` (optional, 64 B): the worker's ed25519 signature over `resultDigest`
 * (= the result document's `signature`), checked against the tx's key and kept in the job, so a
 * proven job carries the worker's signed commitment to its document.
 */
export interface ComputeJobResultBody { jobId: Uint8Array, traceRoot: Uint8Array, traceCommitment: Uint8Array, predictions: Uint8Array, resultDigest: Uint8Array, signature?: Uint8Array }
/**
 * `compute.job.dispute`: layer `layer` is wrong. `layerBytes` (GMM1, kind byte … last bias byte)
 * with its RFC 6962 aunts (`MerkleProof.aunts`, index = layer, total = the model's layerCount)
 * against the model's layersRoot; `inputEntry` (empty for layer 0: the job's input is used) =
 * trace entry layer−1 with its aunts against the traceCommitment; `claimedEntry` = trace entry
 * `layer` with its aunts. Entries are protocol/compute `encodeTraceEntry` bytes
 * (u32 K | u32 outSize | acc int32 LE | out int8).
 */
export interface ComputeJobDisputeBody {
  jobId: Uint8Array, layer: number, layerBytes: Uint8Array, layerProof: Uint8Array[]
  inputEntry: Uint8Array, inputProof: Uint8Array[], claimedEntry: Uint8Array, claimedProof: Uint8Array[]
}
/** `compute.report` (active validators only): the alignment monitor's verdict on a worker; `score` in permille. */
export interface ComputeReportBody { worker: Uint8Array, modelRoot: Uint8Array, kind: string, score: number }

/** The compute kinds and their bodies (merged into bodies.ts `TxBodies`). */
export interface ComputeTxBodies {
  'compute.model.register': ComputeModelRegisterBody
  'compute.job.post': ComputeJobPostBody
  'compute.job.claim': ComputeJobClaimBody
  'compute.job.result': ComputeJobResultBody
  'compute.job.dispute': ComputeJobDisputeBody
  'compute.report': ComputeReportBody
}

const H32 = (n: number, name: string): FieldSpec => ({ n, name, type: 'bytes', len: 32 })
const AUNTS = (n: number, name: string): FieldSpec => ({ n, name, type: 'bytes', len: 32, repeated: true })
const BIG_BYTES = 1_048_576

/** Body schemas of the compute kinds. */
export const COMPUTE_SCHEMAS: { [K in keyof ComputeTxBodies]: FieldSpec[] } = {
  'compute.model.register': [
    H32(1, 'root'), { n: 2, name: 'cid', type: 'bytes', max: 64 }, H32(3, 'layersRoot'), { n: 4, name: 'inputSize', type: 'num' },
    { n: 5, name: 'outputSize', type: 'num' }, { n: 6, name: 'layerCount', type: 'num' }, { n: 7, name: 'referenceDistribution', type: 'bytes', max: 2 * MAX_MODEL_OUTPUTS }
  ],
  'compute.job.post': [
    H32(1, 'modelRoot'), { n: 2, name: 'input', type: 'bytes', max: MAX_JOB_INPUT_BYTES }, { n: 3, name: 'batch', type: 'num' },
    { n: 4, name: 'fee', type: 'big' }, { n: 5, name: 'deadlineBlocks', type: 'num' }, { n: 6, name: 'verification', type: 'string', max: 16 }
  ],
  'compute.job.claim': [H32(1, 'jobId')],
  'compute.job.result': [
    H32(1, 'jobId'), H32(2, 'traceRoot'), H32(3, 'traceCommitment'), { n: 4, name: 'predictions', type: 'bytes', max: MAX_JOB_BATCH }, H32(5, 'resultDigest'),
    { n: 6, name: 'signature', type: 'bytes', len: 64, optional: true }
  ],
  'compute.job.dispute': [
    H32(1, 'jobId'), { n: 2, name: 'layer', type: 'num' }, { n: 3, name: 'layerBytes', type: 'bytes', max: BIG_BYTES }, AUNTS(4, 'layerProof'),
    { n: 5, name: 'inputEntry', type: 'bytes', max: BIG_BYTES }, AUNTS(6, 'inputProof'), { n: 7, name: 'claimedEntry', type: 'bytes', max: BIG_BYTES }, AUNTS(8, 'claimedProof')
  ],
  'compute.report': [{ n: 1, name: 'worker', type: 'bytes', len: 20 }, H32(2, 'modelRoot'), { n: 3, name: 'kind', type: 'string', max: 16 }, { n: 4, name: 'score', type: 'num' }]
}

/** Stateless rules of the compute bodies (beyond the wire shape); `fail` throws MalformedBodyError. */
export function checkComputeSemantics (kind: keyof ComputeTxBodies, b: any, fail: (m: string) => never): void {
  switch (kind) {
    case 'compute.model.register': {
      if (b.inputSize < 1) fail('compute.model.register.inputSize must be positive')
      if (b.outputSize < 1 || b.outputSize > MAX_MODEL_OUTPUTS) fail(`compute.model.register.outputSize must be 1..${MAX_MODEL_OUTPUTS}`)
      if (b.layerCount < 1 || b.layerCount > MAX_MODEL_LAYERS) fail(`compute.model.register.layerCount must be 1..${MAX_MODEL_LAYERS}`)
      if (b.referenceDistribution.length !== 2 * b.outputSize) fail(`compute.model.register.referenceDistribution: expected ${b.outputSize} u16 values`)
      const sum = decodeDistribution(b.referenceDistribution).reduce((s, x) => s + x, 0)
      if (sum !== 1000) fail(`compute.model.register.referenceDistribution sums to ${sum}, not 1000`)
      break
    }
    case 'compute.job.post':
      if (b.batch < 1 || b.batch > MAX_JOB_BATCH) fail(`compute.job.post.batch must be 1..${MAX_JOB_BATCH}`)
      if (b.input.length < 1 || b.input.length % b.batch !== 0) fail('compute.job.post.input must be batch × inputSize bytes')
      if (b.fee === 0n) fail('compute.job.post.fee must be positive')
      if (b.deadlineBlocks < 1) fail('compute.job.post.deadlineBlocks must be positive')
      if (!(JOB_VERIFICATIONS as readonly string[]).includes(b.verification)) fail(`compute.job.post.verification must be one of ${JOB_VERIFICATIONS.join(', ')}`)
      break
    case 'compute.job.result':
      if (b.predictions.length < 1) fail('compute.job.result.predictions is required')
      break
    case 'compute.job.dispute':
      if (b.layer >= MAX_MODEL_LAYERS) fail(`compute.job.dispute.layer must be below ${MAX_MODEL_LAYERS}`)
      if (b.layerBytes.length < 1 || b.claimedEntry.length < 1) fail('compute.job.dispute needs layerBytes and claimedEntry')
      if ((b.layer === 0) !== (b.inputEntry.length === 0)) fail('compute.job.dispute.inputEntry: empty exactly for layer 0 (the job input is used)')
      if (b.layer === 0 && b.inputProof.length > 0) fail('compute.job.dispute.inputProof must be empty for layer 0')
      for (const p of [b.layerProof, b.inputProof, b.claimedProof]) if (p.length > MAX_COMPUTE_PROOF_AUNTS) fail(`compute.job.dispute: a proof has more than ${MAX_COMPUTE_PROOF_AUNTS} aunts`)
      break
    case 'compute.report':
      if (!(REPORT_KINDS as readonly string[]).includes(b.kind)) fail(`compute.report.kind must be one of ${REPORT_KINDS.join(', ')}`)
      if (b.score > 1000) fail('compute.report.score is permille (0..1000)')
      break
  }
}

/**
 * u16 little-endian permille values (a model's reference class distribution).
 * @example encodeDistribution([500, 500]) // 4 bytes
 */
export function encodeDistribution (permille: number[]): Uint8Array {
  const out = new Uint8Array(2 * permille.length)
  permille.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0 || v > 1000) throw new InvalidInputError(`distribution[${i}]: expected an integer permille 0..1000`)
    out[2 * i] = v & 0xff; out[2 * i + 1] = v >> 8
  })
  return out
}

/** Inverse of encodeDistribution. @example decodeDistribution(encodeDistribution([1000])) // [1000] */
export function decodeDistribution (bytes: Uint8Array): number[] {
  const out: number[] = []
  for (let i = 0; i + 1 < bytes.length; i += 2) out.push(bytes[i] | (bytes[i + 1] << 8))
  return out
}

/**
 * A job's id: sha256(sender's 20-byte address ‖ the post tx's nonce as u64 big-endian).
 * @example computeJobId('0x3f…', 4n) // 32 bytes
 */
export function computeJobId (sender: string, nonce: bigint): Uint8Array {
  const b = new Uint8Array(28)
  b.set(fromHex(sender, 20))
  new DataView(b.buffer).setBigUint64(20, nonce, false)
  return sha256(b)
}

// ---- state records (proven by light nodes; keys in state-proof.ts stateKeys.model/job/worker) ----

/** `model/<0x root>`: a registered model. */
export interface ModelRecord {
  owner: Uint8Array, cid: Uint8Array, layersRoot: Uint8Array, inputSize: number, outputSize: number, layerCount: number
  referenceDistribution: Uint8Array, registeredHeight: number
}
/**
 * `job/<0x id>`: a job and its lifecycle. `status` indexes JOB_STATUSES. Worker fields are empty
 * / 0 until claimed, result fields until resulted. `challengeEnd`: last height a dispute may land.
 * `disputes`: disputes that failed against it (honest layers).
 */
export interface JobRecord {
  owner: Uint8Array, modelRoot: Uint8Array, input: Uint8Array, batch: number, fee: bigint, verification: string
  postedHeight: number, deadlineHeight: number, status: number, worker: Uint8Array, stake: bigint, claimHeight: number
  traceRoot: Uint8Array, traceCommitment: Uint8Array, predictions: Uint8Array, resultDigest: Uint8Array, resultHeight: number
  challengeEnd: number, finishedHeight: number, disputes: number, disputer: Uint8Array
  /** The worker's ed25519 signature over resultDigest (empty when the result carried none) and its public key; absent = empty. */
  signature?: Uint8Array, workerKey?: Uint8Array
}
/** `worker/<0x address>`: a worker's record. `reputation` may go negative; `flagged` = 1 after a report. */
export interface WorkerRecord {
  jobsDone: number, disputesLost: number, disputesWon: number, missed: number, reputation: number, flagged: number, reports: number
  earned: bigint, slashed: bigint
}

const opt20 = (n: number, name: string): FieldSpec => ({ n, name, type: 'bytes', len: 20, optional: true })
const opt32 = (n: number, name: string): FieldSpec => ({ n, name, type: 'bytes', len: 32, optional: true })

/** Record schemas (merged into state-proof.ts RECORD_SCHEMAS). The worker's reputation is zigzag-encoded (`reputationZ`). */
export const COMPUTE_RECORD_SCHEMAS = {
  model: [
    { n: 1, name: 'owner', type: 'bytes', len: 20 }, { n: 2, name: 'cid', type: 'bytes', max: 64 }, H32(3, 'layersRoot'),
    { n: 4, name: 'inputSize', type: 'num' }, { n: 5, name: 'outputSize', type: 'num' }, { n: 6, name: 'layerCount', type: 'num' },
    { n: 7, name: 'referenceDistribution', type: 'bytes', max: 2 * MAX_MODEL_OUTPUTS }, { n: 8, name: 'registeredHeight', type: 'num' }
  ] as FieldSpec[],
  job: [
    { n: 1, name: 'owner', type: 'bytes', len: 20 }, H32(2, 'modelRoot'), { n: 3, name: 'input', type: 'bytes', max: MAX_JOB_INPUT_BYTES },
    { n: 4, name: 'batch', type: 'num' }, { n: 5, name: 'fee', type: 'big' }, { n: 6, name: 'verification', type: 'string', max: 16 },
    { n: 7, name: 'postedHeight', type: 'num' }, { n: 8, name: 'deadlineHeight', type: 'num' }, { n: 9, name: 'status', type: 'num' },
    opt20(10, 'worker'), { n: 11, name: 'stake', type: 'big' }, { n: 12, name: 'claimHeight', type: 'num' },
    opt32(13, 'traceRoot'), opt32(14, 'traceCommitment'), { n: 15, name: 'predictions', type: 'bytes', max: MAX_JOB_BATCH },
    opt32(16, 'resultDigest'), { n: 17, name: 'resultHeight', type: 'num' }, { n: 18, name: 'challengeEnd', type: 'num' },
    { n: 19, name: 'finishedHeight', type: 'num' }, { n: 20, name: 'disputes', type: 'num' }, opt20(21, 'disputer'),
    { n: 22, name: 'signature', type: 'bytes', len: 64, optional: true }, opt32(23, 'workerKey')
  ] as FieldSpec[],
  worker: [
    { n: 1, name: 'jobsDone', type: 'num' }, { n: 2, name: 'disputesLost', type: 'num' }, { n: 3, name: 'disputesWon', type: 'num' },
    { n: 4, name: 'missed', type: 'num' }, { n: 5, name: 'reputationZ', type: 'num' }, { n: 6, name: 'flagged', type: 'num' },
    { n: 7, name: 'reports', type: 'num' }, { n: 8, name: 'earned', type: 'big' }, { n: 9, name: 'slashed', type: 'big' }
  ] as FieldSpec[]
}

/** A worker with no record yet. */
export const EMPTY_WORKER: WorkerRecord = { jobsDone: 0, disputesLost: 0, disputesWon: 0, missed: 0, reputation: 0, flagged: 0, reports: 0, earned: 0n, slashed: 0n }

/** WorkerRecord → its wire object (zigzag reputation). @example workerToWire(EMPTY_WORKER) */
export function workerToWire (w: WorkerRecord): Record<string, unknown> {
  const { reputation, ...rest } = w
  if (!Number.isSafeInteger(reputation) || Math.abs(reputation) > 2 ** 50) throw new InvalidInputError('worker.reputation: expected a safe integer')
  return { ...rest, reputationZ: reputation >= 0 ? 2 * reputation : -2 * reputation - 1 }
}

/** Wire object → WorkerRecord. @example workerFromWire({ reputationZ: 3, … }).reputation // -2 */
export function workerFromWire (o: any): WorkerRecord {
  const { reputationZ, ...rest } = o
  return { ...rest, reputation: reputationZ % 2 === 0 ? reputationZ / 2 : -(reputationZ + 1) / 2 }
}

const b64 = (b: Uint8Array): string => {
  let s = ''
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000))
  return btoa(s)
}
const hexOrNull = (b: Uint8Array): string | null => b.length === 0 ? null : toHex(b)

/**
 * The JSON the RPC answers for a job (bigints as decimal strings). `input` (base64) only when asked.
 * @example jobJson(id, record, { input: true }).status // 'open'
 */
export function jobJson (id: Uint8Array, j: JobRecord, o: { input?: boolean } = {}): Record<string, unknown> {
  return {
    id: toHex(id),
    status: JOB_STATUSES[j.status] ?? `unknown(${j.status})`,
    owner: toHex(j.owner),
    modelRoot: toHex(j.modelRoot),
    batch: j.batch,
    inputBytes: j.input.length,
    ...(o.input === true ? { input: b64(j.input) } : {}),
    fee: j.fee.toString(),
    verification: j.verification,
    postedHeight: j.postedHeight,
    deadlineHeight: j.deadlineHeight,
    worker: hexOrNull(j.worker),
    stake: j.stake.toString(),
    claimHeight: j.claimHeight === 0 ? null : j.claimHeight,
    result: j.resultHeight === 0
      ? null
      : {
          traceRoot: toHex(j.traceRoot), traceCommitment: toHex(j.traceCommitment), predictions: [...j.predictions], resultDigest: toHex(j.resultDigest),
          height: j.resultHeight, challengeEnd: j.challengeEnd, signature: (j.signature?.length ?? 0) === 0 ? null : b64(j.signature!), publicKey: (j.workerKey?.length ?? 0) === 0 ? null : b64(j.workerKey!)
        },
    finishedHeight: j.finishedHeight === 0 ? null : j.finishedHeight,
    disputes: j.disputes,
    disputer: hexOrNull(j.disputer)
  }
}

/** The JSON the RPC answers for a model. @example modelJson(root, record).layerCount */
export function modelJson (root: Uint8Array, m: ModelRecord, cidText?: string): Record<string, unknown> {
  return {
    root: toHex(root), cid: cidText ?? toHex(m.cid), owner: toHex(m.owner), layersRoot: toHex(m.layersRoot), inputSize: m.inputSize,
    outputSize: m.outputSize, layerCount: m.layerCount, referenceDistribution: decodeDistribution(m.referenceDistribution), registeredHeight: m.registeredHeight
  }
}

/** The JSON the RPC answers for a worker. @example workerJson('0x…', EMPTY_WORKER).reputation // 0 */
export function workerJson (address: string, w: WorkerRecord): Record<string, unknown> {
  return { address, ...w, flagged: w.flagged === 1, earned: w.earned.toString(), slashed: w.slashed.toString() }
}
