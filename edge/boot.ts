/**
 * Boots the edge's light node inside the Durable Object (edge/worker.ts): the genesis fetched from
 * a full node and checked against GENESIS_HASH, the SQLite store, a persistent node key, the
 * WebSocket transport (sockets opened from workerd with `fetch` + `Upgrade: websocket`), the core,
 * and the gateway's context (availability records, file sizes from full nodes' RPC).
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { createLightNode, type LightNode } from '../client/light-node.js'
import type { AvailabilityReport } from '../client/api.js'
import { pinGenesis } from '../client/genesis.js'
import { createWebSocketTransport, type WebSocketConnector, type WebSocketTransport } from '../client/ws/transport.js'
import { fromHex, toHex } from '../protocol/bytes.js'
import { createDurableObjectStore } from './do-store.js'
import { createEdgeStorage, parsePledge } from './pora.js'
import { createEdgeVerifier } from './verify.js'
import type { AvailabilityRecord, GatewayContext } from './gateway.js'
import { GatewayError } from './http.js'
import type { ChunkHasher } from '../protocol/storage/hasher.js'
import type { DurableObjectState, EdgeEnv, WorkerdWebSocket } from './runtime.js'

/** How long `/v1/availability/{h}` may sample a block on demand before answering 504. */
export const AVAILABILITY_TIMEOUT_MS = 20_000

/** How often the alarm wakes the object (keeps it syncing while no request comes). */
export const ALARM_MS = 10_000

/**
 * Opens a WebSocket from workerd: `fetch` with `Upgrade: websocket`, then `accept()`. The signal is
 * raced, not passed to fetch: workerd ties a fetch's signal to the WebSocket it returns, so a dial
 * timeout would abort the socket itself later (seen: every socket dropped 10 s after it opened).
 */
export const workerdConnector: WebSocketConnector = async (url, signal) => {
  signal.throwIfAborted()
  const upgrade = fetch(url.replace(/^ws/, 'http'), { headers: { upgrade: 'websocket' } })
  let onAbort: (() => void) | undefined
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => { reject(new GatewayError(504, 'WS_DIAL_TIMEOUT', `${url.replace(/\?.*$/, '')}: no upgrade in time`)) }
    signal.addEventListener('abort', onAbort, { once: true })
  })
  let res: Response
  try { res = await Promise.race([upgrade, aborted]) } catch (err) {
    // a socket that arrives after we gave up is closed, not leaked
    upgrade.then((late) => { const w = (late as unknown as { webSocket?: WorkerdWebSocket }).webSocket; if (w != null) { w.accept(); w.close(1000, 'dial abandoned') } }, () => {})
    throw err
  } finally { signal.removeEventListener('abort', onAbort!) }
  const ws = (res as unknown as { webSocket?: WorkerdWebSocket }).webSocket
  if (res.status !== 101 || ws === undefined || ws === null) throw new GatewayError(502, 'WS_UPGRADE_FAILED', `${url.replace(/\?.*$/, '')} answered ${res.status} to the upgrade`)
  ws.accept()
  return ws
}

/** The full nodes' HTTP base URL for a WebSocket endpoint URL. @example httpBase('wss://a.example/glowmesh/ws') // 'https://a.example' */
export function httpBase (wsUrl: string): string {
  const u = new URL(wsUrl)
  return `${u.protocol === 'wss:' ? 'https:' : 'http:'}//${u.host}${u.pathname.replace(/\/glowmesh\/ws$/, '')}`
}

/** Parses FULL_NODES: comma- or space-separated ws:// / wss:// URLs. @example fullNodeUrls('wss://a/glowmesh/ws, wss://b/glowmesh/ws') */
export function fullNodeUrls (text: string | undefined): string[] {
  const urls = (text ?? '').split(/[\s,]+/).filter((u) => u !== '')
  if (urls.length === 0) throw new GatewayError(500, 'CONFIG', 'FULL_NODES is empty: set the full nodes\' wss:// URLs in wrangler.toml')
  return urls
}

/** The booted light node and what the gateway needs. */
export interface Running { node: LightNode, transport: WebSocketTransport, gateway: GatewayContext }

const pad = (h: number): string => h.toString().padStart(16, '0')

