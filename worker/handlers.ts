/**
 * The dedicated Worker's operations as plain functions (no Worker API here, so they run and are
 * tested anywhere): KZG batch verification with `jsKzg()`, sealing/proving/unsealing with
 * protocol/pora, 0G roots with the WASM keccak hasher when it compiles (noble otherwise), and
 * int8 inference / matmul on WebGPU (worker/gpu, `navigator.gpu`) or on the CPU (protocol/compute).
 */
import { jsKzg } from '../protocol/da/index.js'
import { sealSector, proveSealing, unsealSector } from '../protocol/pora/index.js'
import { encodeSealingProof } from '../protocol/pora/commit-codec.js'
import { nobleHasher, type ChunkHasher } from '../protocol/storage/index.js'
import { createWasmHasher } from '../wasm/keccak/index.js'
import { InvalidInputError } from '../protocol/errors.js'
import { matmulInt8, runModel } from '../protocol/compute/index.js'
import { createGpuCompute, type GpuCompute } from './gpu/runner.js'
import type { ComputeBackend, WorkerOp, WorkerOps, WorkerRequest } from './protocol.js'

let hasher: ChunkHasher | undefined
function chunkHasher (): ChunkHasher {
  if (hasher === undefined) { try { hasher = createWasmHasher() } catch { hasher = nobleHasher } }
  return hasher
}

// The WebGPU runner, opened on the first compute call (navigator.gpu: the browser's Worker); a failed open is retried next call.
let gpuCompute: Promise<GpuCompute> | undefined
async function gpu (): Promise<GpuCompute> {
  const g = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu
  gpuCompute ??= createGpuCompute({ gpu: g })
  return await gpuCompute.catch((err: unknown) => { gpuCompute = undefined; throw err })
}
function backendOf (b: unknown): ComputeBackend {
  if (b !== 'webgpu' && b !== 'cpu') throw new InvalidInputError(`backend must be 'webgpu' or 'cpu', got ${String(b)}`)
  return b
}

const bufferOf = (b: Uint8Array): ArrayBuffer => b.buffer as ArrayBuffer
/** Buffers worth transferring: whole ArrayBuffers owned by this result (not views into a shared one). */
const owned = (...bs: Uint8Array[]): ArrayBuffer[] => [...new Set(bs.filter(b => b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.byteLength >= 4096).map(bufferOf))]

/**
 * Runs one request; resolves with its result and the buffers to transfer back.
 * @example const { result } = await runOp({ id: 1, op: 'verifyCells', args: { batch } })
 */
export async function runOp (req: WorkerRequest): Promise<{ result: WorkerOps[WorkerOp]['result'], transfer: ArrayBuffer[] }> {
  switch (req.op) {
    case 'preloadKzg': {
      await jsKzg().preload()
      return { result: null, transfer: [] }
    }
    case 'verifyCells': {
      const { batch } = req.args as WorkerOps['verifyCells']['args']
      return { result: await jsKzg().verifyCells(batch), transfer: [] }
    }
    case 'seal': {
      const a = req.args as WorkerOps['seal']['args']
      const t0 = performance.now()
      const { sealed, commitment } = sealSector({ ...a, hasher: chunkHasher() })
      return { result: { sealed, commitment, data: a.data, ms: performance.now() - t0 }, transfer: owned(sealed, a.data) }
    }
    case 'prove': {
      const a = req.args as WorkerOps['prove']['args']
      const proof = encodeSealingProof(proveSealing({ ...a, hasher: chunkHasher() }))
      return { result: proof, transfer: owned(proof) }
    }
    case 'unseal': {
      const data = unsealSector(req.args as WorkerOps['unseal']['args'])
      return { result: data, transfer: owned(data) }
    }
    case 'gpuInfo':
      return { result: (await gpu()).adapterInfo, transfer: [] }
    case 'infer': {
      const a = req.args as WorkerOps['infer']['args']
      const backend = backendOf(a.backend)
      const t0 = performance.now()
      // weights aren't cached on the GPU here: each message brings a fresh copy of the model
      const run = backend === 'cpu' ? runModel(a.model, a.input, a.batch) : await (await gpu()).runModel(a.model, a.input, a.batch, { cacheWeights: false })
      const ms = performance.now() - t0
      const views = run.layers.flatMap(t => [t.acc, t.out]).map(v => new Uint8Array(v.buffer, v.byteOffset, v.byteLength))
      return { result: { run, backend, ms }, transfer: owned(...views) }
    }
    case 'matmul': {
      const a = req.args as WorkerOps['matmul']['args']
      const backend = backendOf(a.backend)
      const t0 = performance.now()
      const C = backend === 'cpu' ? matmulInt8(a.A, a.B, a.n, a.m, a.p) : await (await gpu()).matmulInt8(a.A, a.B, a.n, a.m, a.p)
      return { result: { C, backend, ms: performance.now() - t0 }, transfer: owned(new Uint8Array(C.buffer, C.byteOffset, C.byteLength)) }
    }
    default:
      throw new InvalidInputError(`unknown worker operation '${String((req as { op: unknown }).op)}'`)
  }
}
