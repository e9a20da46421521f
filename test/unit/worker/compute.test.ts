// The light Worker's compute ops (worker/handlers.ts infer/matmul/gpuInfo) through worker/client.ts,
// against an in-process Worker double (messages structured-cloned with their transfer lists): the CPU
// backend equals protocol/compute, the trace comes back transferred and the input is kept, and where
// there is no WebGPU (Node has no navigator.gpu) the 'webgpu' backend fails with the typed
// WebGpuUnavailableError — never a silent CPU result. WebGPU itself: test/integration/webgpu-node.test.ts
// (Dawn) and test/browser/webgpu.test.ts (Chromium's Worker).
import { describe, expect, it } from 'vitest'
import { createLightWorker, type WorkerLike } from '../../../worker/client.js'
import { runOp } from '../../../worker/handlers.js'
import { READY_ID, type WorkerRequest } from '../../../worker/protocol.js'
import { WebGpuUnavailableError } from '../../../worker/gpu/errors.js'
import { InvalidModelError, matmulInt8, runModel } from '../../../protocol/compute/index.js'
import { int8s, layer, modelCases, rng } from '../../browser/fixtures/webgpu/cases.js'

function spawn (): WorkerLike {
  const listeners: Record<string, Array<(e: any) => void>> = { message: [], error: [], messageerror: [] }
  const fire = (type: string, e: any): void => { for (const l of listeners[type]) l(e) }
  setTimeout(() => fire('message', { data: { id: READY_ID, ok: true, result: null } }), 0)
  return {
    addEventListener (type, l) { listeners[type].push(l) },
    terminate () {},
    postMessage (message, transfer) {
      const req = structuredClone(message, { transfer }) as WorkerRequest
      setTimeout(() => {
        runOp(req).then(({ result, transfer: back }) => {
          fire('message', { data: structuredClone({ id: req.id, ok: true, result }, { transfer: back }) })
        }, (err) => { fire('message', { data: { id: req.id, ok: false, error: { name: err.name, code: err.code, message: err.message } } }) })
      }, 0)
    }
  }
}

describe('light Worker compute ops (worker/client.ts → handlers.ts)', () => {
  it('infer on the CPU backend equals protocol/compute runModel; the input is copied, the trace transferred back', async () => {
    const lw = createLightWorker({ spawn })
    const c = modelCases(11)[0] // MNIST-shaped, batch 16
    const input = c.input.slice()
    const got = await lw.infer({ model: c.model, input, batch: c.batch, backend: 'cpu' })
    const want = runModel(c.model, c.input, c.batch)
    expect(got.backend).toBe('cpu')
    expect(got.ms).toBeGreaterThan(0)
    expect(input.length).toBe(c.input.length)
    expect(got.predictions).toEqual(want.predictions)
    expect(got.logits).toEqual(want.logits)
    for (let l = 0; l < want.layers.length; l++) {
      expect(Array.from(got.layers[l].acc)).toEqual(Array.from(want.layers[l].acc))
      expect(Array.from(got.layers[l].out)).toEqual(Array.from(want.layers[l].out))
    }
    // the handler lists the trace's big buffers for transfer (layer 0's acc: 16×128 int32 = 8 KiB)
    const direct = await runOp({ id: 1, op: 'infer', args: { model: c.model, input: c.input, batch: c.batch, backend: 'cpu' } })
    const run = (direct.result as { run: { layers: Array<{ acc: Int32Array }> } }).run
    expect(direct.transfer).toContain(run.layers[0].acc.buffer)
    lw.terminate()
  })

  it('matmul on the CPU backend equals matmulInt8', async () => {
    const lw = createLightWorker({ spawn })
    const r = rng(3)
    const A = int8s(r, 33 * 47)
    const B = int8s(r, 47 * 21)
    const got = await lw.matmul({ A, B, n: 33, m: 47, p: 21, backend: 'cpu' })
    expect(got.backend).toBe('cpu')
    expect(Array.from(got.C)).toEqual(Array.from(matmulInt8(A, B, 33, 47, 21)))
    lw.terminate()
  })

  it('without WebGPU the default backend fails with WebGpuUnavailableError (no silent CPU fallback); bad input is typed', async () => {
    const lw = createLightWorker({ spawn })
    const c = modelCases(12)[1]
    const noGpu = lw.infer({ model: c.model, input: c.input, batch: c.batch })
    await expect(noGpu).rejects.toBeInstanceOf(WebGpuUnavailableError)
    await expect(noGpu).rejects.toMatchObject({ code: 'WEBGPU_UNAVAILABLE', message: expect.stringMatching(/navigator\.gpu is undefined/) })
    await expect(lw.matmul({ A: new Int8Array(4), B: new Int8Array(4), n: 2, m: 2, p: 2 })).rejects.toMatchObject({ name: 'WebGpuUnavailableError' })
    await expect(lw.gpuInfo()).rejects.toMatchObject({ name: 'WebGpuUnavailableError' })
    const bad = { inputSize: 4, layers: [layer(rng(1), 4, 2, { relu: true })] } // last layer with relu
    await expect(lw.infer({ model: bad, input: new Int8Array(4), batch: 1, backend: 'cpu' })).rejects.toBeInstanceOf(InvalidModelError)
    await expect(lw.infer({ model: c.model, input: c.input, batch: c.batch, backend: 'tpu' as 'cpu' })).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringMatching(/backend/) })
    lw.terminate()
  })
})
