/**
 * The few workerd (Cloudflare Workers) runtime types the edge uses, declared here so the project
 * needs no @cloudflare/workers-types. Shapes follow the Workers runtime API.
 */

/** A SQL cursor (`ctx.storage.sql.exec`). */
export interface SqlCursor<T> { toArray: () => T[], one: () => T }

/** SQLite-backed Durable Object storage's SQL API. */
export interface SqlStorage { exec: <T = Record<string, unknown>>(query: string, ...bindings: unknown[]) => SqlCursor<T> }

/** `ctx.storage` of a Durable Object declared with SQLite storage. */
export interface DurableObjectStorage {
  sql: SqlStorage
  setAlarm: (scheduledTime: number | Date) => Promise<void>
  getAlarm: () => Promise<number | null>
}

/** A Durable Object's state. */
export interface DurableObjectState {
  storage: DurableObjectStorage
  /** Keeps the object alive until `promise` settles. */
  waitUntil: (promise: Promise<unknown>) => void
  /** Runs `fn` with other events held back (initialisation). */
  blockConcurrencyWhile: <T>(fn: () => Promise<T>) => Promise<T>
}

/** A Durable Object namespace binding. */
export interface DurableObjectNamespace {
  idFromName: (name: string) => unknown
  get: (id: unknown) => { fetch: (request: Request) => Promise<Response> }
}

/** workerd's WebSocket (client side, from `fetch` with `Upgrade: websocket`). */
export interface WorkerdWebSocket {
  accept: () => void
  send: (data: ArrayBuffer | ArrayBufferView | string) => void
  close: (code?: number, reason?: string) => void
  addEventListener: (type: 'message' | 'close' | 'error', listener: (event: any) => void) => void
}

/** The worker's bindings (wrangler.toml `[vars]` and the Durable Object binding). */
export interface EdgeEnv {
  /** Comma- or space-separated full-node WebSocket URLs (`wss://host/glowmesh/ws`). */
  FULL_NODES: string
  /** The trusted genesis document's sha256, 0x-hex. */
  GENESIS_HASH: string
  LIGHT_NODE: DurableObjectNamespace
  /** Columns sampled per block (default 16). */
  SAMPLE_COUNT?: string
  /** Enables PoRA storage with this pledge (bytes, or 4MiB / 1GiB…); unset: no storage (edge/pora.ts). */
  EDGE_PLEDGE_BYTES?: string
  /** Debug logging to the console when "1". */
  DEBUG?: string
}
