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
import { electLeader, type LeaderLock } from './leader.js'
import { createRpcClient, serveRpc, type RpcCallOptions, type RpcClient, type RpcServer } from './rpc.js'

export { createIdbStore, MAX_IDB_VALUE_BYTES, type IdbStoreOptions } from './idb-store.js'
export { createBrowserTransport, type BrowserTransport, type BrowserTransportOptions } from './transport.js'
export { RpcFetchError, IndexedDbError } from './errors.js'
export { electLeader, leaderExists, WebLocksUnavailableError, ElectionAbortedError, type LeaderLock, type ElectLeaderOptions } from './leader.js'
export { serveRpc, createRpcClient, NoLeaderError, RpcTimeoutError, RpcAbortedError, RpcRemoteError, type RpcApi, type RpcClient, type RpcServer, type RpcCallOptions } from './rpc.js'

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
  /** Set `window.glowmesh` to the node; default true (startBrowserTab sets its own). */
  expose?: boolean
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
  interface Window { glowmesh?: BrowserLightNode | BrowserTab }
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
    if (typeof window !== 'undefined' && options.expose !== false) window.glowmesh = handle
    return handle
  } catch (err) {
    await transport?.close().catch(() => {})
    await store.close().catch(() => {})
    throw err
  }
}

/** What the leader serves to follower tabs over BroadcastChannel (the same calls as the leader's). */
export interface LeaderApi {
  [method: string]: (...args: any[]) => unknown
  status: () => LightStatus
  headers: () => AcceptedHeader[]
  resumedFrom: () => number
}

/** Options of startBrowserTab: startBrowserLightNode's, plus the election. */
export interface BrowserTabOptions extends BrowserLightNodeOptions {
  /** Web Lock and BroadcastChannel name; default `glowmesh-<first 16 hex of the genesis hash>`. */
  channel?: string
  /** Called when this tab becomes leader and its node has started (also on a hand-over). */
  onLeader?: (node: BrowserLightNode) => void
  /** Called when this tab won the lock but its node failed to start (the lock is released again). */
  onError?: (err: Error) => void
  /** How often a follower refreshes its snapshot from the leader; default 250 ms. */
  pollMs?: number
}

/** One tab of the origin (`window.glowmesh`): the leader runs the node, followers read it over the RPC. */
export interface BrowserTab {
  readonly role: 'leader' | 'follower'
  /** Leader: the node's status. Follower: the leader's, as last read over the RPC (refreshed every pollMs). */
  status: () => LightStatus
  /** Leader: the node's header log. Follower: the leader's, as last read over the RPC. */
  headers: () => AcceptedHeader[]
  /** The leader node's height restored from IndexedDB at its start. */
  readonly resumedFrom: number
  /** When this tab became leader (performance.now()), if it has. */
  readonly leaderSince?: number
  /** The node, in the leader tab. */
  readonly node?: BrowserLightNode
  /** A fresh answer: the node's in the leader, the leader's over the RPC in a follower (NoLeaderError, RpcTimeoutError, RpcAbortedError). */
  request: <M extends 'status' | 'headers' | 'resumedFrom'>(method: M, options?: RpcCallOptions) => Promise<ReturnType<LeaderApi[M]>>
  /** Stops the node (leader) or the polling (follower) and leaves the election. */
  stop: () => Promise<void>
}

const EMPTY_STATUS: LightStatus = { peerId: '', peers: 0, verifiedHeight: 0, sampledBlocks: 0, lastConfidence: 0, cachedBytes: 0, challengesAnswered: 0, challengesFailed: 0 }

/**
 * Joins this origin's tabs (DESIGN §7): a follower at once, reading the leader over BroadcastChannel; the leader once it holds the
 * Web Lock, when it starts the node with the IndexedDB identity and cache (so a new leader resumes, not re-verifies).
 * Sets window.glowmesh once it can answer (leader: node started; follower: first answer from the leader).
 * @example
 * const tab = startBrowserTab({ rpcUrl: 'http://127.0.0.1:26650', genesisHash: '0x1f…', onLeader: (gm) => console.log(gm.resumedFrom) })
 * tab.role              // 'follower' until the leader tab closes, then 'leader'
 * tab.status().verifiedHeight
 */
