/**
 * `GET /ipfs/{cid}` on the edge gateway (issue 12): the IPFS gateway API, every byte verified here
 * before it is sent.
 *   Accept: application/vnd.ipld.raw or ?format=raw → the block, fetched from a full node's
 *     trustless gateway and re-hashed against the CID (the next full node on a mismatch)
 *   Accept: application/vnd.ipld.car or ?format=car → the file's DAG as a CAR v1 (dfs), each block
 *     re-hashed against the CID that links to it before it is written
 *   anything else (a browser) → the file's bytes: the CID's submission (two full nodes agree on
 *     root and size) read through the 0G-verified segment path (edge/files.ts); Range works
 * Only glowmesh file CIDs (CIDv1, raw or dag-pb, sha2-256) are served.
 */
import { CarWriter } from '@ipld/car/writer'
import * as dagPb from '@ipld/dag-pb'
import { sha256 } from '@noble/hashes/sha2.js'
import type { CID } from 'multiformats/cid'
import { equalBytes } from '../protocol/bytes.js'
import { IPLD_CAR, IPLD_RAW, canonicalCid, isFileCid, negotiateIpfsFormat, parseCid, type IpfsFormat } from '../protocol/cid/index.js'
import { openVerifiedFile } from './files.js'
import { CORS_HEADERS, GatewayError, parseRange } from './http.js'
import type { GatewayContext } from './gateway.js'

const RAW = IPLD_RAW
const CAR = IPLD_CAR
/** A glowmesh leaf is 1 MiB; interior nodes are smaller. */
const MAX_BLOCK_BYTES = 2 * 1024 * 1024
/** Blocks in one CAR (a 1 GiB file is 1024 leaves + its interior nodes). */
const MAX_CAR_BLOCKS = 4096

/** What /ipfs needs beyond the /v1 routes. */
export interface IpfsContext {
  /** The full nodes' trustless gateway base URLs (`http://host:port`). */
  gateways: (signal: AbortSignal) => Promise<string[]>
  /** The submission that declared `cid`: its 0G root and size (full nodes must agree); GatewayError 404 when none. */
  resolveCid: (cid: string, signal: AbortSignal) => Promise<{ root: Uint8Array, size: number }>
}

/** Which answer a request asks for: `?format=` wins over Accept; no preference = the file's bytes. @example pickIpfsFormat(url, 'application/vnd.ipld.car') // 'car' */
export function pickIpfsFormat (url: URL, accept: string | null): IpfsFormat {
  // browsers navigating to /ipfs/{cid} send text/html first: they get the file
  const format = negotiateIpfsFormat(url.searchParams.get('format'), accept, { textAsFile: true })
  if (typeof format !== 'string') throw new GatewayError(406, format.code, format.message)
  return format
}

/** The block `cid`, from the first full node whose bytes hash to it. @example const bytes = await verifiedBlock(ctx, cid, signal) */
export async function verifiedBlock (ctx: IpfsContext, cid: CID, signal: AbortSignal): Promise<Uint8Array> {
  const failures: string[] = []
  let missing = 0
  const gateways = await ctx.gateways(signal)
  for (const gw of gateways) {
    try {
      const res = await fetch(`${gw}/ipfs/${cid.toString()}?format=raw`, { headers: { accept: RAW }, signal: AbortSignal.any([signal, AbortSignal.timeout(30_000)]) })
      if (res.status === 404) { missing++; await res.body?.cancel(); continue }
      if (res.status !== 200) { failures.push(`${gw}: ${res.status}`); await res.body?.cancel(); continue }
      const declared = Number(res.headers.get('content-length') ?? '0')
      if (declared > MAX_BLOCK_BYTES) { failures.push(`${gw}: block of ${declared} bytes`); await res.body?.cancel(); continue }
      const bytes = new Uint8Array(await res.arrayBuffer())
      if (bytes.length <= MAX_BLOCK_BYTES && equalBytes(sha256(bytes), cid.multihash.digest)) return bytes
      failures.push(`${gw}: bytes do not hash to the CID`)
    } catch (err) { failures.push(`${gw}: ${(err as Error).message}`) }
  }
  if (gateways.length > 0 && missing === gateways.length) throw new GatewayError(404, 'IPFS_BLOCK_NOT_FOUND', `no full node holds ${cid.toString()}`)
  throw new GatewayError(502, 'IPFS_BLOCK_UNAVAILABLE', `no verified copy of ${cid.toString()}: ${failures.join('; ').slice(0, 400)}`)
}

