/**
 * Client-side verification of a committed trace: per layer an exact-integer Freivalds check of the
 * accumulators (X = the job input for layer 0, else the previous layer's committed out — which is
 * how layers chain), exact re-execution of every elementwise step (out = clamp(requant(acc))),
 * then predictions = argmax(last acc) and logits = last acc. Pure; client/verifyInference builds on it.
 */
import { InvalidInputError } from '../errors.js'
import { InvalidTraceError } from './errors.js'
import { freivaldsLayer, DEFAULT_TARGET_BITS, type RandomBytes } from './freivalds.js'
import { runLayer, type LayerTrace } from './infer.js'
import { validateLayer, validateModel, type DenseLayer, type Model } from './model.js'
import { argmaxRows, clampInt8, requantize } from './quant.js'
import { checkTraceShape, type Trace, type TraceEntry } from './trace.js'

/** One named check with its outcome and wall time. */
export interface VerifyCheck {
  name: string
  ok: boolean
  ms: number
  detail: string
}

/** The outcome: ok iff every check passed; errorBound = the chance a wrong trace got through. */
export interface VerifyReport {
  ok: boolean
  checks: VerifyCheck[]
  /** ≤ the largest per-layer Freivalds error (a wrong trace is wrong in some layer); 0 if nothing was probabilistic. */
  errorBound: number
}

/** What verifyTrace checks. */
export interface VerifyTraceInput {
  model: Model
  /** K×inputSize int8 job input. */
  input: Int8Array
  batch: number
  trace: Trace
  /** Claimed predictions (checked when given). */
  predictions?: number[]
  /** Claimed logits (checked when given). */
  logits?: number[][]
  /** Freivalds soundness per layer in bits (default 40). */
  targetBits?: number
  randomBytes?: RandomBytes
}

const now = (): number => globalThis.performance?.now() ?? Date.now()

function timed (name: string, fn: () => { ok: boolean, detail: string }): VerifyCheck {
  const t = now()
  const { ok, detail } = fn()
  return { name, ok, ms: now() - t, detail }
}

/**
 * Index of the first i with out[i] ≠ clamp(requant(acc[i])), or -1.
 * @example requantMismatch(model.layers[0], trace.layers[0]) // -1
 */
export function requantMismatch (layer: DenseLayer, entry: LayerTrace): number {
  const { outSize, multiplier, shift, relu } = layer
  const { acc, out } = entry
  if (acc.length !== out.length || acc.length % outSize !== 0) return 0
  for (let i = 0; i < acc.length; i++) if (out[i] !== clampInt8(requantize(acc[i], multiplier, shift), relu)) return i
  return -1
}

/**
 * Verifies a trace against the model and job input; never throws on a wrong trace (only on bad
 * arguments), it reports. A trace of the wrong shape fails the 'shape' check and stops there.
 * @example const report = verifyTrace({ model, input, batch: K, trace, predictions: doc.output.predictions })
 */
