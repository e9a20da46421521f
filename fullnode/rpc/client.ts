/**
 * A client for glowmesh's RPC (./README.md), used by the CLI, the edge and the fuzzers. Only
 * `fetch`, so it runs in Node, browsers and workerd. Errors come back as RpcError with the server's
 * `{ code, message }`.
 */
import { GlowmeshError } from '../../protocol/errors.js'
import { toHex } from '../../protocol/bytes.js'
import { decodeMessage, encodeMessage, MESSAGES, SegmentStatus } from '../../protocol/wire/index.js'
import type { MerkleProof } from '../../protocol/storage/index.js'
import type { NodeStatusJson } from './server.js'

/** An RPC call that failed: the HTTP status and the server's error code. */
export class RpcError extends GlowmeshError {
  override name = 'RpcError'
  constructor (readonly status: number, code: string, message: string) { super(code, message) }
}

export interface RpcClientOptions {
  /** Base URL, e.g. `http://127.0.0.1:26660`. */
  url: string
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number
  fetch?: typeof fetch
}

/**
 * Creates an RPC client.
 * @example const rpc = createRpcClient({ url: 'http://127.0.0.1:26660' }); (await rpc.status()).height
 */
export function createRpcClient (options: RpcClientOptions) {
  const base = options.url.replace(/\/$/, '')
  const doFetch = options.fetch ?? fetch
  async function call (method: string, path: string, init: { body?: BodyInit, headers?: Record<string, string>, signal?: AbortSignal } = {}): Promise<Response> {
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 30_000)
    const signal = init.signal === undefined ? timeout : AbortSignal.any([timeout, init.signal])
    let res: Response | undefined
    // A keep-alive socket the server already closed fails the request before it is sent: retry an
    // idempotent request once on such a socket error — a GET, or a PUT of a segment (storing one
    // twice is a no-op) — never a POST (a tx or a faucet call), never after an abort.
    const idempotent = method === 'GET' || method === 'PUT'
    for (let attempt = 0; res === undefined; attempt++) {
      try {
        res = await doFetch(base + path, { method, body: init.body, headers: init.headers, signal })
      } catch (err: any) {
        const retryable = idempotent && attempt === 0 && !signal.aborted && /UND_ERR_SOCKET|ECONNRESET|EPIPE/.test(String(err?.cause?.code ?? err?.code ?? ''))
        if (!retryable) throw new RpcError(0, 'UNREACHABLE', `${method} ${base}${path}: ${err?.cause?.code ?? err?.message ?? err}`)
      }
    }
    if (!res.ok) {
      let code = 'HTTP_' + String(res.status)
      let message = res.statusText
      try { const j = await res.json() as any; code = j?.error?.code ?? code; message = j?.error?.message ?? message } catch {}
      throw new RpcError(res.status, code, message)
    }
    return res
  }
  const json = async (method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<any> =>
    await (await call(method, path, body === undefined ? { signal } : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, signal })).json()

  return {
    url: base,
    status: async (signal?: AbortSignal): Promise<NodeStatusJson> => await json('GET', '/status', undefined, signal),
    genesis: async (signal?: AbortSignal): Promise<Uint8Array> => new Uint8Array(await (await call('GET', '/genesis', { signal })).arrayBuffer()),
    bootstrap: async (signal?: AbortSignal): Promise<{ multiaddrs: string[], websockets?: string[] }> => await json('GET', '/bootstrap', undefined, signal),
    header: async (height: bigint | number | 'latest', signal?: AbortSignal): Promise<any> => await json('GET', `/headers/${height}`, undefined, signal),
    validators: async (height: bigint | number | 'latest', signal?: AbortSignal): Promise<any> => await json('GET', `/validators/${height}`, undefined, signal),
    submitTx: async (tx: Uint8Array, signal?: AbortSignal): Promise<{ txHash: string, code: number, log: string }> =>
      await (await call('POST', '/tx', { body: tx as Uint8Array<ArrayBuffer>, headers: { 'content-type': 'application/octet-stream' }, signal })).json() as any,
    tx: async (hash: string, signal?: AbortSignal): Promise<any> => await json('GET', `/tx/${hash}`, undefined, signal),
    account: async (address: string, prove = false, signal?: AbortSignal): Promise<any> => await json('GET', `/accounts/${address}${prove ? '?prove=true' : ''}`, undefined, signal),
    registryEntry: async (nodeId: Uint8Array, prove = false, signal?: AbortSignal): Promise<any> => await json('GET', `/registry/${toHex(nodeId)}${prove ? '?prove=true' : ''}`, undefined, signal),
    file: async (root: string, signal?: AbortSignal): Promise<any> => await json('GET', `/files/${root}`, undefined, signal),
    faucet: async (address: string, signal?: AbortSignal): Promise<any> => await json('POST', '/faucet', { address }, signal),
    putSegment: async (root: string, index: number, bytes: Uint8Array, proof: MerkleProof, signal?: AbortSignal): Promise<any> => {
      const body = encodeMessage(MESSAGES.segmentResponse, {
        status: SegmentStatus.OK,
        message: '',
        data: bytes,
        proof: { siblings: proof.siblings, leafIndex: BigInt(proof.index), leafCount: BigInt(proof.leafCount) }
      })
      return await (await call('PUT', `/files/${root}/segments/${index}`, { body: body as Uint8Array<ArrayBuffer>, headers: { 'content-type': 'application/vnd.glowmesh.segment' }, signal })).json()
    },
    getSegment: async (root: string, index: number, signal?: AbortSignal): Promise<{ bytes: Uint8Array, proof: MerkleProof }> => {
      const res = await call('GET', `/files/${root}/segments/${index}`, { signal })
      const msg = decodeMessage(MESSAGES.segmentResponse, new Uint8Array(await res.arrayBuffer()))
      if (msg.proof === undefined) throw new RpcError(502, 'BAD_SEGMENT', 'segment response without a proof')
      return { bytes: msg.data, proof: { index: Number(msg.proof.leafIndex), leafCount: Number(msg.proof.leafCount), siblings: msg.proof.siblings } }
    }
  }
}

export type RpcClient = ReturnType<typeof createRpcClient>
