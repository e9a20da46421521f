// One node per origin (issue 10 item 2, DESIGN §7): a real devnet, real headless Chromium, ONE browser
// context with TWO tabs of the same origin. The Web Lock elects one leader tab that runs the light node;
// the other follows over BroadcastChannel. Closing the leader hands the node to the follower, which
// starts it with the same IndexedDB identity and cache (resumes, doesn't re-verify from genesis).
import { fileURLToPath } from 'node:url'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBrowserHarness, type BrowserHarness } from '../helpers/page.js'
import type { TestDevnet } from '../helpers/devnet.js'

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url))

interface TabState { role?: string, peerId: string, verifiedHeight: number, resumedFrom: number, genesisAnchors: number, firstHeader?: string, error?: { name: string, message: string } }

async function tabState (page: Page): Promise<TabState> {
  return await page.evaluate(() => {
    const gm = window.glowmesh
    const s = gm?.status()
    const log = gm?.headers() ?? []
    return {
      role: gm !== undefined && 'role' in gm ? gm.role : undefined,
      peerId: s?.peerId ?? '',
      verifiedHeight: s?.verifiedHeight ?? 0,
      resumedFrom: gm?.resumedFrom ?? 0,
      genesisAnchors: log.filter(h => h.verifiedBy === 'genesis').length,
      firstHeader: log[0]?.verifiedBy,
      error: window.glowmeshProbe?.error
    }
  })
}

describe('browser: one node per origin (leader tab + follower over BroadcastChannel)', () => {
  let harness: BrowserHarness | undefined
  let devnet: TestDevnet | undefined
  let context: BrowserContext | undefined
  let url = ''

  beforeAll(async () => {
    harness = await startBrowserHarness({ fixture: fixtures, blockTimeMs: 500 })
    ;({ devnet, pageUrl: url } = harness)
    context = await harness.newContext()
  }, 180_000)

  afterAll(async () => { await harness?.close() }, 60_000)

  it('elects one leader; the follower reads the same rising height; closing the leader hands the node over with the same identity and cache', async () => {
    const pageErrors: string[] = []
    const a = await context!.newPage()
    a.on('pageerror', (e) => { pageErrors.push(`a: ${e.message}`) })
    await a.goto(url)
    await a.waitForFunction(() => (window.glowmesh?.status().verifiedHeight ?? 0) > 0 || window.glowmeshProbe?.error !== undefined, undefined, { timeout: 30_000 })
    const b = await context!.newPage()
    b.on('pageerror', (e) => { pageErrors.push(`b: ${e.message}`) })
    await b.goto(url)
    await b.waitForFunction(() => (window.glowmesh?.status().verifiedHeight ?? 0) > 0, undefined, { timeout: 30_000 })

    // exactly one leader: the first tab; the second follows it
    const [sa, sb] = [await tabState(a), await tabState(b)]
    expect(sa.error).toBeUndefined()
    expect([sa.role, sb.role].sort()).toEqual(['follower', 'leader'])
    expect(sa.role).toBe('leader')
    expect(sb.peerId).toBe(sa.peerId)

    // both tabs' status() give the same verifiedHeight (the follower's through the RPC), and it rises
    const same = async (): Promise<number> => {
      for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
        const fresh = await b.evaluate(async () => {
          const gm = window.glowmesh
          return gm !== undefined && 'request' in gm ? (await gm.request('status', { timeoutMs: 2000 })).verifiedHeight : -1
        })
        const [la, lb] = [(await tabState(a)).verifiedHeight, (await tabState(b)).verifiedHeight]
        if (la === lb && fresh === la) return la
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      throw new Error('leader and follower never reported the same verifiedHeight')
    }
    const h1 = await same()
    await a.waitForFunction((h) => (window.glowmesh?.status().verifiedHeight ?? 0) > h + 2, h1, { timeout: 20_000 })
    const h2 = await same()
    expect(h2).toBeGreaterThan(h1)

    // close the leader: the follower takes the lock and starts the node from IndexedDB
    const before = await tabState(a)
    const closedAt = Date.now()
    await a.close()
    await b.waitForFunction(() => window.glowmesh !== undefined && 'role' in window.glowmesh && window.glowmesh.role === 'leader', undefined, { timeout: 30_000, polling: 20 })
    const leaderAfterMs = Date.now() - closedAt
    const took = await tabState(b)
    await b.waitForFunction((h) => (window.glowmesh?.status().verifiedHeight ?? 0) > h, took.resumedFrom, { timeout: 30_000, polling: 20 })
    const firstHeaderAfterMs = Date.now() - closedAt
    console.log(`leader hand-over: leader tab closed → follower leads (node started) ${leaderAfterMs} ms, → first newly verified header ${firstHeaderAfterMs} ms; resumed from height ${took.resumedFrom} (old leader at ${before.verifiedHeight}) (Chromium, 2 tabs, libp2p WebSockets, 4-validator devnet, 500 ms blocks)`)

    expect(took.role).toBe('leader')
    expect(took.peerId).toBe(before.peerId) // same identity (the ed25519 seed in IndexedDB)
    expect(took.resumedFrom).toBeGreaterThanOrEqual(before.verifiedHeight) // resumed, no re-verification from genesis
    expect(took.genesisAnchors).toBe(1) // the log from IndexedDB: still one genesis anchor
    expect(took.firstHeader).toBe('genesis')
    const after = await tabState(b)
    await b.waitForFunction((h) => (window.glowmesh?.status().verifiedHeight ?? 0) > h + 2, after.verifiedHeight, { timeout: 20_000 })
    const chain = (await devnet!.rpc(0).status()).height
    expect(chain - (await tabState(b)).verifiedHeight).toBeLessThanOrEqual(3)

    // the RPC's typed errors, in the page: no tab holds the lock → NoLeaderError; a lock holder that doesn't
    // answer → RpcTimeoutError; an aborted signal → RpcAbortedError
    const errors = await b.evaluate(async () => {
      const { createRpcClient, electLeader } = window.glowmeshTest
      const caught = async (p: Promise<unknown>): Promise<{ name: string, code?: string }> => {
        try { await p; return { name: 'resolved' } } catch (err) { return { name: (err as Error).name, code: (err as { code?: string }).code } }
      }
      const none = createRpcClient('test-none/rpc', { lockName: 'test-none/leader' })
      const noLeader = await caught(none.call('status'))
      none.close()
      const lock = await electLeader({ name: 'test-mute/leader' })
      const mute = createRpcClient('test-mute/rpc', { lockName: 'test-mute/leader' })
      const timeout = await caught(mute.call('status', [], { timeoutMs: 200 }))
      const aborted = await caught(mute.call('status', [], { timeoutMs: 5000, signal: AbortSignal.timeout(50) }))
      mute.close()
      lock.release()
      return { noLeader, timeout, aborted }
    })
    expect(errors).toEqual({
      noLeader: { name: 'NoLeaderError', code: 'NO_LEADER' },
      timeout: { name: 'RpcTimeoutError', code: 'RPC_TIMEOUT' },
      aborted: { name: 'RpcAbortedError', code: 'RPC_ABORTED' }
    })
    expect(pageErrors).toEqual([])
    await b.close()
  }, 90_000)
})
