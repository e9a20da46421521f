/**
 * The RPC's CID routes (DESIGN §2b), mounted with `startRpcServer({ extend })` beside the DA routes:
 *
 * | route | answer |
 * |---|---|
 * | `GET /cids/{cid}` | `{ root, cid, size, flowStart, status }` of the newest submission that declared this CID (any text form: base32, base58btc, base36, CIDv0) |
 *
 * A malformed CID is 400 `INVALID_CID`; one no submission declared is 404 `UNKNOWN_CID`; a
 * submission that was rejected (CID mismatch) or pruned is still answered, with its `status`, so
 * `glowmesh get` can say why the bytes are gone.
 */
import { HttpError, type Router } from './http.js'
import { canonicalCid, parseCid } from '../../protocol/cid/index.js'
import type { FlowStore } from '../store/index.js'

/**
 * The route installer over a flow store.
 * @example await startRpcServer({ backend, host, port, extend: (r) => { daRoutes(da)(r); cidRoutes(store)(r) } })
 */
export function cidRoutes (store: Pick<FlowStore, 'fileByCid'>): (router: Router) => void {
  return (r) => {
    r.add('GET', '/cids/:cid', async ({ params }) => {
      let cid: string
      try { cid = canonicalCid(parseCid(params.cid)) } catch (err) { throw new HttpError(400, 'INVALID_CID', (err as Error).message) }
      const info = await store.fileByCid(cid).catch((err) => {
        if (err?.code === 'UNKNOWN_FILE') throw new HttpError(404, 'UNKNOWN_CID', `no storage submission declared CID ${cid}`)
        throw err
      })
      return { root: info.root, cid, size: info.size, flowStart: info.flowStart, status: info.status }
    })
  }
}
