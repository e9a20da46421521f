// Deterministic random models and inputs for the compute tests (not a test file itself).
import type { DenseLayer, Model } from '../../protocol/compute/index.js'

/** A small seeded PRNG (mulberry32) so failures reproduce. @example const rnd = seeded(1); rnd() // [0, 1) */
export function seeded (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A random overflow-safe model with the given sizes (relu on all but the last layer). @example randomModel([784, 128, 64, 10], 1) */
export function randomModel (sizes: number[], seed: number): Model {
  const rnd = seeded(seed)
  const layers: DenseLayer[] = []
  for (let l = 0; l + 1 < sizes.length; l++) {
    const inSize = sizes[l]; const outSize = sizes[l + 1]
    layers.push({
      inSize,
      outSize,
      relu: l + 2 < sizes.length,
      multiplier: 1 + Math.floor(rnd() * 32766),
      shift: 17 + Math.floor(rnd() * 12),
      weights: new Int8Array(inSize * outSize).map(() => Math.floor(rnd() * 256) - 128),
      bias: new Int32Array(outSize).map(() => Math.floor(rnd() * 20000) - 10000)
    })
  }
  return { inputSize: sizes[0], layers }
}

/** A random int8 batch (K×size). @example randomInput(16, 784, 5) */
export function randomInput (K: number, size: number, seed: number): Int8Array {
  const rnd = seeded(seed)
  return new Int8Array(K * size).map(() => Math.floor(rnd() * 256) - 128)
}
