// The compute market on the real app + LevelDB (temp dir): every tx path and error code, disputes
// judged by re-executing a layer, settlement in beginBlock, pruning, listings, state proofs, and
// a replay on a second app that must reach the same app hash.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sha256 } from '@noble/hashes/sha2.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import { encodeModel, modelLayersRoot, runModel, traceFromRun, traceCommitment, type Model, type Trace } from '../../protocol/compute/index.js'
import { encodeBody, decodeBody, encodeFields, MalformedBodyError } from '../../protocol/chain/bodies.js'
import { COMPUTE_SCHEMAS, computeJobId, encodeDistribution, JobState, type JobRecord, type WorkerRecord, type ModelRecord } from '../../protocol/chain/compute.js'
import { buildDisputeBody } from '../../protocol/chain/compute-dispute.js'
import { decodeRecord, stateKeys, verifyStateProof } from '../../protocol/chain/state-proof.js'
import { toHex, fromHex } from '../../protocol/bytes.js'
import { TxCode } from '../../fullnode/ledger/ledger.js'
import { judgeDispute } from '../../fullnode/ledger/compute.js'
import { Records, ledgerKeys } from '../../fullnode/ledger/records.js'
import type { GlowmeshApp } from '../../fullnode/app/app.js'
import { tempDir, newApp, block, tx, users, validators, faucet, key, addr, balance, testGenesis, type TestKey } from './app/helpers.js'
import { randomModel, randomInput } from './compute-fixtures.js'

const PARAMS = { computeStake: '1000', disputeBond: '500', computeChallengeBlocks: 4, computeJobRetentionBlocks: 6, maxJobDeadlineBlocks: 50, disputeRewardShareBps: 5000 }
const K = 2
const FEE = 10n // tx fee (helpers' default)
const [owner, worker, disputer, other] = users
const poor = key('compute-poor')

type Step = Array<[TestKey, string, any]>

