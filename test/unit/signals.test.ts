// protocol/signals.ts and protocol/sleep.ts's pause: per-request signals and idle waits on one
// long-lived signal must leave nothing hooked on it (Node 20's AbortSignal.any does: see signals.ts).
import { getEventListeners } from 'node:events'
import { describe, expect, it } from 'vitest'
import { linkSignals, withTimeout } from '../../protocol/signals.js'
import { pause } from '../../protocol/sleep.js'

const dependants = (s: AbortSignal): number => {
  const k = Object.getOwnPropertySymbols(s).find((x) => String(x).includes('kDependantSignals'))
  return k === undefined ? 0 : ((s as any)[k]?.size ?? 0)
}

describe('withTimeout / linkSignals', () => {
  it('leaves no listener or dependant on the long-lived signal after 1,000 requests, where AbortSignal.any leaves 1,000', async () => {
    const node = new AbortController()
    for (let i = 0; i < 1000; i++) await withTimeout(node.signal, 60_000, async (s) => { expect(s.aborted).toBe(false) })
    expect(getEventListeners(node.signal, 'abort')).toHaveLength(0)
    expect(dependants(node.signal)).toBe(0)
    // the reference this replaces, measured the same way
    const other = new AbortController()
    for (let i = 0; i < 1000; i++) AbortSignal.any([other.signal, AbortSignal.timeout(60_000)])
    expect(dependants(other.signal) + getEventListeners(other.signal, 'abort').length).toBeGreaterThanOrEqual(1000)
  })

  it('aborts the request when the long-lived signal aborts, with its reason', async () => {
    const node = new AbortController()
    const run = withTimeout(node.signal, 60_000, async (s) => await new Promise((resolve, reject) => { s.addEventListener('abort', () => { reject(s.reason) }) }))
    node.abort(new Error('node stopping'))
    await expect(run).rejects.toThrow('node stopping')
  })

  it('aborts the request after the timeout with a TimeoutError, and cleans up on a throw', async () => {
    const node = new AbortController()
    await expect(withTimeout(node.signal, 20, async (s) => await new Promise((resolve, reject) => { s.addEventListener('abort', () => { reject(s.reason) }) }))).rejects.toMatchObject({ name: 'TimeoutError' })
    await expect(withTimeout(node.signal, 60_000, async () => { throw new Error('boom') })).rejects.toThrow('boom')
    expect(getEventListeners(node.signal, 'abort')).toHaveLength(0)
  })

  it('linkSignals follows any source, skips undefined ones, and unhooks on clear()', () => {
    const a = new AbortController()
    const b = new AbortController()
    const s = linkSignals(a.signal, undefined, b.signal)
    expect(getEventListeners(a.signal, 'abort')).toHaveLength(1)
    b.abort(new Error('b'))
    expect(s.aborted).toBe(true)
    expect((s.reason as Error).message).toBe('b')
    const t = linkSignals(a.signal)
    t.clear()
    a.abort()
    expect(t.aborted).toBe(false)
  })
})

describe('pause', () => {
  it('waits, ends early on wake() or abort, and leaves no listener behind', async () => {
    const node = new AbortController()
    for (let i = 0; i < 50; i++) await pause(1, node.signal)
    let wake: (() => void) | undefined
    // 10 minutes unless wake() ends it (the test's own timeout is 1 minute)
    const woken = pause(600_000, node.signal, (w) => { wake = w })
    wake!()
    await woken
    expect(getEventListeners(node.signal, 'abort')).toHaveLength(0)
    const aborted = pause(600_000, node.signal)
    node.abort()
    await aborted // resolves quietly
    await pause(600_000, node.signal) // already aborted: returns at once
  })
})
