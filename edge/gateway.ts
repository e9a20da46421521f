/**
 * The verified HTTP gateway (issue 12): routes a Request to the light node's answers. Every answer
 * carries CORS headers; errors are JSON `{ code, message }`; bad roots, heights and ranges get 4xx.
 *   GET /v1/status                the light node's status object (DESIGN §8 field names)
 *   GET /v1/availability/{height} the sampling result and confidence for a block
 *   GET /v1/storage               the PoRA contribution (node id, sectors, rewards, challenges), when pledged
 *   GET /v1/file/{root}           the file's bytes, each segment verified before it is sent; Range works
 *   GET /ipfs/{cid}               raw blocks / CARs for trustless clients, verified bytes for browsers (edge/ipfs.ts)
 *   POST /v1/verify-inference     verifyInference's report for the posted result document (edge/verify.ts)
 * Pure web APIs: it runs in workerd (edge/worker.ts) and can be driven from Node tests.
 */
import type { LightStatus } from '../client/types.js'
import type { ChunkHasher } from '../protocol/storage/hasher.js'
import { openVerifiedFile, type SegmentSource } from './files.js'
import { serveIpfs, type IpfsContext } from './ipfs.js'
import { CORS_HEADERS, GatewayError, errorResponse, json, parseRange } from './http.js'
import { handleVerifyInference, type VerifyRouteContext } from './verify.js'

/** What the gateway knows about one block's sampling. */
export interface AvailabilityRecord {
  height: number
  /** true: every sampled column verified; false: sampling gave up (withheld or unprovable). */
  available: boolean
  /** Probability that the data is available, given the verified columns. */
  confidence: number
  columns: number[]
  blobs?: number
  /** 'sampled' (blobs, columns verified), 'empty' (the verified header commits to no DA blobs), 'unavailable'. */
  outcome?: 'sampled' | 'empty' | 'unavailable'
  /** What sampling it on demand cost (absent for the sampler's own results). */
  cost?: { ms: number, bytes: number, cells: number }
  missing?: number[]
  reason?: string
}

/** What the gateway is given by its host (the Durable Object). */
export interface GatewayContext {
  status: () => LightStatus
  /**
   * The sampling result of `height` (≤ the verified head): the light node's own, or sampled now
   * (edge/boot.ts: the core's checkAvailability); undefined when there is none yet (answered 202).
   */
  availability: (height: number, signal: AbortSignal) => Promise<AvailabilityRecord | undefined>
  /** The file's size from its on-chain record; GatewayError 404 when there is no such file. */
  fileSize: (root: Uint8Array, signal: AbortSignal) => Promise<number>
  source: SegmentSource
  hasher?: ChunkHasher
  /** Enables `GET /v1/storage`: the PoRA contribution (edge/pora.ts EdgeStorageInfo). */
  storage?: () => object
  /** Enables `/ipfs/{cid}`. */
  ipfs?: IpfsContext
  /** Enables `POST /v1/verify-inference` (edge/verify.ts createEdgeVerifier); 501 without. */
  verify?: VerifyRouteContext
}

const ROOT = /^(0x)?[0-9a-fA-F]{64}$/
const HEIGHT = /^[1-9][0-9]{0,15}$/

function hexBytes (hex: string): Uint8Array {
  const h = hex.replace(/^0x/, '')
  const out = new Uint8Array(h.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16)
  return out
}

/**
 * Answers one gateway request; never throws (errors become JSON answers).
 * @example export default { fetch: async (req) => await handleGateway(req, context) }
 */
export async function handleGateway (request: Request, ctx: GatewayContext): Promise<Response> {
  try {
    return await route(request, ctx)
  } catch (err) {
    return errorResponse(err)
  }
}

