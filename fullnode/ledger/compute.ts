/**
 * The compute market in the ledger (compute-spec "Market", README.md "Compute market"): models,
 * jobs with escrowed fees, claims with stakes, results with a challenge window, disputes judged by
 * re-executing one layer on the CPU (protocol/compute), validators' reports, and the settlement in
 * beginBlock. Deterministic: everything comes from tx bytes and state; lists are kept in order.
 */
import type { Event } from 'cosmjs-types/tendermint/abci/types'
import { equalBytes, fromHex, toHex } from '../../protocol/bytes.js'
import { stateKeys, encodeRecord, decodeRecord } from '../../protocol/chain/state-proof.js'
import {
  computeJobId, jobJson, modelJson, EMPTY_WORKER, JobState, JOB_STATUSES, type ComputeTxBodies, type JobRecord, type ModelRecord, type WorkerRecord
} from '../../protocol/chain/compute.js'
import { merkleLeafHash, type MerkleProof } from '../../protocol/chain/merkle.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import {
  decodeLayer, runLayer, argmaxRows, decodeTraceEntry, verifyModelLayer, verifyTraceEntry, verifyDisputedLayer, traceEntryLeaf, type DenseLayer, type TraceEntry
} from '../../protocol/compute/index.js'
import { TxCode, TxFail, ev, type BlockContext } from './ledger.js'
import { ledgerKeys, Records } from './records.js'
import type { LedgerParams } from './params.js'
import type { Overlay } from './overlay.js'
import type { KvReader } from './state.js'

/** Reputation change when a job is paid, a dispute is lost, a deadline is missed, a report lands. */
export const REPUTATION = { paid: 1, disputeLost: -10, missed: -5, reported: -10 } as const

/** A compute tx as the ledger hands it over (decoded and signature-checked). */
export interface ComputeTx { kind: keyof ComputeTxBodies, body: any, sender: string, nonce: bigint, publicKey: Uint8Array }

const td = new TextDecoder()
const key = (b: Uint8Array): string => td.decode(b)
const fail = (code: TxCode, message: string): never => { throw new TxFail(code, message) }
const w = (r: Records): Overlay => r.kv as Overlay

/** Status group of a job (the RPC's listings): open, claimed, resulted, or done. */
export function statusGroup (status: number): 'open' | 'claimed' | 'resulted' | 'done' {
  return status === JobState.open ? 'open' : status === JobState.claimed ? 'claimed' : status === JobState.resulted ? 'resulted' : 'done'
}

// ---- typed state access ----

async function model (kv: KvReader, root: string): Promise<ModelRecord | null> {
  const v = await kv.get(key(stateKeys.model(root)))
  return v === null ? null : decodeRecord('model', v)
}
async function job (kv: KvReader, id: string): Promise<JobRecord | null> {
  const v = await kv.get(key(stateKeys.job(id)))
  return v === null ? null : decodeRecord('job', v)
}
async function worker (kv: KvReader, address: string): Promise<WorkerRecord> {
  const v = await kv.get(key(stateKeys.worker(address)))
  return v === null ? { ...EMPTY_WORKER } : decodeRecord('worker', v)
}
const setJob = (r: Records, id: string, j: JobRecord): void => { w(r).set(key(stateKeys.job(id)), encodeRecord('job', j)) }
const setWorker = (r: Records, address: string, x: WorkerRecord): void => { w(r).set(key(stateKeys.worker(address)), encodeRecord('worker', x)) }

async function listAdd (r: Records, k: string, item: Uint8Array): Promise<void> { r.setRoots(k, [...await r.roots(k), item]) }
async function listRemove (r: Records, k: string, item: Uint8Array): Promise<void> { r.setRoots(k, (await r.roots(k)).filter((x) => !equalBytes(x, item))) }

async function debit (r: Records, address: string, amount: bigint, what: string): Promise<void> {
  const a = await r.account(address)
  if (a.balance < amount) fail(TxCode.INSUFFICIENT_FUNDS, `balance ${a.balance} cannot pay ${what} ${amount}`)
  r.setAccount(address, { ...a, balance: a.balance - amount })
}

async function burn (r: Records, amount: bigint): Promise<void> {
  if (amount > 0n) r.setAmount(ledgerKeys.supply, await r.amount(ledgerKeys.supply) - amount)
}

