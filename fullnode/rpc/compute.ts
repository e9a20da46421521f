/**
 * The RPC's compute-market routes (issue 11), mounted with `startRpcServer({ extend })`. Every
 * read is an ABCI query through the engine (serialised with consensus, like the backend's):
 *
 * | route | answer |
 * |---|---|
 * | `GET /compute/models` | `{ height, models: [modelJson…] }` in registration order |
 * | `GET /compute/models/{root}[?prove=true]` | `{ height, model, proof? }`; `proof` (hex) = MPT proof of `model/<root>` against header `height + 1`'s app hash |
 * | `GET /compute/jobs?status=open\|claimed\|resulted\|done\|paid\|slashed\|expired\|refunded&limit=50` | `{ height, status, jobs: [jobJson…] }` newest first, without inputs |
 * | `GET /compute/jobs/{id}[?prove=true]` | `{ height, job, proof? }`: the job with its input (base64), status, heights, result fields |
 * | `GET /compute/workers/{address}[?prove=true]` | `{ height, worker, proof? }`: jobsDone, disputesLost/Won, missed, reputation, flagged, reports, earned, slashed |
 *
 * Unknown model/job/worker: 404 (`MODEL_NOT_FOUND`, `JOB_NOT_FOUND`, `WORKER_NOT_FOUND`) unless
 * `prove=true`, which answers `null` with a proof of absence. Bad ids: 400.
 */
import { HttpError, type Router } from './http.js'
import { toHex } from '../../protocol/bytes.js'
import { decodeRecord } from '../../protocol/chain/state-proof.js'
import { jobJson, modelJson, workerJson } from '../../protocol/chain/compute.js'
import { canonicalCid, cidFromSubmission } from '../../protocol/cid/index.js'

/** What the routes read: CometBFT's `abci_query` (fullnode/engine's RpcClient has it). */
export interface ComputeQuerySource {
  abciQuery: (path: string, data?: Uint8Array, opts?: { prove?: boolean }) => Promise<{ code: number, log: string, value: Uint8Array, height: bigint, proofOps?: any }>
}

const cidText = (bytes: Uint8Array): string => {
  try { const cid = cidFromSubmission(bytes); return cid === undefined ? '' : canonicalCid(cid) } catch { return toHex(bytes) }
}

function hexParam (text: string, bytes: number, what: string): string {
  if (!new RegExp(`^(0x)?[0-9a-fA-F]{${2 * bytes}}$`).test(text)) throw new HttpError(400, 'BAD_ID', `${what} must be ${bytes} bytes of hex, got '${text.slice(0, 70)}'`)
  return '0x' + text.replace(/^0x/, '').toLowerCase()
}

/**
 * The route installer over an ABCI query source.
 * @example await startRpcServer({ backend, host, port, extend: (r) => { computeRoutes(engine.rpc)(r) } })
 */
export function computeRoutes (source: ComputeQuerySource): (router: Router) => void {
  const query = async (path: string, prove: boolean): Promise<{ value: Uint8Array, height: number, proof?: string }> => {
    const r = await source.abciQuery(path, undefined, { prove })
    if (r.code !== 0) throw new HttpError(r.code === 2 ? 400 : r.code === 3 ? 404 : 503, r.code === 2 ? 'BAD_ARGUMENT' : 'QUERY_FAILED', r.log)
    const ops = r.proofOps?.ops
    const proof = prove && Array.isArray(ops) && ops[0] !== undefined ? toHex(new Uint8Array(Buffer.from(ops[0].data, 'base64'))) : undefined
    return { value: r.value, height: Number(r.height), ...(proof === undefined ? {} : { proof }) }
  }
  const listing = async (path: string): Promise<Record<string, unknown>> => {
    const q = await query(path, false)
    return { height: q.height, ...JSON.parse(new TextDecoder().decode(q.value)) }
  }
  // One provable entry: 404 when absent, unless a proof (of absence) was asked for.
  const entry = async (path: string, prove: boolean, notFound: [string, string], render: (value: Uint8Array) => unknown, field: string): Promise<unknown> => {
    const q = await query(path, prove)
    if (q.value.length === 0 && !prove) throw new HttpError(404, notFound[0], notFound[1])
    return { height: q.height, [field]: q.value.length === 0 ? null : render(q.value), ...(q.proof === undefined ? {} : { proof: q.proof }) }
  }
  const prove = (url: URL): boolean => url.searchParams.get('prove') === 'true'
  return (r) => {
    r.add('GET', '/compute/models', async () => await listing('/compute/models'))
    r.add('GET', '/compute/models/:root', async ({ params, url }) => {
      const root = hexParam(params.root, 32, 'model root')
      return await entry(`/model/${root}`, prove(url), ['MODEL_NOT_FOUND', `no registered model ${root}`], (v) => {
        const m = decodeRecord('model', v)
        return modelJson(new Uint8Array(Buffer.from(root.slice(2), 'hex')), m, cidText(m.cid))
      }, 'model')
    })
    r.add('GET', '/compute/jobs', async ({ url }) => {
      const status = url.searchParams.get('status') ?? 'open'
      const limit = url.searchParams.get('limit') ?? '50'
      if (!/^[a-z]{1,16}$/.test(status)) throw new HttpError(400, 'BAD_STATUS', 'status must be open, claimed, resulted, done, paid, slashed, expired or refunded')
      if (!/^[1-9][0-9]{0,2}$/.test(limit) || Number(limit) > 500) throw new HttpError(400, 'BAD_LIMIT', 'limit must be 1..500')
      return await listing(`/compute/jobs/${status}/${limit}`)
    })
    r.add('GET', '/compute/jobs/:id', async ({ params, url }) => {
      const id = hexParam(params.id, 32, 'job id')
      return await entry(`/job/${id}`, prove(url), ['JOB_NOT_FOUND', `no job ${id} (unknown or pruned)`], (v) => jobJson(new Uint8Array(Buffer.from(id.slice(2), 'hex')), decodeRecord('job', v), { input: true }), 'job')
    })
    r.add('GET', '/compute/workers/:address', async ({ params, url }) => {
      const address = hexParam(params.address, 20, 'worker address')
      return await entry(`/worker/${address}`, prove(url), ['WORKER_NOT_FOUND', `worker ${address} has no record yet`], (v) => workerJson(address, decodeRecord('worker', v)), 'worker')
    })
  }
}
