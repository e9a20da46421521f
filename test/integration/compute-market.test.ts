// The compute market on a real 4-node devnet: a GMM1 model stored in glowmesh and registered, jobs
// posted, claimed and answered through the RPC; an honest result paid after the challenge window,
// a wrong layer disputed with evidence fetched from storage (slashed, fee refunded), an honest
// result disputed (the disputer's bond goes to the worker). The model/job entries are proven
// against a header's app hash as a light node would.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sha256 } from '@noble/hashes/sha2.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import { startTestDevnet, type TestDevnet } from '../helpers/devnet.js'
import { createWallet, type Wallet } from '../../fullnode/rpc/wallet.js'
import { RpcError, type RpcClient } from '../../fullnode/rpc/client.js'
import { generateKey } from '../../protocol/chain/index.js'
import { computeJobId, encodeDistribution } from '../../protocol/chain/compute.js'
import { buildDisputeBody } from '../../protocol/chain/compute-dispute.js'
import { stateKeys, verifyStateProof, decodeRecord } from '../../protocol/chain/state-proof.js'
import { fromHex, toHex } from '../../protocol/bytes.js'
import { SegmentTree, fileLayout, segmentBytes, verifySegmentProof, SEGMENT_SIZE } from '../../protocol/storage/index.js'
import { fileCid, cidToSubmission } from '../../protocol/cid/index.js'
import {
  decodeModel, decodeTrace, encodeModel, encodeTrace, modelLayersRoot, runLayer, runModel, traceCommitment, traceFromRun, type Model, type Trace
} from '../../protocol/compute/index.js'
import { randomModel, randomInput } from '../unit/compute-fixtures.js'

const sleep = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms))
const K = 4

let devnet: TestDevnet
let rpc: RpcClient
let chainId: string
let minFee: bigint
beforeAll(async () => {
  devnet = await startTestDevnet({ blockTimeMs: 300 })
  rpc = devnet.rpc(0)
  await devnet.waitForHeight(2)
  chainId = (await rpc.status()).chainId
  minFee = BigInt(JSON.parse(new TextDecoder().decode(await rpc.genesis())).params.minFee)
}, 240_000)
afterAll(async () => { await devnet?.cleanup() }, 60_000)

const getJson = async (path: string): Promise<any> => {
  const res = await fetch(`${rpc.url}${path}`)
  const body = await res.json() as any
  if (!res.ok) throw new RpcError(res.status, body?.error?.code, body?.error?.message)
  expect(res.headers.get('access-control-allow-origin')).toBe('*')
  return body
}
const balanceOf = async (address: string): Promise<bigint> => BigInt((await rpc.account(address)).balance)

async function fundedWallet (): Promise<Wallet> {
  const key = generateKey()
  await rpc.faucet(key.address)
  for (let i = 0; i < 150 && await balanceOf(key.address) === 0n; i++) await sleep(200)
  return createWallet({ rpc, key, chainId, minFee })
}

/** Stores bytes as a glowmesh file (submit root + CID, upload every segment); returns the root. */
async function store (w: Wallet, bytes: Uint8Array): Promise<Uint8Array> {
  const tree = SegmentTree.fromBytes(fileLayout(bytes.length), bytes)
  await w.send('storage.submit', { root: tree.root, cid: cidToSubmission(fileCid(bytes)), size: bytes.length, durationEpochs: 10 })
  const layout = fileLayout(bytes.length)
  for (let i = 0; i < layout.dataSegments; i++) await rpc.putSegment(toHex(tree.root), i, segmentBytes(bytes, i), tree.proof(i))
  return tree.root
}

/** A stored file's bytes, every segment checked against the root (what a challenger does). */
async function fetchFile (root: string): Promise<Uint8Array> {
  const { size } = await rpc.file(root)
  const layout = fileLayout(size)
  const out = new Uint8Array(size)
  for (let i = 0; i < layout.dataSegments; i++) {
    const seg = await rpc.getSegment(root, i)
    expect(verifySegmentProof(fromHex(root, 32), layout, seg.bytes, seg.proof)).toBe(true)
    out.set(seg.bytes.subarray(0, Math.min(SEGMENT_SIZE, size - i * SEGMENT_SIZE)), i * SEGMENT_SIZE)
  }
  return out
}

/** Sends a tx and returns the committed tx's events (throws TxFailedError on a non-zero code). */
async function send (w: Wallet, kind: any, body: any): Promise<{ events: any[], height: number }> {
  const sent = await w.send(kind, body)
  const t = await rpc.tx(sent.txHash)
  return { events: t.events, height: sent.height }
}
const attr = (events: any[], type: string, key: string): string | undefined => events.find((e) => e.type === type)?.attributes.find((a: any) => a.key === key)?.value

