/**
 * Dispute evidence, pure: the body of `compute.job.dispute` for one layer (the layer's bytes with
 * its proof against the model's layersRoot, the layer's input entry and the claimed entry with
 * proofs against the trace commitment) and the first layer that re-executes differently. The CLI's
 * `glowmesh dispute` and the full node's alignment monitor build disputes with these.
 */
import type { ComputeJobDisputeBody } from '../chain/compute.js'
import { InvalidInputError } from '../errors.js'
import { encodeLayer, type Model } from './model.js'
import { runLayer } from './infer.js'
import { checkTraceShape, encodeTraceEntry, modelLayerProof, traceEntry, traceProof, type Trace } from './trace.js'

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
