/**
 * The browser node lends its GPU (issue 11 item 3): `startComputing()` runs the isomorphic compute
 * worker loop (client/compute/worker-loop.ts) with this node's identity — jobs claimed with its
 * stake, the model run in the dedicated Worker through WebGPU (the CPU reference in the same Worker
 * when it has no adapter: `backend: 'cpu'`), the trace and the signed result document stored from
 * the page (./upload.ts), the result posted on chain. `computeStatus()` adds the chain's view of the
 * worker (`GET /compute/workers/{address}`: jobs done, earnings, reputation, flag).
 */
import type { Ed25519Key } from '../../protocol/chain/index.js'
import { runModel } from '../../protocol/compute/index.js'
import { GlowmeshError } from '../../protocol/errors.js'
import { runComputeWorker, type ComputeJobReport, type WorkerRun } from '../compute/worker-loop.js'
import type { LightWorker } from '../../worker/client.js'
import { uploadFile } from './upload.js'

/** startComputing can't start (e.g. `backend: 'webgpu'` asked for and no adapter in the Worker). */
export class ComputeStartError extends GlowmeshError {
  override name = 'ComputeStartError'
  constructor (message: string, options?: { cause?: unknown }) { super('COMPUTE_START', message, options) }
}

/** Where the node's jobs run: 'auto' = WebGPU in the Worker if it has an adapter, else the CPU there. */
export type ComputeBackendChoice = 'auto' | 'webgpu' | 'cpu'

/** Options of startComputing. */
export interface StartComputingOptions {
  /** Default 'auto'. */
  backend?: ComputeBackendChoice
  /** Open-job poll interval; default 500 ms. */
  pollMs?: number
}

/** A job this node answered, with when. */
export type ComputeJobRow = ComputeJobReport & { at: number }

/** The chain's record of a worker (`GET /compute/workers/{address}`). */
export interface WorkerRecordView {
  jobsDone: number, disputesLost: number, disputesWon: number, missed: number, reputation: number, flagged: boolean, reports: number
  /** Fees earned, decimal base units. */
  earned: string
  slashed: string
}

/** What computeStatus returns (plain data: it crosses to follower tabs). */
export interface ComputeStatus {
  state: 'off' | 'starting' | 'running' | 'error'
  /** The account that stakes and is paid (this node's identity). */
  address: string
  /** Where jobs run, once started. */
  backend?: 'webgpu' | 'cpu'
  /** The Worker's WebGPU adapter ("vendor architecture description"), or why there is none. */
  adapter?: string
  /** Jobs answered since the page started. */
  jobsDone: number
  /** The last 20 answered jobs, newest last. */
  jobs: ComputeJobRow[]
  /** The chain's record (undefined before this account's first claim, or if the RPC is unreachable). */
  worker?: WorkerRecordView
  lastError?: { name: string, message: string, at: number }
}

/** The compute calls a browser node handle offers. */
export interface BrowserCompute {
  /** Picks the backend (probing the Worker's adapter), then answers jobs until stopped; resolves with the status once running. */
  startComputing: (options?: StartComputingOptions) => Promise<ComputeStatus>
  /** Stops the loop (a job in flight is abandoned; its stake is forfeited at the deadline). */
  stopComputing: () => Promise<void>
  /** The state, the session's jobs and the chain's record of this worker. */
  computeStatus: () => Promise<ComputeStatus>
}

/** Options of createBrowserCompute. */
export interface BrowserComputeOptions {
  rpcUrl: string
  key: Ed25519Key
  chainId: string
  /** The dedicated Worker (worker/client.ts); without one the CPU reference runs on the page. */
  worker?: LightWorker
  log?: (line: string) => void
}

const errInfo = (err: unknown): { name: string, message: string, at: number } => {
  const e = err as { name?: string, message?: string }
  return { name: e?.name ?? 'Error', message: e?.message ?? String(err), at: Date.now() }
}

/**
 * The node's compute contribution (startBrowserLightNode wires it into the handle).
 * @example
 * const compute = createBrowserCompute({ rpcUrl, key: identity, chainId, worker })
 * await compute.startComputing() // { state: 'running', backend: 'webgpu', adapter: 'google swiftshader …', … }
 */
