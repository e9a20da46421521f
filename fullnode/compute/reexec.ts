/**
 * Re-executing one finished job on the CPU (protocol/compute) against its committed trace: the
 * model (checked against its registered layersRoot) and the trace (checked against the job's
 * traceCommitment) come from the node's storage; the verdict names the first layer that re-executes
 * differently — the layer a dispute carries (cli/compute/dispute.ts builds its evidence).
 */
import { argmaxRows, checkTraceShape, decodeModel, decodeTrace, modelLayersRoot, traceCommitment, type Model, type Trace } from '../../protocol/compute/index.js'
import type { JobRecord, ModelRecord } from '../../protocol/chain/compute.js'
import { equalBytes, toHex } from '../../protocol/bytes.js'
import { GlowmeshError } from '../../protocol/errors.js'
import { firstWrongLayer } from '../../protocol/compute/dispute.js'

/** The monitor could not do its part (a file it needs is missing or not what the chain registered). */
export class MonitorError extends GlowmeshError {
  override name = 'MonitorError'
  constructor (code: string, message: string, options?: { cause?: unknown }) { super(code, message, options) }
}

/** The outcome of re-executing one job. `layer`: the first wrong layer (a dispute can name it); absent when the trace cannot be used as evidence. */
export type ReexecVerdict =
  | { agree: true, ms: number }
  | { agree: false, ms: number, reason: string, layer?: number, trace?: Trace }

/**
 * Loads a model by root through `readFile` and checks it against its chain record.
 * @example const model = await loadRegisteredModel(root, record, readFile, signal)
 */
export async function loadRegisteredModel (root: string, record: ModelRecord, readFile: (root: string, signal: AbortSignal) => Promise<Uint8Array>, signal: AbortSignal): Promise<Model> {
  let model: Model
  try { model = decodeModel(await readFile(root, signal)) } catch (err) {
    if (err instanceof GlowmeshError && err.name === 'InvalidModelError') throw new MonitorError('BAD_MODEL', `model ${root}: ${err.message}`, { cause: err })
    throw err
  }
  if (!equalBytes(modelLayersRoot(model), record.layersRoot)) throw new MonitorError('MODEL_MISMATCH', `model ${root}: the stored file's layersRoot differs from the registered ${toHex(record.layersRoot)}`)
  return model
}

/**
 * Re-executes `job` with `model` against the trace bytes the worker stored. A trace that does not
 * decode, does not fit the model or does not hash to the committed traceCommitment disagrees
 * without a disputable layer; otherwise every layer is re-run on its committed input and the
 * posted predictions must be the argmax of the committed last accumulators.
 * @example const v = reexecuteJob(model, job, traceBytes); if (!v.agree) console.log(v.layer, v.reason)
 */
export function reexecuteJob (model: Model, job: JobRecord, traceBytes: Uint8Array): ReexecVerdict {
  const t0 = performance.now()
  const ms = (): number => Math.round((performance.now() - t0) * 100) / 100
  let trace: Trace
  try {
    trace = decodeTrace(traceBytes)
    checkTraceShape(trace, model, job.batch)
  } catch (err) {
    return { agree: false, ms: ms(), reason: `the stored trace is unusable: ${(err as Error).message}` }
  }
  if (!equalBytes(traceCommitment(trace), job.traceCommitment)) return { agree: false, ms: ms(), reason: 'the stored trace does not hash to the committed traceCommitment' }
  const input = new Int8Array(job.input.buffer, job.input.byteOffset, job.input.length)
  const layer = firstWrongLayer(model, input, trace)
  if (layer !== undefined) return { agree: false, ms: ms(), reason: `layer ${layer} re-executes differently`, layer, trace }
  const last = model.layers.length - 1
  const want = argmaxRows(trace.layers[last].acc, job.batch, model.layers[last].outSize)
  const k = want.findIndex((p, i) => p !== job.predictions[i])
  if (k >= 0) return { agree: false, ms: ms(), reason: `prediction ${k} is ${job.predictions[k]}, the committed logits say ${want[k]}`, layer: last, trace }
  return { agree: true, ms: ms() }
}
