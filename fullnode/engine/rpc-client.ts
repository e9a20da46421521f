/**
 * A small client for CometBFT's own JSON-RPC (the engine's `[rpc] laddr`): what full-node code
 * needs from its local engine (status, blocks, commits, validators, mempool submission, queries,
 * peers). Every call has a timeout and takes an AbortSignal; every result carries the raw JSON
 * `result` beside parsed forms built with protocol/chain's parsers, so they feed the light-client
 * verifier directly.
 */
import { signedHeaderFromJson, validatorsFromJson, headerFromJson } from '../../protocol/chain/json.js'
import type { Header, LightBlock, SignedHeader, Validator } from '../../protocol/chain/types.js'
import { CometRpcError } from './errors.js'
import { linkSignals } from '../../protocol/signals.js'

export interface CometRpcOptions {
  /** e.g. `http://127.0.0.1:26657`. */
  url: string
  /** Per-call timeout (default 10 s). */
  timeoutMs?: number
}

export interface CallOptions { signal?: AbortSignal, timeoutMs?: number }

export interface CometStatus {
  raw: any
  nodeId: string
  network: string
  latestBlockHeight: bigint
  latestBlockHash: string
  latestAppHash: string
  /** RFC 3339, as CometBFT prints it. */
  latestBlockTime: string
  earliestBlockHeight: bigint
  catchingUp: boolean
}

export interface BroadcastResult {
  raw: any
  /** CheckTx's code (0 = accepted into the mempool). */
  code: number
  log: string
  /** Upper-case hex sha256 of the tx. */
  hash: string
}

export interface AbciQueryResult {
  raw: any
  code: number
  log: string
  key: Uint8Array
  value: Uint8Array
  height: bigint
  proofOps: unknown
}

