/**
 * The messages between the page and the dedicated light Worker (worker/light-worker.ts). Every
 * request carries an `id`; the answer echoes it with a result or the error's name, code and message.
 * Plain objects of Uint8Arrays and numbers only (structured clone), big buffers transferred.
 */
import type { CellBatch } from '../protocol/da/index.js'
import type { SealParams, SectorCommitment } from '../protocol/pora/index.js'
import type { Model, ModelRun } from '../protocol/compute/index.js'
import type { GpuAdapterSummary } from './gpu/runner.js'

/** Where a compute op runs: the WebGPU kernels (worker/gpu) or protocol/compute's CPU reference. Never switched silently. */
export type ComputeBackend = 'webgpu' | 'cpu'

/** What each operation takes and gives back. */
export interface WorkerOps {
  /** Loads the pure-JS KZG trusted setup (the first verifyCells does it too). */
  preloadKzg: { args: Record<string, never>, result: null }
  /** One KZG batch (jsKzg().verifyCells). */
  verifyCells: { args: { batch: CellBatch }, result: boolean }
  /** sealSector; `data` comes back (transferred) with the sealed bytes. */
  seal: { args: { data: Uint8Array, nodeId: Uint8Array, sectorStart: number, params: SealParams }, result: { sealed: Uint8Array, commitment: SectorCommitment, data: Uint8Array, ms: number } }
  /** proveSealing, encoded (encodeSealingProof). */
  prove: { args: { data: Uint8Array, commitment: SectorCommitment, params: SealParams, seed: Uint8Array }, result: Uint8Array }
  /** unsealSector. */
  unseal: { args: { sealed: Uint8Array, nodeId: Uint8Array, sectorStart: number, params: SealParams }, result: Uint8Array }
  /** The WebGPU adapter the worker's kernels run on (WebGpuUnavailableError if none). */
  gpuInfo: { args: Record<string, never>, result: GpuAdapterSummary }
  /** runModel on `backend`; the trace's acc/out buffers come back transferred. `ms` = the run inside the worker. */
  infer: { args: { model: Model, input: Int8Array, batch: number, backend: ComputeBackend }, result: { run: ModelRun, backend: ComputeBackend, ms: number } }
  /** C = A·B (A n×m, B m×p int8) on `backend`; C comes back transferred. */
  matmul: { args: { A: Int8Array, B: Int8Array, n: number, m: number, p: number, backend: ComputeBackend }, result: { C: Int32Array, backend: ComputeBackend, ms: number } }
}

/** An operation name. */
export type WorkerOp = keyof WorkerOps

/** Page → worker. */
export interface WorkerRequest<O extends WorkerOp = WorkerOp> { id: number, op: O, args: WorkerOps[O]['args'] }

/** Worker → page. */
export type WorkerResponse =
  | { id: number, ok: true, result: unknown }
  | { id: number, ok: false, error: { name: string, code?: string, message: string } }

/** The worker says it has loaded (sent once, id 0). */
export const READY_ID = 0
