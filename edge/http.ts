/**
 * HTTP helpers of the edge gateway: JSON bodies and errors `{ code, message }`, CORS on every
 * answer, and `Range` parsing (one byte range; RFC 9110 §14). Pure web APIs (Request/Response).
 */
import { GlowmeshError } from '../protocol/errors.js'

/** An error that becomes an HTTP answer with its status. @example throw new GatewayError(400, 'BAD_ROOT', 'root must be 32 bytes of hex') */
export class GatewayError extends GlowmeshError {
  override name = 'GatewayError'
  readonly status: number
  readonly headers: Record<string, string>
  constructor (status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(code, message)
    this.status = status
    this.headers = headers
  }
}

/** CORS headers every gateway answer carries (any web app may call it). */
export const CORS_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, HEAD, OPTIONS',
  'access-control-allow-headers': 'Range, Accept, Content-Type',
  'access-control-expose-headers': 'Content-Range, Content-Length, Accept-Ranges, X-Glowmesh-Root, X-Glowmesh-Verified'
})

/** A JSON answer with CORS. @example json({ ok: true }) */
export function json (body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body, (_k, v) => typeof v === 'bigint' ? v.toString() : v), {
    status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...CORS_HEADERS, ...headers }
  })
}

/** The JSON error answer for anything thrown (GatewayError keeps its status; the rest are 500/502). @example return errorResponse(err) */
export function errorResponse (err: unknown): Response {
  if (err instanceof GatewayError) return json({ code: err.code, message: err.message }, err.status, err.headers)
  const e = err as { code?: unknown, message?: unknown, name?: unknown }
  const code = typeof e?.code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(e.code) ? e.code : 'INTERNAL'
  return json({ code, message: String(e?.message ?? err).slice(0, 512) }, code === 'INTERNAL' ? 500 : 502)
}

/** An inclusive byte range. */
export interface ByteRange { start: number, end: number }

/**
 * The byte range a `Range` header asks for within `size` bytes: undefined without a header (the
 * whole body); GatewayError 416 when it can't be satisfied, malformed or asks for several ranges.
 * @example parseRange('bytes=0-99', 1000) // { start: 0, end: 99 }
 */
export function parseRange (header: string | null, size: number): ByteRange | undefined {
  if (header === null) return undefined
  const unsatisfiable = (why: string): GatewayError => new GatewayError(416, 'BAD_RANGE', `${why} (file size ${size})`, { 'content-range': `bytes */${size}` })
  const m = /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header.trim())
  if (m === null) throw unsatisfiable(`Range must be one 'bytes=a-b', 'bytes=a-' or 'bytes=-n'; got '${header.slice(0, 60)}'`)
  const [, a, b] = m
  if (a === '' && b === '') throw unsatisfiable('empty range')
  if (a === '') {
    const n = Number(b)
    if (n === 0) throw unsatisfiable('a zero-length suffix range')
    return { start: Math.max(0, size - n), end: size - 1 }
  }
  const start = Number(a)
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1)
  if (start >= size) throw unsatisfiable(`range starts at ${start}, past the end`)
  if (b !== '' && Number(b) < start) throw unsatisfiable('range ends before it starts')
  return { start, end }
}
