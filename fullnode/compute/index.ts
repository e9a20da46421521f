/**
 * fullnode/compute — the alignment monitor (README.md): statistics (stats.ts), re-execution
 * (reexec.ts), the loop (monitor.ts), its JSON view (snapshot.ts), its route (routes.ts) and its
 * wiring into a full node (`startNodeMonitor`).
 */
import { createRpcClient } from '../rpc/client.js'
import type { FlowStore } from '../store/index.js'
import type { GlowmeshApp } from '../app/app.js'
import { fetchVerifiedFile as fetchBytes } from '../../client/compute/worker-loop.js'
import { startMonitor, type Monitor, type MonitorOptions } from './monitor.js'

export { startMonitor, MonitorError, type Monitor, type MonitorOptions, type MonitorComponents, type MonitorSnapshot } from './monitor.js'
export { monitorRoutes } from './routes.js'
export * from './stats.js'
export { reexecuteJob, loadRegisteredModel, type ReexecVerdict } from './reexec.js'

/** The node's monitor settings: config.json `monitor` (false turns it off) plus where to fetch files the flow store lacks. */
export type NodeMonitorOptions = MonitorOptions & {
  /** RPCs to fetch a file from when the local flow store does not hold it complete (default: the node's own). */
  rpcUrls?: string[]
}

/** A file's bytes from the flow store when it holds it complete, else from the first RPC that serves it (segments verified by root). */
async function readStoredFile (store: FlowStore, rpcUrls: string[], root: string, signal: AbortSignal): Promise<Uint8Array> {
  const info = await store.getFile(root).catch(() => undefined)
  if (info?.status === 'complete') {
    const out = new Uint8Array(info.size)
    let at = 0
    for await (const piece of store.stream(root, { signal })) { out.set(piece, at); at += piece.length }
    return out
  }
  let last: unknown
  for (const url of rpcUrls) {
    try { return await fetchBytes(createRpcClient({ url, timeoutMs: 5000 }), root, { signal, timeoutMs: 1000, maxBytes: 16 * 1024 * 1024 }) } catch (err) { last = err }
  }
  throw last ?? new Error(`file ${root} is not stored here`)
}

/**
 * Starts the monitor inside a full node once its chain is initialised (its state and parameters
 * come from the app; txs go through the engine). It works on an active validator only; elsewhere
 * it watches and keeps statistics.
 * @example const m = startNodeMonitor({ app, store, secretKey, rpcUrl, submitTx }, { share: 0.25 })
 */
export function startNodeMonitor (c: {
  app: GlowmeshApp, store: FlowStore, secretKey: Uint8Array, rpcUrl: string
  submitTx: (tx: Uint8Array, o: { signal: AbortSignal }) => Promise<{ code: number, log: string }>
  txResult?: (hash: string, o: { signal: AbortSignal }) => Promise<{ code: number, height: number, log: string } | undefined>
  log?: (l: string) => void
}, options: NodeMonitorOptions = {}): Monitor {
  const rpcUrls = options.rpcUrls ?? [c.rpcUrl]
  return startMonitor({
    secretKey: c.secretKey,
    state: () => {
      const p = c.app.params
      if (p === null) return undefined
      return { height: c.app.state.height, reader: c.app.state.committedReader(), chainId: p.chainId, minFee: p.minFee }
    },
    readFile: async (root, signal) => await readStoredFile(c.store, rpcUrls, root, signal),
    submitTx: c.submitTx,
    txResult: c.txResult,
    log: c.log
  }, options)
}
