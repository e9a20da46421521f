/**
 * Exact-integer Freivalds checks. A claimed product C = A·B is tested as A·(B·r) == C·r for a
 * random r ∈ [0, 2^R)^n in float64 — no modulus, so adding a multiple of any p to an entry does not
 * help a cheater. R is derived from the operands' bounds so every partial sum stays below 2^53
 * (exact in a double); claimed entries outside the range an honest product can reach are rejected
 * outright, which is what keeps the claimed side bounded too. A wrong C passes one round with
 * probability ≤ 2^-R (a nonzero integer row d has d·r = 0 for at most one value of any r_k with
 * d_k ≠ 0), so rounds = ceil(targetBits / R) gives errorBound = 2^-(R·rounds).
 */
import { InvalidInputError } from '../errors.js'
import type { DenseLayer } from './model.js'

/** Most bits per round (the spec's cap). */
export const MAX_BITS_PER_ROUND = 20
/** Default security target: error ≤ 2^-40. */
export const DEFAULT_TARGET_BITS = 40

/** Fills `n` cryptographically random bytes. */
export type RandomBytes = (n: number) => Uint8Array

/** Options of a Freivalds check. */
export interface FreivaldsOptions {
  /** Wanted soundness in bits (default 40, at most 256). */
  targetBits?: number
  /** Randomness source (default crypto.getRandomValues). */
  randomBytes?: RandomBytes
}

/** The outcome: whether every round passed, how many ran, their R and the error bound 2^-(R·rounds). */
export interface FreivaldsResult {
  ok: boolean
  rounds: number
  bitsPerRound: number
  errorBound: number
  /** Why it failed, when it did. */
  detail?: string
}

/**
 * Random bytes from crypto.getRandomValues (in chunks of its 64 KiB limit).
 * @example defaultRandomBytes(32).length // 32
 */
export function defaultRandomBytes (n: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let o = 0; o < n; o += 65536) globalThis.crypto.getRandomValues(out.subarray(o, Math.min(n, o + 65536)))
  return out
}

/**
 * The largest R ≤ 20 with maxSum·(2^R − 1) < 2^53, where maxSum bounds Σ|coefficients| of every
 * dot product taken against r. Throws when even R = 1 is not exact.
 * @example bitsPerRound(16 * 784 * 128 * 128) // 20
 */
export function bitsPerRound (maxSum: number): number {
  let R = MAX_BITS_PER_ROUND
  while (R > 0 && maxSum * (2 ** R - 1) >= 2 ** 53) R--
  if (R < 1) throw new InvalidInputError(`freivalds: operands too large for exact float64 checks (bound ${maxSum})`)
  return R
}

function plan (maxSum: number, options?: FreivaldsOptions): { R: number, rounds: number, random: RandomBytes } {
  const targetBits = options?.targetBits ?? DEFAULT_TARGET_BITS
  if (!Number.isInteger(targetBits) || targetBits < 1 || targetBits > 256) throw new InvalidInputError(`freivalds: targetBits ${targetBits} not in 1–256`)
  const random = options?.randomBytes ?? defaultRandomBytes
  if (typeof random !== 'function') throw new InvalidInputError('freivalds: randomBytes must be a function')
  const R = bitsPerRound(maxSum)
  return { R, rounds: Math.ceil(targetBits / R), random }
}

/** n uniform integers in [0, 2^R) as doubles. */
function randomVector (random: RandomBytes, n: number, R: number): Float64Array {
  const bytes = random(4 * n)
  if (!(bytes instanceof Uint8Array) || bytes.length !== 4 * n) throw new InvalidInputError(`freivalds: randomBytes(${4 * n}) returned the wrong length`)
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const mask = 2 ** R - 1
  const r = new Float64Array(n)
  for (let i = 0; i < n; i++) r[i] = v.getUint32(4 * i, true) & mask
  return r
}

const result = (ok: boolean, rounds: number, R: number, detail?: string): FreivaldsResult =>
  ({ ok, rounds, bitsPerRound: R, errorBound: 2 ** -(R * rounds), ...(detail === undefined ? {} : { detail }) })

/**
 * Checks a layer's claimed accumulators: W·(Xᵀ·r) == (Acc − bias·1ᵀ)·r, exactly. X and acc are
 * K×inSize / K×outSize (k-major); an |acc − bias| beyond inSize·2^14 fails at once.
 * @example freivaldsLayer(model.layers[l], X, K, trace.layers[l].acc).ok
 */
