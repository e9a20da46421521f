/**
 * HTTP helpers of the edge gateway: JSON bodies and errors `{ code, message }`, CORS on every
 * answer; `Range` parsing and GatewayError come from protocol/http. Pure web APIs (Request/Response).
 */
import { GatewayError } from '../protocol/http/index.js'

// one error class and one Range parser for both gateways (the full node's and this one)
export { GatewayError, parseRange, type ByteRange } from '../protocol/http/index.js'

/** CORS headers every gateway answer carries (any web app may call it). */
export const CORS_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, HEAD, POST, OPTIONS',
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
