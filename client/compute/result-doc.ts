/**
 * The requester's side of a result: rebuild the v1 result document from what the chain says (job,
 * model) and the stored trace, and attach the worker's signature. The signature and public key
 * come from the job record (`compute.job.result`'s `signature`, checked by the ledger), else from
 * the signed document the worker published as a glowmesh file, found among the worker's
 * `storage.submit` transactions between its claim and its result (CometBFT blocks); that document
 * also gives `backend`, which nothing signs or records. Either way the rebuilt fields must hash to
 * the chain's resultDigest and the signature must verify.
 */
import { addressFromPublicKey, decodeTx, base64ToBytes, bytesToBase64 } from '../../protocol/chain/index.js'
import { decodeBody } from '../../protocol/chain/bodies.js'
import { decodeModel, type Model } from '../../protocol/compute/index.js'
import { checkTraceShape, decodeTrace, traceCommitment, type Trace } from '../../protocol/compute/trace.js'
import { inferenceSignBytes, parseInferenceResult, verifyInferenceSignature, type InferenceResult, INFERENCE_TYPE } from '../../protocol/compute/result.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { fromHex, toHex } from '../../protocol/bytes.js'
import type { RpcClient } from '../../fullnode/rpc/client.js'
import type { CometRpc } from '../../fullnode/engine/rpc-client.js'
// the isomorphic verified fetch (not ./blobs.js, which needs node:crypto): the dashboard rebuilds documents with this file too
import { fetchVerifiedFile as fetchBytes } from './worker-loop.js'
import { MarketError, modelCid, type JobView, type ModelView } from './market.js'

/** What fetchResultDocument resolves to. */
export interface FetchedResult {
  doc: InferenceResult
  trace: Trace
  model: Model
  /** Where the signature came from. */
  signatureFrom: 'chain' | 'published-document'
  /** False when no published document told the backend (the document then says 'cpu'). */
  backendKnown: boolean
}

const bytesOf = (text: string, bytes: number): Uint8Array => /^0x[0-9a-f]+$/.test(text) ? fromHex(text, bytes) : base64ToBytes(text)

/**
 * The signed document the worker published for `job` (see the file comment), or undefined.
 * @example const doc = await findPublishedDocument({ rpc, comet, job })
 */
export async function findPublishedDocument (o: { rpc: RpcClient, comet: CometRpc, job: JobView, signal?: AbortSignal }): Promise<InferenceResult | undefined> {
  const { job } = o
  if (job.result === null || job.worker === null || job.claimHeight === null) return undefined
  for (let h = job.result.height; h >= job.claimHeight; h--) {
    const block = await o.comet.block(h, { signal: o.signal })
    for (const raw of block.txs) {
      let root: string
      try {
        const tx = decodeTx(raw)
        if (tx.kind !== 'storage.submit' || addressFromPublicKey(tx.publicKey) !== job.worker) continue
        const body = decodeBody('storage.submit', tx.body)
        if (body.size > 1_048_576) continue
        root = toHex(body.root)
      } catch { continue }
      try {
        const doc = parseInferenceResult(new TextDecoder().decode(await fetchBytes(o.rpc, root, { signal: o.signal, timeoutMs: 5_000, maxBytes: 1_048_576 })))
        if (doc.jobId === job.id && toHex(inferenceSignBytes(doc)) === job.result.resultDigest && verifyInferenceSignature(doc)) return doc
      } catch (err) {
        if (o.signal?.aborted === true) throw err
      }
    }
  }
  return undefined
}

/**
 * Rebuilds and checks the result document of a resulted job: the trace (fetched by root, verified
 * by segment, matching the chain's commitment and predictions and the model's shape), the logits
 * (the last layer's accumulators), the input (the job's), and the worker's signature.
 * @example const { doc } = await fetchResultDocument({ rpc, comet, chainId, job, model: modelView })
 */
export async function fetchResultDocument (o: { rpc: RpcClient, comet?: CometRpc, chainId: string, job: JobView, model: ModelView, signal?: AbortSignal }): Promise<FetchedResult> {
  const { job } = o
  const r = job.result
  if (r === null || job.worker === null) throw new MarketError('NO_RESULT', `job ${job.id} has no result yet`)
  if (job.input === undefined) throw new MarketError('BAD_RESPONSE', `job ${job.id}: fetched without its input`)
  const model = decodeModel(await fetchBytes(o.rpc, job.modelRoot, { signal: o.signal }))
  const trace = decodeTrace(await fetchBytes(o.rpc, r.traceRoot, { signal: o.signal }))
  checkTraceShape(trace, model, job.batch)
  if (toHex(traceCommitment(trace)) !== r.traceCommitment) throw new MarketError('TRACE_MISMATCH', `job ${job.id}: the stored trace ${r.traceRoot} does not hash to the posted commitment ${r.traceCommitment}`)
  const last = trace.layers[trace.layers.length - 1].acc
  const width = model.layers[model.layers.length - 1].outSize
  const logits: number[][] = []
  for (let k = 0; k < job.batch; k++) logits.push(Array.from(last.subarray(k * width, (k + 1) * width)))
  const input = base64ToBytes(job.input)
  const unsigned = {
    version: 1 as const,
    type: INFERENCE_TYPE as typeof INFERENCE_TYPE,
    chainId: o.chainId,
    jobId: job.id,
    model: { root: job.modelRoot, cid: modelCid(o.model), layersRoot: o.model.layersRoot },
    input: { batch: job.batch, size: input.length / job.batch, data: bytesToBase64(input), hash: toHex(sha256(input)) },
    output: { predictions: [...r.predictions], logits },
    trace: { root: r.traceRoot, commitment: r.traceCommitment, layers: trace.layers.length }
  }
  let worker: InferenceResult['worker']
  let signature: string
  let backend: InferenceResult['backend'] = 'cpu'
  let signatureFrom: FetchedResult['signatureFrom']
  if (typeof r.signature === 'string' && typeof r.publicKey === 'string') {
    const publicKey = bytesOf(r.publicKey, 32)
    worker = { address: addressFromPublicKey(publicKey), publicKey: bytesToBase64(publicKey) }
    signature = bytesToBase64(bytesOf(r.signature, 64))
    signatureFrom = 'chain'
  }
  const published = o.comet === undefined ? undefined : await findPublishedDocument({ rpc: o.rpc, comet: o.comet, job, signal: o.signal })
  if (published !== undefined) {
    backend = published.backend
    worker ??= published.worker
    signature ??= published.signature
    signatureFrom ??= 'published-document'
  }
  if (worker! === undefined || signature! === undefined) {
    throw new MarketError('NO_SIGNATURE', `job ${job.id}: the chain record carries no document signature and no signed document by ${job.worker} was found${o.comet === undefined ? ' (no CometBFT RPC to search)' : ''}`)
  }
  const doc = parseInferenceResult({ ...unsigned, worker, backend, signature })
  if (doc.worker.address !== job.worker) throw new MarketError('WRONG_WORKER', `job ${job.id}: signed by ${doc.worker.address}, claimed by ${job.worker}`)
  if (toHex(inferenceSignBytes(doc)) !== r.resultDigest) throw new MarketError('DIGEST_MISMATCH', `job ${job.id}: the rebuilt document does not hash to the posted resultDigest`)
  if (!verifyInferenceSignature(doc)) throw new MarketError('BAD_SIGNATURE', `job ${job.id}: the worker's signature does not verify`)
  return { doc, trace, model, signatureFrom: signatureFrom!, backendKnown: published !== undefined }
}
