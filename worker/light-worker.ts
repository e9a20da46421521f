/**
 * The dedicated light Worker (DESIGN §7): KZG batch verification, sealing, proving and unsealing
 * run here so the page's main thread never janks, and so do int8 inference and matmul (WebGPU via the
 * Worker's `navigator.gpu`, or the CPU). Chromium has no RTCPeerConnection in workers, so only
 * compute comes here; the page talks to it through worker/client.ts (createLightWorker).
 * Start it with `new Worker(new URL('./light-worker.ts', import.meta.url), { type: 'module' })`.
 */
import { runOp } from './handlers.js'
import { READY_ID, type WorkerRequest, type WorkerResponse } from './protocol.js'

/** The slice of DedicatedWorkerGlobalScope used here (tsconfig has DOM, not WebWorker, libs). */
interface WorkerScope {
  postMessage: (message: WorkerResponse, transfer: Transferable[]) => void
  addEventListener: (type: 'message', listener: (event: MessageEvent<WorkerRequest>) => void) => void
}
const scope = globalThis as unknown as WorkerScope

// One request at a time: the page's client queues them and knows which one is running (so an
// aborted call can terminate exactly this worker).
scope.addEventListener('message', (event) => {
  const req = event.data
  runOp(req).then(({ result, transfer }) => {
    scope.postMessage({ id: req.id, ok: true, result }, transfer)
  }, (err: unknown) => {
    const e = err as { name?: unknown, code?: unknown, message?: unknown }
    scope.postMessage({
      id: req.id,
      ok: false,
      error: { name: typeof e?.name === 'string' ? e.name : 'Error', code: typeof e?.code === 'string' ? e.code : undefined, message: typeof e?.message === 'string' ? e.message : String(err) }
    }, [])
  })
})
scope.postMessage({ id: READY_ID, ok: true, result: null }, [])
