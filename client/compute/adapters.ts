/**
 * Adapters from what a light node has (its verified state access, its streaming fetchFile) to what
 * verifyInference takes (a ChainReader and a bytes-returning FetchFileBytes). Pure: no Node or DOM
 * imports; used by the edge (edge/verify.ts), browsers (./browser.ts) and the CLI.
 */
import { toHex } from '../../protocol/bytes.js'
import { hashHeader } from '../../protocol/chain/header.js'
import { GlowmeshError, InvalidInputError } from '../../protocol/errors.js'
import { createFileResolver, fetchFile as coreFetchFile, type FetchFileOptions } from '../files.js'
import type { SegmentCache } from '../segment-cache.js'
import { createVerifiedAccess, type VerifiedAccessOptions, type VerifiedAccessNode } from '../storage/verified-access.js'
import { createVerifiedQuery, UnverifiedStateError } from '../storage/verified-query.js'
import type { AcceptedHeader, LightTransport, PeerOffence, PeerRef, WaitOptions } from '../types.js'
import { createVerifiedChainReader, type ChainReader, type VerifiedQuery } from './chain-reader.js'
import type { FetchFileBytes } from './verify-inference.js'

/** Default cap on a fetched model or trace: 64 MiB. */
export const DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024

/** A fetched file is larger than the caller allows. */
export class FileTooLargeError extends GlowmeshError {
  override name = 'FileTooLargeError'
  constructor (message: string) { super('FILE_TOO_LARGE', message) }
}

/** A streaming fetchFile: the light node's (client/files.ts) or the browser handle's. */
export type StreamingFetchFile = (root: string, options?: FetchFileOptions) => Promise<ReadableStream<Uint8Array>>

/**
 * Wraps a streaming fetchFile (every segment verified against the root) into FetchFileBytes.
 * @example const fetchFile = fileBytes(gm.fetchFile) // gm = startBrowserLightNode(…)
 */
export function fileBytes (fetch: StreamingFetchFile, o: { maxBytes?: number } = {}): FetchFileBytes {
  if (typeof fetch !== 'function') throw new InvalidInputError('fileBytes: expected a fetchFile function')
  const max = o.maxBytes ?? DEFAULT_MAX_FILE_BYTES
  return async (root, options) => {
    const stream = await fetch(root, { signal: options?.signal })
    const reader = stream.getReader()
    const parts: Uint8Array[] = []
    let size = 0
    try {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        size += value.length
        if (size > max) throw new FileTooLargeError(`file ${root} is over ${max} bytes`)
        parts.push(value)
      }
    } catch (err) {
      await reader.cancel(err).catch(() => {})
      throw err
    }
    const out = new Uint8Array(size)
    let off = 0
    for (const p of parts) { out.set(p, off); off += p.length }
    return out
  }
}

/** Options of createLightNodeVerification. */
export interface LightNodeVerificationOptions {
  /** The light node's transport; `segment` is needed for files (browser, WebSocket transports). */
  transport: Pick<LightTransport, 'peers' | 'lightBlock' | 'reportPeer' | 'segment'> & Partial<Pick<LightTransport, 'lightPeers'>>
  /** The light node (waitForHeight, headers, reportPeer; verifyHeader, when it has it, verifies a state height at once). */
  node: VerifiedStateNode
  /** One peer's proven-state answer (WebSocket transport `provenState`, libp2p `requestProvenState`). */
  fetchState: VerifiedAccessOptions['fetchState']
  /** The pinned genesis's chain id. */
  chainId?: string
  /** Where verified segments are kept (and served from). */
  segments?: SegmentCache
  maxBytes?: number
}

/** What a verified state query needs from the light node. */
export type VerifiedStateNode = VerifiedAccessNode & {
  reportPeer?: (peer: PeerRef, offence: PeerOffence, detail: string) => void
  /** The light node's verifyHeader (client/api.ts): the header at a height, from the log or verified now. */
  verifyHeader?: (height: number, options?: WaitOptions) => Promise<AcceptedHeader>
}

