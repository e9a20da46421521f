/**
 * Integer requantization, clamping and argmax: the bit-exact elementwise steps every backend (CPU
 * here, WGSL in client/browser) must reproduce. Only 32-bit integer operations are used.
 */
import { InvalidInputError } from '../errors.js'

/** Smallest allowed requant shift. */
export const MIN_SHIFT = 17
/** Largest allowed requant shift. */
export const MAX_SHIFT = 40
/** Multipliers are integers in [1, MAX_MULTIPLIER]. */
export const MAX_MULTIPLIER = 0x7fff

/**
 * floor((acc·M + 2^(s-1)) / 2^s) computed with 32-bit ops only (the spec's split formula);
 * `acc` int32, 1 ≤ M < 2^15, 17 ≤ s ≤ 40 — callers validate M and s (the model does).
 * @example requantize(1000, 16384, 20) // 16 (1000·16384 / 2^20 = 15.6 → 16)
 */
export function requantize (acc: number, M: number, s: number): number {
  const aHi = acc >> 16
  const aLo = acc & 0xffff
  const A = Math.imul(aHi, M)
  const B = aLo * M // < 2^31: exact in a double, never wraps
  return (A + (B >>> 16) + (1 << (s - 17))) >> (s - 16)
}

/**
 * Clamp to int8: [0, 127] with relu, [-128, 127] without.
 * @example clampInt8(300, false) // 127
 */
export function clampInt8 (v: number, relu: boolean): number {
  const lo = relu ? 0 : -128
  return v < lo ? lo : v > 127 ? 127 : v
}

/**
 * Index of the largest value in values[offset, offset+length); ties go to the lowest index.
 * @example argmax(new Int32Array([3, 9, 9])) // 1
 */
export function argmax (values: ArrayLike<number>, offset = 0, length = values.length - offset): number {
  if (!Number.isInteger(length) || length < 1 || !Number.isInteger(offset) || offset < 0 || offset + length > values.length) {
    throw new InvalidInputError(`argmax: bad range offset=${offset} length=${length} of ${values.length}`)
  }
  let best = 0
  let bestValue = values[offset]
  for (let i = 1; i < length; i++) {
    const v = values[offset + i]
    if (v > bestValue) { best = i; bestValue = v }
  }
  return best
}

/**
 * argmax of each row of a k-major K×width matrix (the predictions of a batch).
 * @example argmaxRows(lastAcc, 16, 10) // [7, 2, …]
 */
export function argmaxRows (values: ArrayLike<number>, rows: number, width: number): number[] {
  if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(width) || width < 1 || rows * width !== values.length) {
    throw new InvalidInputError(`argmaxRows: ${values.length} values are not ${rows}×${width}`)
  }
  const out: number[] = []
  for (let k = 0; k < rows; k++) out.push(argmax(values, k * width, width))
  return out
}
