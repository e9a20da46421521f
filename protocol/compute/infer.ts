/**
 * The CPU reference: exact int8 dense layers (int32 accumulators, split-formula requant). This is
 * also "the CPU path" the WebGPU backend is benchmarked against, so the matmul kernel is tuned:
 * operands widened once to Int32Array, both read row-wise (A·Bᵀ dot products), 2×4 register tiles,
 * no per-element allocation.
 */
import { InvalidInputError } from '../errors.js'
import type { DenseLayer, Model } from './model.js'
import { validateLayer, validateModel } from './model.js'
import { argmaxRows, clampInt8, requantize } from './quant.js'

/** One layer's trace entry for a batch of K: both K×outSize, k-major. */
export interface LayerTrace {
  acc: Int32Array
  out: Int8Array
}

/** A full run: every layer's trace, predictions (argmax of the last acc) and logits (last acc rows). */
export interface ModelRun {
  layers: LayerTrace[]
  predictions: number[]
  logits: number[][]
}

/**
 * C[i][j] = Σ_k A[i][k]·Bt[j][k] for A n×m and Bt p×m (both row-major int32 whose products and
 * sums fit int32). The hot loop: 2 rows × 4 columns per pass, Math.imul, wrap-free for our bounds.
 */
function dotRows (A: Int32Array, Bt: Int32Array, n: number, m: number, p: number, C: Int32Array): void {
  let i = 0
  for (; i + 1 < n; i += 2) {
    const a0 = i * m
    const a1 = a0 + m
    let j = 0
    for (; j + 3 < p; j += 4) {
      const b0 = j * m; const b1 = b0 + m; const b2 = b1 + m; const b3 = b2 + m
      let s00 = 0; let s01 = 0; let s02 = 0; let s03 = 0; let s10 = 0; let s11 = 0; let s12 = 0; let s13 = 0
      for (let k = 0; k < m; k++) {
        const x0 = A[a0 + k]; const x1 = A[a1 + k]
        const w0 = Bt[b0 + k]; const w1 = Bt[b1 + k]; const w2 = Bt[b2 + k]; const w3 = Bt[b3 + k]
        s00 = (s00 + Math.imul(x0, w0)) | 0; s01 = (s01 + Math.imul(x0, w1)) | 0
        s02 = (s02 + Math.imul(x0, w2)) | 0; s03 = (s03 + Math.imul(x0, w3)) | 0
        s10 = (s10 + Math.imul(x1, w0)) | 0; s11 = (s11 + Math.imul(x1, w1)) | 0
        s12 = (s12 + Math.imul(x1, w2)) | 0; s13 = (s13 + Math.imul(x1, w3)) | 0
      }
      const c = i * p + j
      C[c] = s00; C[c + 1] = s01; C[c + 2] = s02; C[c + 3] = s03
      C[c + p] = s10; C[c + p + 1] = s11; C[c + p + 2] = s12; C[c + p + 3] = s13
    }
    for (; j < p; j++) {
      const bj = j * m
      let s0 = 0; let s1 = 0
      for (let k = 0; k < m; k++) { const w = Bt[bj + k]; s0 = (s0 + Math.imul(A[a0 + k], w)) | 0; s1 = (s1 + Math.imul(A[a1 + k], w)) | 0 }
      C[i * p + j] = s0; C[i * p + p + j] = s1
    }
  }
  for (; i < n; i++) {
    const ai = i * m
    for (let j = 0; j < p; j++) {
      const bj = j * m
      let s = 0
      for (let k = 0; k < m; k++) s = (s + Math.imul(A[ai + k], Bt[bj + k])) | 0
      C[i * p + j] = s
    }
  }
}

function checkDims (...dims: number[]): void {
  for (const d of dims) if (!Number.isInteger(d) || d < 1) throw new InvalidInputError(`matmul: dimension ${d} is not a positive integer`)
}