export function freivaldsLayer (layer: DenseLayer, X: Int8Array, batch: number, acc: Int32Array, options?: FreivaldsOptions): FreivaldsResult {
  const { inSize, outSize, weights: W, bias } = layer
  if (!Number.isInteger(batch) || batch < 1) throw new InvalidInputError(`freivaldsLayer: bad batch ${batch}`)
  if (!(X instanceof Int8Array) || X.length !== batch * inSize) throw new InvalidInputError(`freivaldsLayer: X must be an Int8Array of ${batch}×${inSize}`)
  if (!(acc instanceof Int32Array) || acc.length !== batch * outSize) throw new InvalidInputError(`freivaldsLayer: acc must be an Int32Array of ${batch}×${outSize}`)
  const limit = inSize * 128 * 128 // |Σ_i W·X| ≤ inSize·2^14 for int8 operands
  const { R, rounds, random } = plan(batch * limit, options)
  // Range check: the claimed side must be reachable by an honest product, else its sums are unbounded.
  const D = new Float64Array(batch * outSize) // D[k][o] = acc − bias
  for (let k = 0; k < batch; k++) {
    for (let o = 0; o < outSize; o++) {
      const d = acc[k * outSize + o] - bias[o]
      if (d > limit || d < -limit) return result(false, 0, R, `acc[${k}][${o}] = ${acc[k * outSize + o]} is out of reach of bias + W·x`)
      D[k * outSize + o] = d
    }
  }
  const v = new Float64Array(inSize)
  const left = new Float64Array(outSize)
  const right = new Float64Array(outSize)
  for (let round = 0; round < rounds; round++) {
    const r = randomVector(random, batch, R)
    v.fill(0); right.fill(0)
    for (let k = 0; k < batch; k++) { // v = Xᵀ·r and right = Dᵀ·r, both row-wise
      const rk = r[k]
      if (rk === 0) continue
      const xo = k * inSize
      for (let i = 0; i < inSize; i++) v[i] += X[xo + i] * rk
      const dk = k * outSize
      for (let o = 0; o < outSize; o++) right[o] += D[dk + o] * rk
    }
    for (let o = 0; o < outSize; o++) { // left = W·v
      const wo = o * inSize
      let s0 = 0; let s1 = 0
      let i = 0
      for (; i + 1 < inSize; i += 2) { s0 += W[wo + i] * v[i]; s1 += W[wo + i + 1] * v[i + 1] }
      if (i < inSize) s0 += W[wo + i] * v[i]
      left[o] = s0 + s1
    }
    for (let o = 0; o < outSize; o++) {
      if (left[o] !== right[o]) return result(false, round + 1, R, `round ${round + 1}: output ${o} differs (W·Xᵀr = ${left[o]}, (Acc − bias)·r = ${right[o]})`)
    }
  }
  return result(true, rounds, R)
}

/**
 * Checks a claimed square int8 product C = A·B (n×n, row-major, C int32) with A·(B·r) == C·r.
 * @example freivaldsMatmul(A, B, matmulInt8(A, B, n, n, n), n).ok // true
 */
export function freivaldsMatmul (A: Int8Array, B: Int8Array, C: Int32Array, n: number, options?: FreivaldsOptions): FreivaldsResult {
  if (!Number.isInteger(n) || n < 1) throw new InvalidInputError(`freivaldsMatmul: bad n ${n}`)
  if (!(A instanceof Int8Array) || !(B instanceof Int8Array) || !(C instanceof Int32Array) || A.length !== n * n || B.length !== n * n || C.length !== n * n) {
    throw new InvalidInputError(`freivaldsMatmul: expected Int8Array A, B and Int32Array C of ${n}×${n}`)
  }
  const limit = n * 128 * 128
  const { R, rounds, random } = plan(n * limit, options)
  for (let i = 0; i < n * n; i++) {
    if (C[i] > limit || C[i] < -limit) return result(false, 0, R, `C[${Math.floor(i / n)}][${i % n}] = ${C[i]} is out of reach of an int8 product`)
  }
  const br = new Float64Array(n)
  for (let round = 0; round < rounds; round++) {
    const r = randomVector(random, n, R)
    for (let i = 0; i < n; i++) { // br = B·r
      const bi = i * n
      let s = 0
      for (let j = 0; j < n; j++) s += B[bi + j] * r[j]
      br[i] = s
    }
    for (let i = 0; i < n; i++) { // (A·br)[i] vs (C·r)[i]
      const ai = i * n
      let sa = 0; let sc = 0
      for (let j = 0; j < n; j++) { sa += A[ai + j] * br[j]; sc += C[ai + j] * r[j] }
      if (sa !== sc) return result(false, round + 1, R, `round ${round + 1}: row ${i} differs`)
    }
  }
  return result(true, rounds, R)
}