/** Moves a job to its final status: index → done, prune later, finishedHeight set. */
async function finish (r: Records, id: Uint8Array, j: JobRecord, status: number, height: number, p: LedgerParams): Promise<void> {
  await listRemove(r, ledgerKeys.computeIndex(statusGroup(j.status)), id)
  await listAdd(r, ledgerKeys.computeIndex('done'), id)
  await listAdd(r, ledgerKeys.computePrune(height + p.computeJobRetentionBlocks), id)
  j.status = status
  j.finishedHeight = height
  setJob(r, toHex(id), j)
}

async function updateWorker (r: Records, address: string, f: (x: WorkerRecord) => void): Promise<WorkerRecord> {
  const x = await worker(r.kv, address)
  f(x)
  setWorker(r, address, x)
  return x
}

// ---- transactions ----

/**
 * Executes one `compute.*` tx; throws TxFail with a TxCode when it fails.
 * @example events.push(...await computeTx(records, { kind, body, sender, nonce, publicKey }, ctx, params))
 */
export async function computeTx (r: Records, t: ComputeTx, ctx: BlockContext, p: LedgerParams): Promise<Event[]> {
  switch (t.kind) {
    case 'compute.model.register': return await register(r, t, ctx)
    case 'compute.job.post': return await post(r, t, ctx, p)
    case 'compute.job.claim': return await claim(r, t, ctx, p)
    case 'compute.job.result': return await result(r, t, ctx, p)
    case 'compute.job.dispute': return await dispute(r, t, ctx, p)
    case 'compute.report': return await report(r, t)
  }
}

async function register (r: Records, t: ComputeTx, ctx: BlockContext): Promise<Event[]> {
  const b = t.body as ComputeTxBodies['compute.model.register']
  const root = toHex(b.root)
  const f = await r.file(root)
  if (f === null) fail(TxCode.FILE_NOT_FOUND, `no stored file ${root}: upload the model first`)
  if (f!.expired !== 0) fail(TxCode.FILE_EXPIRED, `file ${root} expired at epoch ${f!.expiryEpoch}`)
  if (await model(r.kv, root) !== null) fail(TxCode.MODEL_EXISTS, `model ${root} is already registered`)
  // The CID is the file's own (storage.submit) unless the file declared none.
  if (b.cid.length > 0 && f!.cid.length > 0 && !equalBytes(b.cid, f!.cid)) fail(TxCode.BAD_INPUT, `cid differs from the one file ${root} declared`)
  const cid = b.cid.length > 0 ? b.cid : f!.cid
  const m: ModelRecord = {
    owner: fromHex(t.sender, 20), cid, layersRoot: b.layersRoot, inputSize: b.inputSize, outputSize: b.outputSize, layerCount: b.layerCount,
    referenceDistribution: b.referenceDistribution, registeredHeight: ctx.height
  }
  w(r).set(key(stateKeys.model(root)), encodeRecord('model', m))
  await listAdd(r, ledgerKeys.computeModels, b.root)
  return [ev('compute.model.register', { root, owner: t.sender, layersRoot: toHex(b.layersRoot), inputSize: b.inputSize, outputSize: b.outputSize, layerCount: b.layerCount })]
}

async function post (r: Records, t: ComputeTx, ctx: BlockContext, p: LedgerParams): Promise<Event[]> {
  const b = t.body as ComputeTxBodies['compute.job.post']
  const root = toHex(b.modelRoot)
  const m = await model(r.kv, root)
  if (m === null) fail(TxCode.MODEL_NOT_FOUND, `no registered model ${root}`)
  if (b.input.length > p.maxJobInputBytes) fail(TxCode.BAD_INPUT, `input of ${b.input.length} bytes exceeds ${p.maxJobInputBytes}`)
  if (b.input.length !== b.batch * m!.inputSize) fail(TxCode.BAD_INPUT, `input is ${b.input.length} bytes, batch ${b.batch} × inputSize ${m!.inputSize} = ${b.batch * m!.inputSize}`)
  if (b.deadlineBlocks > p.maxJobDeadlineBlocks) fail(TxCode.BAD_INPUT, `deadline of ${b.deadlineBlocks} blocks exceeds ${p.maxJobDeadlineBlocks}`)
  await debit(r, t.sender, b.fee, 'job fee')
  const id = computeJobId(t.sender, t.nonce)
  const deadlineHeight = ctx.height + b.deadlineBlocks
  const j: JobRecord = {
    owner: fromHex(t.sender, 20), modelRoot: b.modelRoot, input: b.input, batch: b.batch, fee: b.fee, verification: b.verification,
    postedHeight: ctx.height, deadlineHeight, status: JobState.open, worker: new Uint8Array(), stake: 0n, claimHeight: 0,
    traceRoot: new Uint8Array(), traceCommitment: new Uint8Array(), predictions: new Uint8Array(), resultDigest: new Uint8Array(), resultHeight: 0,
    challengeEnd: 0, finishedHeight: 0, disputes: 0, disputer: new Uint8Array(), signature: new Uint8Array(), workerKey: new Uint8Array()
  }
  setJob(r, toHex(id), j)
  await listAdd(r, ledgerKeys.computeIndex('open'), id)
  await listAdd(r, ledgerKeys.computeDue(deadlineHeight + 1), id)
  return [ev('compute.job.post', { jobId: toHex(id), owner: t.sender, modelRoot: root, batch: b.batch, fee: b.fee, deadlineHeight, verification: b.verification })]
}