/**
 * C = A·B for int8 A (n×m) and B (m×p), row-major, exact int32 result (m ≤ 131071 keeps it exact).
 * @example const C = matmulInt8(A, B, 512, 512, 512)
 */
export function matmulInt8 (A: Int8Array, B: Int8Array, n: number, m: number, p: number): Int32Array {
  checkDims(n, m, p)
  if (!(A instanceof Int8Array) || !(B instanceof Int8Array) || A.length !== n * m || B.length !== m * p) {
    throw new InvalidInputError(`matmulInt8: expected Int8Array A ${n}×${m} and B ${m}×${p}`)
  }
  if (m * 128 * 128 >= 2 ** 31) throw new InvalidInputError(`matmulInt8: inner dimension ${m} could overflow int32`)
  const Bt = new Int32Array(p * m)
  for (let k = 0; k < m; k++) { const row = k * p; for (let j = 0; j < p; j++) Bt[j * m + k] = B[row + j] }
  const C = new Int32Array(n * p)
  dotRows(new Int32Array(A), Bt, n, m, p, C)
  return C
}

/**
 * One dense layer on a batch: X is K×inSize int8 (k-major); returns acc and out, K×outSize.
 * @example const { acc, out } = runLayer(model.layers[0], input, 16)
 */
export function runLayer (layer: DenseLayer, X: Int8Array, batch: number): LayerTrace {
  checkDims(batch)
  validateLayer(layer)
  const { inSize, outSize, bias, multiplier, shift, relu } = layer
  if (!(X instanceof Int8Array) || X.length !== batch * inSize) {
    throw new InvalidInputError(`runLayer: expected an Int8Array of ${batch}×${inSize}, got ${X?.length}`)
  }
  const acc = new Int32Array(batch * outSize)
  dotRows(new Int32Array(X), new Int32Array(layer.weights), batch, inSize, outSize, acc) // widened per call: no cache a caller's in-place edit could make stale
  const out = new Int8Array(batch * outSize)
  for (let k = 0; k < batch; k++) {
    const row = k * outSize
    for (let o = 0; o < outSize; o++) {
      const a = (acc[row + o] + bias[o]) | 0
      acc[row + o] = a
      out[row + o] = clampInt8(requantize(a, multiplier, shift), relu)
    }
  }
  return { acc, out }
}

/**
 * Runs every layer on a batch (K×inputSize int8) and derives predictions and logits.
 * @example const { predictions } = runModel(model, pixels, 1) // [7]
 */
export function runModel (model: Model, input: Int8Array, batch: number): ModelRun {
  validateModel(model)
  const layers: LayerTrace[] = []
  let X = input
  for (const layer of model.layers) {
    const t = runLayer(layer, X, batch)
    layers.push(t)
    X = t.out
  }
  return modelRunOf(model, layers, batch)
}

/**
 * A ModelRun from per-layer traces: predictions (argmax, ties → lowest index) and logits from the last
 * layer's accumulators. Every backend (CPU, WebGPU, a test's deliberate liar) ends its run with this.
 * @example const run = modelRunOf(model, layers, 4)
 */
export function modelRunOf (model: Model, layers: LayerTrace[], batch: number): ModelRun {
  const last = layers[layers.length - 1].acc
  const width = model.layers[model.layers.length - 1].outSize
  const logits: number[][] = []
  for (let k = 0; k < batch; k++) logits.push(Array.from(last.subarray(k * width, (k + 1) * width)))
  return { layers, predictions: argmaxRows(last, batch, width), logits }
}

/**
 * Pixels in [0, 1] (the mnist package's floats) to int8 inputs: round(v·127).
 * @example quantizeInput([0, 0.5, 1]) // Int8Array [0, 64, 127]
 */
export function quantizeInput (pixels: ArrayLike<number>): Int8Array {
  const out = new Int8Array(pixels.length)
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i]
    if (!(v >= 0 && v <= 1)) throw new InvalidInputError(`quantizeInput: pixel ${i} = ${v} not in [0, 1]`)
    out[i] = Math.round(v * 127)
  }
  return out
}