async function route (request: Request, ctx: GatewayContext): Promise<Response> {
  if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: { ...CORS_HEADERS, 'access-control-max-age': '86400' } })
  let url: URL
  try { url = new URL(request.url) } catch { throw new GatewayError(400, 'BAD_URL', 'malformed URL') }
  if (url.pathname.length > 256) throw new GatewayError(414, 'URI_TOO_LONG', 'path over 256 characters')
  const parts = url.pathname.split('/').filter((p) => p !== '')
  if (parts[0] === 'ipfs' && ctx.ipfs !== undefined) {
    if (request.method !== 'GET' && request.method !== 'HEAD') throw new GatewayError(405, 'METHOD_NOT_ALLOWED', `${request.method} is not allowed; use GET`, { allow: 'GET, HEAD, OPTIONS' })
    if (parts.length !== 2) throw new GatewayError(parts.length < 2 ? 404 : 400, parts.length < 2 ? 'NOT_FOUND' : 'IPFS_PATH_UNSUPPORTED', 'use /ipfs/{cid} (glowmesh files are single UnixFS files: no paths inside them)')
    return await serveIpfs(request, url, parts[1], { ...ctx, ...ctx.ipfs })
  }
  if (parts[0] !== 'v1' || parts.length < 2) throw new GatewayError(404, 'NOT_FOUND', `no route ${url.pathname.slice(0, 80)}; try /v1/status, /v1/availability/{height}, /v1/file/{root}`)
  if (parts[1] === 'verify-inference' && parts.length === 2) {
    // without a verifier (a host that passes none), say so plainly instead of a 404 or a fake answer
    if (ctx.verify === undefined) throw new GatewayError(501, 'NOT_IMPLEMENTED', 'this gateway has no inference verifier')
    return await handleVerifyInference(request, ctx.verify)
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') throw new GatewayError(405, 'METHOD_NOT_ALLOWED', `${request.method} is not allowed; use GET`, { allow: 'GET, HEAD, OPTIONS' })
  switch (parts[1]) {
    case 'status':
      if (parts.length !== 2) break
      return json(ctx.status())
    case 'availability': {
      if (parts.length !== 3) break
      if (!HEIGHT.test(parts[2])) throw new GatewayError(400, 'BAD_HEIGHT', `height must be a positive integer, got '${parts[2].slice(0, 30)}'`)
      const height = Number(parts[2])
      const verified = ctx.status().verifiedHeight
      if (height > verified) throw new GatewayError(404, 'NOT_VERIFIED', `block ${height} is above the verified head ${verified}`)
      const rec = await ctx.availability(height, requestSignal(request))
      if (rec === undefined) return json({ height, status: 'pending', verifiedHeight: verified, message: 'no sampling result for this block yet' }, 202)
      return json({ ...rec, status: rec.available ? 'available' : 'unavailable' })
    }
    case 'storage':
      if (parts.length !== 2) break
      if (ctx.storage === undefined) throw new GatewayError(404, 'STORAGE_DISABLED', 'this edge contributes no storage (set EDGE_PLEDGE_BYTES / glowmesh edge --pledge SIZE)')
      return json(ctx.storage())
    case 'file': {
      if (parts.length !== 3) break
      if (!ROOT.test(parts[2])) throw new GatewayError(400, 'BAD_ROOT', `root must be 32 bytes of hex, got '${parts[2].slice(0, 70)}'`)
      return await serveFile(request, ctx, hexBytes(parts[2]), parts[2])
    }
  }
  throw new GatewayError(404, 'NOT_FOUND', `no route ${url.pathname.slice(0, 80)}`)
}

/** The request's AbortSignal; workerd may give none: then work ends with the answer's stream. */
function requestSignal (request: Request): AbortSignal {
  return (request.signal as AbortSignal | undefined) ?? new AbortController().signal
}

async function serveFile (request: Request, ctx: GatewayContext, root: Uint8Array, rootText: string): Promise<Response> {
  const signal = requestSignal(request)
  const size = await ctx.fileSize(root, signal)
  const range = parseRange(request.headers.get('range'), size)
  const headers: Record<string, string> = {
    ...CORS_HEADERS,
    'content-type': 'application/octet-stream',
    'accept-ranges': 'bytes',
    'x-glowmesh-root': rootText.toLowerCase(),
    'x-glowmesh-verified': 'segment-proofs',
    // the bytes under a root never change
    'cache-control': 'public, max-age=31536000, immutable',
    etag: `"${rootText.toLowerCase().replace(/^0x/, '')}"`
  }
  const start = range?.start ?? 0
  const end = range?.end ?? size - 1
  headers['content-length'] = String(end - start + 1)
  if (range !== undefined) headers['content-range'] = `bytes ${start}-${end}/${size}`
  const status = range === undefined ? 200 : 206
  if (request.method === 'HEAD') return new Response(null, { status, headers })
  const file = await openVerifiedFile({ source: ctx.source, root, size, range, hasher: ctx.hasher, signal })
  return new Response(file.body, { status, headers })
}
