/**
 * The page's typed client of the dedicated light Worker (worker/light-worker.ts). Three lanes, each
 * its own Worker, so a multi-second seal never delays a KZG batch: `kzg` (sampling), `seal`
 * (seal, prove, unseal) and `gpu` (infer, matmul, gpuInfo: WebGPU or CPU compute). Calls in a lane run one at a time; each message carries an id; errors come
 * back by name and code and are re-thrown as typed errors; big buffers are transferred, not copied.
 * An aborted call is dropped if queued, or its worker is terminated if running (the lane's next call
 * gets a fresh worker).
 */
import type { KzgCallOptions, KzgCellVerifier, CellBatch } from '../protocol/da/index.js'
import type { SealParams } from '../protocol/pora/index.js'
import type { ProveFn, SealFn } from '../client/storage/contributor.js'
import type { Model, ModelRun } from '../protocol/compute/index.js'
import type { GpuAdapterSummary } from './gpu/runner.js'
import { errorFromWorker, WorkerAbortedError, WorkerCrashedError, WorkerTerminatedError, WorkerUnavailableError } from './errors.js'
import { READY_ID, type ComputeBackend, type WorkerOp, type WorkerOps, type WorkerResponse } from './protocol.js'

/** The slice of the Worker API the client uses (a real `Worker`, or a test double). */
export interface WorkerLike {
  postMessage: (message: unknown, transfer: Transferable[]) => void
  addEventListener: (type: 'message' | 'error' | 'messageerror', listener: (event: any) => void) => void
  terminate: () => void
}

/** Options of createLightWorker. */
export interface LightWorkerOptions {
  /** Terminates the workers when aborted (every pending call fails with WorkerTerminatedError). */
  signal?: AbortSignal
  /** Starts one worker; default the bundled light-worker.ts as a module Worker. */
  spawn?: () => WorkerLike
}

/** Per-call options: `signal` abandons the call (a running one's worker is terminated). */
export interface WorkerCallOptions { signal?: AbortSignal }

/** Counters for logs and benches. */
export interface LightWorkerStats { calls: number, failed: number, aborted: number, spawned: number, busyMs: number }

/** What createLightWorker returns. */
export interface LightWorker {
  /** KZG batch verification in the worker (pure-JS jsKzg); hand it to createLightNode({ kzg }). */
  kzg: KzgCellVerifier & { preload: (options?: KzgCallOptions) => Promise<void> }
  /** sealSector in the worker. `data` is transferred there and handed back as `result.data` (the caller's view is detached). */
  seal: SealFn
  /** proveSealing in the worker (encoded); `data` is copied (the caller keeps it). */
  prove: ProveFn
  /** unsealSector in the worker; `sealed` is transferred (the caller's view is detached). */
  unseal: (input: { sealed: Uint8Array, nodeId: Uint8Array, sectorStart: number, params: SealParams }, options?: WorkerCallOptions) => Promise<Uint8Array>
  /**
   * Runs an int8 model on a batch in the worker (lane `gpu`): `backend` 'webgpu' (default; WebGpuUnavailableError
   * when the worker has no adapter — no silent fallback) or 'cpu'. `input` is copied; the trace comes back transferred.
   */
  infer: (input: { model: Model, input: Int8Array, batch: number, backend?: ComputeBackend }, options?: WorkerCallOptions) => Promise<ModelRun & { backend: ComputeBackend, ms: number }>
  /** C = A·B (A n×m, B m×p int8) in the worker (lane `gpu`); A and B are copied, C comes back transferred. */
  matmul: (input: { A: Int8Array, B: Int8Array, n: number, m: number, p: number, backend?: ComputeBackend }, options?: WorkerCallOptions) => Promise<{ C: Int32Array, backend: ComputeBackend, ms: number }>
  /** The worker's WebGPU adapter (WebGpuUnavailableError if it has none). */
  gpuInfo: (options?: WorkerCallOptions) => Promise<GpuAdapterSummary>
  /** Counters since creation. */
  stats: () => LightWorkerStats
  /** Stops the workers; pending and later calls fail with WorkerTerminatedError. */
  terminate: () => void
}

interface Job { op: WorkerOp, args: unknown, transfer: Transferable[], resolve: (v: any) => void, reject: (e: Error) => void, signal?: AbortSignal, onAbort?: () => void, started?: number }

function defaultSpawn (): WorkerLike {
  if (typeof Worker === 'undefined') throw new WorkerUnavailableError('this runtime has no Worker')
  // vite bundles this pattern into a worker chunk (worker.format 'es')
  return new Worker(new URL('./light-worker.ts', import.meta.url), { type: 'module', name: 'glowmesh-light-worker' })
}

/** A buffer that can be transferred without detaching anything but itself (a copy if `b` is a view into a bigger buffer). */
function own (b: Uint8Array): Uint8Array {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer ? b : b.slice()
}

/**
 * Starts the light Worker's client (workers start lazily, on the first call of each lane).
 * @example
 * const lw = createLightWorker({ signal })
 * const node = createLightNode({ transport, store, genesis, kzg: lw.kzg })
 * const storage = createStorageContributor({ secretKey, pledgeBytes, seal: lw.seal, prove: lw.prove })
 */