async function fetchGenesis (urls: string[], want: string): Promise<Uint8Array> {
  const seen: string[] = []
  for (const u of urls) {
    try {
      const res = await fetch(`${httpBase(u)}/genesis`, { signal: AbortSignal.timeout(10_000) })
      const bytes = new Uint8Array(await res.arrayBuffer())
      const got = toHex(sha256(bytes))
      if (got === want.toLowerCase()) return bytes
      seen.push(`${httpBase(u)} served ${got}`)
    } catch (err) { seen.push(`${httpBase(u)}: ${(err as Error).message}`) }
  }
  throw new GatewayError(502, 'GENESIS_UNAVAILABLE', `no full node served the genesis ${want}: ${seen.join('; ').slice(0, 400)}`)
}

/** The file's size from its on-chain record as two full nodes report it (they must agree). */
async function fileSizeFrom (urls: string[], root: Uint8Array, signal: AbortSignal): Promise<number> {
  const sizes: number[] = []
  let missing = 0
  for (const u of urls) {
    if (sizes.length >= 2) break
    try {
      const res = await fetch(`${httpBase(u)}/files/${toHex(root)}`, { signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]) })
      if (res.status === 404) { missing++; continue }
      const body = await res.json() as { size?: unknown }
      if (res.ok && Number.isSafeInteger(body.size) && (body.size as number) > 0) sizes.push(body.size as number)
    } catch {}
  }
  if (sizes.length === 0) {
    if (missing > 0) throw new GatewayError(404, 'FILE_NOT_FOUND', `no storage submission with root ${toHex(root)}`)
    throw new GatewayError(502, 'FULL_NODES_UNAVAILABLE', 'no full node answered for the file record')
  }
  if (sizes.some((s) => s !== sizes[0])) throw new GatewayError(502, 'FULL_NODES_DISAGREE', `full nodes report different sizes for ${toHex(root)}`)
  return sizes[0]
}

/** The full nodes' trustless IPFS gateways (each node's `/status` names its own), cached once found. */
function gatewayFinder (urls: string[]): (signal: AbortSignal) => Promise<string[]> {
  const found = new Map<string, string>()
  return async (signal) => {
    await Promise.all(urls.filter((u) => !found.has(u)).map(async (u) => {
      try {
        const st = await (await fetch(`${httpBase(u)}/status`, { signal: AbortSignal.any([signal, AbortSignal.timeout(5_000)]) })).json() as { gateway?: unknown }
        if (typeof st.gateway === 'string' && /^https?:\/\//.test(st.gateway)) found.set(u, st.gateway.replace(/\/$/, ''))
      } catch {}
    }))
    return urls.map((u) => found.get(u)).filter((g): g is string => g !== undefined)
  }
}

/** The submission that declared a CID (two full nodes must agree on root and size; only complete files, whose CID was checked). */
async function resolveCidFrom (urls: string[], cid: string, signal: AbortSignal): Promise<{ root: Uint8Array, size: number }> {
  const seen: Array<{ root: string, size: number }> = []
  let missing = 0
  for (const u of urls) {
    if (seen.length >= 2) break
    try {
      const res = await fetch(`${httpBase(u)}/cids/${cid}`, { signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]) })
      if (res.status === 404) { missing++; await res.body?.cancel(); continue }
      const b = await res.json() as { root?: unknown, size?: unknown, status?: unknown }
      if (!res.ok) continue
      if (b.status !== 'complete') throw new GatewayError(410, 'IPFS_FILE_GONE', `the submission that declared ${cid} is ${String(b.status)}`)
      if (typeof b.root === 'string' && /^0x[0-9a-f]{64}$/i.test(b.root) && Number.isSafeInteger(b.size) && (b.size as number) > 0) seen.push({ root: b.root.toLowerCase(), size: b.size as number })
    } catch (err) { if (err instanceof GatewayError) throw err }
  }
  if (seen.length === 0) throw missing > 0 ? new GatewayError(404, 'UNKNOWN_CID', `no storage submission declared ${cid}`) : new GatewayError(502, 'FULL_NODES_UNAVAILABLE', 'no full node answered for the CID')
  if (seen.some((x) => x.root !== seen[0].root || x.size !== seen[0].size)) throw new GatewayError(502, 'FULL_NODES_DISAGREE', `full nodes map ${cid} to different files`)
  return { root: fromHex(seen[0].root, 32), size: seen[0].size }
}