export interface CometRpc {
  /** Any JSON-RPC method: returns its `result`. */
  call: (method: string, params?: Record<string, unknown>, options?: CallOptions) => Promise<any>
  status: (options?: CallOptions) => Promise<CometStatus>
  block: (height?: bigint | number, options?: CallOptions) => Promise<{ raw: any, header: Header, txs: Uint8Array[], blockIdHash: string }>
  commit: (height?: bigint | number, options?: CallOptions) => Promise<{ raw: any, signedHeader: SignedHeader, canonical: boolean }>
  validators: (height?: bigint | number, options?: CallOptions) => Promise<{ raw: any[], validators: Validator[], blockHeight: bigint }>
  lightBlock: (height: bigint | number, options?: CallOptions) => Promise<LightBlock>
  broadcastTxSync: (tx: Uint8Array, options?: CallOptions) => Promise<BroadcastResult>
  abciQuery: (path: string, data?: Uint8Array, opts?: CallOptions & { height?: bigint | number, prove?: boolean }) => Promise<AbciQueryResult>
  tx: (hash: Uint8Array | string, options?: CallOptions) => Promise<{ raw: any, height: bigint, index: number, code: number }>
  txSearch: (query: string, opts?: CallOptions & { page?: number, perPage?: number, orderBy?: 'asc' | 'desc' }) => Promise<{ raw: any, txs: any[], totalCount: number }>
  netInfo: (options?: CallOptions) => Promise<{ raw: any, listening: boolean, peers: Array<{ nodeId: string, moniker: string, remoteIp: string }> }>
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64')
const unb64 = (s: unknown): Uint8Array => typeof s === 'string' && s.length > 0 ? new Uint8Array(Buffer.from(s, 'base64')) : new Uint8Array()
const hexOf = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

let nextId = 1

/**
 * A CometBFT RPC client for one engine.
 * @example const rpc = createCometRpc({ url: 'http://127.0.0.1:26657' }); (await rpc.status()).latestBlockHeight
 */
export function createCometRpc (o: CometRpcOptions): CometRpc {
  const url = o.url.replace(/\/$/, '')
  const defaultTimeout = o.timeoutMs ?? 10_000

  const call = async (method: string, params: Record<string, unknown> = {}, options: CallOptions = {}): Promise<any> => {
    const timeout = AbortSignal.timeout(options.timeoutMs ?? defaultTimeout)
    const linked = options.signal === undefined ? undefined : linkSignals(options.signal, timeout)
    const signal = linked ?? timeout
    try {
      const id = nextId++
      let res: globalThis.Response
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
          signal
        })
      } catch (cause) {
        if (options.signal?.aborted === true) throw options.signal.reason
        const why = timeout.aborted ? `timed out after ${options.timeoutMs ?? defaultTimeout} ms` : (cause as Error).message
        throw new CometRpcError(`CometBFT RPC ${method} at ${url}: ${why}`, { cause })
      }
      let body: any
      try { body = await res.json() } catch (cause) {
        throw new CometRpcError(`CometBFT RPC ${method}: HTTP ${res.status}, body is not JSON`, { cause, detail: res.status })
      }
      if (body?.error !== undefined) {
        const e = body.error
        throw new CometRpcError(`CometBFT RPC ${method}: ${e.message ?? 'error'}${e.data !== undefined ? ` (${String(e.data)})` : ''}`, { detail: e })
      }
      if (!res.ok || body?.result === undefined) throw new CometRpcError(`CometBFT RPC ${method}: HTTP ${res.status} without a result`, { detail: res.status })
      return body.result
    } finally {
      linked?.clear()
    }
  }

  const h = (height?: bigint | number): Record<string, unknown> => height === undefined ? {} : { height: String(height) }

  const validators: CometRpc['validators'] = async (height, options) => {
    const pages: any[] = []
    const out: Validator[] = []
    let blockHeight = 0n
    // CometBFT caps per_page at 100; sets are concatenated page by page (total says how many).
    for (let page = 1; page <= 1000; page++) {
      const r = await call('validators', { ...h(height), page: String(page), per_page: '100' }, options)
      pages.push(r)
      out.push(...validatorsFromJson(r))
      blockHeight = BigInt(r.block_height)
      if (out.length >= Number(r.total) || r.validators.length === 0) break
    }
    return { raw: pages, validators: out, blockHeight }
  }

  const commit: CometRpc['commit'] = async (height, options) => {
    const raw = await call('commit', h(height), options)
    return { raw, signedHeader: signedHeaderFromJson(raw), canonical: raw.canonical === true }
  }

  return {
    call,
    async status (options) {
      const raw = await call('status', {}, options)
      const si = raw.sync_info
      return {
        raw,
        nodeId: raw.node_info.id,
        network: raw.node_info.network,
        latestBlockHeight: BigInt(si.latest_block_height),
        latestBlockHash: si.latest_block_hash,
        latestAppHash: si.latest_app_hash,
        latestBlockTime: si.latest_block_time,
        earliestBlockHeight: BigInt(si.earliest_block_height),
        catchingUp: si.catching_up === true
      }
    },
    async block (height, options) {
      const raw = await call('block', h(height), options)
      return { raw, header: headerFromJson(raw.block.header), txs: (raw.block.data.txs ?? []).map(unb64), blockIdHash: raw.block_id.hash }
    },
    commit,
    validators,
    async lightBlock (height, options) {
      const [c, v] = await Promise.all([commit(height, options), validators(height, options)])
      return { signedHeader: c.signedHeader, validators: v.validators }
    },
    async broadcastTxSync (tx, options) {
      const raw = await call('broadcast_tx_sync', { tx: b64(tx) }, options)
      return { raw, code: Number(raw.code), log: raw.log ?? '', hash: raw.hash }
    },
    async abciQuery (path, data = new Uint8Array(), opts = {}) {
      const raw = await call('abci_query', { path, data: hexOf(data), ...h(opts.height), prove: opts.prove === true }, opts)
      const r = raw.response
      return { raw, code: Number(r.code ?? 0), log: r.log ?? '', key: unb64(r.key), value: unb64(r.value), height: BigInt(r.height ?? 0), proofOps: r.proofOps ?? r.proof_ops }
    },
    async tx (hash, options) {
      const bytes = typeof hash === 'string' ? new Uint8Array(Buffer.from(hash.replace(/^0x/, ''), 'hex')) : hash
      const raw = await call('tx', { hash: b64(bytes), prove: false }, options)
      return { raw, height: BigInt(raw.height), index: Number(raw.index), code: Number(raw.tx_result?.code ?? 0) }
    },
    async txSearch (query, opts = {}) {
      const raw = await call('tx_search', { query, prove: false, page: String(opts.page ?? 1), per_page: String(opts.perPage ?? 30), order_by: opts.orderBy ?? 'asc' }, opts)
      return { raw, txs: raw.txs, totalCount: Number(raw.total_count) }
    },
    async netInfo (options) {
      const raw = await call('net_info', {}, options)
      return {
        raw,
        listening: raw.listening === true,
        peers: (raw.peers ?? []).map((p: any) => ({ nodeId: p.node_info.id, moniker: p.node_info.moniker, remoteIp: p.remote_ip }))
      }
    }
  }
}
