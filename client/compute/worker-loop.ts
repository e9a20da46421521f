/**
 * The compute worker's loop, isomorphic (Node, browsers, workers: only `fetch`, protocol/ and the
 * injected parts): poll open jobs, claim one (a lost race just moves on), fetch the model by root
 * (every segment verified) and check it against the registered layersRoot, run the batch with the
 * injected `run` (WebGPU or CPU), store the GMT1 trace and the signed result document with the
 * injected `upload`, post `compute.job.result` (resultDigest = inferenceSignBytes(doc)) and report
 * each job. `glowmesh worker` (cli/compute/worker-loop.ts) and the browser node
 * (client/browser/compute.ts) both drive it.
 */
import { base64ToBytes, type Ed25519Key } from '../../protocol/chain/index.js'
import { decodeModel, modelLayersRoot, type Model, type ModelRun } from '../../protocol/compute/index.js'
import { encodeTrace, traceCommitment, traceFromRun } from '../../protocol/compute/trace.js'
import { buildInferenceResult, inferenceSignBytes } from '../../protocol/compute/result.js'
import { fileLayout, verifySegmentProof, SEGMENT_SIZE } from '../../protocol/storage/index.js'
import { fromHex, toHex } from '../../protocol/bytes.js'
import { createRpcClient, RpcError, type RpcClient } from '../../fullnode/rpc/client.js'
import { TxFailedError } from '../../fullnode/rpc/wallet.js'
import { ensureFunded } from '../storage/faucet.js'
import { computeApi, MarketError, modelCid, sendTx, sleep, type JobView } from './market.js'

/** What a run gives back: the model's trace, and where it ran (the document's `backend`). */
export type WorkerRun = ModelRun & { backend: 'webgpu' | 'cpu' }

/** One job the worker answered (what `glowmesh worker --json` prints per line). */
export interface ComputeJobReport {
  jobId: string
  status: 'resulted'
  batch: number
  predictions: number[]
  traceRoot: string
  traceCommitment: string
  resultDigest: string
  /** The signed result document's own file root. */
  documentRoot: string
  backend: 'webgpu' | 'cpu'
  /** Milliseconds running the model. */
  computeMs: number
  /** Milliseconds from the claim to the result's block. */
  totalMs: number
}

/** Options of runComputeWorker. */
export interface ComputeWorkerOptions {
  /** A full node's RPC base URL (jobs, txs, faucet). */
  rpcUrl: string
  /** The worker's account: it stakes, signs the document and is paid. */
  key: Ed25519Key
  /** Runs the model on a batch (k-major int8 input) and says on which backend. */
  run: (model: Model, input: Int8Array, batch: number, signal?: AbortSignal) => Promise<WorkerRun>
  /** Stores bytes as a glowmesh file (storage.submit + segments) and resolves with its 0x root. */
  upload: (bytes: Uint8Array, signal?: AbortSignal) => Promise<{ root: string }>
  /** The model file by 0x root, verified against it; default: the RPC's segments, each checked against the root. */
  fetchModel?: (root: string, signal?: AbortSignal) => Promise<Uint8Array>
  /** Stop after the first answered job. */
  once?: boolean
  signal?: AbortSignal
  /** Poll interval for open jobs; default 500 ms. */
  pollMs?: number
  onJob?: (report: ComputeJobReport) => void
  /** Called when a claimed job fails (the loop goes on with the next one). */
  onError?: (jobId: string, err: Error) => void
  log?: (line: string) => void
}

/**
 * The bytes of the file with `root` from a full node's RPC, every segment checked against the root
 * (MarketError BAD_SEGMENT otherwise); waits up to `timeoutMs` (default 30 s) for segments still landing.
 * @example const model = decodeModel(await fetchVerifiedFile(createRpcClient({ url }), job.modelRoot))
 */
export async function fetchVerifiedFile (rpc: RpcClient, root: string, o: { signal?: AbortSignal, timeoutMs?: number, maxBytes?: number } = {}): Promise<Uint8Array> {
  const deadline = Date.now() + (o.timeoutMs ?? 30_000)
  const file = await rpc.file(root, o.signal).catch((err: unknown) => {
    if (err instanceof RpcError && err.status === 404) throw new MarketError('UNKNOWN_FILE', `no file with root ${root} on this chain`, { exitCode: 2 })
    throw err
  })
  const max = o.maxBytes ?? 64 * 1024 * 1024
  if (file?.expired === true) throw new MarketError('FILE_PRUNED', `file ${root} expired and was pruned`)
  if (!Number.isSafeInteger(file?.size) || file.size < 1 || file.size > max) throw new MarketError('FILE_TOO_LARGE', `file ${root}: size ${String(file?.size)} not in 1..${max}`)
  const layout = fileLayout(file.size)
  const rootBytes = fromHex(root, 32)
  const out = new Uint8Array(file.size)
  for (let i = 0; i < layout.dataSegments; i++) {
    for (;;) {
      try {
        const seg = await rpc.getSegment(root, i, o.signal)
        if (seg.proof.index !== i || !verifySegmentProof(rootBytes, layout, seg.bytes, seg.proof)) {
          throw new MarketError('BAD_SEGMENT', `segment ${i} from ${rpc.url} does not verify against ${root}`)
        }
        out.set(seg.bytes, i * SEGMENT_SIZE)
        break
      } catch (err) {
        if (!(err instanceof RpcError) || err.status !== 404 || Date.now() > deadline) throw err
        await sleep(200, o.signal)
      }
    }
  }
  return out
}