async function liveJob (r: Records, jobId: Uint8Array): Promise<JobRecord> {
  const j = await job(r.kv, toHex(jobId))
  if (j === null) fail(TxCode.JOB_NOT_FOUND, `no job ${toHex(jobId)} (unknown or pruned)`)
  return j!
}

async function claim (r: Records, t: ComputeTx, ctx: BlockContext, p: LedgerParams): Promise<Event[]> {
  const b = t.body as ComputeTxBodies['compute.job.claim']
  const j = await liveJob(r, b.jobId)
  if (j.status === JobState.refunded || ctx.height > j.deadlineHeight) fail(TxCode.JOB_EXPIRED, `job ${toHex(b.jobId)} expired at height ${j.deadlineHeight}`)
  if (j.status !== JobState.open) fail(TxCode.JOB_NOT_OPEN, `job ${toHex(b.jobId)} is ${JOB_STATUSES[j.status]}, not open`)
  await debit(r, t.sender, p.computeStake, 'compute stake')
  await listRemove(r, ledgerKeys.computeIndex('open'), b.jobId)
  await listAdd(r, ledgerKeys.computeIndex('claimed'), b.jobId)
  setJob(r, toHex(b.jobId), { ...j, status: JobState.claimed, worker: fromHex(t.sender, 20), stake: p.computeStake, claimHeight: ctx.height })
  return [ev('compute.job.claim', { jobId: toHex(b.jobId), worker: t.sender, stake: p.computeStake, deadlineHeight: j.deadlineHeight })]
}

async function result (r: Records, t: ComputeTx, ctx: BlockContext, p: LedgerParams): Promise<Event[]> {
  const b = t.body as ComputeTxBodies['compute.job.result']
  const j = await liveJob(r, b.jobId)
  if (j.status === JobState.expired) fail(TxCode.JOB_EXPIRED, `job ${toHex(b.jobId)} expired at height ${j.deadlineHeight}; the stake was slashed`)
  if (j.status !== JobState.claimed) fail(TxCode.JOB_NOT_CLAIMED, `job ${toHex(b.jobId)} is ${JOB_STATUSES[j.status]}, not claimed`)
  if (toHex(j.worker) !== t.sender) fail(TxCode.NOT_CLAIMANT, `job ${toHex(b.jobId)} was claimed by ${toHex(j.worker)}`)
  if (ctx.height > j.deadlineHeight) fail(TxCode.JOB_EXPIRED, `job ${toHex(b.jobId)} expired at height ${j.deadlineHeight}`)
  const m = (await model(r.kv, toHex(j.modelRoot)))!
  if (b.predictions.length !== j.batch) fail(TxCode.BAD_RESULT, `${b.predictions.length} predictions for a batch of ${j.batch}`)
  const bad = b.predictions.findIndex((x) => x >= m.outputSize)
  if (bad >= 0) fail(TxCode.BAD_RESULT, `prediction ${bad} is ${b.predictions[bad]}, the model has ${m.outputSize} outputs`)
  const signature = b.signature ?? new Uint8Array()
  if (signature.length > 0 && !ed25519.verify(signature, b.resultDigest, t.publicKey, { zip215: true })) fail(TxCode.BAD_RESULT, 'signature does not verify over resultDigest under the worker\'s key')
  const challengeEnd = ctx.height + p.computeChallengeBlocks
  await listRemove(r, ledgerKeys.computeIndex('claimed'), b.jobId)
  await listAdd(r, ledgerKeys.computeIndex('resulted'), b.jobId)
  await listAdd(r, ledgerKeys.computeDue(challengeEnd + 1), b.jobId)
  setJob(r, toHex(b.jobId), {
    ...j, status: JobState.resulted, traceRoot: b.traceRoot, traceCommitment: b.traceCommitment, predictions: b.predictions,
    resultDigest: b.resultDigest, resultHeight: ctx.height, challengeEnd, signature, workerKey: t.publicKey
  })
  return [ev('compute.job.result', {
    jobId: toHex(b.jobId), worker: t.sender, traceRoot: toHex(b.traceRoot), traceCommitment: toHex(b.traceCommitment),
    resultDigest: toHex(b.resultDigest), predictions: [...b.predictions].join(','), challengeEnd
  })]
}

