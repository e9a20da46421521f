/**
 * `glowmesh dispute`: fetch a job's model and trace, find the first layer that re-executes
 * differently and send `compute.job.dispute` with its evidence (protocol/compute/dispute.ts).
 */
import type { Ed25519Key } from '../../protocol/chain/index.js'
import { disputeEvidence, firstWrongLayer } from '../../protocol/compute/dispute.js'
import { base64ToBytes } from '../../protocol/chain/index.js'
import { decodeTrace, checkTraceShape } from '../../protocol/compute/trace.js'
import { decodeModel } from '../../protocol/compute/index.js'
import { fromHex } from '../../protocol/bytes.js'
import type { RpcClient } from '../../fullnode/rpc/client.js'
import { fetchBytes } from './blobs.js'
import { computeApi, MarketError, sendTx, type JobView } from '../../client/compute/market.js'

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
