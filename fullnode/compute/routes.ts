/**
 * `GET /compute/monitor`: the alignment monitor's latest statistics and anomalies (snapshot.ts
 * `monitorSnapshot`), or `{ enabled: false }` on a node whose monitor is off. Mounted with
 * `startRpcServer({ extend })` beside fullnode/rpc/compute.ts's market routes.
 */
import type { Router } from '../rpc/http.js'
import { MONITOR_OFF } from './snapshot.js'
import type { Monitor } from './monitor.js'

/**
 * The route installer; `monitor()` is read per request (the monitor starts after the RPC).
 * @example startRpcServer({ backend, host, port, extend: (r) => { monitorRoutes(() => monitor)(r) } })
 */
export function monitorRoutes (monitor: () => Monitor | undefined): (router: Router) => void {
  return (r) => {
    r.add('GET', '/compute/monitor', async () => monitor()?.snapshot() ?? MONITOR_OFF)
  }
}