/**
 * A verified state query (`model/0x…`, `job/0x…`, `file/0x…`, …): each answer's MPT proof is checked
 * against the app hash of header H + 1, a header the light node verified. With `node.verifyHeader`
 * that header is verified on demand (a state answer is usually ahead of the node's polled head: no
 * waiting for the next poll); without it, createVerifiedAccess waits for the node's own sync.
 * @example const query = createVerifiedStateQuery({ transport, node, fetchState }); await query('job/0x…')
 */
export function createVerifiedStateQuery (o: Pick<LightNodeVerificationOptions, 'transport' | 'node' | 'fetchState'>): VerifiedQuery {
  const { transport, node } = o
  if (typeof node.verifyHeader !== 'function') return createVerifiedAccess({ transport, node, fetchState: o.fetchState }).query
  const verify = node.verifyHeader
  // verified now; if that fails (e.g. a peer's head moved on mid-request), wait for the node's own sync to log it
  const verifiedHash = async (height: number, signal?: AbortSignal): Promise<string> => {
    try { return (await verify(height, { signal })).hash } catch (err) { if (signal?.aborted === true) throw err }
    await node.waitForHeight(height, { signal })
    for (let i = 0; i < 100; i++) {
      const h = node.headers().findLast((x) => x.height === height)
      if (h !== undefined) return h.hash
      await new Promise((resolve) => setTimeout(resolve, 100))
      signal?.throwIfAborted()
    }
    throw new UnverifiedStateError(`header ${height} could not be verified`)
  }
  const appHashes = new Map<number, Uint8Array>()
  const appHashAt = async (height: number, w?: WaitOptions): Promise<Uint8Array> => {
    const known = appHashes.get(height)
    if (known !== undefined) return known
    const want = node.headers().findLast((h) => h.height === height)?.hash ?? await verifiedHash(height, w?.signal)
    for (const peer of transport.peers()) {
      try {
        const lb = await transport.lightBlock(peer, BigInt(height), w)
        if (toHex(hashHeader(lb.signedHeader.header)) !== want) { transport.reportPeer(peer, 'forged-header', `header ${height} differs from the verified one`); continue }
        appHashes.set(height, lb.signedHeader.header.appHash)
        if (appHashes.size > 256) appHashes.delete(appHashes.keys().next().value!)
        return lb.signedHeader.header.appHash
      } catch (err) { if (w?.signal?.aborted === true) throw err }
    }
    throw new UnverifiedStateError(`no peer served header ${height}`)
  }
  return createVerifiedQuery({ peers: () => transport.peers(), fetch: o.fetchState, appHashAt, onLie: (peer, detail) => { transport.reportPeer(peer, 'malformed', detail) } })
}

/**
 * A ChainReader and a FetchFileBytes for a running light node: state proven against its verified
 * headers (createVerifiedAccess), file records proven the same way, segments verified by root.
 * @example
 * const { chain, fetchFile } = createLightNodeVerification({ transport, node, chainId, fetchState: async (peer, path, o) => { … } })
 * await verifyInference(doc, { chain, fetchFile })
 */
export function createLightNodeVerification (o: LightNodeVerificationOptions): { chain: ChainReader, fetchFile: FetchFileBytes, query: VerifiedQuery } {
  if (o === null || typeof o !== 'object' || o.transport === undefined || o.node === undefined || typeof o.fetchState !== 'function') {
    throw new InvalidInputError('createLightNodeVerification: expected { transport, node, fetchState }')
  }
  const query = createVerifiedStateQuery(o)
  const resolve = createFileResolver({ query })
  const transport = o.transport as LightTransport
  const stream: StreamingFetchFile = async (root, options?: WaitOptions) =>
    await coreFetchFile({ transport, resolve, segments: o.segments, report: o.node.reportPeer }, root, options)
  return { chain: createVerifiedChainReader({ query, chainId: o.chainId }), fetchFile: fileBytes(stream, { maxBytes: o.maxBytes }), query }
}