async function dispute (r: Records, t: ComputeTx, ctx: BlockContext, p: LedgerParams): Promise<Event[]> {
  const b = t.body as ComputeTxBodies['compute.job.dispute']
  const id = toHex(b.jobId)
  const j = await liveJob(r, b.jobId)
  if (j.status !== JobState.resulted || ctx.height > j.challengeEnd) fail(TxCode.WINDOW_CLOSED, `job ${id} is ${JOB_STATUSES[j.status]}${j.status === JobState.resulted ? `, its window closed at ${j.challengeEnd}` : ''}: nothing to dispute`)
  const workerAddr = toHex(j.worker)
  if (t.sender === workerAddr) fail(TxCode.UNAUTHORIZED, 'a worker cannot dispute its own result')
  const m = (await model(r.kv, toHex(j.modelRoot)))!
  const verdict = judgeDispute(m, j, b)
  if ('evidence' in verdict) fail(TxCode.BAD_EVIDENCE, `layer ${b.layer}: ${verdict.evidence}`)
  await debit(r, t.sender, p.disputeBond, 'dispute bond')
  const base = { jobId: id, layer: b.layer, disputer: t.sender, worker: workerAddr }
  if (!(verdict as { wrong: boolean }).wrong) {
    // The layer was right: the bond pays the worker for the trouble; the result stands.
    await r.credit(workerAddr, p.disputeBond)
    setJob(r, id, { ...j, disputes: j.disputes + 1 })
    await updateWorker(r, workerAddr, (x) => { x.disputesWon++; x.earned += p.disputeBond })
    return [ev('compute.job.dispute', { ...base, outcome: 'worker-right', detail: (verdict as { detail: string }).detail, bondTo: workerAddr, bond: p.disputeBond })]
  }
  // The worker was wrong: its stake is slashed (a share to the disputer, the rest burned), the fee goes back.
  const toDisputer = j.stake * BigInt(p.disputeRewardShareBps) / 10_000n
  const burned = j.stake - toDisputer
  await r.credit(t.sender, p.disputeBond + toDisputer)
  await r.credit(toHex(j.owner), j.fee)
  await burn(r, burned)
  await finish(r, b.jobId, { ...j, disputer: fromHex(t.sender, 20) }, JobState.slashed, ctx.height, p)
  await updateWorker(r, workerAddr, (x) => { x.disputesLost++; x.reputation += REPUTATION.disputeLost; x.slashed += j.stake })
  return [
    ev('compute.job.dispute', { ...base, outcome: 'worker-wrong', detail: (verdict as { detail: string }).detail, bond: p.disputeBond }),
    ev('compute.slash', { jobId: id, worker: workerAddr, amount: j.stake, toDisputer, burned, reason: 'dispute' }),
    ev('compute.refund', { jobId: id, to: toHex(j.owner), amount: j.fee })
  ]
}

async function report (r: Records, t: ComputeTx): Promise<Event[]> {
  const b = t.body as ComputeTxBodies['compute.report']
  const v = (await r.validators()).find((x) => equalBytes(x.publicKey, t.publicKey))
  if (v === undefined || v.power === 0n) fail(TxCode.NOT_A_VALIDATOR, `reporter ${t.sender} is not an active validator`)
  if (await model(r.kv, toHex(b.modelRoot)) === null) fail(TxCode.MODEL_NOT_FOUND, `no registered model ${toHex(b.modelRoot)}`)
  const address = toHex(b.worker)
  const x = await updateWorker(r, address, (x) => { x.reputation += REPUTATION.reported; x.flagged = 1; x.reports++ })
  return [ev('compute.report', { worker: address, modelRoot: toHex(b.modelRoot), kind: b.kind, score: b.score, reporter: t.sender, reputation: x.reputation })]
}

