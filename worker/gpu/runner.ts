/// <reference types="@webgpu/types" />
/**
 * The WebGPU compute runner: int8 dense layers and whole models on the GPU, bit-exact with
 * protocol/compute's CPU reference. Pure WebGPU API — it takes a `GPU` (`navigator.gpu` in a browser
 * Worker, Dawn's `create()` in Node through worker/node-gpu.ts) and never falls back to the CPU:
 * no adapter is WebGpuUnavailableError; the caller picks the CPU path itself (and says backend "cpu").
 * Pipelines compile once per runner; a layer's weights upload once per layer object (cacheWeights).
 */
import { InvalidInputError } from '../../protocol/errors.js'
import { WebGpuAbortedError, WebGpuDeviceLostError, WebGpuError, WebGpuUnavailableError } from './errors.js'
import { packRows, packTransposed, unpackRows, wordsFor } from './pack.js'
import { ARGMAX_SOURCE, ELEMENTWISE_WG, MATMUL_TILE, REQUANT_SOURCE, matmulSource, type DotPath } from './wgsl.js'
import { validateLayer, validateModel, type DenseLayer, type LayerTrace, type Model, type ModelRun } from '../../protocol/compute/index.js'

// GPUBufferUsage / GPUMapMode as numbers: Dawn in Node doesn't install the WebGPU globals.
const MAP_READ = 0x1
const COPY_SRC = 0x4
const COPY_DST = 0x8
const UNIFORM = 0x40
const STORAGE = 0x80

/** Options of createGpuCompute. */
export interface GpuComputeOptions {
  /** `navigator.gpu`, or worker/node-gpu.ts createNodeGpu() in Node. */
  gpu: GPU | undefined
  /** Destroys the device when aborted (later calls fail with WebGpuDeviceLostError). */
  signal?: AbortSignal
  /** The 4×int8 dot product: 'auto' (default) = dot4I8Packed when the adapter has packed_4x8_integer_dot_product, else extractBits. */
  dot?: 'auto' | DotPath
}

/** Which adapter runs the kernels. */
export interface GpuAdapterSummary { vendor: string, architecture: string, device: string, description: string, dot: DotPath, packedDotAvailable: boolean }

/** Per-call options. */
export interface GpuCallOptions {
  signal?: AbortSignal
  /** Keep the layers' weight/bias buffers on the GPU keyed by the layer object (default true). Don't mutate a cached layer in place. */
  cacheWeights?: boolean
}

/** What createGpuCompute returns. */
export interface GpuCompute {
  adapterInfo: GpuAdapterSummary
  /** C = A·B with A n×m, B m×p int8 (row-major) → C n×p int32 (row-major). */
  matmulInt8: (A: Int8Array, B: Int8Array, n: number, m: number, p: number, options?: GpuCallOptions) => Promise<Int32Array>
  /** One dense layer on a batch (X: batch×inSize int8, k-major) → its acc and out. */
  runLayer: (layer: DenseLayer, X: Int8Array, batch: number, options?: GpuCallOptions) => Promise<LayerTrace>
  /** The whole model in one submission → every layer's acc/out, predictions (argmax on the GPU) and logits. */
  runModel: (model: Model, input: Int8Array, batch: number, options?: GpuCallOptions) => Promise<ModelRun>
  /** Frees the device (and every buffer); later calls fail with WebGpuDeviceLostError. */
  destroy: () => void
}

const aborted = (signal: AbortSignal | undefined, what: string): WebGpuAbortedError => new WebGpuAbortedError(`${what} aborted`, { cause: signal?.reason })

async function compile (device: GPUDevice, code: string, label: string): Promise<GPUComputePipeline> {
  const module = device.createShaderModule({ code, label })
  try {
    return await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' }, label })
  } catch (cause) {
    const info = await module.getCompilationInfo().catch(() => undefined)
    const msgs = info?.messages.map(m => `${m.lineNum}:${m.linePos} ${m.message}`).join('; ') ?? ''
    throw new WebGpuError(`compiling the ${label} kernel failed: ${(cause as Error)?.message ?? String(cause)}${msgs === '' ? '' : ` (${msgs})`}`, { cause })
  }
}

/**
 * Opens the adapter and device and compiles the kernels (matmul, requant, argmax).
 * @example
 * const gc = await createGpuCompute({ gpu: navigator.gpu })
 * const { layers, predictions } = await gc.runModel(model, input, batch)
 * gc.destroy()
 */
