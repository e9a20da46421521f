/**
 * The compute market from a client's side (issue 11): signed `compute.*` transactions (with the
 * nonce they used, so a post knows its job id), waits for inclusion, and the RPC's `/compute/...`
 * reads (jobs, models, workers) with polling helpers. Node or browser: only `fetch` underneath.
 */
import { encodeTx, signTx, txHash, type Ed25519Key } from '../../protocol/chain/index.js'
import { encodeBody, type LedgerTxKind } from '../../protocol/chain/bodies.js'
import { computeJobId, JOB_STATUSES, type JobStatus } from '../../protocol/chain/compute.js'
import { GlowmeshError } from '../../protocol/errors.js'
import { fromHex, toHex } from '../../protocol/bytes.js'
import { canonicalCid, cidFromSubmission, parseCid } from '../../protocol/cid/index.js'
import { RpcError, type RpcClient } from '../../fullnode/rpc/client.js'
import { TxFailedError, waitForTx } from '../../fullnode/rpc/wallet.js'
import { sleep } from '../../protocol/sleep.js'

/** The shared abortable wait, exported here for the market's callers. */
export { sleep }

/**
 * A market step that failed or ran out of time (`code`: JOB_TIMEOUT, JOB_FAILED, BAD_RESPONSE, …).
 * @example throw new MarketError('JOB_TIMEOUT', 'no result after 120 s')
 */
export class MarketError extends GlowmeshError {
  override name = 'MarketError'
  constructor (code: string, message: string, options?: { cause?: unknown, exitCode?: number }) { super(code, message, options) }
}

/** A job as the RPC renders it (protocol/chain/compute.ts `jobJson`). */
export interface JobView {
  id: string
  status: JobStatus | string
  owner: string
  modelRoot: string
  batch: number
  inputBytes: number
  /** base64, only when asked for (`job(id, { input: true })`). */
  input?: string
  fee: string
  verification: string
  postedHeight: number
  deadlineHeight: number
  worker: string | null
  stake: string
  claimHeight: number | null
  result: null | {
    traceRoot: string, traceCommitment: string, predictions: number[], resultDigest: string, height: number, challengeEnd: number
    /** The worker's ed25519 signature over resultDigest (base64), null when the result carried none. */
    signature?: string | null
    /** The worker's ed25519 public key (base64), null when the result carried no signature. */
    publicKey?: string | null
  }
  finishedHeight: number | null
  disputes: number
  disputer: string | null
}

/** A registered model (protocol/chain/compute.ts `modelJson`). */
export interface ModelView {
  root: string, cid: string, owner: string, layersRoot: string, inputSize: number, outputSize: number, layerCount: number
  referenceDistribution: number[], registeredHeight: number
}

/**
 * A model's CID as text: the RPC may render the record's CID bytes (a storage submission's binary
 * CID) as 0x-hex; this gives the canonical CIDv1 text either way.
 * @example modelCid(await api.model(root)) // 'bafk…'
 */
export function modelCid (m: Pick<ModelView, 'cid'>): string {
  const cid = /^0x[0-9a-f]*$/.test(m.cid) ? cidFromSubmission(fromHex(m.cid)) : parseCid(m.cid)
  if (cid === undefined) throw new MarketError('NO_CID', 'the model was registered without a CID')
  return canonicalCid(cid)
}

/** What sendTx resolves to. */
export interface SentComputeTx { txHash: string, height: number, nonce: bigint }

/** Options of every call that talks to the chain. */
export interface MarketCallOptions { signal?: AbortSignal, timeoutMs?: number }

/**
 * Signs `kind`/`body` with the account's next nonce, submits it and waits for its block; a refusal
 * (CheckTx) or a failed execution throws TxFailedError with the ledger's log.
 * @example const { nonce } = await sendTx(rpc, key, chainId, 'compute.job.claim', { jobId })
 */
export async function sendTx (rpc: RpcClient, key: Ed25519Key, chainId: string, kind: LedgerTxKind, body: unknown, o: MarketCallOptions & { fee?: bigint } = {}): Promise<SentComputeTx> {
  const account = await rpc.account(key.address, false, o.signal)
  const nonce = BigInt(account.nonce)
  const tx = encodeTx(signTx({ chainId, nonce, fee: o.fee ?? 1000n, kind, body: encodeBody(kind, body as never) }, key.privateKey))
  const hash = toHex(txHash(tx))
  const res = await rpc.submitTx(tx, o.signal)
  if (res.code !== 0) throw new TxFailedError(res.code, res.log, hash)
  const done = await waitForTx(rpc, hash, { signal: o.signal, timeoutMs: o.timeoutMs ?? 60_000 })
  if (done.code !== 0) throw new TxFailedError(done.code, done.log, hash)
  return { txHash: hash, height: done.height, nonce }
}

/**
 * The job id a `compute.job.post` sent with `nonce` by `address` gets.
 * @example jobIdOf(key.address, sent.nonce) // '0x…'
 */
export function jobIdOf (address: string, nonce: bigint): string {
  return toHex(computeJobId(address, nonce))
}

