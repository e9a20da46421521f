// worker/gpu's WGSL kernels in Node through Dawn (the `webgpu` package; SwiftShader's Vulkan here):
// bit-exact against protocol/compute's CPU reference (matmulInt8, runLayer, runModel) on seeded
// random inputs — odd sizes, extremes, accumulators near 2^31, every shift 17..40, a requant sweep
// over the int32 range checked against the BigInt formula too, argmax ties — on both dot-product
// paths (dot4I8Packed and extractBits). Plus the typed errors: no GPU, bad input, abort, destroy.
// Run: flock /tmp/gm-heavy.lock npx vitest run --project integration test/integration/webgpu-node.test.ts
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { matmulInt8, runLayer, runModel } from '../../protocol/compute/index.js'
import { createGpuCompute, type GpuCompute } from '../../worker/gpu/index.js'
import { createNodeGpu } from '../../worker/node-gpu.js'
import { firstDiff, layerCases, matmulCases, modelCases, rng, int8s, layer } from '../browser/fixtures/webgpu/cases.js'

const SEED = 0x6c3
const bigRequant = (acc: number, M: number, s: number): number => Number((BigInt(acc) * BigInt(M) + (1n << BigInt(s - 1))) >> BigInt(s))
const clamp = (v: number, relu: boolean): number => Math.min(127, Math.max(relu ? 0 : -128, v))

let gpu: GPU
const runners: Partial<Record<'packed' | 'extract', GpuCompute>> = {}

beforeAll(async () => {
  gpu = await createNodeGpu()
  runners.extract = await createGpuCompute({ gpu, dot: 'extract' })
  if (gpu.wgslLanguageFeatures?.has('packed_4x8_integer_dot_product') === true) runners.packed = await createGpuCompute({ gpu, dot: 'packed' })
  const a = runners.extract.adapterInfo
  console.log(`[bench] Dawn adapter: ${a.vendor} ${a.architecture} ${a.description} (packed dot available: ${a.packedDotAvailable})`)
}, 60_000)

afterAll(() => { for (const r of Object.values(runners)) r?.destroy() })

