/**
 * The IPFS trustless gateway of a full node (DESIGN §2b, §8): its own HTTP server on
 * `config.gateway.port`, CORS on every response. `GET|HEAD /ipfs/{cid}`:
 *   Accept: application/vnd.ipld.raw  or ?format=raw → the block (re-hashed before it is sent)
 *   Accept: application/vnd.ipld.car  or ?format=car → the DAG as a CAR v1, streamed (dag-scope=all|entity|block)
 *   no Accept, any type, octet-stream                → the file's bytes (each segment checked against
 *                                                      the 0G root), with single byte ranges
 * 400 malformed CID / bad parameters, 404 unknown CID, 406 unsupported Accept or format, 405 other
 * methods, 414 long URLs, 429 over the per-IP rate or concurrency bound.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import * as dagPb from '@ipld/dag-pb'
import { CarWriter } from '@ipld/car/writer'
import { headerLength } from '@ipld/car/buffer-writer'
import type { CID } from 'multiformats/cid'
import { IPLD_CAR, IPLD_RAW, negotiateIpfsFormat, type IpfsFormat } from '../../protocol/cid/index.js'
import { varint } from 'multiformats'
import { RateLimiter, type RateLimit } from '../net/rate-limit.js'
import { sendJson } from '../rpc/http.js'
import { GatewayError, parseRange } from '../../protocol/http/index.js'
import { toHex } from '../../protocol/bytes.js'
import { parseCid, type FlowBlockstore, type Placement } from './blockstore.js'

/** Bounds of the gateway. */
export interface GatewayLimits {
  /** Requests per client IP: a token bucket (default burst 256, 128/s). */
  perIp: RateLimit
  /** Requests served at once per client IP (default 16); more wait their turn. */
  concurrentPerIp: number
  /** Requests waiting per client IP beyond that (default 512: a client walking a big DAG in parallel); more get 429. */
  queuedPerIp: number
  /** Open connections in all (default 512). */
  maxConnections: number
  /** Longest request URL (default 2048). */
  maxUrlLength: number
  /** Blocks in one CAR response (default 1,100,000: a 1 TiB file). */
  maxCarBlocks: number
}

export const DEFAULT_GATEWAY_LIMITS: Readonly<GatewayLimits> = Object.freeze({
  perIp: { burst: 256, perSecond: 128 },
  concurrentPerIp: 16,
  queuedPerIp: 512,
  maxConnections: 512,
  maxUrlLength: 2048,
  maxCarBlocks: 1_100_000
})

/** Options of startGateway. */
export interface GatewayOptions {
  blocks: FlowBlockstore
  host?: string
  /** 0 = any free port. */
  port: number
  limits?: Partial<GatewayLimits>
  /** Clock for the rate limiter (tests). */
  now?: () => number
  log?: (line: string) => void
}

/** A running gateway. */
export interface Gateway {
  /** `http://host:port` */
  url: string
  server: Server
  close: () => Promise<void>
}

const RAW = IPLD_RAW
const CAR = IPLD_CAR
const IMMUTABLE = 'public, max-age=29030400, immutable'

type Format = IpfsFormat

function setCors (res: ServerResponse): void {
  res.setHeader('access-control-allow-origin', '*')
  res.setHeader('access-control-allow-methods', 'GET, HEAD, OPTIONS')
  res.setHeader('access-control-allow-headers', 'content-type, range, accept, if-none-match')
  res.setHeader('access-control-expose-headers', 'content-length, content-range, content-type, etag, x-ipfs-path, x-ipfs-roots, x-glowmesh-root, accept-ranges')
}

/**
 * The response format a request asks for: `?format=` wins over Accept; no preference = the file's bytes.
 * @example pickFormat(new URL('http://x/ipfs/b?format=car'), undefined) // 'car'
 */
export function pickFormat (url: URL, accept: string | undefined): Format {
  const format = negotiateIpfsFormat(url.searchParams.get('format'), accept)
  if (typeof format !== 'string') throw new GatewayError(406, format.code, format.message)
  return format
}

