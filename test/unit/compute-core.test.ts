// protocol/compute core: the 32-bit requant formula against BigInt, GMM1 encode/decode, the CPU reference.
import { describe, expect, it } from 'vitest'
import { sha256 } from '@noble/hashes/sha2.js'
import {
  requantize, clampInt8, argmax, argmaxRows, encodeModel, decodeModel, validateModel, layerBytes, layerHashes,
  modelLayersRoot, encodeLayer, decodeLayer, InvalidModelError, runLayer, runModel, matmulInt8, quantizeInput
} from '../../protocol/compute/index.js'
import type { DenseLayer, Model } from '../../protocol/compute/index.js'
import { merkleRootRfc6962 } from '../../protocol/chain/merkle.js'
import { randomModel, seeded } from './compute-fixtures.js'

const refRequant = (acc: number, M: number, s: number): number =>
  Number((BigInt(acc) * BigInt(M) + (1n << BigInt(s - 1))) >> BigInt(s)) // >> on BigInt is floor division

describe('requantize (32-bit split formula)', () => {
  it('equals floor((acc·M + 2^(s-1)) / 2^s) on edge cases', () => {
    const accs = [0, -1, 1, 2 ** 30, -(2 ** 30), 2 ** 31 - 1, -(2 ** 31), 65535, 65536, -65536, -65537, 32768, -32768]
    for (let e = 0; e < 31; e++) accs.push(2 ** e, -(2 ** e), 2 ** e - 1, -(2 ** e) + 1)
    const Ms = [1, 2, 2 ** 14, 2 ** 15 - 1, 12345]
    const ss = [17, 18, 24, 31, 32, 39, 40]
    let n = 0
    for (const a of accs) for (const M of Ms) for (const s of ss) { expect(requantize(a | 0, M, s)).toBe(refRequant(a | 0, M, s)); n++ }
    expect(n).toBeGreaterThan(4000)
  })
  it('equals the BigInt formula on 100k random triples', () => {
    const rnd = seeded(42)
    for (let i = 0; i < 100_000; i++) {
      const acc = (rnd() * 2 ** 32) | 0
      const M = 1 + Math.floor(rnd() * (2 ** 15 - 1))
      const s = 17 + Math.floor(rnd() * 24)
      const got = requantize(acc, M, s)
      if (got !== refRequant(acc, M, s)) expect({ acc, M, s, got }).toEqual({ acc, M, s, got: refRequant(acc, M, s) })
    }
  })
  it('rounds half up', () => {
    expect(requantize(1, 16384, 17)).toBe(0) // 0.125 → 0
    expect(requantize(4, 16384, 17)).toBe(1) // exactly 0.5 → 1
    expect(requantize(-4, 16384, 17)).toBe(0) // exactly -0.5 → 0
    expect(requantize(-5, 16384, 17)).toBe(-1)
  })
})

describe('clamp and argmax', () => {
  it('clamps to int8, relu to [0, 127]', () => {
    expect([clampInt8(-500, false), clampInt8(-500, true), clampInt8(500, false), clampInt8(-3, true), clampInt8(-3, false), clampInt8(5, true)])
      .toEqual([-128, 0, 127, 0, -3, 5])
  })
  it('argmax: ties go to the lowest index', () => {
    expect(argmax(new Int32Array([3, 9, 9, 1]))).toBe(1)
    expect(argmax(new Int32Array([-5, -5, -5]))).toBe(0)
    expect(argmax([1, 2, 7, 7, 0, 7], 3, 3)).toBe(0)
    expect(argmaxRows(new Int32Array([0, 5, 5, 8, 8, 1]), 2, 3)).toEqual([1, 0])
    expect(() => argmax([], 0, 0)).toThrow(/argmax/)
    expect(() => argmaxRows(new Int32Array(5), 2, 3)).toThrow(/argmaxRows/)
  })
})

