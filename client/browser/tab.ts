/**
 * One node per origin (DESIGN §7): every tab calls startBrowserTab; the tab holding the Web Lock runs
 * the light node and serves it on BroadcastChannel, the others are followers with the same API, read
 * over the typed RPC (rpc.ts). Calls that wait take an AbortSignal, which cancels them in the leader too.
 */
import type { AcceptedHeader, LightStatus } from '../types.js'
import { startBrowserLightNode, type BrowserLightNode, type BrowserLightNodeOptions } from './index.js'
import { electLeader, type LeaderLock } from './leader.js'
import { createRpcClient, NotSupportedError, remoteAsLocal, serveRpc, type RpcCallOptions, type RpcClient, type RpcContext, type RpcServer } from './rpc.js'

/**
 * BrowserLightNode methods that follower tabs reach over the RPC (those the handle has: the storage and
 * peer calls appear as they are added to BrowserLightNode).
 */
export const FORWARDED_METHODS = [
  'verifyHeader', 'checkAvailability', 'recentAvailability', 'fetchFile', 'peerInfo',
  'startContributing', 'stopContributing', 'contribution', 'exportKey', 'importKey',
  'startComputing', 'stopComputing', 'computeStatus'
] as const
type ForwardedName = typeof FORWARDED_METHODS[number] & keyof BrowserLightNode
type Fn = (...args: any[]) => any

/** The forwarded calls as a tab offers them: the leader's methods, always async (in a follower they cross the RPC). */
export type TabApi = {
  [K in ForwardedName]: BrowserLightNode[K] extends Fn ? (...args: Parameters<BrowserLightNode[K]>) => Promise<Awaited<ReturnType<BrowserLightNode[K]>>> : never
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
  /** The longest a follower waits for a forwarded call's answer (or a stream's next chunk); default 120 s. */
  forwardTimeoutMs?: number
}

/** One tab of the origin (`window.glowmesh`): the leader runs the node, followers read it over the RPC. */
export interface BrowserTab extends TabApi {
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
/** Marks an options argument whose `signal` was left behind in the follower: the leader puts the call's signal there. */
const SIGNAL_SLOT = '__glowmeshSignal'

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype

/** A follower's arguments: options objects lose their signal (not cloneable), which becomes the call's. */
function outgoing (args: unknown[]): { args: unknown[], signal?: AbortSignal } {
  let signal: AbortSignal | undefined
  const out = args.map((a) => {
    if (!isPlain(a) || !('signal' in a)) return a
    signal ??= a.signal as AbortSignal | undefined
    const { signal: _drop, ...rest } = a
    return { ...rest, [SIGNAL_SLOT]: true }
  })
  return { args: out, signal }
}

/** The leader's side: marked options objects get the call's signal back. */
function incoming (args: unknown[], ctx: RpcContext): unknown[] {
  return args.map((a) => {
    if (!isPlain(a) || a[SIGNAL_SLOT] !== true) return a
    const { [SIGNAL_SLOT]: _mark, ...rest } = a
    return { ...rest, signal: ctx.signal }
  })
}

/** A stream whose RpcRemoteError carries the leader's error name and code instead. */
function localErrors<T> (src: ReadableStream<T>): ReadableStream<T> {
  const reader = src.getReader()
  return new ReadableStream<T>({
    async pull (controller) {
      try {
        const r = await reader.read()
        if (r.done) controller.close()
        else controller.enqueue(r.value)
      } catch (err) { controller.error(remoteAsLocal(err)) }
    },
    async cancel (reason) { await reader.cancel(reason) }
  }, { highWaterMark: 0 })
}

/**
 * Joins this origin's tabs (DESIGN §7): a follower at once, reading the leader over BroadcastChannel; the leader once it holds the
 * Web Lock, when it starts the node with the IndexedDB identity and cache (so a new leader resumes, not re-verifies).
 * Sets window.glowmesh once it can answer (leader: node started; follower: first answer from the leader).
 * @example
 * const tab = startBrowserTab({ rpcUrl: 'http://127.0.0.1:26650', genesisHash: '0x1f…', onLeader: (gm) => console.log(gm.resumedFrom) })
 * tab.role              // 'follower' until the leader tab closes, then 'leader'
 * await tab.verifyHeader(120, { signal: AbortSignal.timeout(10_000) }) // the same call in leader and follower tabs
 */
export function startBrowserTab (options: BrowserTabOptions): BrowserTab {
  const name = options.channel ?? `glowmesh-${options.genesisHash.slice(2, 18)}`
  const lockName = `${name}/leader`
  const abort = new AbortController()
  const rpc: RpcClient<LeaderApi> = createRpcClient<LeaderApi>(`${name}/rpc`, { lockName })
  const forwardTimeoutMs = options.forwardTimeoutMs ?? 120_000
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

  const serve = (n: BrowserLightNode): RpcServer => {
    const api: LeaderApi = { status: () => n.status(), headers: () => n.headers(), resumedFrom: () => n.resumedFrom }
    for (const m of FORWARDED_METHODS) {
      const fn = (n as unknown as Record<string, unknown>)[m]
      if (typeof fn === 'function') api[m] = (...args: unknown[]) => { const ctx = args.pop() as RpcContext; return fn.apply(n, incoming(args, ctx)) }
    }
    // fetchFile: the resolved file record first, then the verified bytes, chunk by chunk (credit-bounded)
    const fetchFile = (n as unknown as Record<string, unknown>).fetchFile
    if (typeof fetchFile === 'function') {
      api.fetchFile = async (...args: unknown[]) => {
        const ctx = args.pop() as RpcContext
        const stream = await fetchFile.apply(n, incoming(args, ctx)) as ReadableStream<Uint8Array> & { file?: unknown }
        return (async function * () {
          yield { file: stream.file }
          const reader = stream.getReader()
          try {
            for (;;) { const r = await reader.read(); if (r.done) return; yield r.value }
          } finally { await reader.cancel().catch(() => {}) }
        })()
      }
    }
    return serveRpc<LeaderApi>(`${name}/rpc`, api)
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
      server = serve(n)
      expose()
      options.onLeader?.(n)
      return
    }
  }

