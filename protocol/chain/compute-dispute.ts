/**
 * Builds a `compute.job.dispute` body from what a challenger holds: the model, the worker's trace
 * (fetched from storage by its root and checked against the commitment) and the layer it says is
 * wrong. Pure; the ledger checks the same proofs (fullnode/ledger/compute.ts `judgeDispute`).
 */
import { encodeLayer, encodeTraceEntry, modelLayerProof, traceEntry, traceProof, type Model, type Trace } from '../compute/index.js'
import { InvalidInputError } from '../errors.js'
import type { ComputeJobDisputeBody } from './compute.js'

/**
 * The dispute body for layer `layer` of a job whose committed trace is `trace`.
 * @example await wallet.send('compute.job.dispute', buildDisputeBody({ jobId, model, trace, layer: 1 }))
 */
export function buildDisputeBody ({ jobId, model, trace, layer }: { jobId: Uint8Array, model: Model, trace: Trace, layer: number }): ComputeJobDisputeBody {
  if (!Number.isInteger(layer) || layer < 0 || layer >= model.layers.length) throw new InvalidInputError(`buildDisputeBody: the model has no layer ${layer}`)
  if (trace.layers.length !== model.layers.length) throw new InvalidInputError(`buildDisputeBody: the trace has ${trace.layers.length} layers, the model ${model.layers.length}`)
  return {
    jobId,
    layer,
    layerBytes: encodeLayer(model.layers[layer]),
    layerProof: modelLayerProof(model, layer).aunts,
    inputEntry: layer === 0 ? new Uint8Array() : encodeTraceEntry(traceEntry(trace, layer - 1)),
    inputProof: layer === 0 ? [] : traceProof(trace, layer - 1).aunts,
    claimedEntry: encodeTraceEntry(traceEntry(trace, layer)),
    claimedProof: traceProof(trace, layer).aunts
  }
}