// ---- disputes ----

/** The verdict on a dispute: `{ evidence }` = the evidence does not prove anything (BAD_EVIDENCE). */
export type DisputeVerdict = { wrong: boolean, detail: string } | { evidence: string }

const proofOf = (index: number, total: number, leaf: Uint8Array, aunts: Uint8Array[]): MerkleProof => ({ index, total, leafHash: merkleLeafHash(leaf), aunts })

/**
 * Judges a dispute (pure, CPU): checks the layer against the model's layersRoot and both trace
 * entries against the job's traceCommitment, re-executes the layer (protocol/compute runLayer)
 * and compares acc and out exactly; on the last layer the posted predictions must also be the
 * argmax of the committed accumulators.
 * @example const v = judgeDispute(model, job, body); if ('evidence' in v) reject(v.evidence)
 */
export function judgeDispute (m: ModelRecord, j: JobRecord, b: ComputeTxBodies['compute.job.dispute']): DisputeVerdict {
  const l = b.layer
  const K = j.batch
  if (l >= m.layerCount) return { evidence: `the model has ${m.layerCount} layers` }
  if (!verifyModelLayer(m.layersRoot, l, b.layerBytes, proofOf(l, m.layerCount, sha256(b.layerBytes), b.layerProof))) return { evidence: 'layer bytes are not in the model\'s layersRoot' }
  let layer: DenseLayer
  try { layer = decodeLayer(b.layerBytes) } catch (err) { return { evidence: `layer does not decode: ${(err as Error).message}` } }
  let X: Int8Array
  if (l === 0) {
    if (layer.inSize !== m.inputSize) return { evidence: `layer 0 takes ${layer.inSize} inputs, the model ${m.inputSize}` }
    X = new Int8Array(j.input.buffer, j.input.byteOffset, j.input.length)
  } else {
    const prev = entry(b.inputEntry, K, layer.inSize, 'input entry')
    if (typeof prev === 'string') return { evidence: prev }
    if (!verifyTraceEntry(j.traceCommitment, l - 1, prev, proofOf(l - 1, m.layerCount, traceEntryLeaf(l - 1, prev), b.inputProof))) return { evidence: `trace entry ${l - 1} is not in the job's traceCommitment` }
    X = prev.out
  }
  const claimed = entry(b.claimedEntry, K, layer.outSize, 'claimed entry')
  if (typeof claimed === 'string') return { evidence: claimed }
  if (!verifyTraceEntry(j.traceCommitment, l, claimed, proofOf(l, m.layerCount, traceEntryLeaf(l, claimed), b.claimedProof))) return { evidence: `trace entry ${l} is not in the job's traceCommitment` }
  if (!verifyDisputedLayer(layer, X, claimed)) {
    const again = runLayer(layer, X, K) // only to say where
    const at = again.acc.findIndex((v, i) => v !== claimed.acc[i] || again.out[i] !== claimed.out[i])
    return { wrong: true, detail: `entry ${at}: acc ${claimed.acc[at]} / out ${claimed.out[at]}, re-execution gives ${again.acc[at]} / ${again.out[at]}` }
  }
  if (l === m.layerCount - 1) {
    const want = argmaxRows(claimed.acc, K, layer.outSize)
    const k = want.findIndex((v, i) => v !== j.predictions[i])
    if (k >= 0) return { wrong: true, detail: `prediction ${k} is ${j.predictions[k]}, the committed logits say ${want[k]}` }
  }
  return { wrong: false, detail: `layer ${l} re-executes to the committed entry` }
}

function entry (bytes: Uint8Array, K: number, outSize: number, what: string): TraceEntry | string {
  let e: TraceEntry
  try { e = decodeTraceEntry(bytes) } catch (err) { return `${what} does not decode: ${(err as Error).message}` }
  if (e.batch !== K || e.outSize !== outSize) return `${what} is ${e.batch}×${e.outSize}, expected ${K}×${outSize}`
  return e
}

// ---- settlement (beginBlock) ----