describe('ledger: compute market', () => {
  let app: GlowmeshApp
  const cleanups: Array<() => Promise<void>> = []
  const history: Uint8Array[][] = [] // every block's txs, for the replay
  const model: Model = randomModel([8, 6, 5, 3], 11)
  const modelBytes = encodeModel(model)
  const root = sha256(modelBytes) // a stand-in 0G root: the ledger only needs a live file record
  const input = randomInput(K, 8, 12)
  const honest = runModel(model, input, K)
  const honestTrace: Trace = traceFromRun(honest, K)

  const query = async (path: string) => await app.query({ path, data: new Uint8Array(), height: 0n, prove: true })
  const nonceOf = async (k: TestKey): Promise<bigint> => {
    const r = await app.query({ path: `/account/${k.address}`, data: new Uint8Array(), height: 0n, prove: false })
    return r.value.length === 0 ? 0n : decodeRecord('account', r.value).nonce
  }
  /** One block with these txs (nonces assigned per sender, in order); returns each tx's code, log and events, and the block's events. */
  const run = async (steps: Step) => {
    const next = new Map<string, bigint>()
    const txs: Uint8Array[] = []
    for (const [k, kind, body] of steps) {
      const n = next.get(k.address) ?? await nonceOf(k)
      next.set(k.address, n + 1n)
      txs.push(tx(k, n, kind as any, body))
    }
    history.push(txs)
    const res = await block(app, txs)
    return { results: res.txResults.map((r) => ({ code: r.code, log: r.log, events: r.events })), events: res.events }
  }
  const send = async (k: TestKey, kind: string, body: any) => (await run([[k, kind, body]])).results[0]
  const idle = async (n: number) => { const events = []; for (let i = 0; i < n; i++) events.push(...(await run([])).events); return events }
  /** A proven state entry (verified against the app hash like a light node would). */
  const proven = async (path: string, k: Uint8Array): Promise<Uint8Array | null> => {
    const r = await query(path)
    expect(r.code).toBe(0)
    const v = await verifyStateProof({ appHash: app.state.appHash, key: k, proof: r.proofOps!.ops[0].data })
    expect(v === null ? new Uint8Array() : v).toEqual(r.value)
    return v
  }
  const jobOf = async (id: Uint8Array): Promise<JobRecord | null> => { const v = await proven(`/job/${toHex(id)}`, stateKeys.job(id)); return v === null ? null : decodeRecord('job', v) }
  const workerOf = async (k: TestKey): Promise<WorkerRecord> => decodeRecord('worker', (await proven(`/worker/${k.address}`, stateKeys.worker(k.address)))!)
  const listing = async (path: string): Promise<any> => { const r = await query(path); expect(r.code).toBe(0); return JSON.parse(new TextDecoder().decode(r.value)) }
  const supply = async (): Promise<bigint> => await new Records(app.state.readerAtRoot(app.state.appHash)).amount(ledgerKeys.supply)
  const attr = (events: any[], type: string, k: string): string | undefined => events.find((e) => e.type === type)?.attributes.find((a: any) => a.key === k)?.value
  /** Posts a job for `input`; returns its id. */
  const postJob = async (o: { deadlineBlocks?: number, fee?: bigint } = {}): Promise<Uint8Array> => {
    const n = await nonceOf(owner)
    const r = await send(owner, 'compute.job.post', { modelRoot: root, input: new Uint8Array(input.buffer), batch: K, fee: o.fee ?? 5000n, deadlineBlocks: o.deadlineBlocks ?? 40, verification: 'freivalds' })
    expect(r.code, r.log).toBe(TxCode.OK)
    return computeJobId(owner.address, n)
  }
  const resultBody = (jobId: Uint8Array, trace: Trace, predictions = honest.predictions) => ({
    jobId, traceRoot: sha256(Uint8Array.of(9)), traceCommitment: traceCommitment(trace), predictions: Uint8Array.from(predictions), resultDigest: sha256(Uint8Array.of(8))
  })

  beforeAll(async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    app = await newApp(t.dir, testGenesis(PARAMS))
  })
  afterAll(async () => { await app?.close(); for (const c of cleanups) await c() })

  let job1: Uint8Array
  const shortRoot = sha256(Uint8Array.of(77))

  it('registers a model only over a live stored file, once, with its file\'s CID', async () => {
    const reg = { root, cid: new Uint8Array(), layersRoot: modelLayersRoot(model), inputSize: 8, outputSize: 3, layerCount: 3, referenceDistribution: encodeDistribution([300, 300, 400]) }
    expect((await send(owner, 'compute.model.register', reg)).code).toBe(TxCode.FILE_NOT_FOUND)
    const cidA = Uint8Array.of(1, 0x55, 0x12, 0x20, ...sha256(Uint8Array.of(1)))
    const root2 = sha256(Uint8Array.of(2))
    const sub = await run([
      [owner, 'storage.submit', { root, cid: new Uint8Array(), size: modelBytes.length, durationEpochs: 100 }],
      [owner, 'storage.submit', { root: root2, cid: cidA, size: 1000, durationEpochs: 100 }],
      [other, 'storage.submit', { root: shortRoot, cid: new Uint8Array(), size: 1000, durationEpochs: 1 }]
    ])
    expect(sub.results.map((r) => r.code)).toEqual([0, 0, 0])
    // a distribution that does not sum to 1000 is malformed (stateless)
    expect(() => encodeBody('compute.model.register', { ...reg, referenceDistribution: encodeDistribution([300, 300, 300]) })).toThrow(MalformedBodyError)
    const ok = await send(owner, 'compute.model.register', reg)
    expect(ok.code, ok.log).toBe(TxCode.OK)
    expect(attr(ok.events, 'compute.model.register', 'layersRoot')).toBe(toHex(modelLayersRoot(model)))
    const m: ModelRecord = decodeRecord('model', (await proven(`/model/${toHex(root)}`, stateKeys.model(root)))!)
    expect(m).toMatchObject({ owner: addr(owner), layersRoot: modelLayersRoot(model), inputSize: 8, outputSize: 3, layerCount: 3 })
    expect((await send(other, 'compute.model.register', reg)).code).toBe(TxCode.MODEL_EXISTS)
    // the CID must be the file's own; empty takes the file's
    expect((await send(owner, 'compute.model.register', { ...reg, root: root2, cid: Uint8Array.of(1, 0x55, 0x12, 0x20, ...sha256(Uint8Array.of(3))) })).code).toBe(TxCode.BAD_INPUT)
    expect((await send(owner, 'compute.model.register', { ...reg, root: root2 })).code).toBe(TxCode.OK)
    expect(decodeRecord('model', (await proven(`/model/${toHex(root2)}`, stateKeys.model(root2)))!).cid).toEqual(cidA)
    expect((await listing('/compute/models')).models.map((x: any) => x.root)).toEqual([toHex(root), toHex(root2)])
  })

  it('posts a job: the fee is escrowed, the id is sha256(sender ‖ nonce), the input must fit the model', async () => {
    const body = { modelRoot: root, input: new Uint8Array(input.buffer), batch: K, fee: 5000n, deadlineBlocks: 40, verification: 'freivalds' }
    expect((await send(owner, 'compute.job.post', { ...body, modelRoot: sha256(Uint8Array.of(5)) })).code).toBe(TxCode.MODEL_NOT_FOUND)
    expect((await send(owner, 'compute.job.post', { ...body, input: new Uint8Array(18) })).code).toBe(TxCode.BAD_INPUT)
    expect((await send(owner, 'compute.job.post', { ...body, deadlineBlocks: 51 })).code).toBe(TxCode.BAD_INPUT)
    expect((await send(owner, 'compute.job.post', { ...body, fee: 10n ** 12n })).code).toBe(TxCode.INSUFFICIENT_FUNDS)
    expect(() => encodeBody('compute.job.post', { ...body, verification: 'trust-me' })).toThrow(MalformedBodyError)
    expect(() => encodeBody('compute.job.post', { ...body, batch: 65 })).toThrow(MalformedBodyError)
    const before = await balance(app, owner)
    job1 = await postJob()
    expect(await balance(app, owner)).toBe(before - 5000n - FEE)
    const j = (await jobOf(job1))!
    expect(j).toMatchObject({ status: JobState.open, batch: K, fee: 5000n, owner: addr(owner), verification: 'freivalds' })
    expect(j.input).toEqual(new Uint8Array(input.buffer))
    expect(j.deadlineHeight).toBe(app.state.height + 40)
    expect((await listing('/compute/jobs/open')).jobs.map((x: any) => x.id)).toContain(toHex(job1))
  })

  it('claims bond the stake; a job is claimed once; a poor worker cannot claim', async () => {
    expect((await send(worker, 'compute.job.claim', { jobId: sha256(Uint8Array.of(6)) })).code).toBe(TxCode.JOB_NOT_FOUND)
    expect((await send(faucet, 'transfer', { to: addr(poor), amount: 500n })).code).toBe(TxCode.OK)
    expect((await send(poor, 'compute.job.claim', { jobId: job1 })).code).toBe(TxCode.INSUFFICIENT_FUNDS)
    const before = await balance(app, worker)
    const c = await send(worker, 'compute.job.claim', { jobId: job1 })
    expect(c.code, c.log).toBe(TxCode.OK)
    expect(await balance(app, worker)).toBe(before - 1000n - FEE)
    expect((await send(other, 'compute.job.claim', { jobId: job1 })).code).toBe(TxCode.JOB_NOT_OPEN)
    expect(await jobOf(job1)).toMatchObject({ status: JobState.claimed, worker: addr(worker), stake: 1000n })
  })

  it('results come from the claimant only, with one prediction per input in the model\'s classes', async () => {
    const open = await postJob()
    expect((await send(worker, 'compute.job.result', resultBody(open, honestTrace))).code).toBe(TxCode.JOB_NOT_CLAIMED)
    expect((await send(other, 'compute.job.result', resultBody(job1, honestTrace))).code).toBe(TxCode.NOT_CLAIMANT)
    expect((await send(worker, 'compute.job.result', resultBody(job1, honestTrace, [1]))).code).toBe(TxCode.BAD_RESULT)
    expect((await send(worker, 'compute.job.result', resultBody(job1, honestTrace, [1, 3]))).code).toBe(TxCode.BAD_RESULT)
    // the optional signature over resultDigest must be the claimant's
    const body = resultBody(job1, honestTrace)
    const forged = await send(worker, 'compute.job.result', { ...body, signature: ed25519.sign(body.resultDigest, other.secretKey) })
    expect(forged.code).toBe(TxCode.BAD_RESULT)
    expect(forged.log).toMatch(/signature/)
    const signature = ed25519.sign(body.resultDigest, worker.secretKey)
    const r = await send(worker, 'compute.job.result', { ...body, signature })
    expect(r.code, r.log).toBe(TxCode.OK)
    const j = (await jobOf(job1))!
    expect(j.signature).toEqual(signature)
    expect(j.workerKey).toEqual(worker.publicKey)
    const listed = (await listing('/compute/jobs/resulted')).jobs.find((x: any) => x.id === toHex(job1))
    expect(listed.result).toMatchObject({ signature: Buffer.from(signature).toString('base64'), publicKey: Buffer.from(worker.publicKey).toString('base64') })
    expect(j).toMatchObject({ status: JobState.resulted, resultHeight: app.state.height, challengeEnd: app.state.height + 4, traceCommitment: traceCommitment(honestTrace) })
    expect([...j.predictions]).toEqual(honest.predictions)
    expect((await send(worker, 'compute.job.result', resultBody(job1, honestTrace))).code).toBe(TxCode.JOB_NOT_CLAIMED)
  })

  it('an honest layer disputed: bad evidence is refused, real evidence costs the disputer its bond; then the worker is paid', async () => {
    const good = buildDisputeBody({ jobId: job1, model, trace: honestTrace, layer: 1 })
    const tampered = structuredClone(honestTrace); tampered.layers[1].acc[0] += 1
    const badEntry = buildDisputeBody({ jobId: job1, model, trace: tampered, layer: 1 }) // entry not under the commitment
    const badAunt = { ...good, layerProof: [sha256(Uint8Array.of(1)), ...good.layerProof.slice(1)] }
    const wrongLayer = { ...buildDisputeBody({ jobId: job1, model, trace: honestTrace, layer: 2 }), layerBytes: good.layerBytes }
    const noLayer = { ...good, layer: 3 }
    const dBefore = await balance(app, disputer)
    const wBefore = await balance(app, worker)
    const b = await run([
      [worker, 'compute.job.dispute', good],
      [disputer, 'compute.job.dispute', badEntry],
      [disputer, 'compute.job.dispute', badAunt],
      [disputer, 'compute.job.dispute', wrongLayer],
      [disputer, 'compute.job.dispute', noLayer],
      [disputer, 'compute.job.dispute', good]
    ])
    expect(b.results.map((r) => r.code)).toEqual([TxCode.UNAUTHORIZED, TxCode.BAD_EVIDENCE, TxCode.BAD_EVIDENCE, TxCode.BAD_EVIDENCE, TxCode.BAD_EVIDENCE, TxCode.OK])
    expect(b.results[1].log).toMatch(/traceCommitment/)
    expect(b.results[2].log).toMatch(/layersRoot/)
    expect(attr(b.results[5].events, 'compute.job.dispute', 'outcome')).toBe('worker-right')
    expect(await balance(app, disputer)).toBe(dBefore - 500n - 5n * FEE)
    expect(await balance(app, worker)).toBe(wBefore + 500n - FEE)
    expect(await jobOf(job1)).toMatchObject({ status: JobState.resulted, disputes: 1 })
    // the window (4 blocks after the result) passes: fee + stake to the worker
    const before = await balance(app, worker)
    const events = await idle(4)
    const pay = events.find((e) => e.type === 'compute.pay')!
    expect(pay.attributes.find((a) => a.key === 'jobId')!.value).toBe(toHex(job1))
    expect(await balance(app, worker)).toBe(before + 5000n + 1000n)
    expect(await jobOf(job1)).toMatchObject({ status: JobState.paid })
    expect((await jobOf(job1))!.finishedHeight).toBeGreaterThan(0)
    expect(await workerOf(worker)).toMatchObject({ jobsDone: 1, reputation: 1, disputesWon: 1, earned: 5500n })
    expect((await send(disputer, 'compute.job.dispute', good)).code).toBe(TxCode.WINDOW_CLOSED)
    expect((await listing('/compute/jobs/paid')).jobs.map((x: any) => x.id)).toEqual([toHex(job1)])
  })

  it('a wrong layer disputed with real evidence: the worker is slashed (half to the disputer, half burned), the fee refunded', async () => {
    const id = await postJob()
    expect((await send(worker, 'compute.job.claim', { jobId: id })).code).toBe(TxCode.OK)
    const lying = structuredClone(honestTrace); lying.layers[1].acc[3] -= 7 // committed, so provable
    expect((await send(worker, 'compute.job.result', resultBody(id, lying))).code).toBe(TxCode.OK)
    const oBefore = await balance(app, owner)
    const dBefore = await balance(app, disputer)
    const sBefore = await supply()
    const b = await run([[disputer, 'compute.job.dispute', buildDisputeBody({ jobId: id, model, trace: lying, layer: 1 })]])
    expect(b.results[0].code, b.results[0].log).toBe(TxCode.OK)
    expect(attr(b.results[0].events, 'compute.job.dispute', 'outcome')).toBe('worker-wrong')
    expect(attr(b.results[0].events, 'compute.slash', 'burned')).toBe('500')
    expect(await balance(app, owner)).toBe(oBefore + 5000n)
    expect(await balance(app, disputer)).toBe(dBefore + 500n - FEE)
    const minted = BigInt(attr(b.events, 'mint', 'amount') ?? '0')
    expect(await supply()).toBe(sBefore + minted - 500n)
    expect(await jobOf(id)).toMatchObject({ status: JobState.slashed, disputer: addr(disputer) })
    expect(await workerOf(worker)).toMatchObject({ disputesLost: 1, reputation: -9, slashed: 1000n })
    // nothing is paid out for it later
    const events = await idle(5)
    expect(events.filter((e) => e.type === 'compute.pay')).toEqual([])
    expect((await listing('/compute/jobs/slashed')).jobs[0].disputer).toBe(disputer.address)
  })

  it('the last layer: posted predictions must be the argmax of the committed logits', async () => {
    const id = await postJob()
    expect((await send(worker, 'compute.job.claim', { jobId: id })).code).toBe(TxCode.OK)
    const wrong = honest.predictions.map((p) => (p + 1) % 3)
    expect((await send(worker, 'compute.job.result', resultBody(id, honestTrace, wrong))).code).toBe(TxCode.OK)
    // layer 2's entry re-executes fine, but the posted predictions contradict its accumulators
    const r = await run([
      [other, 'compute.job.dispute', buildDisputeBody({ jobId: id, model, trace: honestTrace, layer: 2 })]
    ])
    expect(attr(r.results[0].events, 'compute.job.dispute', 'outcome')).toBe('worker-wrong')
    expect(attr(r.results[0].events, 'compute.job.dispute', 'detail')).toMatch(/prediction 0/)
    expect((await jobOf(id))!.status).toBe(JobState.slashed)
  })

  it('deadlines: an unclaimed job is refunded, a claimed one without a result expires (stake burned)', async () => {
    const unclaimed = await postJob({ deadlineBlocks: 2 })
    const late = await postJob({ deadlineBlocks: 3 })
    expect((await send(worker, 'compute.job.claim', { jobId: late })).code).toBe(TxCode.OK)
    const oBefore = await balance(app, owner)
    const wBefore = await balance(app, worker)
    const events = await idle(3)
    expect(events.filter((e) => e.type === 'compute.refund').length).toBe(2)
    expect(await balance(app, owner)).toBe(oBefore + 10_000n)
    expect(await balance(app, worker)).toBe(wBefore) // the stake is gone
    expect((await jobOf(unclaimed))!.status).toBe(JobState.refunded)
    expect((await jobOf(late))!.status).toBe(JobState.expired)
    expect((await send(other, 'compute.job.claim', { jobId: unclaimed })).code).toBe(TxCode.JOB_EXPIRED)
    expect((await send(worker, 'compute.job.result', resultBody(late, honestTrace))).code).toBe(TxCode.JOB_EXPIRED)
    expect(await workerOf(worker)).toMatchObject({ missed: 1, disputesLost: 2, reputation: -24 })
  })

  it('reports come from active validators only and flag the worker', async () => {
    const body = { worker: addr(worker), modelRoot: root, kind: 'drift', score: 420 }
    expect(() => encodeBody('compute.report', { ...body, kind: 'vibes' })).toThrow(MalformedBodyError)
    expect((await send(other, 'compute.report', body)).code).toBe(TxCode.NOT_A_VALIDATOR)
    expect((await send(faucet, 'transfer', { to: addr(validators[0]), amount: 10_000n })).code).toBe(TxCode.OK)
    expect((await send(validators[0], 'compute.report', { ...body, modelRoot: sha256(Uint8Array.of(4)) })).code).toBe(TxCode.MODEL_NOT_FOUND)
    const r = await send(validators[0], 'compute.report', body)
    expect(r.code, r.log).toBe(TxCode.OK)
    expect(await workerOf(worker)).toMatchObject({ flagged: 1, reports: 1, reputation: -34 })
  })

  it('finished jobs are pruned computeJobRetentionBlocks after they end; an expired file cannot be registered', async () => {
    expect(await jobOf(job1)).toBeNull()
    expect((await send(other, 'compute.job.claim', { jobId: job1 })).code).toBe(TxCode.JOB_NOT_FOUND)
    expect((await listing('/compute/jobs/done')).jobs.map((x: any) => x.id)).not.toContain(toHex(job1))
    const reg = { root: shortRoot, cid: new Uint8Array(), layersRoot: modelLayersRoot(model), inputSize: 8, outputSize: 3, layerCount: 3, referenceDistribution: encodeDistribution([0, 0, 1000]) }
    expect((await send(other, 'compute.model.register', reg)).code).toBe(TxCode.FILE_EXPIRED)
  })

  it('listing queries check their arguments; bodies break no canonical rule', async () => {
    expect((await query('/compute/jobs/bogus')).code).toBe(2)
    expect((await query('/compute/jobs/open/0')).code).toBe(2)
    expect((await query('/compute/nothing')).code).toBe(2)
    expect((await listing('/compute/jobs/open/1')).jobs.length).toBeLessThanOrEqual(1)
    // a dispute of layer 0 must not carry an input entry (the job input is used)
    const raw = encodeFields(COMPUTE_SCHEMAS['compute.job.dispute'], { ...buildDisputeBody({ jobId: job1, model, trace: honestTrace, layer: 0 }), inputEntry: Uint8Array.of(1) })
    expect(() => decodeBody('compute.job.dispute', raw)).toThrow(MalformedBodyError)
    expect(fromHex(toHex(job1), 32)).toEqual(job1)
  })

  it('judges an MNIST-sized dispute (784→128 at K = 64) within one tx; prints its cost', () => {
    const big = randomModel([784, 128, 64, 10], 41)
    const X = randomInput(64, 784, 42)
    const trace = traceFromRun(runModel(big, X, 64), 64)
    const m: ModelRecord = { owner: addr(owner), cid: new Uint8Array(), layersRoot: modelLayersRoot(big), inputSize: 784, outputSize: 10, layerCount: 3, referenceDistribution: new Uint8Array(20), registeredHeight: 1 }
    const j = { batch: 64, input: new Uint8Array(X.buffer), traceCommitment: traceCommitment(trace), predictions: Uint8Array.from(runModel(big, X, 64).predictions) } as JobRecord
    const body = buildDisputeBody({ jobId: job1, model: big, trace, layer: 0 })
    const bytes = tx(disputer, 0, 'compute.job.dispute', body)
    expect(bytes.length).toBeLessThan(1_048_576)
    expect(judgeDispute(m, j, body)).toMatchObject({ wrong: false })
    const t0 = performance.now()
    const rounds = 5
    for (let i = 0; i < rounds; i++) judgeDispute(m, j, body)
    const ms = (performance.now() - t0) / rounds
    const lying = structuredClone(trace); lying.layers[1].out[100] ^= 1
    const l1 = buildDisputeBody({ jobId: job1, model: big, trace: lying, layer: 1 })
    expect(judgeDispute(m, { ...j, traceCommitment: traceCommitment(lying) }, l1)).toMatchObject({ wrong: true })
    console.log(`[bench] judgeDispute layer 0 (784→128, K=64, 6.4 M MACs): ${ms.toFixed(1)} ms; dispute tx ${bytes.length} bytes`)
  })

  it('a second app replaying the same blocks reaches the same app hash (deterministic)', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const twin = await newApp(t.dir, testGenesis(PARAMS))
    try {
      for (const txs of history) await block(twin, txs)
      expect(twin.state.height).toBe(app.state.height)
      expect(toHex(twin.state.appHash)).toBe(toHex(app.state.appHash))
    } finally { await twin.close() }
  })
})
