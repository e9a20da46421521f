/**
 * `glowmesh worker`'s loop: the isomorphic compute worker loop (client/compute/worker-loop.ts — the
 * browser node runs the same one) with the CLI's parts plugged in: the engine (Dawn WebGPU or the
 * CPU, engine.ts), files stored and fetched over the RPC (blobs.ts: storeBytes is idempotent), and
 * the `--dishonest LAYER` test aid (a consistent lie in that layer, computed on the CPU).
 */
import type { Ed25519Key } from '../../protocol/chain/index.js'
import type { RpcClient } from '../../fullnode/rpc/client.js'
import { runComputeWorker, type ComputeJobReport } from '../../client/compute/worker-loop.js'
import { fetchBytes, storeBytes } from './blobs.js'
import { dishonestRun, type Engine } from './engine.js'

/** One job the worker answered (what `--json` prints per line). */
export interface WorkerJobReport extends ComputeJobReport {
  /** Set for a `--dishonest` run: the layer that lies. */
  dishonestLayer?: number
}

/** Storage epochs the trace and the signed document are paid for (verifiers fetch them long after the challenge window). */
export const TRACE_EPOCHS = 100

/** Options of runWorker. */
export interface WorkerOptions {
  rpc: RpcClient
  key: Ed25519Key
  engine: Engine
  /** Stop after the first answered job. */
  once?: boolean
  /** Test aid: lie in this layer (see engine.ts dishonestRun). */
  dishonestLayer?: number
  signal?: AbortSignal
  pollMs?: number
  onJob?: (report: WorkerJobReport) => void
  log?: (line: string) => void
}

/**
 * Runs until aborted (or, with `once`, until one job is answered); resolves with the reports.
 * @example await runWorker({ rpc, key, engine: await openEngine('cpu'), once: true, onJob: r => console.log(JSON.stringify(r)) })
 */
export async function runWorker (o: WorkerOptions): Promise<WorkerJobReport[]> {
  const lie = o.dishonestLayer
  const tag = (r: ComputeJobReport): WorkerJobReport => lie === undefined ? r : { ...r, dishonestLayer: lie }
  let chainId: string | undefined
  const reports = await runComputeWorker({
    rpcUrl: o.rpc.url,
    key: o.key,
    once: o.once,
    signal: o.signal,
    pollMs: o.pollMs,
    log: o.log,
    // the lie is computed on the CPU
    run: async (model, input, batch, signal) => lie === undefined
      ? { ...await o.engine.run(model, input, batch, signal), backend: o.engine.backend }
      : { ...dishonestRun(model, input, batch, lie), backend: 'cpu' },
    upload: async (bytes, signal) => {
      chainId ??= (await o.rpc.status(signal)).chainId
      return await storeBytes({ rpc: o.rpc, key: o.key, chainId, bytes, epochs: TRACE_EPOCHS, signal })
    },
    fetchModel: async (root, signal) => await fetchBytes(o.rpc, root, { signal }),
    onJob: (r) => o.onJob?.(tag(r))
  })
  return reports.map(tag)
}
