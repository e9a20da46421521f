/**
 * The client side of the RPC's DA routes, and `submitPayload`: the whole `glowmesh da submit`
 * exchange (encode or ask the node to, sign the `da.submit`, send, wait for the block). Only
 * `fetch` underneath; the CLI, the demo traffic, tests and benches share it.
 */
import { encodeTx, signTx, txHash as hashTx, type Ed25519Key } from '../../protocol/chain/index.js'
import { encodeBody } from '../../protocol/chain/bodies.js'
import { blobCount, EmptyPayloadError, packBlob, type KzgCellBackend } from '../../protocol/da/index.js'
import { fromHex, toHex } from '../../protocol/bytes.js'
import { RpcError, type RpcClient } from '../rpc/client.js'
import { waitForTx, TxFailedError } from '../rpc/wallet.js'
import { encodeSubmission, MAX_SUBMISSION_BLOBS } from './submission.js'
import { SubmissionTooLargeError } from './errors.js'
import type { EncodeResult, SubmitResult } from './intake.js'

/** `GET /da/:height`. */
export interface DaBlockJson {
  height: number
  head: number
  windowBlocks: number
  inWindow: boolean
  blobs: number
  held: boolean
  submissions: Array<{ index: number, txHash: string, size: number, blobs: Array<{ commitment: string, held: boolean }> }>
}

/** What `glowmesh da submit --json` prints (DESIGN §8). */
export interface DaSubmitted { height: number, size: number, commitments: string[], txHash: string }

/**
 * A client for the DA routes of one node.
 * @example const da = createDaClient({ url: 'http://127.0.0.1:26660' }); await da.block(12)
 */
export function createDaClient (options: { url: string, timeoutMs?: number, fetch?: typeof fetch }) {
  const base = options.url.replace(/\/$/, '')
  const doFetch = options.fetch ?? fetch
  const call = async (method: string, path: string, body?: Uint8Array | string, contentType?: string, signal?: AbortSignal): Promise<any> => {
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 120_000)
    let res: Response
    try {
      res = await doFetch(base + path, { method, body: body as BodyInit | undefined, headers: contentType === undefined ? undefined : { 'content-type': contentType }, signal: signal === undefined ? timeout : AbortSignal.any([timeout, signal]) })
    } catch (err: any) {
      throw new RpcError(0, 'UNREACHABLE', `${method} ${base}${path}: ${err?.cause?.code ?? err?.message ?? err}`)
    }
    const text = await res.text()
    let json: any
    try { json = JSON.parse(text) } catch { json = undefined }
    if (!res.ok) throw new RpcError(res.status, json?.error?.code ?? `HTTP_${res.status}`, json?.error?.message ?? res.statusText)
    return json
  }
  return {
    url: base,
    /** `POST /da/submit`: a body from encodeSubmission. */
    submit: async (body: Uint8Array, signal?: AbortSignal): Promise<SubmitResult> => await call('POST', '/da/submit', body, 'application/vnd.glowmesh.da-submission', signal),
    /** `POST /da/encode`: the node encodes the raw payload and holds the cells under a token. */
    encode: async (payload: Uint8Array, signal?: AbortSignal): Promise<EncodeResult> => await call('POST', '/da/encode', payload, 'application/octet-stream', signal),
    /** `POST /da/submit-raw`: the signed tx for a token's commitments. */
    submitRaw: async (token: string, tx: Uint8Array, signal?: AbortSignal): Promise<SubmitResult> => await call('POST', '/da/submit-raw', JSON.stringify({ token, tx: toHex(tx) }), 'application/json', signal),
    /** `GET /da/:height`. */
    block: async (height: number | bigint, signal?: AbortSignal): Promise<DaBlockJson> => await call('GET', `/da/${height}`, undefined, undefined, signal)
  }
}

export type DaClient = ReturnType<typeof createDaClient>

export interface SubmitPayloadOptions {
  rpc: RpcClient
  key: Ed25519Key
  payload: Uint8Array
  /** Encode here (default, needs `kzg`) or let the node encode (`raw: true`). */
  raw?: boolean
  /** The encoder for the default mode (the native backend in Node). */
  kzg?: KzgCellBackend
  chainId?: string
  /** The tx fee (default: the genesis `minFee`). The DA fee (`daPricePerByte × size`) is charged on top by the ledger. */
  fee?: bigint
  signal?: AbortSignal
  /** How long to wait for the block (default 60 s). */
  timeoutMs?: number
}

/**
 * Submits a DA payload end to end and resolves once its tx is in a committed block.
 * @example const { height, commitments } = await submitPayload({ rpc, key, payload, kzg: await createNativeKzg() })
 */
export async function submitPayload (o: SubmitPayloadOptions): Promise<DaSubmitted> {
  const size = o.payload.length
  if (size === 0) throw new EmptyPayloadError('empty payload: there is nothing to make available')
  const n = blobCount(size)
  if (n > MAX_SUBMISSION_BLOBS) throw new SubmissionTooLargeError(`a ${size}-byte payload needs ${n} blobs; at most ${MAX_SUBMISSION_BLOBS} per submission`)
  const da = createDaClient({ url: o.rpc.url })
  let chainId = o.chainId
  let fee = o.fee
  if (chainId === undefined || fee === undefined) {
    const g = JSON.parse(new TextDecoder().decode(await o.rpc.genesis(o.signal)))
    chainId ??= String(g.chainId)
    fee ??= BigInt(g.params?.minFee ?? 1000)
  }
  const sign = async (commitments: Uint8Array[]): Promise<Uint8Array> => {
    const account = await o.rpc.account(o.key.address, false, o.signal)
    return encodeTx(signTx({ chainId: chainId!, nonce: BigInt(account.nonce), fee: fee!, kind: 'da.submit', body: encodeBody('da.submit', { size, commitments }) }, o.key.privateKey))
  }
  let tx: Uint8Array
  let sent: SubmitResult
  if (o.raw === true) {
    const enc = await da.encode(o.payload, o.signal)
    tx = await sign(enc.commitments.map((c) => fromHex(c, 48)))
    sent = await da.submitRaw(enc.token, tx, o.signal)
  } else {
    if (o.kzg === undefined) throw new TypeError('submitPayload: pass `kzg` (or raw: true)')
    const blobs = await Promise.all(Array.from({ length: n }, async (_, i) => await o.kzg!.encodeBlob(packBlob(o.payload, i), { signal: o.signal })))
    tx = await sign(blobs.map((b) => b.commitment))
    sent = await da.submit(encodeSubmission({ tx, blobs }), o.signal)
  }
  const hash = toHex(hashTx(tx))
  const done = await waitForTx(o.rpc, hash, { signal: o.signal, timeoutMs: o.timeoutMs })
  if (done.code !== 0) throw new TxFailedError(done.code, done.log, hash)
  return { height: done.height, size, commitments: sent.commitments, txHash: hash }
}