/** One block of a CAR plan. */
interface PlannedBlock { cid: CID, size: number }

/** Walks the DAG depth-first, pre-order, without duplicates: the blocks (and sizes) a CAR holds. */
async function planCar (blocks: FlowBlockstore, root: CID, scope: string, max: number): Promise<PlannedBlock[]> {
  const out: PlannedBlock[] = []
  const seen = new Set<string>()
  const visit = async (cid: CID): Promise<void> => {
    const key = toHex(cid.multihash.bytes)
    if (seen.has(key)) return
    seen.add(key)
    if (out.length >= max) throw new GatewayError(413, 'IPFS_CAR_TOO_LARGE', `the DAG has more than ${max} blocks`)
    if (cid.code === dagPb.code) {
      const bytes = await blocks.getBlock(cid)
      out.push({ cid, size: bytes.length })
      if (scope === 'block') return
      for (const link of dagPb.decode(bytes).Links) await visit(link.Hash)
    } else {
      const p = await blocks.locate(cid)
      if (p === undefined) throw new GatewayError(404, 'IPFS_BLOCK_NOT_FOUND', `block ${cid.toString()} of the DAG is not held here`)
      out.push({ cid, size: p.end - p.start })
    }
  }
  await visit(root)
  return out
}

function carLength (root: CID, plan: PlannedBlock[]): number {
  let n = headerLength({ roots: [root] })
  for (const b of plan) {
    const len = b.cid.bytes.length + b.size
    n += varint.encodingLength(len) + len
  }
  return n
}

/** Writes `body` honouring backpressure; resolves false when the client went away. */
async function write (res: ServerResponse, body: Uint8Array): Promise<boolean> {
  if (res.destroyed) return false
  if (res.write(body)) return true
  return await new Promise((resolve) => {
    const done = (ok: boolean): void => { res.off('drain', onDrain); res.off('close', onClose); resolve(ok) }
    const onDrain = (): void => done(true)
    const onClose = (): void => done(false)
    res.once('drain', onDrain)
    res.once('close', onClose)
  })
}

/**
 * Starts the trustless gateway.
 * @example
 * const gw = await startGateway({ blocks, host: '127.0.0.1', port: config.gateway.port })
 * await fetch(`${gw.url}/ipfs/${cid}?format=car`)
 * await gw.close()
 */
