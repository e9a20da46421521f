/**
 * protocol/http — what glowmesh's two HTTP gateways (the full node's IPFS gateway and the edge's
 * verified gateway) share: the error that becomes an HTTP answer, and `Range` parsing (RFC 9110
 * §14, one byte range). Pure web-platform TypeScript.
 */
import { GlowmeshError } from '../errors.js'

/** An error that becomes an HTTP answer with its status and extra headers. @example throw new GatewayError(400, 'BAD_ROOT', 'root must be 32 bytes of hex') */
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

/** An inclusive byte range. */
export interface ByteRange { start: number, end: number }

/**
 * The byte range a `Range` header asks for within `size` bytes: undefined without a header (the
 * whole body); GatewayError 416 `BAD_RANGE` (with `content-range: bytes *\/size`) when it is
 * malformed, can't be satisfied, or asks for several ranges (we answer one range or none).
 * @example parseRange('bytes=0-99', 1000) // { start: 0, end: 99 }
 */
export function parseRange (header: string | null | undefined, size: number): ByteRange | undefined {
  if (header === null || header === undefined) return undefined
  const unsatisfiable = (why: string): GatewayError => new GatewayError(416, 'BAD_RANGE', `${why} (file size ${size})`, { 'content-range': `bytes */${size}` })
  const m = /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header.trim())
  if (m === null) throw unsatisfiable(`Range must be one 'bytes=a-b', 'bytes=a-' or 'bytes=-n'; got '${header.slice(0, 60)}'`)
  const [, a, b] = m
  if (a === '' && b === '') throw unsatisfiable('empty range')
  if (a === '') {
    const n = Number(b)
    if (n === 0) throw unsatisfiable('a zero-length suffix range')
    if (size === 0) throw unsatisfiable('an empty file has no bytes to range over')
    return { start: Math.max(0, size - n), end: size - 1 }
  }
  const start = Number(a)
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1)
  if (start >= size) throw unsatisfiable(`range starts at ${start}, past the end`)
  if (b !== '' && Number(b) < start) throw unsatisfiable('range ends before it starts')
  return { start, end }
}
