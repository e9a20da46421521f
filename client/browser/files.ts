/**
 * The browser node's `fetchFile` and its serving side: the file record (size, CID, expiry) is proven
 * from chain state over `/glowmesh/pora-state/1.0.0` against app hashes of headers this node
 * verified (client/storage/verified-access.ts); a CID is mapped to its root by the RPC's
 * `GET /cids/{cid}` (only a hint: the proven record must declare that CID). Segments come from the
 * core's fetchFile (client/files.ts), verified, kept in the SegmentCache and served to peers.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { fromHex } from '../../protocol/bytes.js'
import { requestProvenState } from '../../fullnode/pora/state-service.js'
import { createFileResolver, fetchFile, type FetchFileOptions, type ResolvedFile } from '../files.js'
import type { SegmentCache } from '../segment-cache.js'
import type { PeerOffence } from '../types.js'
import { createVerifiedAccess, type VerifiedAccessNode } from '../storage/verified-access.js'
import type { BrowserTransport } from './transport.js'
import { RpcFetchError } from './errors.js'

/** Options of createBrowserFiles. */
export interface BrowserFilesOptions {
  transport: BrowserTransport
  node: VerifiedAccessNode & { reportPeer: (peer: string, offence: PeerOffence, detail: string) => void }
  /** A full node's RPC base URL (CID → root lookups). */
  rpcUrl: string
  segments: SegmentCache
}

/** The page's file fetcher. */
export type BrowserFetchFile = (rootOrCid: string, options?: FetchFileOptions) => Promise<ReadableStream<Uint8Array> & { file: ResolvedFile }>

/**
 * fetchFile for the browser node (verified record, verified segments, cached and served).
 * @example const fetch = createBrowserFiles({ transport, node, rpcUrl, segments }); const stream = await fetch('bafkrei…', { signal })
 */
export function createBrowserFiles (o: BrowserFilesOptions): BrowserFetchFile {
  const { query } = createVerifiedAccess({
    transport: o.transport,
    node: o.node,
    fetchState: async (peer, path, w) => {
      const { height, entries } = await requestProvenState(o.transport.libp2p, peerIdFromString(peer), [path], { signal: w?.signal })
      return { height, value: entries[0].value, proof: entries[0].proof }
    }
  })
  const lookupCid = async (cid: string, w?: { signal?: AbortSignal }): Promise<Uint8Array | undefined> => {
    const url = `${o.rpcUrl.replace(/\/+$/, '')}/cids/${cid}`
    let res: Response
    try { res = await fetch(url, { signal: AbortSignal.any([AbortSignal.timeout(10_000), ...(w?.signal === undefined ? [] : [w.signal])]) }) } catch (cause) {
      throw new RpcFetchError(`GET ${url} failed: ${(cause as Error)?.message ?? String(cause)}`, { cause })
    }
    if (res.status === 404) return undefined
    if (!res.ok) throw new RpcFetchError(`GET ${url}: HTTP ${res.status}`)
    const j = await res.json().catch(() => undefined) as { root?: unknown } | undefined
    if (typeof j?.root !== 'string' || !/^0x[0-9a-f]{64}$/.test(j.root)) throw new RpcFetchError(`GET ${url}: no root in the answer`)
    return fromHex(j.root, 32)
  }
  const resolve = createFileResolver({ query, lookupCid })
  return async (rootOrCid, options) => await fetchFile({ transport: o.transport, resolve, segments: o.segments, report: o.node.reportPeer }, rootOrCid, options)
}
