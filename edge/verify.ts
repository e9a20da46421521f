/**
 * `POST /v1/verify-inference` (issue 11 item 4): the body is an inference result document (JSON,
 * ≤ 1 MiB); the answer is client/compute verifyInference's report, 200 with `ok` true or false.
 * The chain records are proven against headers the Durable Object's light node verified (state over
 * the WebSocket envelope's `/glowmesh/pora-state/1.0.0`), the weights and the trace are fetched
 * segment by segment, each verified against its 0G root. Query: `?reexecute=K&targetBits=B`.
 * Errors: 400 BAD_JSON / BAD_PARAM, 405, 413 BODY_TOO_LARGE, 504 VERIFY_TIMEOUT. Pure web APIs.
 */
import { createLightNodeVerification, verifyInference, type InferenceReport, type LightNodeVerificationOptions } from '../client/compute/index.js'
import type { Model } from '../protocol/compute/model.js'
import type { ChunkHasher } from '../protocol/storage/hasher.js'
import type { WebSocketTransport } from '../client/ws/transport.js'
import { GatewayError, json } from './http.js'

/** Largest request body: 1 MiB (a 64-input batch of 784 pixels is ~90 KiB of base64). */
export const MAX_VERIFY_BODY_BYTES = 1 << 20
/** How long one verification may take before the answer is 504. */
export const VERIFY_TIMEOUT_MS = 30_000

/** What the route needs: one call that verifies a parsed document. */
export interface VerifyRouteContext {
  verify: (doc: unknown, options: { signal: AbortSignal, reexecute?: number, targetBits?: number }) => Promise<InferenceReport>
}

/** Reads at most `max` bytes of the body; 413 beyond (Content-Length checked first). */
async function readBody (request: Request, max: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? NaN)
  if (Number.isFinite(declared) && declared > max) throw new GatewayError(413, 'BODY_TOO_LARGE', `the document is ${declared} bytes; the limit is ${max}`)
  if (request.body === null) return new Uint8Array()
  const reader = request.body.getReader()
  const parts: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.length
    if (size > max) { await reader.cancel().catch(() => {}); throw new GatewayError(413, 'BODY_TOO_LARGE', `the document is over ${max} bytes`) }
    parts.push(value)
  }
  const out = new Uint8Array(size)
  let off = 0
  for (const p of parts) { out.set(p, off); off += p.length }
  return out
}

function intParam (url: URL, name: string, min: number, max: number): number | undefined {
  const v = url.searchParams.get(name)
  if (v === null) return undefined
  if (!/^\d{1,3}$/.test(v) || Number(v) < min || Number(v) > max) throw new GatewayError(400, 'BAD_PARAM', `${name} must be an integer in ${min}..${max}`)
  return Number(v)
}

/**
 * Answers `POST /v1/verify-inference`: 200 with the report (ok true or false), or a JSON error.
 * @example if (parts[1] === 'verify-inference') return await handleVerifyInference(request, ctx.verify)
 */
export async function handleVerifyInference (request: Request, ctx: VerifyRouteContext): Promise<Response> {
  if (request.method !== 'POST') throw new GatewayError(405, 'METHOD_NOT_ALLOWED', `${request.method} is not allowed; POST the result document`, { allow: 'POST, OPTIONS' })
  const url = new URL(request.url)
  const reexecute = intParam(url, 'reexecute', 0, 16)
  const targetBits = intParam(url, 'targetBits', 1, 256)
  const bytes = await readBody(request, MAX_VERIFY_BODY_BYTES)
  let doc: unknown
  try { doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) } catch {
    throw new GatewayError(400, 'BAD_JSON', 'the body must be an inference result document (UTF-8 JSON)')
  }
  const deadline = AbortSignal.timeout(VERIFY_TIMEOUT_MS)
  const signal = (request.signal as AbortSignal | undefined) === undefined ? deadline : AbortSignal.any([request.signal, deadline])
  try {
    return json(await ctx.verify(doc, { signal, reexecute, targetBits }))
  } catch (err) {
    if (deadline.aborted) throw new GatewayError(504, 'VERIFY_TIMEOUT', `verification took over ${VERIFY_TIMEOUT_MS / 1000} s (fetching the weights or the trace?); try again`)
    throw err
  }
}

/** Options of createEdgeVerifier. */
export interface EdgeVerifierOptions {
  transport: WebSocketTransport
  node: LightNodeVerificationOptions['node']
  chainId: string
  hasher?: ChunkHasher
}

/**
 * The route's context for the Durable Object's light node: verified state over the WebSocket
 * transport, verified files, decoded models cached by root.
 * @example gateway.verify = createEdgeVerifier({ transport, node, chainId })
 */
export function createEdgeVerifier (o: EdgeVerifierOptions): VerifyRouteContext {
  const { chain, fetchFile } = createLightNodeVerification({
    transport: o.transport,
    node: o.node,
    chainId: o.chainId,
    fetchState: async (peer, path, w) => {
      const { height, entries } = await o.transport.provenState(peer, [path], w)
      return { height, value: entries[0].value, proof: entries[0].proof }
    }
  })
  const modelCache = new Map<string, Model>()
  return {
    verify: async (doc, v) => {
      if (modelCache.size > 8) modelCache.clear()
      return await verifyInference(doc, { chain, fetchFile, hasher: o.hasher, modelCache, signal: v.signal, reexecute: v.reexecute, targetBits: v.targetBits })
    }
  }
}