export function startBrowserTab (options: BrowserTabOptions): BrowserTab {
  const name = options.channel ?? `glowmesh-${options.genesisHash.slice(2, 18)}`
  const lockName = `${name}/leader`
  const abort = new AbortController()
  const rpc: RpcClient<LeaderApi> = createRpcClient<LeaderApi>(`${name}/rpc`, { lockName })
  let role: 'leader' | 'follower' = 'follower'
  let node: BrowserLightNode | undefined
  let server: RpcServer | undefined
  let lock: LeaderLock | undefined
  let leaderSince: number | undefined
  let snapshot: { status: LightStatus, headers: AcceptedHeader[], resumedFrom: number } = { status: EMPTY_STATUS, headers: [], resumedFrom: 0 }
  let stopped = false

  const pollMs = options.pollMs ?? 250
  let polls = 0
  const poll = async (): Promise<void> => {
    if (role !== 'follower' || stopped) return
    const signal = abort.signal
    try {
      const status = await rpc.call('status', [], { timeoutMs: 2000, signal })
      const headers = polls % 4 === 0 ? await rpc.call('headers', [], { timeoutMs: 2000, signal }) : snapshot.headers
      const resumedFrom = polls % 4 === 0 ? await rpc.call('resumedFrom', [], { timeoutMs: 2000, signal }) : snapshot.resumedFrom
      if (role === 'follower') { snapshot = { status, headers, resumedFrom }; expose() }
      polls++
    } catch (err) {
      options.log?.(`follower: ${(err as Error).name}: ${(err as Error).message}`)
    }
  }
  const pollLoop = async (): Promise<void> => {
    while (role === 'follower' && !stopped) {
      await poll()
      await new Promise((resolve) => setTimeout(resolve, pollMs))
    }
  }

  const run = async (): Promise<void> => {
    while (!stopped) {
      try { lock = await electLeader({ name: lockName, signal: abort.signal }) } catch { return }
      try {
        node = await startBrowserLightNode({ ...options, expose: false })
      } catch (err) {
        lock.release()
        lock = undefined
        options.onError?.(err as Error)
        return
      }
      const n = node
      role = 'leader'
      leaderSince = performance.now()
      server = serveRpc<LeaderApi>(`${name}/rpc`, { status: () => n.status(), headers: () => n.headers(), resumedFrom: () => n.resumedFrom })
      expose()
      options.onLeader?.(n)
      return
    }
  }

  const tab: BrowserTab = {
    get role () { return role },
    status: () => node?.status() ?? snapshot.status,
    headers: () => node?.headers() ?? snapshot.headers,
    get resumedFrom () { return node?.resumedFrom ?? snapshot.resumedFrom },
    get leaderSince () { return leaderSince },
    get node () { return node },
    async request (method, callOptions) {
      if (node !== undefined) {
        const n = node
        const api: LeaderApi = { status: () => n.status(), headers: () => n.headers(), resumedFrom: () => n.resumedFrom }
        return api[method]() as ReturnType<LeaderApi[typeof method]>
      }
      return await rpc.call(method, undefined, callOptions) as ReturnType<LeaderApi[typeof method]>
    },
    async stop () {
      stopped = true
      abort.abort()
      rpc.close()
      server?.close()
      await node?.stop()
      lock?.release()
      if (typeof window !== 'undefined' && window.glowmesh === tab) delete window.glowmesh
    }
  }
  // exposed once it can answer: as leader when the node has started, as follower after the first answer from the leader
  function expose (): void { if (typeof window !== 'undefined' && !stopped) window.glowmesh = tab }
  void run()
  void pollLoop()
  return tab
}