/** Answers `/ipfs/{cid}`. @example return await serveIpfs(request, url, 'bafy…', ctx) */
export async function serveIpfs (request: Request, url: URL, cidText: string, ctx: GatewayContext & IpfsContext): Promise<Response> {
  let cid: CID
  try { cid = parseCid(decodeURIComponent(cidText)) } catch (err) { throw new GatewayError(400, 'INVALID_CID', (err as Error).message) }
  if (!isFileCid(cid)) throw new GatewayError(400, 'INVALID_CID', 'only CIDv1 raw or dag-pb sha2-256 CIDs (glowmesh files and their blocks) are served')
  cid = cid.toV1()
  const format = pickIpfsFormat(url, request.headers.get('accept'))
  const signal = (request.signal as AbortSignal | undefined) ?? new AbortController().signal
  const common: Record<string, string> = { ...CORS_HEADERS, 'cache-control': 'public, max-age=31536000, immutable', 'x-ipfs-path': `/ipfs/${cid.toString()}`, 'x-ipfs-roots': cid.toString(), vary: 'Accept', 'x-content-type-options': 'nosniff' }
  if (format === 'raw') {
    const bytes = await verifiedBlock(ctx, cid, signal)
    return new Response(request.method === 'HEAD' ? null : bytes as Uint8Array<ArrayBuffer>, { headers: { ...common, 'content-type': RAW, 'content-length': String(bytes.length), etag: `"${cid.toString()}.raw"` } })
  }
  if (format === 'car') {
    const root = await verifiedBlock(ctx, cid, signal)
    const headers = { ...common, 'content-type': `${CAR}; version=1; order=dfs; dups=n`, etag: `"${cid.toString()}.car"` }
    if (request.method === 'HEAD') return new Response(null, { headers })
    const { writer, out } = CarWriter.create([cid as any])
    const pump = (async () => {
      try {
        let count = 0
        const walk = async (c: CID, bytes: Uint8Array): Promise<void> => {
          if (++count > MAX_CAR_BLOCKS) throw new GatewayError(413, 'IPFS_CAR_TOO_LARGE', `over ${MAX_CAR_BLOCKS} blocks`)
          await writer.put({ cid: c as any, bytes })
          if (c.code !== dagPb.code) return
          for (const link of dagPb.decode(bytes).Links) {
            const child = link.Hash as unknown as CID
            if (!isFileCid(child)) throw new GatewayError(502, 'IPFS_BAD_DAG', `link to a non-file CID ${child.toString()}`)
            await walk(child, await verifiedBlock(ctx, child, signal))
          }
        }
        await walk(cid, root)
      } finally { await writer.close() }
    })()
    pump.catch(() => {})
    const iterator = out[Symbol.asyncIterator]()
    const body = new ReadableStream<Uint8Array>({
      async pull (ctrl) {
        const { done, value } = await iterator.next()
        if (done === true) { await pump; ctrl.close() } else ctrl.enqueue(value)
      }
    })
    return new Response(body, { headers })
  }
  // a browser: the file's bytes, each segment verified against the 0G root of the CID's submission
  const { root, size } = await ctx.resolveCid(canonicalCid(cid), signal)
  const range = parseRange(request.headers.get('range'), size)
  const start = range?.start ?? 0
  const end = range?.end ?? size - 1
  const headers: Record<string, string> = { ...common, 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes', 'content-length': String(end - start + 1), etag: `"${cid.toString()}"` }
  if (range !== undefined) headers['content-range'] = `bytes ${start}-${end}/${size}`
  if (request.method === 'HEAD') return new Response(null, { status: range === undefined ? 200 : 206, headers })
  const file = await openVerifiedFile({ source: ctx.source, root, size, range, hasher: ctx.hasher, signal })
  return new Response(file.body, { status: range === undefined ? 200 : 206, headers })
}