async function getJson (rpc: RpcClient, path: string, signal?: AbortSignal): Promise<any> {
  const timeout = AbortSignal.timeout(30_000)
  let res: Response
  try {
    res = await fetch(rpc.url + path, { signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]) })
  } catch (err: any) {
    if (signal?.aborted === true) throw err
    throw new RpcError(0, 'UNREACHABLE', `GET ${rpc.url}${path}: ${String(err?.cause?.code ?? err?.message ?? err)}`)
  }
  const body = await res.json().catch(() => undefined) as any
  if (!res.ok) throw new RpcError(res.status, String(body?.error?.code ?? `HTTP_${res.status}`), String(body?.error?.message ?? res.statusText))
  if (body === undefined) throw new MarketError('BAD_RESPONSE', `GET ${path}: not JSON`)
  return body
}

const isHex = (s: unknown, bytes: number): s is string => typeof s === 'string' && new RegExp(`^0x[0-9a-f]{${2 * bytes}}$`).test(s)

function checkJob (j: any, path: string): JobView {
  if (j === null || typeof j !== 'object' || !isHex(j.id, 32) || typeof j.status !== 'string' || !isHex(j.modelRoot, 32) || !Number.isInteger(j.batch)) {
    throw new MarketError('BAD_RESPONSE', `GET ${path}: not a job`)
  }
  return j as JobView
}

/**
 * Reads of the RPC's compute routes (fullnode/rpc/compute.ts): jobs by status, one job (with its
 * input), a model, a worker. 404s come back as undefined from `job`/`model`/`worker`.
 * @example const open = await computeApi(rpc).jobs('open')
 */
export function computeApi (rpc: RpcClient) {
  const orUndefined = async <T>(p: Promise<T>): Promise<T | undefined> => await p.catch((err) => { if (err instanceof RpcError && err.status === 404) return undefined; throw err })
  return {
    /** Jobs with this status (newest state), as the RPC lists them. */
    async jobs (status: JobStatus, signal?: AbortSignal): Promise<JobView[]> {
      if (!(JOB_STATUSES as readonly string[]).includes(status)) throw new MarketError('BAD_STATUS', `unknown job status '${status}'`, { exitCode: 2 })
      const path = `/compute/jobs?status=${status}`
      const body = await getJson(rpc, path, signal)
      const list = Array.isArray(body) ? body : body?.jobs
      if (!Array.isArray(list)) throw new MarketError('BAD_RESPONSE', `GET ${path}: no job list`)
      return list.map((j: unknown) => checkJob(j, path))
    },
    /** One job; `input: true` adds its input bytes (base64). */
    async job (id: string, o: { input?: boolean, signal?: AbortSignal } = {}): Promise<JobView | undefined> {
      const path = `/compute/jobs/${id}${o.input === true ? '?input=true' : ''}`
      const j = await orUndefined(getJson(rpc, path, o.signal))
      return j === undefined ? undefined : checkJob(j.job ?? j, path)
    },
    /** A registered model. */
    async model (root: string, signal?: AbortSignal): Promise<ModelView | undefined> {
      const m = await orUndefined(getJson(rpc, `/compute/models/${root}`, signal))
      return m === undefined ? undefined : (m.model ?? m) as ModelView
    },
    /** A worker's record (jobsDone, reputation, earned, slashed, …). */
    async worker (address: string, signal?: AbortSignal): Promise<Record<string, unknown> | undefined> {
      const w = await orUndefined(getJson(rpc, `/compute/workers/${address}`, signal))
      return w === undefined ? undefined : (w.worker ?? w)
    }
  }
}

/** What computeApi returns. @example const api: ComputeApi = computeApi(rpc) */
export type ComputeApi = ReturnType<typeof computeApi>

/**
 * Polls a job until `until(job)` holds; throws MarketError JOB_TIMEOUT after `timeoutMs`
 * (default 120 s) and JOB_FAILED when it reaches a final status `until` did not accept.
 * @example const job = await waitForJob(api, id, j => j.result !== null)
 */
export async function waitForJob (api: ComputeApi, id: string, until: (job: JobView) => boolean, o: MarketCallOptions & { pollMs?: number, what?: string } = {}): Promise<JobView> {
  const deadline = Date.now() + (o.timeoutMs ?? 120_000)
  let last: JobView | undefined
  for (;;) {
    last = await api.job(id, { signal: o.signal })
    if (last !== undefined && until(last)) return last
    if (last !== undefined && ['paid', 'slashed', 'expired', 'refunded'].includes(last.status)) {
      throw new MarketError('JOB_FAILED', `job ${id} ended '${last.status}' before ${o.what ?? 'the awaited state'}`)
    }
    if (Date.now() > deadline) {
      throw new MarketError('JOB_TIMEOUT', `job ${id}: no ${o.what ?? 'change'} after ${Math.round((o.timeoutMs ?? 120_000) / 1000)} s (status ${last?.status ?? 'unknown'})`)
    }
    await sleep(o.pollMs ?? 300, o.signal)
  }
}