/**
 * Settles the jobs due at `height`: a window that passed → the worker is paid (fee + stake back);
 * claimed without a result by the deadline → stake burned, fee refunded; never claimed → fee
 * refunded. Then prunes jobs finished computeJobRetentionBlocks ago.
 * @example events.push(...await settleCompute(records, ctx, params))
 */
export async function settleCompute (r: Records, ctx: BlockContext, p: LedgerParams): Promise<Event[]> {
  const h = ctx.height
  const events: Event[] = []
  const dueKey = ledgerKeys.computeDue(h)
  for (const id of await r.roots(dueKey)) {
    const hex = toHex(id)
    const j = await job(r.kv, hex)
    if (j === null) continue
    const owner = toHex(j.owner)
    const workerAddr = toHex(j.worker)
    if (j.status === JobState.resulted && h > j.challengeEnd) {
      await r.credit(workerAddr, j.fee + j.stake)
      await finish(r, id, j, JobState.paid, h, p)
      await updateWorker(r, workerAddr, (x) => { x.jobsDone++; x.reputation += REPUTATION.paid; x.earned += j.fee })
      events.push(ev('compute.pay', { jobId: hex, worker: workerAddr, fee: j.fee, stake: j.stake }))
    } else if (j.status === JobState.claimed && h > j.deadlineHeight) {
      await r.credit(owner, j.fee)
      await burn(r, j.stake)
      await finish(r, id, j, JobState.expired, h, p)
      await updateWorker(r, workerAddr, (x) => { x.missed++; x.reputation += REPUTATION.missed; x.slashed += j.stake })
      events.push(ev('compute.slash', { jobId: hex, worker: workerAddr, amount: j.stake, toDisputer: 0n, burned: j.stake, reason: 'deadline' }))
      events.push(ev('compute.refund', { jobId: hex, to: owner, amount: j.fee }))
    } else if (j.status === JobState.open && h > j.deadlineHeight) {
      await r.credit(owner, j.fee)
      await finish(r, id, j, JobState.refunded, h, p)
      events.push(ev('compute.refund', { jobId: hex, to: owner, amount: j.fee }))
    }
  }
  r.setRoots(dueKey, [])
  const pruneKey = ledgerKeys.computePrune(h)
  for (const id of await r.roots(pruneKey)) {
    w(r).del(key(stateKeys.job(id)))
    await listRemove(r, ledgerKeys.computeIndex('done'), id)
  }
  r.setRoots(pruneKey, [])
  return events
}

// ---- queries (fullnode/app Query: `/compute/models`, `/compute/jobs/<group>[/<limit>]`) ----

/**
 * JSON listings for the RPC from a state view: `['models']` → every model; `['jobs', status,
 * limit?]` → jobs with that status (or `done`: every finished one), newest first, without inputs.
 * Throws RangeError on a bad path (the app answers BAD_ARGUMENT).
 * @example await computeListing(reader, ['jobs', 'open', '20'])
 */
export async function computeListing (kv: KvReader, parts: string[]): Promise<unknown> {
  const roots = async (k: string): Promise<Uint8Array[]> => await new Records(kv).roots(k)
  if (parts[0] === 'models') {
    const out = []
    for (const root of await roots(ledgerKeys.computeModels)) {
      const m = await model(kv, toHex(root))
      if (m !== null) out.push(modelJson(root, m))
    }
    return { models: out }
  }
  if (parts[0] === 'jobs') {
    const status = parts[1]
    // a group (open, claimed, resulted, done) or one final status (paid, slashed, expired, refunded: filtered from done)
    const final = (JOB_STATUSES as readonly string[]).indexOf(status)
    if (final < 0 && status !== 'done') throw new RangeError(`job status must be done or one of ${JOB_STATUSES.join(', ')}, got '${String(status).slice(0, 20)}'`)
    const limit = parts[2] === undefined ? 50 : Number(parts[2])
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 500) throw new RangeError('limit must be 1..500')
    const group = status === 'done' ? 'done' : statusGroup(final)
    const jobs = []
    for (const id of (await roots(ledgerKeys.computeIndex(group))).reverse()) {
      if (jobs.length >= limit) break
      const j = await job(kv, toHex(id))
      if (j !== null && (status === 'done' || j.status === final)) jobs.push(jobJson(id, j))
    }
    return { status, jobs }
  }
  throw new RangeError(`unknown compute listing '${String(parts[0]).slice(0, 20)}'`)
}