  // A forwarded call: the node's method in the leader, the RPC in a follower (streams for fetchFile).
  const forward = (method: ForwardedName) => async (...args: unknown[]): Promise<any> => {
    if (node !== undefined) {
      const fn = (node as unknown as Record<string, unknown>)[method]
      if (typeof fn !== 'function') throw new NotSupportedError(method)
      return await fn.apply(node, args)
    }
    const { args: out, signal } = outgoing(args)
    if ((method as string) === 'fetchFile') return await followerFetch(out, signal)
    try { return await rpc.call(method, out, { signal, timeoutMs: forwardTimeoutMs }) } catch (err) { throw remoteAsLocal(err) }
  }

  // A follower's fetchFile: resolves (or fails typed) once the leader has resolved the file; then streams it.
  const followerFetch = async (args: unknown[], signal?: AbortSignal): Promise<ReadableStream<Uint8Array> & { file?: unknown }> => {
    const reader = rpc.stream<unknown>('fetchFile', args, { signal, window: 8, timeoutMs: forwardTimeoutMs }).getReader()
    let first
    try { first = await reader.read() } catch (err) { throw remoteAsLocal(err) }
    const file = (first.value as { file?: unknown } | undefined)?.file
    const rest = new ReadableStream<Uint8Array>({
      async pull (controller) {
        const r = await reader.read()
        if (r.done) controller.close()
        else controller.enqueue(r.value as Uint8Array)
      },
      async cancel (reason) { await reader.cancel(reason) }
    }, { highWaterMark: 0 })
    return Object.assign(localErrors(rest), { file })
  }

  const tab = {
    get role () { return role },
    status: () => node?.status() ?? snapshot.status,
    headers: () => node?.headers() ?? snapshot.headers,
    get resumedFrom () { return node?.resumedFrom ?? snapshot.resumedFrom },
    get leaderSince () { return leaderSince },
    get node () { return node },
    async request (method: 'status' | 'headers' | 'resumedFrom', callOptions?: RpcCallOptions) {
      if (node !== undefined) {
        const n = node
        const api: LeaderApi = { status: () => n.status(), headers: () => n.headers(), resumedFrom: () => n.resumedFrom }
        return api[method]()
      }
      return await rpc.call(method, undefined, callOptions)
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
  } as unknown as BrowserTab
  for (const m of FORWARDED_METHODS) (tab as unknown as Record<string, unknown>)[m] = forward(m as ForwardedName)
  // exposed once it can answer: as leader when the node has started, as follower after the first answer from the leader
  function expose (): void { if (typeof window !== 'undefined' && !stopped) window.glowmesh = tab }
  void run()
  void pollLoop()
  return tab
}
