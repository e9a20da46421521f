/**
 * The browser light node (client/browser): the client/ core with an IndexedDB store and a libp2p
 * (Helia) WebSockets transport. `startBrowserLightNode` is what a page calls; it exposes
 * `window.glowmesh` for tests and the dashboard. See README.md.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { jsKzg } from '../../protocol/da/index.js'
import { fromHex, toHex, equalBytes } from '../../protocol/bytes.js'
import { createLightNode, type LightNode } from '../light-node.js'
import { pinGenesis } from '../genesis.js'
import { GenesisMismatchError } from '../errors.js'
import type { AcceptedHeader, LightStatus, LightStore } from '../types.js'
import { createIdbStore } from './idb-store.js'
import { createBrowserTransport, type BrowserTransport } from './transport.js'
import { RpcFetchError } from './errors.js'

export { createIdbStore, MAX_IDB_VALUE_BYTES, type IdbStoreOptions } from './idb-store.js'
export { createBrowserTransport, type BrowserTransport, type BrowserTransportOptions } from './transport.js'
export { RpcFetchError, IndexedDbError } from './errors.js'

/** Options of startBrowserLightNode. */
export interface BrowserLightNodeOptions {
  /** A full node's RPC base URL, e.g. 'http://127.0.0.1:26650'. */
  rpcUrl: string
  /** The pinned sha256 of the genesis file (0x-hex): a served genesis that differs is refused. */
  genesisHash: string
  /** IndexedDB database name; default `glowmesh-<first 16 hex of the genesis hash>`. */
  dbName?: string
  /** Debug lines; default none. */
  log?: (message: string) => void
}

/** What `window.glowmesh` holds (and startBrowserLightNode returns). */
export interface BrowserLightNode {
  /** DESIGN §8's status object. */
  status: () => LightStatus
  /** The accepted-header log (kept in IndexedDB). */
  headers: () => AcceptedHeader[]
  /** Verified height restored from IndexedDB at start (0: started from genesis). */
  resumedFrom: number
  node: LightNode
  transport: BrowserTransport
  store: LightStore
  stop: () => Promise<void>
}

declare global {
  interface Window { glowmesh?: BrowserLightNode }
}

const IDENTITY_KEY = 'identity/ed25519-seed'

async function fetchRpc (url: string): Promise<Response> {
  let res: Response
  try { res = await fetch(url, { signal: AbortSignal.timeout(10_000) }) } catch (cause) {
    throw new RpcFetchError(`GET ${url} failed: ${(cause as Error)?.message ?? String(cause)}`, { cause })
  }
  if (!res.ok) throw new RpcFetchError(`GET ${url}: HTTP ${res.status}`)
  return res
}

/** The page's libp2p identity: a seed kept in the store, made once. */
async function loadOrCreateSeed (store: LightStore): Promise<Uint8Array> {
  const have = await store.get(IDENTITY_KEY)
  if (have?.length === 32) return have
  const seed = crypto.getRandomValues(new Uint8Array(32))
  await store.put(IDENTITY_KEY, seed)
  return seed
}

/**
 * Fetches and pins the genesis, fetches `/bootstrap`, starts a light node in this page and exposes it as `window.glowmesh`.
 * Throws GenesisMismatchError (served genesis ≠ pinned hash) or RpcFetchError before opening any connection.
 * @example
 * const gm = await startBrowserLightNode({ rpcUrl: 'http://127.0.0.1:26650', genesisHash: '0x1f…' })
 * gm.status().verifiedHeight // rises with the chain
 */
export async function startBrowserLightNode (options: BrowserLightNodeOptions): Promise<BrowserLightNode> {
  const base = options.rpcUrl.replace(/\/+$/, '')
  const bytes = new Uint8Array(await (await fetchRpc(`${base}/genesis`)).arrayBuffer())
  // checked here as well as in the core, so nothing is dialled for a genesis we don't trust
  const pinnedHash = fromHex(options.genesisHash, 32)
  const got = sha256(bytes)
  if (!equalBytes(got, pinnedHash)) throw new GenesisMismatchError(toHex(pinnedHash), toHex(got))
  const { chainId } = pinGenesis({ bytes, hash: options.genesisHash })
  let bootstrap: { multiaddrs?: unknown }
  try { bootstrap = await (await fetchRpc(`${base}/bootstrap`)).json() } catch (cause) {
    if (cause instanceof RpcFetchError) throw cause
    throw new RpcFetchError(`GET ${base}/bootstrap: not JSON`, { cause })
  }
  const peers = Array.isArray(bootstrap.multiaddrs) ? bootstrap.multiaddrs.filter((m): m is string => typeof m === 'string') : []
  if (peers.length === 0) throw new RpcFetchError(`GET ${base}/bootstrap: no multiaddrs`)

  const store = await createIdbStore({ name: options.dbName ?? `glowmesh-${options.genesisHash.slice(2, 18)}` })
  let transport: BrowserTransport | undefined
  try {
    transport = await createBrowserTransport({ key: { privateKey: await loadOrCreateSeed(store) }, chainId, peers, log: options.log })
    const node = createLightNode({ transport, store, genesis: { bytes, hash: options.genesisHash }, kzg: jsKzg(), log: options.log })
    await node.start()
    const t = transport
    const handle: BrowserLightNode = {
      status: () => node.status(),
      headers: () => node.headers(),
      resumedFrom: node.status().verifiedHeight,
      node,
      transport: t,
      store,
      async stop () {
        await node.stop()
        await t.close()
        await store.close()
        if (typeof window !== 'undefined' && window.glowmesh === handle) delete window.glowmesh
      }
    }
    if (typeof window !== 'undefined') window.glowmesh = handle
    return handle
  } catch (err) {
    await transport?.close().catch(() => {})
    await store.close().catch(() => {})
    throw err
  }
}
