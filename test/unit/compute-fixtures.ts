// Deterministic random models and inputs for the compute tests (not a test file itself).
import type { DenseLayer, Model } from '../../protocol/compute/index.js'
import { seeded } from '../helpers/seeded.js'

export { seeded }

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