async function waitJob (id: string, until: (j: any) => boolean, what: string, timeoutMs = 60_000): Promise<any> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const { job } = await getJson(`/compute/jobs/${id}`)
    if (until(job)) return job
    if (Date.now() > deadline) throw new Error(`job ${id}: no ${what} after ${timeoutMs} ms (status ${job.status})`)
    await sleep(250)
  }
}

describe('compute market on a devnet', () => {
  let owner: Wallet, worker: Wallet, disputer: Wallet
  const model: Model = randomModel([16, 12, 8, 4], 21)
  let root: string

  /** The owner posts a job for `input`; returns its id. */
  const post = async (input: Int8Array, fee = 40_000n): Promise<string> => {
    const nonce = BigInt((await rpc.account(owner.key.address)).nonce)
    await send(owner, 'compute.job.post', { modelRoot: fromHex(root, 32), input: new Uint8Array(input.buffer), batch: K, fee, deadlineBlocks: 400, verification: 'freivalds' })
    return toHex(computeJobId(owner.key.address, nonce))
  }
  /** The worker claims and answers with `trace` (stored in glowmesh first). */
  const answer = async (id: string, trace: Trace, predictions: number[]): Promise<void> => {
    await send(worker, 'compute.job.claim', { jobId: fromHex(id, 32) })
    const traceRoot = await store(worker, encodeTrace(trace))
    const resultDigest = sha256(fromHex(id, 32)) // stands in for inferenceSignBytes(doc): the ledger only checks the signature over it
    await send(worker, 'compute.job.result', {
      jobId: fromHex(id, 32), traceRoot, traceCommitment: traceCommitment(trace), predictions: Uint8Array.from(predictions), resultDigest, signature: ed25519.sign(resultDigest, worker.key.privateKey)
    })
  }

  it('registers a model stored in glowmesh; the entry is proven against a header\'s app hash', async () => {
    owner = await fundedWallet(); worker = await fundedWallet(); disputer = await fundedWallet()
    const bytes = encodeModel(model)
    root = toHex(await store(owner, bytes))
    const reg = await send(owner, 'compute.model.register', {
      root: fromHex(root, 32), cid: new Uint8Array(), layersRoot: modelLayersRoot(model), inputSize: 16, outputSize: 4, layerCount: 3, referenceDistribution: encodeDistribution([250, 250, 250, 250])
    })
    expect(attr(reg.events, 'compute.model.register', 'root')).toBe(root)
    const { models } = await getJson('/compute/models')
    expect(models.map((m: any) => m.root)).toContain(root)
    const one = await getJson(`/compute/models/${root}?prove=true`)
    expect(one.model).toMatchObject({ root, layersRoot: toHex(modelLayersRoot(model)), inputSize: 16, outputSize: 4, layerCount: 3, owner: owner.key.address })
    expect(one.model.cid).toMatch(/^bafk/)
    // a light node checks it against the app hash of header height + 1
    await devnet.waitForHeight(one.height + 2)
    const header = await getJson(`/headers/${one.height + 1}`)
    const value = await verifyStateProof({ appHash: fromHex(header.header.app_hash.toLowerCase()), key: stateKeys.model(root), proof: fromHex(one.proof) })
    expect(decodeRecord('model', value!).layersRoot).toEqual(modelLayersRoot(model))
    await expect(getJson(`/compute/models/0x${'ab'.repeat(32)}`)).rejects.toMatchObject({ status: 404 })
  })

  it('an honest result is paid after the challenge window', async () => {
    const input = randomInput(K, 16, 31)
    const run = runModel(model, input, K)
    const id = await post(input)
    const open = await getJson('/compute/jobs?status=open')
    expect(open.jobs.map((j: any) => j.id)).toContain(id)
    const before = await balanceOf(worker.key.address)
    const t0 = Date.now()
    await answer(id, traceFromRun(run, K), run.predictions)
    const tResult = Date.now()
    const job = await getJson(`/compute/jobs/${id}`)
    expect(job.job).toMatchObject({ status: 'resulted', worker: worker.key.address, batch: K })
    expect(new Uint8Array(Buffer.from(job.job.input, 'base64'))).toEqual(new Uint8Array(input.buffer))
    expect(job.job.result.predictions).toEqual(run.predictions)
    expect(job.job.result.publicKey).toBe(Buffer.from(worker.key.publicKey).toString('base64'))
    expect(ed25519.verify(Buffer.from(job.job.result.signature, 'base64'), fromHex(job.job.result.resultDigest), worker.key.publicKey)).toBe(true)
    const paid = await waitJob(id, (j) => j.status === 'paid', 'payment')
    console.log(`[bench] devnet (300 ms blocks): claim + trace upload + result ${tResult - t0} ms; result → paid ${Date.now() - tResult} ms (${paid.finishedHeight - paid.result.height} blocks, window ${paid.result.challengeEnd - paid.result.height})`)
    expect(paid.finishedHeight).toBeGreaterThan(paid.result.challengeEnd)
    // fee in, stake back; claim, result and the trace's storage cost the worker only fees
    const storageFee = BigInt(encodeTrace(traceFromRun(run, K)).length) * 10n // storagePricePerByteEpoch 1 × 10 epochs
    expect(await balanceOf(worker.key.address)).toBe(before + 40_000n - 3n * minFee - storageFee)
    const w = await getJson(`/compute/workers/${worker.key.address}`)
    expect(w.worker).toMatchObject({ jobsDone: 1, reputation: 1, disputesLost: 0 })
  })

  it('a wrong layer is disputed with evidence from storage: the worker is slashed, the fee refunded', async () => {
    const input = randomInput(K, 16, 32)
    const run = runModel(model, input, K)
    const lying = traceFromRun(run, K)
    lying.layers[1].out[2] = (lying.layers[1].out[2] + 1) & 0x7f // one int8 output of layer 1 is off
    const id = await post(input)
    await answer(id, lying, run.predictions)
    const ownerBefore = await balanceOf(owner.key.address)
    // The challenger: the job (input) from the RPC, model and trace from storage, checked, re-executed layer by layer.
    const { job } = await getJson(`/compute/jobs/${id}`)
    const m = decodeModel(await fetchFile(job.modelRoot))
    expect(toHex(modelLayersRoot(m))).toBe(toHex(modelLayersRoot(model)))
    const trace = decodeTrace(await fetchFile(job.result.traceRoot))
    expect(toHex(traceCommitment(trace))).toBe(job.result.traceCommitment)
    let X: Int8Array = new Int8Array(Buffer.from(job.input, 'base64'))
    let bad = -1
    for (let l = 0; l < m.layers.length && bad < 0; l++) {
      const again = runLayer(m.layers[l], X, K)
      if (again.out.some((v, i) => v !== trace.layers[l].out[i]) || again.acc.some((v, i) => v !== trace.layers[l].acc[i])) bad = l
      X = trace.layers[l].out
    }
    expect(bad).toBe(1)
    const t0 = Date.now()
    const d = await send(disputer, 'compute.job.dispute', buildDisputeBody({ jobId: fromHex(id, 32), model: m, trace, layer: bad }))
    console.log(`[bench] devnet: dispute tx submitted → committed (slashed) ${Date.now() - t0} ms`)
    expect(attr(d.events, 'compute.job.dispute', 'outcome')).toBe('worker-wrong')
    expect(attr(d.events, 'compute.slash', 'amount')).toBe('1000000')
    const done = await getJson(`/compute/jobs/${id}?prove=true`)
    expect(done.job).toMatchObject({ status: 'slashed', disputer: disputer.key.address })
    expect(await balanceOf(owner.key.address)).toBe(ownerBefore + 40_000n)
    expect((await getJson(`/compute/workers/${worker.key.address}`)).worker).toMatchObject({ disputesLost: 1, slashed: '1000000' })
    expect((await getJson('/compute/jobs?status=slashed')).jobs.map((j: any) => j.id)).toContain(id)
  })

  it('an honest result disputed: the disputer loses its bond to the worker, the worker is still paid', async () => {
    const input = randomInput(K, 16, 33)
    const run = runModel(model, input, K)
    const id = await post(input)
    await answer(id, traceFromRun(run, K), run.predictions)
    const dBefore = await balanceOf(disputer.key.address)
    const wBefore = await balanceOf(worker.key.address)
    const d = await send(disputer, 'compute.job.dispute', buildDisputeBody({ jobId: fromHex(id, 32), model, trace: traceFromRun(run, K), layer: 0 }))
    expect(attr(d.events, 'compute.job.dispute', 'outcome')).toBe('worker-right')
    expect(await balanceOf(disputer.key.address)).toBe(dBefore - 500_000n - minFee)
    expect(await balanceOf(worker.key.address)).toBe(wBefore + 500_000n)
    const paid = await waitJob(id, (j) => j.status === 'paid', 'payment')
    expect(paid.disputes).toBe(1)
    expect((await getJson(`/compute/workers/${worker.key.address}`)).worker).toMatchObject({ jobsDone: 2, disputesWon: 1 })
  })
})