describe('GMM1 model file', () => {
  const model = randomModel([784, 128, 64, 10], 7)
  it('roundtrips and hashes layers as the spec says', () => {
    const bytes = encodeModel(model)
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('GMM1')
    expect(bytes.length).toBe(10 + 3 * 15 + 784 * 128 + 128 * 64 + 64 * 10 + 4 * (128 + 64 + 10))
    const back = decodeModel(bytes)
    expect(back.inputSize).toBe(784)
    expect(back.layers.map(l => [l.inSize, l.outSize, l.relu, l.multiplier, l.shift])).toEqual(model.layers.map(l => [l.inSize, l.outSize, l.relu, l.multiplier, l.shift]))
    back.layers.forEach((l, i) => { expect(l.weights).toEqual(model.layers[i].weights); expect(l.bias).toEqual(model.layers[i].bias) })
    expect(encodeModel(back)).toEqual(bytes)
    const hashes = layerHashes(model)
    for (let l = 0; l < 3; l++) {
      expect(sha256(layerBytes(bytes, l))).toEqual(hashes[l])
      expect(layerBytes(bytes, l)).toEqual(encodeLayer(model.layers[l]))
      expect(encodeLayer(decodeLayer(layerBytes(bytes, l)))).toEqual(layerBytes(bytes, l))
    }
    expect(modelLayersRoot(model)).toEqual(merkleRootRfc6962(hashes))
  })
  it('rejects malformed bytes with InvalidModelError', () => {
    const bytes = encodeModel(model)
    const bad = (mutate: (b: Uint8Array) => Uint8Array): void => {
      expect(() => decodeModel(mutate(bytes.slice()))).toThrow(InvalidModelError)
    }
    bad(b => b.subarray(0, b.length - 1)) // truncated bias
    bad(b => b.subarray(0, 9)) // truncated header
    bad(b => new Uint8Array([...b, 0])) // trailing byte
    bad(b => { b[0] = 0x47 + 1; return b }) // magic
    bad(b => { b[4] = 2; return b }) // version
    bad(b => { b[5] = 0; return b }) // no layers
    bad(b => { b[5] = 17; return b }) // too many layers
    bad(b => { b[5] = 4; return b }) // claims a 4th layer
    bad(b => { b[10] = 2; return b }) // unknown kind
    bad(b => { b[6] = 0x11; return b }) // inputSize ≠ layer 0 inSize
    bad(b => { b[19] = 2; return b }) // relu byte 2
    bad(b => { new DataView(b.buffer).setUint32(20, 0, true); return b }) // M = 0
    bad(b => { new DataView(b.buffer).setUint32(20, 0x8000, true); return b }) // M = 2^15
    bad(b => { b[24] = 16; return b }) // s < 17
    bad(b => { b[24] = 41; return b }) // s > 40
    bad(b => { new DataView(b.buffer).setUint32(15, 0xffffffff, true); return b }) // absurd outSize: no allocation, typed error
    expect(() => decodeModel('GMM1' as unknown as Uint8Array)).toThrow(InvalidModelError)
    expect(() => decodeLayer(new Uint8Array([...encodeLayer(model.layers[2]), 1]))).toThrow(/trailing/)
    expect(() => layerBytes(bytes, 3)).toThrow(InvalidModelError)
  })
  it('rejects overflow-unsafe layers and a relu last layer', () => {
    const lay = (inSize: number, bias: number): DenseLayer => ({ inSize, outSize: 1, relu: false, multiplier: 1, shift: 20, weights: new Int8Array(inSize), bias: new Int32Array([bias]) })
    // inSize·2^14 + max|bias| < 2^31: 131071·16384 = 2^31 − 16384
    expect(() => validateModel({ inputSize: 131071, layers: [lay(131071, 16383)] })).not.toThrow()
    expect(() => validateModel({ inputSize: 131071, layers: [lay(131071, -16384)] })).toThrow(/overflow/)
    expect(() => validateModel({ inputSize: 131072, layers: [lay(131072, 0)] })).toThrow(/overflow/)
    expect(() => validateModel({ inputSize: 4, layers: [{ ...lay(4, 0), relu: true }] })).toThrow(/last layer/)
    expect(() => validateModel({ inputSize: 4, layers: [{ ...lay(4, 0), weights: new Int8Array(3) }] })).toThrow(InvalidModelError)
    expect(() => validateModel({ inputSize: 4, layers: [{ ...lay(4, 0), bias: [0] as unknown as Int32Array }] })).toThrow(InvalidModelError)
    expect(() => validateModel({ inputSize: 4, layers: [] })).toThrow(InvalidModelError)
  })
})