export function verifyTrace (p: VerifyTraceInput): VerifyReport {
  if (p === null || typeof p !== 'object') throw new InvalidInputError('verifyTrace: expected an object')
  const { model, input, batch, trace } = p
  validateModel(model)
  if (!Number.isInteger(batch) || batch < 1) throw new InvalidInputError(`verifyTrace: bad batch ${batch}`)
  if (!(input instanceof Int8Array) || input.length !== batch * model.inputSize) throw new InvalidInputError(`verifyTrace: input must be an Int8Array of ${batch}×${model.inputSize}`)
  const checks: VerifyCheck[] = []
  const shape = timed('shape', () => {
    try { checkTraceShape(trace, model, batch); return { ok: true, detail: `${model.layers.length} layers × batch ${batch}` } } catch (err) {
      if (err instanceof InvalidTraceError) return { ok: false, detail: err.message }
      throw err
    }
  })
  checks.push(shape)
  if (!shape.ok) return { ok: false, checks, errorBound: 0 }
  let errorBound = 0
  let X = input
  model.layers.forEach((layer, l) => {
    const entry = trace.layers[l]
    const from = l === 0 ? 'job input' : `layer ${l - 1} out`
    checks.push(timed(`layer ${l} freivalds`, () => {
      const r = freivaldsLayer(layer, X, batch, entry.acc, { targetBits: p.targetBits ?? DEFAULT_TARGET_BITS, randomBytes: p.randomBytes })
      errorBound = Math.max(errorBound, r.errorBound)
      return { ok: r.ok, detail: r.ok ? `X = ${from}; ${r.rounds} rounds × ${r.bitsPerRound} bits, error ≤ 2^-${r.rounds * r.bitsPerRound}` : `X = ${from}; ${r.detail ?? 'mismatch'}` }
    }))
    checks.push(timed(`layer ${l} requant`, () => {
      const i = requantMismatch(layer, entry)
      return i === -1
        ? { ok: true, detail: `${entry.out.length} outputs = clamp(requant(acc))` }
        : { ok: false, detail: `out[${Math.floor(i / layer.outSize)}][${i % layer.outSize}] = ${entry.out[i]}, expected ${clampInt8(requantize(entry.acc[i], layer.multiplier, layer.shift), layer.relu)}` }
    }))
    X = entry.out
  })
  const last = trace.layers[trace.layers.length - 1].acc
  const width = model.layers[model.layers.length - 1].outSize
  if (p.predictions !== undefined) {
    checks.push(timed('predictions', () => {
      const want = argmaxRows(last, batch, width)
      const got = p.predictions as number[]
      const bad = want.findIndex((w, k) => got[k] !== w)
      return Array.isArray(got) && got.length === batch && bad === -1
        ? { ok: true, detail: `argmax(last acc) = [${want.join(', ')}]` }
        : { ok: false, detail: `claimed [${String(got)}], argmax(last acc) = [${want.join(', ')}]` }
    }))
  }
  if (p.logits !== undefined) {
    checks.push(timed('logits', () => {
      const got = p.logits as number[][]
      const ok = Array.isArray(got) && got.length === batch &&
        got.every((row, k) => Array.isArray(row) && row.length === width && row.every((x, o) => x === last[k * width + o]))
      return { ok, detail: ok ? `${batch}×${width} logits = last acc` : 'claimed logits ≠ the last layer\'s accumulators' }
    }))
  }
  return { ok: checks.every(c => c.ok), checks, errorBound }
}

/**
 * Full re-execution of layer l on X (K×inSize int8), e.g. for layers a client picks to redo.
 * @example reexecuteLayer(model, 1, trace.layers[0].out).acc
 */
export function reexecuteLayer (model: Model, l: number, X: Int8Array): LayerTrace {
  validateModel(model)
  if (!Number.isInteger(l) || l < 0 || l >= model.layers.length) throw new InvalidInputError(`reexecuteLayer: no layer ${l}`)
  const inSize = model.layers[l].inSize
  if (!(X instanceof Int8Array) || X.length === 0 || X.length % inSize !== 0) throw new InvalidInputError(`reexecuteLayer: X must be K×${inSize} int8`)
  return runLayer(model.layers[l], X, X.length / inSize)
}

/**
 * The ledger's dispute judgement: re-executes `layer` on X on the CPU and compares the worker's
 * claimed entry exactly. Call it only after X and the entry were proven against the job input /
 * trace commitment and the layer against layersRoot. True = the worker was right; false = the
 * claimed entry is wrong (including an entry whose shape does not fit the layer and X).
 * @example if (!verifyDisputedLayer(decodeLayer(ev.layer), X, decodeTraceEntry(ev.entry))) slash(worker)
 */
export function verifyDisputedLayer (layer: DenseLayer, X: Int8Array, claimedEntry: TraceEntry): boolean {
  validateLayer(layer)
  if (!(X instanceof Int8Array)) throw new InvalidInputError('verifyDisputedLayer: X must be an Int8Array')
  const e = claimedEntry
  if (e === null || typeof e !== 'object' || !(e.acc instanceof Int32Array) || !(e.out instanceof Int8Array)) return false
  const K = e.batch
  if (!Number.isInteger(K) || K < 1 || e.outSize !== layer.outSize || X.length !== K * layer.inSize) return false
  if (e.acc.length !== K * layer.outSize || e.out.length !== K * layer.outSize) return false
  const want = runLayer(layer, X, K)
  for (let i = 0; i < want.acc.length; i++) if (want.acc[i] !== e.acc[i] || want.out[i] !== e.out[i]) return false
  return true
}
