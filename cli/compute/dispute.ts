/**
 * Disputes from the client side: the evidence of `compute.job.dispute` for one layer (the layer's
 * bytes with its proof against the model's layersRoot, the layer's input entry and the claimed
 * entry with proofs against the trace commitment), finding the first layer that re-executes
 * differently, and sending the dispute. Also what the alignment monitor calls.
 */
import type { Ed25519Key } from '../../protocol/chain/index.js'
import type { ComputeJobDisputeBody } from '../../protocol/chain/compute.js'
import { encodeLayer, runLayer, type Model } from '../../protocol/compute/index.js'
import { encodeTraceEntry, modelLayerProof, traceEntry, traceProof, type Trace } from '../../protocol/compute/trace.js'
import { base64ToBytes } from '../../protocol/chain/index.js'
import { decodeTrace, checkTraceShape } from '../../protocol/compute/trace.js'
import { decodeModel } from '../../protocol/compute/index.js'
import { fromHex } from '../../protocol/bytes.js'
import { InvalidInputError } from '../../protocol/errors.js'
import type { RpcClient } from '../../fullnode/rpc/client.js'
import { fetchBytes } from './blobs.js'
import { computeApi, MarketError, sendTx, type JobView } from './market.js'

/**
 * The body of `compute.job.dispute` against layer `layer` of a job's trace.
 * @example const body = disputeEvidence({ jobId, model, trace, layer: 1 })
 */
export function disputeEvidence (o: { jobId: Uint8Array, model: Model, trace: Trace, layer: number }): ComputeJobDisputeBody {
  const { model, trace, layer } = o
  if (!Number.isInteger(layer) || layer < 0 || layer >= model.layers.length) throw new InvalidInputError(`dispute: no layer ${layer} (the model has ${model.layers.length})`)
  const before = layer === 0 ? undefined : layer - 1
  return {
    jobId: o.jobId,
    layer,
    layerBytes: encodeLayer(model.layers[layer]),
    layerProof: modelLayerProof(model, layer).aunts,
    inputEntry: before === undefined ? new Uint8Array() : encodeTraceEntry(traceEntry(trace, before)),
    inputProof: before === undefined ? [] : traceProof(trace, before).aunts,
    claimedEntry: encodeTraceEntry(traceEntry(trace, layer)),
    claimedProof: traceProof(trace, layer).aunts
  }
}

/**
 * The first layer whose committed accumulators or outputs differ from re-executing it on its
 * committed input (layer 0: the job input), or undefined when every layer is right.
 * @example const bad = firstWrongLayer(model, input, trace) // 1
 */
export function firstWrongLayer (model: Model, input: Int8Array, trace: Trace): number | undefined {
  checkTraceShape(trace, model, trace.batch)
  let X = input
  for (let l = 0; l < model.layers.length; l++) {
    const want = runLayer(model.layers[l], X, trace.batch)
    const got = trace.layers[l]
    for (let i = 0; i < want.acc.length; i++) if (want.acc[i] !== got.acc[i] || want.out[i] !== got.out[i]) return l
    X = got.out
  }
  return undefined
}

/** What disputeJob resolves to. */
export interface DisputeReport { jobId: string, layer: number, txHash: string, height: number, status: string }

/**
 * Fetches a resulted job's model and trace (both verified by root), picks the layer (`layer`, or
 * the first wrong one), and sends `compute.job.dispute`; resolves once the tx is in a block.
 * @example await disputeJob({ rpc, key, jobId: '0x…', layer: 1 })
 */
export async function disputeJob (o: { rpc: RpcClient, key: Ed25519Key, jobId: string, layer?: number, signal?: AbortSignal }): Promise<DisputeReport> {
  const api = computeApi(o.rpc)
  const job: JobView | undefined = await api.job(o.jobId, { input: true, signal: o.signal })
  if (job === undefined) throw new MarketError('UNKNOWN_JOB', `no job ${o.jobId} on this chain`, { exitCode: 2 })
  if (job.result === null || job.status !== 'resulted') throw new MarketError('NOT_DISPUTABLE', `job ${o.jobId} is '${job.status}', not 'resulted'`, { exitCode: 2 })
  const model = decodeModel(await fetchBytes(o.rpc, job.modelRoot, { signal: o.signal }))
  const trace = decodeTrace(await fetchBytes(o.rpc, job.result.traceRoot, { signal: o.signal }))
  checkTraceShape(trace, model, job.batch)
  const inputBytes = base64ToBytes(job.input ?? '')
  const layer = o.layer ?? firstWrongLayer(model, new Int8Array(inputBytes.buffer, inputBytes.byteOffset, inputBytes.length), trace)
  if (layer === undefined) throw new MarketError('NOTHING_WRONG', `job ${o.jobId}: every layer re-executes to the committed trace; a dispute would lose its bond`, { exitCode: 2 })
  const chainId = (await o.rpc.status(o.signal)).chainId
  const sent = await sendTx(o.rpc, o.key, chainId, 'compute.job.dispute', disputeEvidence({ jobId: fromHex(job.id, 32), model, trace, layer }), { signal: o.signal })
  const after = await api.job(job.id, { signal: o.signal })
  return { jobId: job.id, layer, txHash: sent.txHash, height: sent.height, status: after?.status ?? 'unknown' }
}
