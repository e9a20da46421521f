// The tab RPC (client/browser/rpc.ts) over Node's real BroadcastChannel (the same API as the
// browser's): answers, the leader's typed errors, cancellation reaching the leader, timeouts, and
// streams with credit-based flow control (the leader is never more than `window` chunks ahead).
import { afterEach, describe, expect, it } from 'vitest'
import { createRpcClient, remoteAsLocal, serveRpc, type RpcContext, type RpcServer } from '../../../client/browser/rpc.js'
import { HeightNotAvailableError } from '../../../client/api.js'

const closers: Array<() => void> = []
afterEach(() => { for (const c of closers.splice(0)) c() })
let n = 0
const channel = (): string => `rpc-test-${process.pid}-${n++}`
function serve (name: string, api: Record<string, (...args: any[]) => unknown>): RpcServer {
  const s = serveRpc(name, api)
  closers.push(() => { s.close() })
  return s
}
function client (name: string): ReturnType<typeof createRpcClient<Record<string, (...a: any[]) => unknown>>> {
  const c = createRpcClient<Record<string, (...a: any[]) => unknown>>(name)
  closers.push(() => { c.close() })
  return c
}
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

describe('tab rpc', () => {
  it('answers calls and returns the leader\'s typed errors (name and code kept by remoteAsLocal)', async () => {
    const name = channel()
    serve(name, { add: (a: number, b: number) => a + b, fail: () => { throw new HeightNotAvailableError(99, 50) } })
    const c = client(name)
    expect(await c.call('add', [2, 3])).toBe(5)
    const err = await c.call('fail').catch((e: unknown) => e)
    expect(err).toMatchObject({ name: 'RpcRemoteError', code: 'RPC_REMOTE', remoteName: 'HeightNotAvailableError', remoteCode: 'HEIGHT_NOT_AVAILABLE' })
    expect(remoteAsLocal(err)).toMatchObject({ name: 'HeightNotAvailableError', code: 'HEIGHT_NOT_AVAILABLE' })
    await expect(c.call('nope')).rejects.toMatchObject({ remoteName: 'NotSupportedError', remoteCode: 'NOT_SUPPORTED' })
  })

  it('an abort or a timeout in the follower aborts the call in the leader', async () => {
    const name = channel()
    const aborted: string[] = []
    const slow = async (tag: string, ctx: RpcContext): Promise<string> => {
      await new Promise<void>((resolve) => { ctx.signal.addEventListener('abort', () => { aborted.push(tag); resolve() }, { once: true }) })
      return tag
    }
    serve(name, { slow })
    const c = client(name)
    const ac = new AbortController()
    const p = c.call('slow', ['by-signal'], { signal: ac.signal, timeoutMs: 10_000 })
    await sleep(50)
    ac.abort()
    await expect(p).rejects.toMatchObject({ name: 'RpcAbortedError', code: 'RPC_ABORTED' })
    await expect(c.call('slow', ['by-timeout'], { timeoutMs: 100 })).rejects.toMatchObject({ name: 'RpcTimeoutError', code: 'RPC_TIMEOUT' })
    for (let i = 0; i < 50 && aborted.length < 2; i++) await sleep(20)
    expect(aborted.sort()).toEqual(['by-signal', 'by-timeout'])
  })

  it('streams chunks in order with at most `window` in flight, and a cancel stops the leader\'s source', async () => {
    const name = channel()
    let produced = 0
    let finished = false
    serve(name, {
      count: async function * (to: number) {
        try { for (let i = 0; i < to; i++) { produced++; yield new Uint8Array([i]) } } finally { finished = true }
      }
    })
    const c = client(name)
    const reader = c.stream<Uint8Array>('count', [100], { window: 3 }).getReader()
    const first = await reader.read()
    expect([...first.value!]).toEqual([0])
    await sleep(150) // the leader may run ahead by the window only
    expect(produced).toBeLessThanOrEqual(1 + 3 + 1)
    const got = [0]
    for (let i = 0; i < 9; i++) got.push((await reader.read()).value![0])
    expect(got).toEqual(Array.from({ length: 10 }, (_, i) => i))
    await reader.cancel()
    for (let i = 0; i < 50 && !finished; i++) await sleep(20)
    expect(finished).toBe(true)
    expect(produced).toBeLessThan(20)

    const all = c.stream<Uint8Array>('count', [5])
    const seen: number[] = []
    for (const r = all.getReader(); ;) { const x = await r.read(); if (x.done) break; seen.push(x.value[0]) }
    expect(seen).toEqual([0, 1, 2, 3, 4])
  })

  it('a stream fails with the leader\'s error, and with RpcAbortedError when its signal fires', async () => {
    const name = channel()
    serve(name, {
      broken: async function * () { yield 1; throw new HeightNotAvailableError(7, 3) },
      forever: async function * () { for (let i = 0; ; i++) { await sleep(20); yield i } }
    })
    const c = client(name)
    const r = c.stream<number>('broken').getReader()
    expect((await r.read()).value).toBe(1)
    await expect(r.read()).rejects.toMatchObject({ name: 'RpcRemoteError', remoteCode: 'HEIGHT_NOT_AVAILABLE' })
    const ac = new AbortController()
    const f = c.stream<number>('forever', [], { signal: ac.signal }).getReader()
    await f.read()
    ac.abort()
    await expect(f.read()).rejects.toMatchObject({ name: 'RpcAbortedError' })
  })
})
