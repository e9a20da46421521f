/**
 * The edge light node (issue 12): a Cloudflare Worker (module syntax) whose one Durable Object is a
 * light node — the same client/ core as browsers and Node, with the WebSocket transport (client/ws)
 * and a SQLite-backed Durable Object store (edge/boot.ts) — and the verified HTTP gateway
 * (edge/gateway.ts) in front of it. This module exports only what workerd loads.
 * Runtime limits: the core's work runs in small steps on timers (a header batch, one block's
 * columns with pure-JS KZG), a file is verified one 256 KiB segment at a time (keccak in WASM,
 * loaded as a module import; noble's pure JS if that fails) while it streams,
 * and an alarm every 10 s keeps the object syncing between requests.
 */
// the keccak kernel as a WASM module import: workerd can't compile WASM from bytes at run time
import keccakModule from '../wasm/build/keccak.wasm'
import { createWasmHasher } from '../wasm/keccak/index.js'
import { ALARM_MS, bootEdgeNode, type Running } from './boot.js'
import { handleGateway } from './gateway.js'
import { CORS_HEADERS, errorResponse } from './http.js'
import type { DurableObjectState, EdgeEnv } from './runtime.js'

/** The WASM keccak hasher, or undefined (noble's pure JS) where the module can't be instantiated. */
function wasmHasher (): ReturnType<typeof createWasmHasher> | undefined {
  try { return createWasmHasher(keccakModule) } catch { return undefined }
}

/**
 * The Durable Object: one light node per object; the worker sends every request to one object.
 * @example // wrangler.toml: [[durable_objects.bindings]] name = "LIGHT_NODE", class_name = "EdgeLightNode"
 */
export class EdgeLightNode {
  private running: Promise<Running> | undefined
  constructor (private readonly ctx: DurableObjectState, private readonly env: EdgeEnv) {}

  private async start (): Promise<Running> {
    if (this.running === undefined) {
      this.running = bootEdgeNode(this.ctx, this.env, { hasher: wasmHasher() })
      this.running.catch(() => { this.running = undefined })
      if (await this.ctx.storage.getAlarm() === null) await this.ctx.storage.setAlarm(Date.now() + ALARM_MS)
    }
    return await this.running
  }

  /** Gateway requests (forwarded by the worker). */
  async fetch (request: Request): Promise<Response> {
    try {
      const r = await this.start()
      // wait until the first peer is up so a cold start doesn't answer 503
      if (r.transport.peers().length === 0) await r.transport.waitForPeers(1, { signal: AbortSignal.timeout(10_000) }).catch(() => {})
      return await handleGateway(request, r.gateway)
    } catch (err) {
      return errorResponse(err)
    }
  }

  /** Keeps the light node running between requests. */
  async alarm (): Promise<void> {
    try { await this.start() } finally { await this.ctx.storage.setAlarm(Date.now() + ALARM_MS) }
  }
}

export default {
  /** Every request goes to the one light-node object (CORS preflights are answered here). */
  async fetch (request: Request, env: EdgeEnv): Promise<Response> {
    if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: { ...CORS_HEADERS, 'access-control-max-age': '86400' } })
    try {
      return await env.LIGHT_NODE.get(env.LIGHT_NODE.idFromName('light-node')).fetch(request)
    } catch (err) {
      return errorResponse(err)
    }
  }
}
