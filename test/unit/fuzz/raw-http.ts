// One raw HTTP exchange per connection for the HTTP fuzzers (http.test.ts against the RPC router,
// live.test.ts against a live node): node:http, so odd paths go out as they are.
import { request as httpRequest } from 'node:http'
import { HANG_MS } from './arbitraries.js'

/** A raw HTTP answer; `status: 0` = the server reset the connection. */
export interface RawAnswer { status: number, headers: Record<string, string | string[] | undefined>, body: Buffer }

/**
 * One raw HTTP exchange on its own connection (node:http, so odd paths go out as they are; control
 * and non-ASCII characters are percent-escaped, which http.request insists on).
 * @example const { status, body } = await send(url, 'GET', '/status')
 */
export async function send (base: string, method: string, path: string, headers: Record<string, string> = {}, body?: Uint8Array): Promise<RawAnswer> {
  const { hostname, port } = new URL(base)
  const safe = escapePath(path)
  return await new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, method, path: safe, headers, agent: false, signal: AbortSignal.timeout(HANG_MS) }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
      res.on('error', reject)
    })
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE') ? resolve({ status: 0, headers: {}, body: Buffer.alloc(0) }) : reject(err))
    req.end(body)
  })
}

/**
 * A path as a client can send it: lone UTF-16 surrogates become U+FFFD, then control, space and
 * non-ASCII characters are percent-escaped (UTF-8); a leading `/` is added when missing.
 * @example escapePath('/cids/é') // '/cids/%C3%A9'
 */
export function escapePath (path: string): string {
  const whole = path.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
  const safe = whole.replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c))
  return safe.startsWith('/') ? safe : '/' + safe
}

/** What the seeded chain holds, for templates and for checking answers. */