/** Naive reference with BigInt-free plain loops (no tiling) to check the tuned kernel. */
function naiveLayer (layer: DenseLayer, X: Int8Array, K: number): { acc: Int32Array, out: Int8Array } {
  const acc = new Int32Array(K * layer.outSize)
  const out = new Int8Array(K * layer.outSize)
  for (let k = 0; k < K; k++) {
    for (let o = 0; o < layer.outSize; o++) {
      let s = layer.bias[o]
      for (let i = 0; i < layer.inSize; i++) s += layer.weights[o * layer.inSize + i] * X[k * layer.inSize + i]
      acc[k * layer.outSize + o] = s
      const y = refRequant(s, layer.multiplier, layer.shift)
      out[k * layer.outSize + o] = Math.min(127, Math.max(layer.relu ? 0 : -128, y))
    }
  }
  return { acc, out }
}

describe('CPU reference', () => {
  it('runLayer matches a naive loop for odd shapes and batches', () => {
    const rnd = seeded(3)
    for (const [inSize, outSize, K] of [[1, 1, 1], [5, 7, 3], [33, 9, 4], [17, 4, 1], [64, 13, 5]]) {
      const model = randomModel([inSize, outSize], Math.floor(rnd() * 1000))
      const X = new Int8Array(K * inSize).map(() => Math.floor(rnd() * 256) - 128)
      const got = runLayer(model.layers[0], X, K)
      const want = naiveLayer(model.layers[0], X, K)
      expect(got.acc).toEqual(want.acc)
      expect(got.out).toEqual(want.out)
    }
  })
  it('worst-case accumulators stay exact (−128·−128 over the whole row, max bias)', () => {
    const inSize = 1000
    const layer: DenseLayer = { inSize, outSize: 2, relu: false, multiplier: 1, shift: 17, weights: new Int8Array(2 * inSize).fill(-128), bias: new Int32Array([2 ** 31 - 1 - inSize * 16384, -(2 ** 31 - 1 - inSize * 16384)]) }
    const { acc } = runLayer(layer, new Int8Array(inSize).fill(-128), 1)
    expect(Array.from(acc)).toEqual([2 ** 31 - 1, -(2 ** 31 - 1) + 2 * inSize * 16384])
  })
  it('runModel chains layers, predictions = argmax of last acc, logits = last acc', () => {
    const model: Model = randomModel([20, 12, 6, 4], 11)
    const K = 5
    const input = new Int8Array(K * 20).map((_, i) => (i * 37) % 128)
    const run = runModel(model, input, K)
    let X: Int8Array = input
    model.layers.forEach((layer, l) => {
      const want = naiveLayer(layer, X, K)
      expect(run.layers[l].acc).toEqual(want.acc)
      expect(run.layers[l].out).toEqual(want.out)
      X = want.out
    })
    const last = run.layers[2].acc
    expect(run.logits).toEqual(Array.from({ length: K }, (_, k) => Array.from(last.subarray(k * 4, k * 4 + 4))))
    expect(run.predictions).toEqual(run.logits.map(r => r.indexOf(Math.max(...r))))
    expect(() => runModel(model, new Int8Array(19), 1)).toThrow(/runLayer/)
  })
  it('matmulInt8 = naive A·B (n×m · m×p)', () => {
    const rnd = seeded(9)
    for (const [n, m, p] of [[1, 1, 1], [3, 5, 7], [8, 8, 8], [9, 31, 6]]) {
      const A = new Int8Array(n * m).map(() => Math.floor(rnd() * 256) - 128)
      const B = new Int8Array(m * p).map(() => Math.floor(rnd() * 256) - 128)
      const C = matmulInt8(A, B, n, m, p)
      for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) {
        let s = 0
        for (let k = 0; k < m; k++) s += A[i * m + k] * B[k * p + j]
        expect(C[i * p + j]).toBe(s)
      }
    }
    expect(() => matmulInt8(new Int8Array(4), new Int8Array(4), 2, 2, 3)).toThrow(/matmulInt8/)
  })
  it('quantizeInput = round(v·127)', () => {
    expect(Array.from(quantizeInput([0, 0.5, 1, 0.003]))).toEqual([0, 64, 127, 0])
    expect(() => quantizeInput([1.5])).toThrow(/pixel 0/)
  })
})
