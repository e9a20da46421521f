/**
 * A small HTTP toolkit for the RPC and (later) the gateway: a route table with path parameters,
 * JSON error bodies `{ error: { code, message } }`, CORS on every response, and body size limits.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { GlowmeshError } from '../../protocol/errors.js'

/** An error with an HTTP status, rendered as `{ error: { code, message } }`. */
export class HttpError extends GlowmeshError {
  override name = 'HttpError'
  constructor (readonly status: number, code: string, message: string) { super(code, message) }
}

export interface RouteContext {
  req: IncomingMessage
  res: ServerResponse
  params: Record<string, string>
  url: URL
}

export type Handler = (ctx: RouteContext) => Promise<unknown>

interface Route { method: string, parts: string[], handler: Handler }

/** Method + path pattern (`/headers/:height`) → handler. A handler's return value is sent as JSON unless it wrote the response itself. */
export class Router {
  private readonly routes: Route[] = []

  add (method: string, pattern: string, handler: Handler): this {
    this.routes.push({ method, parts: pattern.split('/').filter(Boolean), handler })
    return this
  }

  /** Handles one request; never throws. */
  async handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    setCors(res)
    if (req.method === 'OPTIONS') { res.writeHead(204).end(); return }
    // `GET //` or `/\\` is no URL relative to a base (empty host): a 400, not a rejected promise that kills the node
    let url: URL
    try { url = new URL(req.url ?? '/', 'http://localhost') } catch { sendError(res, new HttpError(400, 'BAD_URL', `malformed request URL '${(req.url ?? '').slice(0, 60)}'`)); return }
    const parts = url.pathname.split('/').filter(Boolean).map((p) => { try { return decodeURIComponent(p) } catch { return p } })
    let methodMismatch = false
    for (const route of this.routes) {
      const params = match(route.parts, parts)
      if (params === undefined) continue
      if (route.method !== req.method && !(route.method === 'GET' && req.method === 'HEAD')) { methodMismatch = true; continue }
      try {
        const out = await route.handler({ req, res, params, url })
        if (!res.headersSent && !res.writableEnded) sendJson(res, 200, out ?? {})
      } catch (err) {
        sendError(res, err)
      }
      return
    }
    sendError(res, methodMismatch ? new HttpError(405, 'METHOD_NOT_ALLOWED', `${req.method ?? ''} not allowed here`) : new HttpError(404, 'NOT_FOUND', `no route for ${url.pathname}`))
  }
}

function match (pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined
  const params: Record<string, string> = {}
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i].startsWith(':')) params[pattern[i].slice(1)] = parts[i]
    else if (pattern[i] !== parts[i]) return undefined
  }
  return params
}

/** CORS headers so any web app can call the node (DESIGN §8). */
export function setCors (res: ServerResponse): void {
  res.setHeader('access-control-allow-origin', '*')
  res.setHeader('access-control-allow-methods', 'GET, HEAD, POST, PUT, OPTIONS')
  res.setHeader('access-control-allow-headers', 'content-type, range, accept')
  res.setHeader('access-control-expose-headers', 'content-length, content-range, x-glowmesh-root')
}

const replacer = (_k: string, v: unknown): unknown => typeof v === 'bigint' ? v.toString() : v

/** Sends a JSON body (bigints as decimal strings). */
export function sendJson (res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, replacer)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

/** Renders any error as `{ error: { code, message } }` with a fitting status; never a crash. */
export function sendError (res: ServerResponse, err: unknown): void {
  const e = err as any
  const status = err instanceof HttpError ? err.status : (e?.exitCode === 2 || e?.code === 'INVALID_INPUT' || /Malformed|Invalid|TooLarge|Truncated/.test(e?.name ?? '')) ? 400 : 500
  if (res.headersSent) { res.destroy(); return }
  sendJson(res, status, { error: { code: typeof e?.code === 'string' ? e.code : 'INTERNAL', message: String(e?.message ?? err) } })
}

/** Reads a request body up to `limit` bytes; 413 past it. */
export async function readBody (req: IncomingMessage, limit: number): Promise<Uint8Array> {
  const declared = Number(req.headers['content-length'] ?? NaN)
  if (declared > limit) throw new HttpError(413, 'TOO_LARGE', `body of ${declared} bytes exceeds ${limit}`)
  const chunks: Buffer[] = []
  let total = 0
  for await (const chunk of req) {
    total += (chunk as Buffer).length
    if (total > limit) { req.destroy(); throw new HttpError(413, 'TOO_LARGE', `body exceeds ${limit} bytes`) }
    chunks.push(chunk as Buffer)
  }
  return new Uint8Array(Buffer.concat(chunks))
}

/** Parses a JSON body up to `limit` bytes; 400 on bad JSON. */
export async function readJson (req: IncomingMessage, limit = 64 * 1024): Promise<any> {
  const body = await readBody(req, limit)
  try { return JSON.parse(new TextDecoder().decode(body)) } catch { throw new HttpError(400, 'BAD_JSON', 'request body is not JSON') }
}