interface LoadedModel { model: Model, cid: string, layersRoot: string }

/**
 * Runs until aborted (or, with `once`, until one job is answered); resolves with the reports.
 * Funds the key from the devnet faucet first (FaucetError when there is none and the account is empty).
 * @example
 * await runComputeWorker({ rpcUrl, key, once: true,
 *   run: async (m, x, k) => ({ ...runModel(m, x, k), backend: 'cpu' }),
 *   upload: async (bytes) => await uploadFile(bytes, { rpcUrl, key, chainId }) })
 */
export async function runComputeWorker (o: ComputeWorkerOptions): Promise<ComputeJobReport[]> {
  const log = o.log ?? (() => {})
  const rpc = createRpcClient({ url: o.rpcUrl, timeoutMs: 30_000 })
  const api = computeApi(rpc)
  const fetchModel = o.fetchModel ?? (async (root: string, signal?: AbortSignal) => await fetchVerifiedFile(rpc, root, { signal }))
  await ensureFunded({ rpcUrl: rpc.url, address: o.key.address, signal: o.signal, log })
  const chainId = (await rpc.status(o.signal)).chainId
  const models = new Map<string, LoadedModel>()
  const skip = new Set<string>()
  const reports: ComputeJobReport[] = []

  const loadModel = async (root: string): Promise<LoadedModel> => {
    const have = models.get(root)
    if (have !== undefined) return have
    const rec = await api.model(root, o.signal)
    if (rec === undefined) throw new MarketError('UNKNOWN_MODEL', `model ${root} is not registered`)
    const model = decodeModel(await fetchModel(root, o.signal))
    const layersRoot = toHex(modelLayersRoot(model))
    if (layersRoot !== rec.layersRoot) throw new MarketError('MODEL_MISMATCH', `model ${root}: file's layersRoot ${layersRoot} ≠ registered ${rec.layersRoot}`)
    const loaded = { model, cid: modelCid(rec), layersRoot }
    models.set(root, loaded)
    return loaded
  }

  const answer = async (open: JobView): Promise<ComputeJobReport | undefined> => {
    const t0 = performance.now()
    try {
      await sendTx(rpc, o.key, chainId, 'compute.job.claim', { jobId: fromHex(open.id, 32) }, { signal: o.signal })
    } catch (err) {
      if (!(err instanceof TxFailedError)) throw err
      log(`job ${open.id}: claim refused (${err.log}); next job`)
      return undefined
    }
    const job = await api.job(open.id, { input: true, signal: o.signal })
    if (job?.input === undefined) throw new MarketError('BAD_RESPONSE', `job ${open.id}: the RPC gave no input`)
    const { model, cid, layersRoot } = await loadModel(job.modelRoot)
    const inputBytes = base64ToBytes(job.input)
    const input = new Int8Array(inputBytes.buffer, inputBytes.byteOffset, inputBytes.length)
    if (input.length !== job.batch * model.inputSize) throw new MarketError('BAD_JOB', `job ${job.id}: ${input.length} input bytes ≠ ${job.batch}×${model.inputSize}`)
    const c0 = performance.now()
    const run = await o.run(model, input, job.batch, o.signal)
    const computeMs = performance.now() - c0
    const trace = traceFromRun(run, job.batch)
    const commitment = traceCommitment(trace)
    const stored = await o.upload(encodeTrace(trace), o.signal)
    const doc = buildInferenceResult({
      chainId,
      jobId: fromHex(job.id, 32),
      model: { root: fromHex(job.modelRoot, 32), cid, layersRoot: fromHex(layersRoot, 32) },
      input,
      batch: job.batch,
      predictions: run.predictions,
      logits: run.logits,
      trace: { root: fromHex(stored.root, 32), commitment, layers: trace.layers.length },
      backend: run.backend,
      privateKey: o.key.privateKey
    })
    const digest = inferenceSignBytes(doc)
    // the signed document (with its backend, which the chain doesn't carry) as a file of its own
    const docFile = await o.upload(new TextEncoder().encode(JSON.stringify(doc)), o.signal)
    await sendTx(rpc, o.key, chainId, 'compute.job.result', {
      jobId: fromHex(job.id, 32),
      traceRoot: fromHex(stored.root, 32),
      traceCommitment: commitment,
      predictions: Uint8Array.from(run.predictions),
      resultDigest: digest,
      signature: base64ToBytes(doc.signature)
    }, { signal: o.signal })
    return {
      jobId: job.id,
      status: 'resulted',
      batch: job.batch,
      predictions: run.predictions,
      traceRoot: stored.root,
      traceCommitment: toHex(commitment),
      resultDigest: toHex(digest),
      documentRoot: docFile.root,
      backend: run.backend,
      computeMs: Math.round(computeMs * 10) / 10,
      totalMs: Math.round(performance.now() - t0)
    }
  }

  const aborted = (): boolean => o.signal?.aborted === true
  while (!aborted()) {
    const open = (await api.jobs('open', o.signal)).filter(j => !skip.has(j.id))
    for (const job of open) {
      skip.add(job.id)
      let report: ComputeJobReport | undefined
      try {
        report = await answer(job)
      } catch (err) {
        if (aborted()) throw err
        const e = err instanceof Error ? err : new Error(String(err))
        log(`job ${job.id}: ${e.name}: ${e.message}`)
        o.onError?.(job.id, e)
        continue
      }
      if (report === undefined) continue
      reports.push(report)
      o.onJob?.(report)
      if (o.once === true) return reports
    }
    await sleep(o.pollMs ?? 500, o.signal)
  }
  return reports
}
