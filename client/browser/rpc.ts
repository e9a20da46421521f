/**
 * A tiny typed RPC over BroadcastChannel (DESIGN §7): the leader tab serves an API object, follower
 * tabs call its methods by name with a timeout and an AbortSignal. Values travel by structured clone.
 * A caller's abort or timeout cancels the call in the leader too (the handler's `ctx.signal` fires).
 * A handler that returns a ReadableStream or AsyncIterable is streamed chunk by chunk with credit-based
 * flow control (at most `window` chunks in flight), so a follower can read a large file without the
 * leader buffering it.
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
  constructor (method: string, readonly remoteName: string, readonly remoteCode: string | undefined, readonly remoteMessage: string) {
    super('RPC_REMOTE', `rpc '${method}' failed in the leader: ${remoteName}: ${remoteMessage}`)
  }
}

/** The leader's node has no such method (e.g. a feature this build lacks). */
export class NotSupportedError extends GlowmeshError {
  override name = 'NotSupportedError'
  constructor (method: string) { super('NOT_SUPPORTED', `'${method}' is not supported by this node`) }
}

/**
 * The leader-side error of an RpcRemoteError as a GlowmeshError with the same `name`, `code` and message
 * (cause: the RpcRemoteError), so callers branch on `err.code` the same way in leader and follower tabs.
 * @example try { await rpc.call('verifyHeader', [9]) } catch (err) { throw remoteAsLocal(err) } // err.code === 'HEIGHT_NOT_AVAILABLE'
 */
export function remoteAsLocal (err: unknown): unknown {
  if (!(err instanceof RpcRemoteError)) return err
  const local = new GlowmeshError(err.remoteCode ?? 'RPC_REMOTE', err.remoteMessage, { cause: err })
  local.name = err.remoteName
  return local
}

/** What a served method gets after its arguments: the call's signal (aborted when the caller gives up). */
export interface RpcContext { signal: AbortSignal }

/** An API served over the channel: methods with structured-cloneable arguments and results. */
export type RpcApi = Record<string, (...args: any[]) => unknown>

type Wire =
  | { kind: 'req', id: string, method: string, args: unknown[], window?: number }
  | { kind: 'res', id: string, ok: boolean, value?: unknown, error?: { name: string, code?: string, message: string } }
  | { kind: 'chunk', id: string, value: unknown }
  | { kind: 'end', id: string }
  | { kind: 'credit', id: string, n: number }
  | { kind: 'cancel', id: string }

/** A running RPC server; close() stops answering and cancels running calls. */
export interface RpcServer { close: () => void }

const MAX_WINDOW = 64

function asIterator (value: unknown): AsyncIterator<unknown> | undefined {
  if (typeof ReadableStream !== 'undefined' && value instanceof ReadableStream) {
    const reader = value.getReader()
    return {
      async next () { const r = await reader.read(); return r.done ? { done: true, value: undefined } : { done: false, value: r.value } },
      async return () { await reader.cancel().catch(() => {}); return { done: true, value: undefined } }
    }
  }
  const it = (value as { [Symbol.asyncIterator]?: () => AsyncIterator<unknown> } | null)?.[Symbol.asyncIterator]
  return typeof it === 'function' ? it.call(value) : undefined
}

/**
 * Answers requests on BroadcastChannel `channel` with the methods of `api` (the leader tab calls this);
 * each method is called with the sent arguments followed by an RpcContext.
 * @example
 * const server = serveRpc('glowmesh-rpc', { status: () => node.status(), verifyHeader: (h, ctx) => node.verifyHeader(h, ctx) })
 * server.close()
 */
export function serveRpc<A extends RpcApi> (channel: string, api: A): RpcServer {
  const bc = new BroadcastChannel(channel)
  const running = new Map<string, { abort: AbortController, credit: number, wake?: () => void }>()
  const post = (m: Wire): void => { try { bc.postMessage(m) } catch {} }
  bc.onmessage = (ev: MessageEvent<Wire>) => {
    const msg = ev.data
    if (typeof msg?.id !== 'string') return
    if (msg.kind === 'cancel') { running.get(msg.id)?.abort.abort(new Error('cancelled by the caller')); running.get(msg.id)?.wake?.(); return }
    if (msg.kind === 'credit') { const r = running.get(msg.id); if (r !== undefined) { r.credit += Math.max(0, Math.min(MAX_WINDOW, msg.n | 0)); r.wake?.() } return }
    if (msg.kind !== 'req') return
    const id = msg.id
    const fail = (err: Error & { code?: string }): void => { post({ kind: 'res', id, ok: false, error: { name: err?.name ?? 'Error', code: err?.code, message: err?.message ?? String(err) } }) }
    const fn = Object.prototype.hasOwnProperty.call(api, msg.method) ? api[msg.method] : undefined
    if (fn === undefined) { fail(new NotSupportedError(String(msg.method))); return }
    const call = { abort: new AbortController(), credit: Math.max(1, Math.min(MAX_WINDOW, msg.window ?? 4)), wake: undefined as (() => void) | undefined }
    running.set(id, call)
    const ctx: RpcContext = { signal: call.abort.signal }
    void (async () => {
      try {
        const value = await fn(...(Array.isArray(msg.args) ? msg.args : []), ctx)
        const it = msg.window === undefined ? undefined : asIterator(value)
        if (it === undefined) { try { bc.postMessage({ kind: 'res', id, ok: true, value } satisfies Wire) } catch (err) { fail(err as Error) } return }
        try {
          for (;;) {
            while (call.credit <= 0 && !ctx.signal.aborted) await new Promise<void>((resolve) => { call.wake = resolve })
            if (ctx.signal.aborted) return
            const r = await it.next()
            if (r.done === true) break
            call.credit--
            post({ kind: 'chunk', id, value: r.value })
          }
          post({ kind: 'end', id })
        } finally {
          if (ctx.signal.aborted) await it.return?.()
        }
      } catch (err) {
        if (!ctx.signal.aborted) fail(err as Error)
      } finally {
        running.delete(id)
      }
    })()
  }
  return {
    close () {
      for (const r of running.values()) { r.abort.abort(new Error('rpc server closed')); r.wake?.() }
      bc.close()
    }
  }
}