describe('WebGPU kernels in Node (Dawn)', () => {
  it('Dawn here has the packed 4×int8 dot product, so both paths are exercised', () => {
    // SwiftShader and current Dawn expose packed_4x8_integer_dot_product; if this fails, the packed path went untested
    expect(Object.keys(runners).sort()).toEqual(['extract', 'packed'])
    expect(runners.packed!.adapterInfo.dot).toBe('packed')
  })

  for (const dot of ['packed', 'extract'] as const) {
    describe(`dot path: ${dot}`, () => {
      it('matmulInt8 equals the CPU matmulInt8 (odd sizes, extremes)', async () => {
        for (const c of matmulCases(SEED)) {
          const got = await runners[dot]!.matmulInt8(c.A, c.B, c.n, c.m, c.p)
          const want = matmulInt8(c.A, c.B, c.n, c.m, c.p)
          expect(firstDiff(got, want), c.name).toBe(-1)
        }
      })

      it('runLayer equals the CPU runLayer: every shift 17..40, |acc| near 2^31, a requant sweep', async () => {
        const cases = layerCases(SEED + 1)
        const shifts = new Set(cases.map(c => c.layer.shift))
        for (let s = 17; s <= 40; s++) expect(shifts.has(s)).toBe(true)
        let maxAcc = 0
        for (const c of cases) {
          const got = await runners[dot]!.runLayer(c.layer, c.X, c.batch)
          const want = runLayer(c.layer, c.X, c.batch)
          expect(firstDiff(got.acc, want.acc), `${c.name} acc`).toBe(-1)
          expect(firstDiff(got.out, want.out), `${c.name} out`).toBe(-1)
          for (let i = 0; i < got.acc.length; i++) {
            maxAcc = Math.max(maxAcc, Math.abs(got.acc[i]))
            expect(got.out[i]).toBe(clamp(bigRequant(got.acc[i], c.layer.multiplier, c.layer.shift), c.layer.relu))
          }
        }
        expect(maxAcc).toBe(2 ** 31 - 1) // the big-accumulator case reached the bound exactly
      })

      it('runModel equals the CPU runModel (traces, predictions on the GPU, logits), ties → lowest index', async () => {
        for (const c of modelCases(SEED + 2)) {
          const got = await runners[dot]!.runModel(c.model, c.input, c.batch)
          const want = runModel(c.model, c.input, c.batch)
          expect(got.layers).toHaveLength(c.model.layers.length)
          for (let l = 0; l < c.model.layers.length; l++) {
            expect(firstDiff(got.layers[l].acc, want.layers[l].acc), `${c.name} layer ${l} acc`).toBe(-1)
            expect(firstDiff(got.layers[l].out, want.layers[l].out), `${c.name} layer ${l} out`).toBe(-1)
          }
          expect(got.predictions, c.name).toEqual(want.predictions)
          expect(got.logits, c.name).toEqual(want.logits)
          if (c.name.startsWith('argmax ties')) expect(got.predictions).toEqual([2, 2, 2])
        }
      })
    })
  }

  it('reuses a layer’s uploaded weights, and sees a replaced weights array', async () => {
    const gc = runners.extract!
    const r = rng(SEED + 3)
    const l = layer(r, 50, 20)
    const X = int8s(r, 4 * 50)
    expect(firstDiff((await gc.runLayer(l, X, 4)).acc, runLayer(l, X, 4).acc)).toBe(-1)
    expect(firstDiff((await gc.runLayer(l, X, 4)).acc, runLayer(l, X, 4).acc)).toBe(-1)
    l.weights = int8s(r, 50 * 20)
    expect(firstDiff((await gc.runLayer(l, X, 4)).acc, runLayer(l, X, 4).acc)).toBe(-1)
    expect(firstDiff((await gc.runLayer(l, X, 4, { cacheWeights: false })).out, runLayer(l, X, 4).out)).toBe(-1)
  })

  it('rejects bad input with typed errors and honours AbortSignal', async () => {
    const gc = runners.extract!
    const r = rng(SEED + 4)
    const l = layer(r, 8, 4)
    await expect(gc.runLayer(l, new Int8Array(7), 1)).rejects.toMatchObject({ name: 'InvalidInputError', code: 'INVALID_INPUT' })
    await expect(gc.runLayer(l, new Int8Array(8), 0)).rejects.toMatchObject({ name: 'InvalidInputError' })
    await expect(gc.runLayer({ ...l, shift: 41 }, new Int8Array(8), 1)).rejects.toMatchObject({ name: 'InvalidModelError', code: 'INVALID_MODEL' })
    await expect(gc.runModel({ inputSize: 8, layers: [l, layer(r, 5, 2)] }, new Int8Array(8), 1)).rejects.toMatchObject({ name: 'InvalidModelError' })
    await expect(gc.matmulInt8(new Int8Array(6), new Int8Array(6), 2, 3, 3)).rejects.toMatchObject({ name: 'InvalidInputError' })
    await expect(gc.matmulInt8(new Int8Array(6), new Int8Array(6), 2, 3, 2.5)).rejects.toMatchObject({ name: 'InvalidInputError' })
    const ac = new AbortController()
    ac.abort()
    await expect(gc.runLayer(l, new Int8Array(8), 1, { signal: ac.signal })).rejects.toMatchObject({ name: 'WebGpuAbortedError', code: 'WEBGPU_ABORTED' })
    // aborting while the GPU works: the call rejects at once (the dispatch finishes on its own)
    const A = int8s(r, 512 * 512)
    const ac2 = new AbortController()
    const p = gc.matmulInt8(A, A, 512, 512, 512, { signal: ac2.signal })
    ac2.abort()
    await expect(p).rejects.toMatchObject({ name: 'WebGpuAbortedError' })
    expect(firstDiff(await gc.matmulInt8(A, A, 64, 64 * 64, 64), matmulInt8(A, A, 64, 64 * 64, 64))).toBe(-1) // still usable
  })

  it('no GPU is WebGpuUnavailableError (never a silent CPU fallback); a destroyed runner is WebGpuDeviceLostError', async () => {
    await expect(createGpuCompute({ gpu: undefined })).rejects.toMatchObject({ name: 'WebGpuUnavailableError', code: 'WEBGPU_UNAVAILABLE' })
    const noAdapter = { requestAdapter: async () => null, wgslLanguageFeatures: new Set() } as unknown as GPU
    await expect(createGpuCompute({ gpu: noAdapter })).rejects.toThrow(/returned null/)
    const noPacked = { requestAdapter: async () => await gpu.requestAdapter(), wgslLanguageFeatures: new Set() } as unknown as GPU
    await expect(createGpuCompute({ gpu: noPacked, dot: 'packed' })).rejects.toThrow(/packed_4x8_integer_dot_product/)
    const fallback = await createGpuCompute({ gpu: noPacked })
    expect(fallback.adapterInfo).toMatchObject({ dot: 'extract', packedDotAvailable: false })
    const ac = new AbortController()
    const gc = await createGpuCompute({ gpu, signal: ac.signal })
    ac.abort()
    await expect(gc.matmulInt8(new Int8Array(4), new Int8Array(4), 2, 2, 2)).rejects.toMatchObject({ name: 'WebGpuDeviceLostError', code: 'WEBGPU_DEVICE_LOST' })
    fallback.destroy()
    await expect(fallback.runLayer(layer(rng(1), 4, 4), new Int8Array(4), 1)).rejects.toMatchObject({ name: 'WebGpuDeviceLostError' })
  })

  it('createNodeGpu says why when Vulkan has no driver (a bogus ICD: Vulkan\'s loader re-reads it at each create())', async () => {
    const saved = process.env.VK_ICD_FILENAMES
    process.env.VK_ICD_FILENAMES = '/nonexistent/icd.json'
    try {
      await expect(createNodeGpu()).rejects.toMatchObject({ name: 'WebGpuUnavailableError', code: 'WEBGPU_UNAVAILABLE', message: expect.stringMatching(/^Dawn found no GPU adapter \(VK_ICD_FILENAMES=\/nonexistent\/icd.json/) })
    } finally { process.env.VK_ICD_FILENAMES = saved }
    expect((await createNodeGpu()).wgslLanguageFeatures).toBeDefined()
  })
})
