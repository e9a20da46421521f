import { describe, expect, test } from 'vitest'
import type { LightBlock } from '../../../protocol/chain/index.js'
import { NotFoundError } from '../../../fullnode/net/index.js'
import { cacheLightBlocks } from '../../../fullnode/net/lightblock-cache.js'
import { makeTestChain } from '../chain/fixtures.js'

const chain = makeTestChain({ length: 6 })
const signal = new AbortController().signal

/** A backend over the test chain whose head the test moves, counting calls. */
function backend (): { fetch: (h: bigint | 'latest') => Promise<LightBlock>, calls: Array<bigint | 'latest'>, head: { h: bigint }, release: () => void, hold: () => void } {
  const calls: Array<bigint | 'latest'> = []
  const head = { h: 3n }
  let gate: Promise<void> = Promise.resolve()
  let open: () => void = () => {}
  return {
    calls,
    head,
    hold: () => { gate = new Promise((resolve) => { open = resolve }) },
    release: () => { open() },
    fetch: async (h) => {
      calls.push(h)
      await gate
      const height = h === 'latest' ? head.h : h
      if (height > head.h) throw new NotFoundError(`no block ${height}`)
      return chain.lightBlock(height)
    }
  }
}

describe('cacheLightBlocks', () => {
  test('concurrent requests for one height share one fetch; later ones hit the cache', async () => {
    const b = backend()
    const cached = cacheLightBlocks(b.fetch)
    b.hold()
    const all = Promise.all(Array.from({ length: 50 }, async () => await cached(2n, { signal })))
    b.release()
    const got = await all
    expect(got.every((lb) => lb.signedHeader.header.height === 2n)).toBe(true)
    expect(await cached(2n, { signal })).toBe(got[0])
    expect(b.calls).toEqual([2n])
  })

  test("'latest' is reused for the TTL, then fetched again, and fills the height cache", async () => {
    let t = 1000
    const b = backend()
    const cached = cacheLightBlocks(b.fetch, { latestTtlMs: 250, now: () => t })
    expect((await cached('latest', { signal })).signedHeader.header.height).toBe(3n)
    b.head.h = 4n
    t += 249
    expect((await cached('latest', { signal })).signedHeader.header.height).toBe(3n)
    t += 1
    expect((await cached('latest', { signal })).signedHeader.header.height).toBe(4n)
    await cached(3n, { signal })
    expect(b.calls).toEqual(['latest', 'latest'])
  })

  test('failures are not cached: a height above the head is fetched again once it exists', async () => {
    const b = backend()
    const cached = cacheLightBlocks(b.fetch)
    await expect(cached(5n, { signal })).rejects.toBeInstanceOf(NotFoundError)
    b.head.h = 5n
    expect((await cached(5n, { signal })).signedHeader.header.height).toBe(5n)
    expect(b.calls).toEqual([5n, 5n])
  })

  test("one caller's abort ends only its own wait; the shared fetch goes on for the others", async () => {
    const b = backend()
    const cached = cacheLightBlocks(b.fetch)
    b.hold()
    const ac = new AbortController()
    const aborted = cached(1n, { signal: ac.signal })
    const other = cached(1n, { signal })
    ac.abort()
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' })
    b.release()
    expect((await other).signedHeader.header.height).toBe(1n)
    expect(b.calls).toEqual([1n])
  })

  test('keeps at most maxHeights heights', async () => {
    const b = backend()
    b.head.h = 6n
    const cached = cacheLightBlocks(b.fetch, { maxHeights: 2 })
    for (const h of [1n, 2n, 3n, 1n]) await cached(h, { signal })
    expect(b.calls).toEqual([1n, 2n, 3n, 1n])
  })
})