export function createLightWorker (options: LightWorkerOptions = {}): LightWorker {
  const spawn = options.spawn ?? defaultSpawn
  const stats: LightWorkerStats = { calls: 0, failed: 0, aborted: 0, spawned: 0, busyMs: 0 }
  let terminated = false

  function lane (name: string): { call: <O extends WorkerOp>(op: O, args: WorkerOps[O]['args'], transfer: Transferable[], o?: WorkerCallOptions) => Promise<WorkerOps[O]['result']>, stop: () => void } {
    let worker: WorkerLike | undefined
    let loaded = false
    let current: (Job & { id: number }) | undefined
    const queue: Job[] = []
    let nextId = READY_ID + 1

    const finish = (): void => {
      if (current !== undefined) {
        current.signal?.removeEventListener('abort', current.onAbort!)
        stats.busyMs += performance.now() - (current.started ?? performance.now())
      }
      current = undefined
      pump()
    }
    const kill = (): void => { try { worker?.terminate() } catch {} worker = undefined; loaded = false }
    const start = (): WorkerLike => {
      const w = spawn()
      stats.spawned++
      w.addEventListener('message', (event: MessageEvent<WorkerResponse>) => {
        if (w !== worker) return
        const m = event.data
        if (m?.id === READY_ID) { loaded = true; return }
        if (current === undefined || m?.id !== current.id) return
        const job = current
        if (m.ok) job.resolve(m.result)
        else { stats.failed++; job.reject(errorFromWorker(m.error)) }
        finish()
      })
      const crash = (what: string) => (event: any): void => {
        if (w !== worker) return
        event?.preventDefault?.()
        const detail = typeof event?.message === 'string' && event.message !== '' ? event.message : what
        const job = current
        const wasLoaded = loaded
        kill()
        if (job !== undefined) {
          stats.failed++
          job.reject(wasLoaded ? new WorkerCrashedError(`light worker (${name}) died during ${job.op}: ${detail}`) : new WorkerUnavailableError(`light worker (${name}) failed to load: ${detail}`))
          finish()
        }
      }
      w.addEventListener('error', crash('uncaught error'))
      w.addEventListener('messageerror', crash('a message could not be decoded'))
      return w
    }
    function pump (): void {
      if (current !== undefined || terminated) return
      const job = queue.shift()
      if (job === undefined) return
      current = { ...job, id: nextId++, started: performance.now() }
      try {
        worker ??= start()
        worker.postMessage({ id: current.id, op: job.op, args: job.args }, job.transfer)
      } catch (err) {
        const j = current
        kill()
        stats.failed++
        j.reject(err instanceof Error && 'code' in err ? err : new WorkerUnavailableError(`light worker (${name}): ${(err as Error)?.message ?? String(err)}`, { cause: err }))
        finish()
      }
    }
    return {
      async call (op, args, transfer, o = {}) {
        if (terminated) throw new WorkerTerminatedError()
        o.signal?.throwIfAborted()
        stats.calls++
        return await new Promise((resolve, reject) => {
          const job: Job = { op, args, transfer, resolve, reject, signal: o.signal }
          job.onAbort = () => {
            stats.aborted++
            const err = new WorkerAbortedError(`${op} aborted`, { cause: o.signal?.reason })
            const i = queue.indexOf(job)
            if (i >= 0) { queue.splice(i, 1); reject(err); return }
            if (current !== undefined && current.resolve === resolve) { kill(); reject(err); finish() }
          }
          o.signal?.addEventListener('abort', job.onAbort, { once: true })
          queue.push(job)
          pump()
        })
      },
      stop () {
        const err = new WorkerTerminatedError()
        const pending = [...(current === undefined ? [] : [current]), ...queue.splice(0)]
        current = undefined
        kill()
        for (const j of pending) { j.signal?.removeEventListener('abort', j.onAbort!); j.reject(err) }
      }
    }
  }

  const kzgLane = lane('kzg')
  const sealLane = lane('seal')
  const gpuLane = lane('gpu')
  const terminate = (): void => {
    if (terminated) return
    terminated = true
    kzgLane.stop()
    sealLane.stop()
    gpuLane.stop()
  }
  if (options.signal?.aborted === true) terminate()
  options.signal?.addEventListener('abort', terminate, { once: true })

  return {
    kzg: {
      name: 'micro-eth-signer (worker)',
      async verifyCells (batch: CellBatch, o?: KzgCallOptions) {
        const plain: CellBatch = { commitments: [...batch.commitments], cellIndices: [...batch.cellIndices], cells: [...batch.cells], proofs: [...batch.proofs] }
        return await kzgLane.call('verifyCells', { batch: plain }, [], o)
      },
      async preload (o?: KzgCallOptions) { await kzgLane.call('preloadKzg', {}, [], o) }
    },
    async seal (input) {
      const data = own(input.data)
      const r = await sealLane.call('seal', { data, nodeId: input.nodeId, sectorStart: input.sectorStart, params: { ...input.params } }, [data.buffer], { signal: input.signal })
      return { sealed: r.sealed, commitment: r.commitment, data: r.data }
    },
    async prove (input) {
      return await sealLane.call('prove', { data: input.data, commitment: input.commitment, params: { ...input.params }, seed: input.seed }, [], { signal: input.signal })
    },
    async unseal (input, o) {
      const sealed = own(input.sealed)
      return await sealLane.call('unseal', { sealed, nodeId: input.nodeId, sectorStart: input.sectorStart, params: { ...input.params } }, [sealed.buffer], o)
    },
    async infer (a, o) {
      const r = await gpuLane.call('infer', { model: a.model, input: a.input, batch: a.batch, backend: a.backend ?? 'webgpu' }, [], o)
      return { ...r.run, backend: r.backend, ms: r.ms }
    },
    async matmul (a, o) {
      return await gpuLane.call('matmul', { A: a.A, B: a.B, n: a.n, m: a.m, p: a.p, backend: a.backend ?? 'webgpu' }, [], o)
    },
    async gpuInfo (o) { return await gpuLane.call('gpuInfo', {}, [], o) },
    stats: () => ({ ...stats }),
    terminate
  }
}
