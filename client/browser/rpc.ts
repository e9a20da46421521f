/**
 * A tiny typed RPC over BroadcastChannel (DESIGN §7): the leader tab serves an API object, follower
 * tabs call its methods by name with a timeout and an AbortSignal. Values travel by structured clone.
 */
import { GlowmeshError } from '../../protocol/errors.js'
import { leaderExists } from './leader.js'

/** No tab of this origin leads (nobody holds the leader lock), so nobody can answer. */
export class NoLeaderError extends GlowmeshError {
  override name = 'NoLeaderError'
  constructor (channel: string) { super('NO_LEADER', `no leader tab on '${channel}'`) }
}

/** The leader didn't answer within the timeout (it may be starting or handing over). */
export class RpcTimeoutError extends GlowmeshError {
  override name = 'RpcTimeoutError'
  constructor (method: string, ms: number) { super('RPC_TIMEOUT', `rpc '${method}' got no answer in ${ms} ms`) }
}

/** The caller's AbortSignal fired before the answer came. */
export class RpcAbortedError extends GlowmeshError {
  override name = 'RpcAbortedError'
  constructor (method: string, options?: { cause?: unknown }) { super('RPC_ABORTED', `rpc '${method}' aborted`, options) }
}

/** The leader's handler threw; `remoteName`/`remoteCode` are the leader-side error's. */
export class RpcRemoteError extends GlowmeshError {
  override name = 'RpcRemoteError'
  constructor (method: string, readonly remoteName: string, readonly remoteCode: string | undefined, message: string) {
    super('RPC_REMOTE', `rpc '${method}' failed in the leader: ${remoteName}: ${message}`)
  }
}

/** An API served over the channel: methods without arguments or with structured-cloneable ones. */
export type RpcApi = Record<string, (...args: any[]) => unknown>

interface RpcRequest { kind: 'req', id: string, method: string, args: unknown[] }
interface RpcResponse { kind: 'res', id: string, ok: boolean, value?: unknown, error?: { name: string, code?: string, message: string } }

/** A running RPC server; close() stops answering. */
export interface RpcServer { close: () => void }

/**
 * Answers requests on BroadcastChannel `channel` with the methods of `api` (the leader tab calls this).
 * @example
 * const server = serveRpc('glowmesh-rpc', { status: () => node.status() })
 * server.close()
 */
export function serveRpc<A extends RpcApi> (channel: string, api: A): RpcServer {
  const bc = new BroadcastChannel(channel)
  bc.onmessage = (ev: MessageEvent<RpcRequest | RpcResponse>) => {
    const msg = ev.data
    if (msg?.kind !== 'req' || typeof msg.id !== 'string') return
    const reply = (r: Omit<RpcResponse, 'kind' | 'id'>): void => { bc.postMessage({ kind: 'res', id: msg.id, ...r }) }
    const fn = Object.prototype.hasOwnProperty.call(api, msg.method) ? api[msg.method] : undefined
    if (fn === undefined) { reply({ ok: false, error: { name: 'UnknownMethod', message: `no method '${String(msg.method)}'` } }); return }
    Promise.resolve().then(() => fn(...(Array.isArray(msg.args) ? msg.args : []))).then(
      (value) => { reply({ ok: true, value }) },
      (err: Error & { code?: string }) => { reply({ ok: false, error: { name: err?.name ?? 'Error', code: err?.code, message: err?.message ?? String(err) } }) }
    )
  }
  return { close () { bc.close() } }
}

/** Options of one call. */
export interface RpcCallOptions {
  /** Default 2000 ms. */
  timeoutMs?: number
  signal?: AbortSignal
}

/** A client of an RpcApi: `call('status')` resolves with what the leader's `status()` returns. */
export interface RpcClient<A extends RpcApi> {
  call: <M extends keyof A & string>(method: M, args?: Parameters<A[M]>, options?: RpcCallOptions) => Promise<Awaited<ReturnType<A[M]>>>
  close: () => void
}

/**
 * A follower's client for the API served on `channel`; with `lockName`, a call fails fast with NoLeaderError when no tab leads.
 * @example
 * const rpc = createRpcClient<{ status: () => LightStatus }>('glowmesh-rpc', { lockName: 'glowmesh-leader' })
 * const s = await rpc.call('status', [], { timeoutMs: 1000 }) // RpcTimeoutError, NoLeaderError, RpcAbortedError
 */
export function createRpcClient<A extends RpcApi> (channel: string, options: { lockName?: string } = {}): RpcClient<A> {
  const bc = new BroadcastChannel(channel)
  const pending = new Map<string, (r: RpcResponse) => void>()
  bc.onmessage = (ev: MessageEvent<RpcRequest | RpcResponse>) => {
    const msg = ev.data
    if (msg?.kind === 'res') pending.get(msg.id)?.(msg)
  }
  return {
    async call (method, args, callOptions = {}) {
      const timeoutMs = callOptions.timeoutMs ?? 2000
      const { signal } = callOptions
      if (signal?.aborted === true) throw new RpcAbortedError(method, { cause: signal.reason })
      if (options.lockName !== undefined && !(await leaderExists(options.lockName))) throw new NoLeaderError(channel)
      const id = crypto.randomUUID()
      return await new Promise<any>((resolve, reject) => {
        const done = (): void => { pending.delete(id); clearTimeout(timer); signal?.removeEventListener('abort', onAbort) }
        const onAbort = (): void => { done(); reject(new RpcAbortedError(method, { cause: signal?.reason })) }
        const timer = setTimeout(() => { done(); reject(new RpcTimeoutError(method, timeoutMs)) }, timeoutMs)
        signal?.addEventListener('abort', onAbort, { once: true })
        pending.set(id, (r) => {
          done()
          if (r.ok) resolve(r.value)
          else reject(new RpcRemoteError(method, r.error?.name ?? 'Error', r.error?.code, r.error?.message ?? ''))
        })
        bc.postMessage({ kind: 'req', id, method, args: args ?? [] } satisfies RpcRequest)
      })
    },
    close () {
      bc.close()
      pending.clear()
    }
  }
}