export function createBrowserCompute (o: BrowserComputeOptions): BrowserCompute {
  const base = o.rpcUrl.replace(/\/+$/, '')
  const jobs: ComputeJobRow[] = []
  let jobsDone = 0
  let state: ComputeStatus['state'] = 'off'
  let backend: ComputeStatus['backend']
  let adapter: string | undefined
  let lastError: ComputeStatus['lastError']
  let running: AbortController | undefined
  let loop: Promise<void> | undefined

  const pickBackend = async (choice: ComputeBackendChoice, signal: AbortSignal): Promise<'webgpu' | 'cpu'> => {
    if (choice !== 'auto' && choice !== 'webgpu' && choice !== 'cpu') throw new ComputeStartError(`backend must be 'auto', 'webgpu' or 'cpu', got ${String(choice)}`)
    if (o.worker === undefined) {
      adapter = 'no dedicated Worker: CPU reference on the page'
      if (choice === 'webgpu') throw new ComputeStartError('backend webgpu needs the dedicated Worker (started with worker: false)')
      return 'cpu'
    }
    if (choice === 'cpu') { adapter = 'not probed (cpu asked for)'; return 'cpu' }
    try {
      const info = await o.worker.gpuInfo({ signal })
      adapter = [info.vendor, info.architecture, info.description].filter(s => s !== '').join(' ') || 'webgpu adapter'
      return 'webgpu'
    } catch (err) {
      if (signal.aborted) throw err
      adapter = `none (${errInfo(err).name}: ${errInfo(err).message})`
      if (choice === 'webgpu') throw new ComputeStartError(`no WebGPU adapter in the Worker: ${errInfo(err).message}`, { cause: err })
      return 'cpu'
    }
  }

  const run = async (model: Parameters<typeof runModel>[0], input: Int8Array, batch: number, signal?: AbortSignal): Promise<WorkerRun> => {
    if (o.worker === undefined) return { ...runModel(model, input, batch), backend: 'cpu' }
    const r = await o.worker.infer({ model, input, batch, backend }, { signal })
    return { layers: r.layers, predictions: r.predictions, logits: r.logits, backend: r.backend }
  }
  const upload = async (bytes: Uint8Array, signal?: AbortSignal): Promise<{ root: string }> =>
    await uploadFile(bytes, { rpcUrl: base, key: o.key, chainId: o.chainId, signal })

  // The loop ends only when stopped; an error (RPC down, faucet dry) is recorded and it starts again.
  const keepRunning = async (ac: AbortController, pollMs?: number): Promise<void> => {
    while (!ac.signal.aborted) {
      try {
        await runComputeWorker({
          rpcUrl: base,
          key: o.key,
          run,
          upload,
          pollMs,
          signal: ac.signal,
          log: o.log,
          onJob: (r) => { jobsDone++; jobs.push({ ...r, at: Date.now() }); if (jobs.length > 20) jobs.shift() },
          onError: (_id, err) => { lastError = errInfo(err) }
        })
      } catch (err) {
        if (ac.signal.aborted) break
        lastError = errInfo(err)
        state = 'error'
        o.log?.(`compute: ${lastError.name}: ${lastError.message}; restarting in 2 s`)
        await new Promise((resolve) => setTimeout(resolve, 2000))
        if (!ac.signal.aborted) state = 'running'
      }
    }
  }

  const readWorker = async (): Promise<WorkerRecordView | undefined> => {
    try {
      const res = await fetch(`${base}/compute/workers/${o.key.address}`, { signal: AbortSignal.timeout(5000) })
      if (!res.ok) return undefined
      const body = await res.json() as { worker?: WorkerRecordView } & WorkerRecordView
      return body.worker ?? body
    } catch { return undefined }
  }
  const snapshot = (worker?: WorkerRecordView): ComputeStatus => ({ state, address: o.key.address, backend, adapter, jobsDone, jobs: jobs.map(j => ({ ...j })), worker, lastError })

  return {
    async startComputing (options = {}) {
      if (running !== undefined) return snapshot(await readWorker())
      const ac = new AbortController()
      running = ac
      state = 'starting'
      lastError = undefined
      try {
        backend = await pickBackend(options.backend ?? 'auto', ac.signal)
      } catch (err) {
        running = undefined
        state = 'error'
        lastError = errInfo(err)
        throw err
      }
      state = 'running'
      o.log?.(`compute: contributing (${backend}; ${adapter ?? ''})`)
      loop = keepRunning(ac, options.pollMs)
      return snapshot(await readWorker())
    },
    async stopComputing () {
      const ac = running
      if (ac === undefined) return
      running = undefined
      ac.abort()
      await loop?.catch(() => {})
      loop = undefined
      state = 'off'
    },
    async computeStatus () { return snapshot(await readWorker()) }
  }
}
