// Post-training quantization to the compute spec's int8 scheme (/tmp spec → protocol/compute/README):
// symmetric per-tensor int8 weights (scale max|W|/127), int32 biases at the accumulator's scale
// (inputScale·weightScale), int8 activations whose scale is calibrated on the training set from the
// integer accumulators themselves, and the requant ratio as M/2^s (1 ≤ M < 2^15, 17 ≤ s ≤ 40).
// The integer layers are run by protocol/compute's reference (`runLayer`, passed in), never here.

const MIN_SHIFT = 17
const MAX_SHIFT = 40
const MAX_MULTIPLIER = 0x7fff

/**
 * The value at percentile `p` (0 < p ≤ 100) of `values` (nearest rank, on a sorted copy).
 * @example percentile(Int32Array.of(5, 1, 9), 100) // 9
 */
export function percentile (values, p) {
  const sorted = Float64Array.from(values).sort()
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p / 100 * sorted.length) - 1))
  return sorted[rank]
}

/**
 * The requant pair (M, s) closest to `ratio` with the largest shift that keeps M < 2^15.
 * @example requantPair(0.0123) // { multiplier: 25795, shift: 21 }
 */
export function requantPair (ratio) {
  if (!(ratio > 0)) throw new Error(`requant ratio must be positive, got ${ratio}`)
  let shift = MAX_SHIFT
  while (shift > MIN_SHIFT && Math.round(ratio * 2 ** shift) > MAX_MULTIPLIER) shift--
  const multiplier = Math.round(ratio * 2 ** shift)
  if (multiplier < 1 || multiplier > MAX_MULTIPLIER) throw new Error(`requant ratio ${ratio} does not fit M/2^s with M < 2^15, 17 ≤ s ≤ 40`)
  return { multiplier, shift }
}

/**
 * Quantizes a float network (input-major weights, see mlp.mjs) into a protocol/compute `Model`;
 * activations are calibrated at `pct` (percentile of the positive accumulators, |acc| for the last
 * layer) over `calib` ({ pixels, count }, int8 inputs at scale 1/127).
 * @example const model = quantizeMlp(net, train, 99.99, runLayer)
 */
export function quantizeMlp (net, calib, pct, runLayer) {
  let inScale = 1 / 127
  let X = calib.pixels
  const layers = []
  const L = net.W.length
  for (let l = 0; l < L; l++) {
    const n = net.sizes[l]
    const m = net.sizes[l + 1]
    const w = net.W[l]
    let maxAbs = 0
    for (let k = 0; k < w.length; k++) maxAbs = Math.max(maxAbs, Math.abs(w[k]))
    const wScale = maxAbs / 127
    const weights = new Int8Array(m * n)
    for (let i = 0; i < n; i++) for (let o = 0; o < m; o++) weights[o * n + i] = Math.round(w[i * m + o] / wScale)
    const accScale = inScale * wScale
    const bias = Int32Array.from(net.b[l], v => Math.round(v / accScale))
    const relu = l + 1 < L
    const probe = { inSize: n, outSize: m, relu, multiplier: 1, shift: MIN_SHIFT, weights, bias }
    const { acc } = runLayer(probe, X, calib.count)
    const range = percentile(relu ? acc.map(a => Math.max(a, 0)) : acc.map(Math.abs), pct)
    const { multiplier, shift } = requantPair(127 / Math.max(range, 1))
    const layer = { ...probe, multiplier, shift }
    layers.push(layer)
    X = runLayer(layer, X, calib.count).out
    inScale = accScale * 2 ** shift / multiplier // the int8 output's real scale
  }
  return { inputSize: net.sizes[0], layers }
}