/**
 * Starts the light node for a Durable Object.
 * @example const running = await bootEdgeNode(ctx, env); running.node.status()
 */
export async function bootEdgeNode (ctx: DurableObjectState, env: EdgeEnv, options: { hasher?: ChunkHasher } = {}): Promise<Running> {
  const urls = fullNodeUrls(env.FULL_NODES)
  if (!/^0x[0-9a-f]{64}$/i.test(env.GENESIS_HASH ?? '')) throw new GatewayError(500, 'CONFIG', 'GENESIS_HASH must be the trusted genesis sha256 as 0x + 64 hex digits')
  const log = env.DEBUG === '1' ? (m: string) => { console.log(`edge: ${m}`) } : undefined
  const genesisBytes = await fetchGenesis(urls, env.GENESIS_HASH)
  const { chainId } = pinGenesis({ bytes: genesisBytes, hash: env.GENESIS_HASH.toLowerCase() })
  const store = createDurableObjectStore(ctx.storage.sql)
  let secretKey = await store.get('edge/key')
  if (secretKey === undefined) { secretKey = crypto.getRandomValues(new Uint8Array(32)); await store.put('edge/key', secretKey) }
  const transport = createWebSocketTransport({ urls, chainId, secretKey, connect: workerdConnector, log })
  const pledgeBytes = parsePledge(env.EDGE_PLEDGE_BYTES)
  let node: LightNode | undefined
  const storage = pledgeBytes === undefined ? undefined : createEdgeStorage({ secretKey, pledgeBytes, transport, rpcUrl: httpBase(urls[0]), node: () => node!, hasher: options.hasher, log })
  node = createLightNode({ transport, store, genesis: { bytes: genesisBytes, hash: env.GENESIS_HASH.toLowerCase() }, sampleCount: Number(env.SAMPLE_COUNT ?? '') || 16, storage, log })
  const record = (rec: AvailabilityRecord): void => {
    store.put(`edge/avail/${pad(rec.height)}`, new TextEncoder().encode(JSON.stringify(rec))).catch(() => {})
  }
  node.on('sampled', (s) => { record({ height: s.height, available: true, outcome: 'sampled', confidence: s.confidence, columns: s.columns, blobs: s.blobs }) })
  node.on('unavailable', (u) => { record({ height: u.height, available: false, outcome: 'unavailable', confidence: 0, columns: [], missing: u.missing, reason: u.reason }) })
  await node.start()
  const gateway: GatewayContext = {
    status: () => node.status(),
    availability: async (height, signal) => {
      const v = await store.get(`edge/avail/${pad(height)}`)
      if (v !== undefined) return JSON.parse(new TextDecoder().decode(v)) as AvailabilityRecord
      // not sampled by the node (below its start, no blobs, or not reached yet): the core samples it now
      const deadline = AbortSignal.timeout(AVAILABILITY_TIMEOUT_MS)
      let r: AvailabilityReport
      try { r = await node.checkAvailability(height, { signal: AbortSignal.any([signal, deadline]) }) } catch (err) {
        if (deadline.aborted && !signal.aborted) throw new GatewayError(504, 'AVAILABILITY_TIMEOUT', `sampling block ${height} took over ${AVAILABILITY_TIMEOUT_MS / 1000} s; try again`)
        throw err
      }
      const rec: AvailabilityRecord = { height, available: r.available, outcome: r.outcome, confidence: r.confidence, columns: r.sampledColumns, blobs: r.blobs, cost: r.cost, missing: r.missing, reason: r.reason }
      record(rec)
      return rec
    },
    fileSize: async (root, signal) => await fileSizeFrom(urls, root, signal),
    source: transport,
    hasher: options.hasher,
    storage: storage === undefined ? undefined : () => storage.info(),
    ipfs: { gateways: gatewayFinder(urls), resolveCid: async (cid, signal) => await resolveCidFrom(urls, cid, signal) },
    verify: createEdgeVerifier({ transport, node, chainId, hasher: options.hasher })
  }
  return { node, transport, gateway }
}