export async function startGateway (options: GatewayOptions): Promise<Gateway> {
  const limits: GatewayLimits = { ...DEFAULT_GATEWAY_LIMITS, ...options.limits }
  const limiter = new RateLimiter({ now: options.now })
  const log = options.log ?? (() => {})
  const { blocks } = options

  const serve = async (req: IncomingMessage, res: ServerResponse, ip: string): Promise<void> => {
    setCors(res)
    if (req.method === 'OPTIONS') { res.writeHead(204).end(); return }
    if ((req.url ?? '').length > limits.maxUrlLength) throw new GatewayError(414, 'IPFS_URL_TOO_LONG', `URLs are at most ${limits.maxUrlLength} characters`)
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new GatewayError(405, 'METHOD_NOT_ALLOWED', `${req.method ?? ''} not allowed: the gateway is read-only (GET, HEAD)`, { allow: 'GET, HEAD, OPTIONS' })
    if (!limiter.take(ip, 'gateway', limits.perIp)) throw new GatewayError(429, 'RATE_LIMITED', `more than ${limits.perIp.perSecond} requests/s from ${ip}`, { 'retry-after': '1' })
    let url: URL
    try { url = new URL(req.url ?? '/', 'http://gateway') } catch { throw new GatewayError(400, 'BAD_URL', 'malformed request URL') }
    const parts = url.pathname.split('/').filter(Boolean)
    if (parts[0] !== 'ipfs' || parts.length < 2) throw new GatewayError(404, 'NOT_FOUND', `no route for ${url.pathname.slice(0, 80)}; use /ipfs/{cid}`)
    if (parts.length > 2) throw new GatewayError(400, 'IPFS_PATH_UNSUPPORTED', 'glowmesh files are single UnixFS files: no paths inside them')
    // a malformed percent-escape (`%zz`, a cut UTF-8 sequence) is a bad CID, not a 500 (found by test/unit/fuzz/live.test.ts)
    let cidText: string
    try { cidText = decodeURIComponent(parts[1]) } catch { throw new GatewayError(400, 'IPFS_INVALID_CID', `malformed percent-escape in the CID '${parts[1].slice(0, 80)}'`) }
    const cid = parseCid(cidText)
    const format = pickFormat(url, req.headers.accept)
    const scope = url.searchParams.get('dag-scope') ?? 'all'
    if (!['all', 'entity', 'block'].includes(scope)) throw new GatewayError(400, 'IPFS_BAD_DAG_SCOPE', `dag-scope must be all, entity or block, not '${scope.slice(0, 20)}'`)
    const placement = await blocks.locate(cid)
    if (placement === undefined) throw new GatewayError(404, 'IPFS_BLOCK_NOT_FOUND', `${cid.toString()} is not held by this node`)
    const path = `/ipfs/${cid.toString()}`
    const common: Record<string, string> = { 'cache-control': IMMUTABLE, 'x-ipfs-path': path, 'x-ipfs-roots': cid.toString(), 'x-content-type-options': 'nosniff', 'x-glowmesh-root': '0x' + placement.root, vary: 'Accept' }
    const etagOf = (suffix: string): string => `"${cid.toString()}${suffix}"`
    const notModified = (etag: string): boolean => {
      if (req.headers['if-none-match'] !== undefined && req.headers['if-none-match'].split(',').map((s) => s.trim()).includes(etag)) {
        res.writeHead(304, { ...common, etag }).end()
        return true
      }
      return false
    }

    if (format === 'raw') {
      const etag = etagOf('.raw')
      if (notModified(etag)) return
      const bytes = await blocks.getBlock(cid)
      res.writeHead(200, { ...common, etag, 'content-type': RAW, 'content-length': bytes.length, 'content-disposition': `attachment; filename="${cid.toString()}.bin"` })
      res.end(req.method === 'HEAD' ? undefined : bytes)
      return
    }

    if (format === 'car') {
      const etag = etagOf(scope === 'all' ? '.car' : `.${scope}.car`)
      if (notModified(etag)) return
      const plan = await planCar(blocks, cid, scope, limits.maxCarBlocks)
      res.writeHead(200, {
        ...common, etag, 'content-type': `${CAR}; version=1; order=dfs; dups=n`, 'content-length': carLength(cid, plan), 'content-disposition': `attachment; filename="${cid.toString()}.car"`
      })
      if (req.method === 'HEAD') { res.end(); return }
      const { writer, out } = CarWriter.create([cid])
      const pump = (async () => {
        try {
          for (const b of plan) await writer.put({ cid: b.cid as any, bytes: await blocks.getBlock(b.cid) })
        } finally { await writer.close() }
      })()
      try {
        for await (const piece of out) if (!await write(res, piece)) break
      } catch (err) {
        log(`gateway: CAR ${cid.toString()} aborted: ${(err as Error).message}`)
        res.destroy()
      }
      await pump.catch((err: Error) => { log(`gateway: CAR ${cid.toString()}: ${err.message}`); res.destroy() })
      if (!res.destroyed) res.end()
      return
    }

    // The file's bytes (for browsers): verified segment by segment against the 0G root.
    const size = placement.end - placement.start
    const etag = etagOf('')
    if (notModified(etag)) return
    const range = parseRange(req.headers.range, size)
    const from = range?.start ?? 0
    const to = range === undefined ? size : range.end + 1 // exclusive
    const headers: Record<string, string | number> = { ...common, etag, 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes', 'content-length': to - from }
    if (range !== undefined) headers['content-range'] = `bytes ${from}-${to - 1}/${size}`
    if (req.method === 'HEAD') { res.writeHead(range === undefined ? 200 : 206, headers).end(); return }
    const pieces = blocks.store.stream(placement.root, { start: placement.start + from, end: placement.start + to })
    // Read the first piece before the status line, so a missing or corrupt segment is still a clean error.
    const it = pieces[Symbol.asyncIterator]()
    const first = await it.next()
    res.writeHead(range === undefined ? 200 : 206, headers)
    try {
      if (first.done !== true && await write(res, first.value)) {
        for (let n = await it.next(); n.done !== true; n = await it.next()) if (!await write(res, n.value)) break
      }
      res.end()
    } catch (err) {
      log(`gateway: bytes of ${cid.toString()} aborted: ${(err as Error).message}`)
      res.destroy()
    } finally { await it.return?.(undefined) }
  }

  // Per IP: `concurrentPerIp` requests served at once, up to `queuedPerIp` more waiting (stock clients
  // such as verified-fetch fetch a DAG's blocks in parallel and do not retry a 429), the rest refused.
  const slots = new Map<string, { active: number, waiting: Array<() => void> }>()
  const acquire = async (ip: string, res: ServerResponse): Promise<() => void> => {
    let s = slots.get(ip)
    if (s === undefined) { s = { active: 0, waiting: [] }; slots.set(ip, s) }
    const slot = s
    if (slot.active >= limits.concurrentPerIp) {
      if (slot.waiting.length >= limits.queuedPerIp) throw new GatewayError(429, 'TOO_MANY_REQUESTS', `more than ${limits.concurrentPerIp + limits.queuedPerIp} requests in flight from ${ip}`, { 'retry-after': '1' })
      await new Promise<void>((resolve) => {
        const go = (): void => { res.off('close', gone); resolve() }
        const gone = (): void => { const i = slot.waiting.indexOf(go); if (i >= 0) slot.waiting.splice(i, 1); resolve() }
        slot.waiting.push(go)
        res.once('close', gone)
      })
    }
    slot.active++
    let released = false
    return () => {
      if (released) return
      released = true
      slot.active--
      const next = slot.waiting.shift()
      if (next !== undefined) next()
      else if (slot.active === 0) slots.delete(ip)
    }
  }

  const server = createServer((req, res) => {
    const ip = req.socket.remoteAddress ?? 'unknown'
    const run = acquire(ip, res).then(async (release) => {
      res.once('close', release)
      if (res.destroyed) { release(); return }
      try { await serve(req, res, ip) } finally { if (res.writableEnded) release() }
    })
    run.catch((err: any) => {
      if (res.headersSent) { res.destroy(); return }
      setCors(res)
      let status = 500
      if (err instanceof GatewayError) { status = err.status; for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v) }
      else if (err?.code === 'IPFS_INVALID_CID') status = 400
      else if (err?.name === 'NotFoundError' || /UNKNOWN_FILE|PRUNED|TOMBSTONED|SEGMENT_MISSING/.test(String(err?.code))) status = 404
      if (status === 500) log(`gateway: ${req.method ?? ''} ${(req.url ?? '').slice(0, 100)}: ${String(err?.stack ?? err)}`)
      if (req.method === 'HEAD') { res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(); return }
      sendJson(res, status, { error: { code: typeof err?.code === 'string' ? err.code : 'INTERNAL', message: String(err?.message ?? err) } })
    })
  })
  server.maxConnections = limits.maxConnections
  server.headersTimeout = 10_000
  server.requestTimeout = 30_000
  server.maxHeadersCount = 64
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host ?? '127.0.0.1', () => { server.off('error', reject); resolve() })
  })
  const addr = server.address() as AddressInfo
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address
  return {
    url: `http://${host}:${addr.port}`,
    server,
    close: async () => {
      await new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections() })
    }
  }
}
