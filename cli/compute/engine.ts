/**
 * The worker's inference engine: WebGPU through Dawn (worker/node-gpu.ts + worker/gpu) when it can
 * be had, else the CPU reference (protocol/compute `runModel`); and the test aid behind
 * `glowmesh worker --dishonest L`: a run whose layer L lies by one accumulator, everything
 * downstream recomputed consistently (trace, commitment, predictions), so only a dispute of layer
 * L — re-executing it — can tell.
 */
import { clampInt8, modelRunOf, requantize, runLayer, runModel, type Model, type ModelRun, type LayerTrace } from '../../protocol/compute/index.js'
import { InvalidInputError } from '../../protocol/errors.js'

/** Which engine a worker asks for. */
export type BackendChoice = 'auto' | 'webgpu' | 'cpu'

/** A ready engine: `backend` is what the result document says. */
export interface Engine {
  backend: 'webgpu' | 'cpu'
  /** Adapter description (webgpu) or 'cpu reference'. */
  device: string
  run: (model: Model, input: Int8Array, batch: number, signal?: AbortSignal) => Promise<ModelRun>
  close: () => void
}

/**
 * Opens the engine. `auto` tries Dawn and falls back to the CPU, calling `onFallback` with why;
 * `webgpu` fails (WebGpuUnavailableError) when there is no adapter; `cpu` never touches Dawn.
 * @example const engine = await openEngine('auto', { onFallback: why => console.error(why) })
 */
export async function openEngine (choice: BackendChoice, o: { onFallback?: (why: string) => void, signal?: AbortSignal } = {}): Promise<Engine> {
  if (choice === 'cpu') return cpuEngine()
  try {
    const { createNodeGpu } = await import('../../worker/node-gpu.js')
    const { createGpuCompute } = await import('../../worker/gpu/index.js')
    const gc = await createGpuCompute({ gpu: await createNodeGpu(), signal: o.signal })
    const info = gc.adapterInfo
    return {
      backend: 'webgpu',
      device: [info.vendor, info.architecture, info.description].filter(s => s !== '').join(' ') || 'webgpu adapter',
      run: async (model, input, batch, signal) => await gc.runModel(model, input, batch, { signal }),
      close: () => gc.destroy()
    }
  } catch (err) {
    if (choice === 'webgpu') throw err
    o.onFallback?.(`WebGPU unavailable, using the CPU path: ${(err as Error)?.message ?? String(err)}`)
    return cpuEngine()
  }
}

function cpuEngine (): Engine {
  return { backend: 'cpu', device: 'cpu reference', run: async (model, input, batch) => runModel(model, input, batch), close: () => {} }
}

/**
 * A consistent lie: layers before `layer` honest, layer `layer`'s first accumulator off by
 * 2^12 (its int8 out recomputed from the lie), every later layer run on the lied output, and
 * predictions/logits from the last layer. Only re-executing layer `layer` exposes it.
 * @example const run = dishonestRun(model, input, 4, 1)
 */
export function dishonestRun (model: Model, input: Int8Array, batch: number, layer: number): ModelRun {
  if (!Number.isInteger(layer) || layer < 0 || layer >= model.layers.length) throw new InvalidInputError(`--dishonest: no layer ${layer} (the model has ${model.layers.length})`)
  const layers: LayerTrace[] = []
  let X = input
  model.layers.forEach((L, l) => {
    const t = runLayer(L, X, batch)
    if (l === layer) {
      t.acc[0] = (t.acc[0] + 4096) | 0
      t.out[0] = clampInt8(requantize(t.acc[0], L.multiplier, L.shift), L.relu)
    }
    layers.push(t)
    X = t.out
  })
  return modelRunOf(model, layers, batch)
}