/** Options of one call. */
export interface RpcCallOptions {
  /** Default 2000 ms (for a stream: the longest wait for the next chunk). */
  timeoutMs?: number
  signal?: AbortSignal
}

/** Options of a streamed call: chunks in flight (default 4, at most 64). */
export interface RpcStreamOptions extends RpcCallOptions { window?: number }

/** A client of an RpcApi: `call('status')` resolves with what the leader's `status()` returns. */
export interface RpcClient<A extends RpcApi> {
  call: <M extends keyof A & string>(method: M, args?: unknown[], options?: RpcCallOptions) => Promise<Awaited<ReturnType<A[M]>>>
  /** Calls a method that returns a stream in the leader; its chunks arrive as they are read. */
  stream: <T = unknown>(method: keyof A & string, args?: unknown[], options?: RpcStreamOptions) => ReadableStream<T>
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
  const pending = new Map<string, (m: Wire) => void>()
  bc.onmessage = (ev: MessageEvent<Wire>) => {
    const msg = ev.data
    if (msg?.kind === 'res' || msg?.kind === 'chunk' || msg?.kind === 'end') pending.get(msg.id)?.(msg)
  }
  const post = (m: Wire): void => { try { bc.postMessage(m) } catch {} }
  const remote = (method: string, m: Extract<Wire, { kind: 'res' }>): RpcRemoteError =>
    new RpcRemoteError(method, m.error?.name ?? 'Error', m.error?.code, m.error?.message ?? '')
  const checkLeader = async (): Promise<void> => {
    if (options.lockName !== undefined && !(await leaderExists(options.lockName))) throw new NoLeaderError(channel)
  }
  return {
    async call (method, args, callOptions = {}) {
      const timeoutMs = callOptions.timeoutMs ?? 2000
      const { signal } = callOptions
      if (signal?.aborted === true) throw new RpcAbortedError(method, { cause: signal.reason })
      await checkLeader()
      const id = crypto.randomUUID()
      return await new Promise<any>((resolve, reject) => {
        const done = (): void => { pending.delete(id); clearTimeout(timer); signal?.removeEventListener('abort', onAbort) }
        const onAbort = (): void => { done(); post({ kind: 'cancel', id }); reject(new RpcAbortedError(method, { cause: signal?.reason })) }
        const timer = setTimeout(() => { done(); post({ kind: 'cancel', id }); reject(new RpcTimeoutError(method, timeoutMs)) }, timeoutMs)
        signal?.addEventListener('abort', onAbort, { once: true })
        pending.set(id, (m) => {
          if (m.kind !== 'res') return
          done()
          if (m.ok) resolve(m.value)
          else reject(remote(method, m))
        })
        post({ kind: 'req', id, method, args: args ?? [] })
      })
    },

    stream<T> (method: string, args?: unknown[], o: RpcStreamOptions = {}): ReadableStream<T> {
      const id = crypto.randomUUID()
      const window = Math.max(1, Math.min(MAX_WINDOW, o.window ?? 4))
      const timeoutMs = o.timeoutMs ?? 10_000
      const buffered: Wire[] = []
      let wake: (() => void) | undefined
      let finished = false
      const finish = (cancel: boolean): void => {
        if (finished) return
        finished = true
        pending.delete(id)
        o.signal?.removeEventListener('abort', onAbort)
        if (cancel) post({ kind: 'cancel', id })
      }
      let controllerRef: ReadableStreamDefaultController<T> | undefined
      const onAbort = (): void => { finish(true); controllerRef?.error(new RpcAbortedError(method, { cause: o.signal?.reason })); wake?.() }
      return new ReadableStream<T>({
        async start (controller) {
          controllerRef = controller
          if (o.signal?.aborted === true) throw new RpcAbortedError(method, { cause: o.signal.reason })
          await checkLeader()
          o.signal?.addEventListener('abort', onAbort, { once: true })
          pending.set(id, (m) => { buffered.push(m); wake?.() })
          post({ kind: 'req', id, method, args: args ?? [], window })
        },
        async pull (controller) {
          while (buffered.length === 0 && !finished) {
            const got = await new Promise<boolean>((resolve) => {
              const t = setTimeout(() => { resolve(false) }, timeoutMs)
              wake = () => { clearTimeout(t); resolve(true) }
            })
            wake = undefined
            if (!got && buffered.length === 0 && !finished) { finish(true); controller.error(new RpcTimeoutError(method, timeoutMs)); return }
          }
          if (finished) return
          const m = buffered.shift()!
          if (m.kind === 'chunk') { controller.enqueue(m.value as T); post({ kind: 'credit', id, n: 1 }) } else if (m.kind === 'end') { finish(false); controller.close() } else if (m.kind === 'res') {
            finish(false)
            if (m.ok) controller.close()
            else controller.error(remote(method, m))
          }
        },
        cancel () { finish(true) }
      }, { highWaterMark: 0 })
    },

    close () {
      bc.close()
      pending.clear()
    }
  }
}