export async function createGpuCompute (options: GpuComputeOptions): Promise<GpuCompute> {
  const { gpu, signal } = options
  if (signal?.aborted === true) throw aborted(signal, 'createGpuCompute')
  if (gpu === undefined || gpu === null || typeof gpu.requestAdapter !== 'function') {
    throw new WebGpuUnavailableError('this runtime has no WebGPU (navigator.gpu is undefined: Chromium needs a secure context and, headless, --enable-unsafe-webgpu; Node needs worker/node-gpu.ts)')
  }
  let adapter: GPUAdapter | null
  try { adapter = await gpu.requestAdapter() } catch (cause) { throw new WebGpuUnavailableError(`requestAdapter() failed: ${(cause as Error)?.message ?? String(cause)}`, { cause }) }
  if (adapter === null) throw new WebGpuUnavailableError('requestAdapter() returned null: no usable GPU adapter (headless Chromium: --enable-unsafe-webgpu; Node/Dawn: a Vulkan driver, e.g. VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json)')
  const packedDotAvailable = gpu.wgslLanguageFeatures?.has('packed_4x8_integer_dot_product') === true
  const want = options.dot ?? 'auto'
  if (want === 'packed' && !packedDotAvailable) throw new WebGpuUnavailableError('dot: "packed" asked for, but this adapter lacks the WGSL language feature packed_4x8_integer_dot_product')
  const dot: DotPath = want === 'auto' ? (packedDotAvailable ? 'packed' : 'extract') : want
  let device: GPUDevice
  try {
    device = await adapter.requestDevice({ requiredLimits: { maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize, maxBufferSize: adapter.limits.maxBufferSize } })
  } catch (cause) { throw new WebGpuUnavailableError(`requestDevice() failed: ${(cause as Error)?.message ?? String(cause)}`, { cause }) }
  const info = adapter.info
  const adapterInfo: GpuAdapterSummary = { vendor: info?.vendor ?? '', architecture: info?.architecture ?? '', device: info?.device ?? '', description: info?.description ?? '', dot, packedDotAvailable }
  // Dawn's Node instance lives only while its GPU object is referenced: hold it (and the adapter) until destroy()
  let held: [GPU, GPUAdapter] | undefined = [gpu, adapter]
  let lost: string | undefined
  void device.lost.then((l) => { lost = `${l.reason ?? 'unknown'}${l.message === '' ? '' : `: ${l.message}`}` })
  const onAbort = (): void => { destroy() }
  function destroy (): void {
    lost ??= 'destroyed'
    held = undefined
    signal?.removeEventListener('abort', onAbort)
    device.destroy()
  }
  signal?.addEventListener('abort', onAbort, { once: true })

  let matmul: GPUComputePipeline, requant: GPUComputePipeline, argmax: GPUComputePipeline
  try {
    [matmul, requant, argmax] = await Promise.all([compile(device, matmulSource(dot), `matmul-${dot}`), compile(device, REQUANT_SOURCE, 'requant'), compile(device, ARGMAX_SOURCE, 'argmax')])
  } catch (err) { destroy(); throw err }
  const limits = device.limits
  const weightCache = new WeakMap<object, { weights: Int8Array, bias: Int32Array, w: GPUBuffer, b: GPUBuffer }>()

  /** Buffers of one call (destroyed when it ends). */
  class Scratch {
    readonly list: GPUBuffer[] = []
    storage (bytes: Uint8Array | number, label: string): GPUBuffer {
      const size = Math.max(4, Math.ceil((typeof bytes === 'number' ? bytes : bytes.byteLength) / 4) * 4)
      if (size > limits.maxStorageBufferBindingSize) throw new InvalidInputError(`${label}: ${size} bytes exceed this device's maxStorageBufferBindingSize (${limits.maxStorageBufferBindingSize})`)
      const buf = device.createBuffer({ size, usage: STORAGE | COPY_SRC | COPY_DST, mappedAtCreation: typeof bytes !== 'number', label })
      if (typeof bytes !== 'number') { new Uint8Array(buf.getMappedRange()).set(bytes); buf.unmap() }
      this.list.push(buf)
      return buf
    }
    uniform (words: number[]): GPUBuffer {
      const buf = device.createBuffer({ size: Math.ceil(words.length / 4) * 16, usage: UNIFORM, mappedAtCreation: true })
      new Uint32Array(buf.getMappedRange()).set(words.map(w => w >>> 0))
      buf.unmap()
      this.list.push(buf)
      return buf
    }
    readback (size: number): GPUBuffer {
      const buf = device.createBuffer({ size: Math.max(4, size), usage: MAP_READ | COPY_DST })
      this.list.push(buf)
      return buf
    }
    free (): void { for (const b of this.list.splice(0)) b.destroy() }
  }

  const groups = (n: number, per: number, what: string): number => {
    const g = Math.ceil(n / per)
    if (g > limits.maxComputeWorkgroupsPerDimension) throw new InvalidInputError(`${what}: ${n} is too large for one dispatch on this device`)
    return g
  }
  function weightsOf (layer: DenseLayer, s: Scratch, cache: boolean): { w: GPUBuffer, b: GPUBuffer } {
    const hit = cache ? weightCache.get(layer) : undefined
    if (hit !== undefined && hit.weights === layer.weights && hit.bias === layer.bias) return hit
    const w = device.createBuffer({ size: wordsFor(layer.inSize) * 4 * layer.outSize, usage: STORAGE | COPY_DST, mappedAtCreation: true, label: 'weights' })
    new Uint8Array(w.getMappedRange()).set(packRows(layer.weights, layer.outSize, layer.inSize)); w.unmap()
    const b = device.createBuffer({ size: layer.outSize * 4, usage: STORAGE | COPY_DST, mappedAtCreation: true, label: 'bias' })
    new Int32Array(b.getMappedRange()).set(layer.bias); b.unmap()
    if (cache) weightCache.set(layer, { weights: layer.weights, bias: layer.bias, w, b })
    else s.list.push(w, b)
    return { w, b }
  }
  function encodeMatmul (enc: GPUCommandEncoder, s: Scratch, x: GPUBuffer, w: GPUBuffer, bias: GPUBuffer | undefined, rows: number, cols: number, inner: number): GPUBuffer {
    const acc = s.storage(rows * cols * 4, 'acc')
    const dims = s.uniform([rows, cols, wordsFor(inner), bias === undefined ? 0 : 1])
    const bind = device.createBindGroup({
      layout: matmul.getBindGroupLayout(0),
      entries: [x, w, bias ?? s.storage(4, 'no-bias'), acc, dims].map((buffer, binding) => ({ binding, resource: { buffer } }))
    })
    const pass = enc.beginComputePass()
    pass.setPipeline(matmul)
    pass.setBindGroup(0, bind)
    pass.dispatchWorkgroups(groups(cols, MATMUL_TILE, 'columns'), groups(rows, MATMUL_TILE, 'rows'))
    pass.end()
    return acc
  }
  function encodeRequant (enc: GPUCommandEncoder, s: Scratch, acc: GPUBuffer, layer: DenseLayer, rows: number): GPUBuffer {
    const outWords = wordsFor(layer.outSize)
    const out = s.storage(rows * outWords * 4, 'out')
    const q = s.uniform([rows, layer.outSize, outWords, layer.multiplier, layer.shift, layer.relu ? 0 : -128, 0, 0])
    const bind = device.createBindGroup({ layout: requant.getBindGroupLayout(0), entries: [acc, out, q].map((buffer, binding) => ({ binding, resource: { buffer } })) })
    const pass = enc.beginComputePass()
    pass.setPipeline(requant)
    pass.setBindGroup(0, bind)
    pass.dispatchWorkgroups(groups(outWords, ELEMENTWISE_WG, 'output words'), groups(rows, 1, 'batch'))
    pass.end()
    return out
  }
  function encodeArgmax (enc: GPUCommandEncoder, s: Scratch, acc: GPUBuffer, rows: number, cols: number): GPUBuffer {
    const pred = s.storage(rows * 4, 'predictions')
    const d = s.uniform([rows, cols])
    const bind = device.createBindGroup({ layout: argmax.getBindGroupLayout(0), entries: [acc, pred, d].map((buffer, binding) => ({ binding, resource: { buffer } })) })
    const pass = enc.beginComputePass()
    pass.setPipeline(argmax)
    pass.setBindGroup(0, bind)
    pass.dispatchWorkgroups(groups(rows, ELEMENTWISE_WG, 'batch'))
    pass.end()
    return pred
  }

  /** Encodes with `build`, copies `reads` back, submits once, maps them; device errors become WebGpuError. */
  async function submit (what: string, o: GpuCallOptions, build: (enc: GPUCommandEncoder, s: Scratch) => GPUBuffer[]): Promise<Uint8Array[]> {
    if (lost !== undefined) throw new WebGpuDeviceLostError(`the WebGPU device is gone (${lost})`)
    if (o.signal?.aborted === true) throw aborted(o.signal, what)
    const s = new Scratch()
    device.pushErrorScope('out-of-memory')
    device.pushErrorScope('validation')
    let reads: GPUBuffer[] = []
    try {
      const enc = device.createCommandEncoder({ label: what })
      const results = build(enc, s)
      reads = results.map((b) => { const r = s.readback(b.size); enc.copyBufferToBuffer(b, 0, r, 0, b.size); return r })
      device.queue.submit([enc.finish()])
    } catch (err) {
      await device.popErrorScope().catch(() => {}); await device.popErrorScope().catch(() => {})
      s.free()
      throw err
    }
    const scopes = Promise.all([device.popErrorScope(), device.popErrorScope()])
    let stop: (() => void) | undefined
    const abort = new Promise<never>((_resolve, reject) => {
      stop = () => { reject(aborted(o.signal, what)) }
      o.signal?.addEventListener('abort', stop, { once: true })
    })
    abort.catch(() => {})
    try {
      const maps = Promise.all(reads.map(async (r) => { await r.mapAsync(1); const copy = new Uint8Array(r.getMappedRange()).slice(); r.unmap(); return copy }))
      maps.catch(() => {})
      const [validation, oom] = await Promise.race([scopes, abort])
      const gpuErr = validation ?? oom
      if (gpuErr !== null && gpuErr !== undefined) throw new WebGpuError(`${what}: ${gpuErr.message}`)
      return await Promise.race([maps, abort])
    } catch (err) {
      if (lost !== undefined && !(err instanceof WebGpuAbortedError)) throw new WebGpuDeviceLostError(`the WebGPU device was lost during ${what} (${lost})`, { cause: err })
      if (err instanceof WebGpuError || err instanceof WebGpuAbortedError) throw err
      throw new WebGpuError(`${what}: ${(err as Error)?.message ?? String(err)}`, { cause: err })
    } finally {
      if (stop !== undefined) o.signal?.removeEventListener('abort', stop)
      s.free()
    }
  }

  const posInt = (v: number, what: string): void => { if (!Number.isSafeInteger(v) || v < 1) throw new InvalidInputError(`${what} must be a positive integer, got ${v}`) }
  const checkInput = (X: Int8Array, batch: number, size: number, what: string): void => {
    posInt(batch, 'batch')
    if (!(X instanceof Int8Array)) throw new InvalidInputError(`${what} must be an Int8Array`)
    if (X.length !== batch * size) throw new InvalidInputError(`${what} has ${X.length} values, expected batch ${batch} × ${size} = ${batch * size}`)
  }

  return {
    adapterInfo,
    async matmulInt8 (A, B, n, m, p, o = {}) {
      posInt(n, 'n'); posInt(m, 'm'); posInt(p, 'p')
      if (!(A instanceof Int8Array) || A.length !== n * m) throw new InvalidInputError(`A must be an Int8Array of n·m = ${n * m} values`)
      if (!(B instanceof Int8Array) || B.length !== m * p) throw new InvalidInputError(`B must be an Int8Array of m·p = ${m * p} values`)
      const [c] = await submit('matmulInt8', o, (enc, s) => [encodeMatmul(enc, s, s.storage(packRows(A, n, m), 'A'), s.storage(packTransposed(B, m, p), 'Bᵀ'), undefined, n, p, m)])
      return new Int32Array(c.buffer, 0, n * p)
    },
    async runLayer (layer, X, batch, o = {}) {
      validateLayer(layer)
      checkInput(X, batch, layer.inSize, 'X')
      const cache = o.cacheWeights !== false
      const [acc, out] = await submit('runLayer', o, (enc, s) => {
        const { w, b } = weightsOf(layer, s, cache)
        const a = encodeMatmul(enc, s, s.storage(packRows(X, batch, layer.inSize), 'X'), w, b, batch, layer.outSize, layer.inSize)
        return [a, encodeRequant(enc, s, a, layer, batch)]
      })
      return { acc: new Int32Array(acc.buffer, 0, batch * layer.outSize), out: unpackRows(out, batch, layer.outSize) }
    },
    async runModel (model, input, batch, o = {}) {
      validateModel(model)
      checkInput(input, batch, model.inputSize, 'input')
      const cache = o.cacheWeights !== false
      const L = model.layers.length
      const got = await submit('runModel', o, (enc, s) => {
        let x = s.storage(packRows(input, batch, model.inputSize), 'input')
        const reads: GPUBuffer[] = []
        let acc: GPUBuffer | undefined
        for (const layer of model.layers) {
          const { w, b } = weightsOf(layer, s, cache)
          acc = encodeMatmul(enc, s, x, w, b, batch, layer.outSize, layer.inSize)
          x = encodeRequant(enc, s, acc, layer, batch)
          reads.push(acc, x)
        }
        reads.push(encodeArgmax(enc, s, acc!, batch, model.layers[L - 1].outSize))
        return reads
      })
      const layers = model.layers.map((layer, l) => ({
        acc: new Int32Array(got[2 * l].buffer, 0, batch * layer.outSize),
        out: unpackRows(got[2 * l + 1], batch, layer.outSize)
      }))
      const last = layers[L - 1].acc
      const outSize = model.layers[L - 1].outSize
      const predictions = Array.from(new Uint32Array(got[2 * L].buffer, 0, batch))
      const logits = Array.from({ length: batch }, (_, k) => Array.from(last.subarray(k * outSize, (k + 1) * outSize)))
      return { layers, predictions, logits }
    },
    destroy
  }
}
