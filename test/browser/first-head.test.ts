// Browser groundwork (issue 10): a real devnet, real headless Chromium, a vite 8 bundle of the test
// page. The page's light node verifies headers over libp2p WebSockets, keeps its log in IndexedDB,
// resumes from it after a reload, and refuses a genesis that doesn't match the pinned hash.
import { fileURLToPath } from 'node:url'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBrowserHarness, type BrowserHarness } from '../helpers/page.js'
import type { TestDevnet } from '../helpers/devnet.js'

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url))

interface PageState { verifiedHeight: number, resumedFrom: number, headers: Array<{ height: number, hash: string, verifiedBy: string }>, firstVerifiedMs?: number, error?: { name: string, code?: string, message: string } }

async function pageState (page: Page): Promise<PageState> {
  return await page.evaluate(() => ({
    verifiedHeight: window.glowmesh?.status().verifiedHeight ?? 0,
    resumedFrom: window.glowmesh?.resumedFrom ?? 0,
    headers: (window.glowmesh?.headers() ?? []).map(h => ({ height: h.height, hash: h.hash, verifiedBy: h.verifiedBy })),
    firstVerifiedMs: window.glowmeshProbe?.firstVerifiedMs,
    error: window.glowmeshProbe?.error
  }))
}

/** Keys of the page's IndexedDB object store with a prefix, read with the raw IndexedDB API. */
async function idbKeys (page: Page, db: string, prefix: string): Promise<string[]> {
  return await page.evaluate(async ({ db, prefix }) => await new Promise<string[]>((resolve, reject) => {
    const open = indexedDB.open(db)
    open.onerror = () => reject(open.error)
    open.onsuccess = () => {
      const d = open.result
      const req = d.transaction('kv').objectStore('kv').getAllKeys()
      req.onsuccess = () => { d.close(); resolve((req.result as string[]).filter(k => k.startsWith(prefix))) }
      req.onerror = () => { d.close(); reject(req.error) }
    }
  }), { db, prefix })
}

describe('browser light node: first verified head', () => {
  let harness: BrowserHarness | undefined
  let devnet: TestDevnet | undefined
  let context: BrowserContext | undefined
  let pageUrl = ''
  let genesisHash = ''
  let rpcUrl = ''

  beforeAll(async () => {
    harness = await startBrowserHarness({ fixture: fixtures, blockTimeMs: 500 })
    ;({ devnet, url: pageUrl, genesisHash } = harness)
    rpcUrl = harness.devnet.nodes[0].rpcUrl
    context = await harness.newContext()
  }, 180_000)

  afterAll(async () => { await harness?.close() }, 60_000)

  it('verifies headers to the chain head, keeps the log in IndexedDB, resumes after a reload, refuses a wrong genesis', async () => {
    const page = await context!.newPage()
    const pageErrors: string[] = []
    page.on('pageerror', (e) => { pageErrors.push(e.message) })
    const url = `${pageUrl}?rpc=${encodeURIComponent(rpcUrl)}&genesis=${genesisHash}`
    await page.goto(url)
    await page.waitForFunction(() => window.glowmeshProbe?.firstVerifiedMs !== undefined || window.glowmeshProbe?.error !== undefined, undefined, { timeout: 30_000 })
    const first = await pageState(page)
    expect(first.error).toBeUndefined()
    expect(first.resumedFrom).toBe(0)
    expect(first.verifiedHeight).toBeGreaterThan(0)
    console.log(`page load → first verified header: ${Math.round(first.firstVerifiedMs ?? NaN)} ms (Chromium, vite 8 bundle, libp2p WebSockets, 4-validator devnet, 500 ms blocks)`)

    // verifiedHeight rises and catches the chain's height within a block or two
    let lag = Infinity
    let seen = first.verifiedHeight
    for (const deadline = Date.now() + 20_000; Date.now() < deadline && !(lag <= 2 && seen > first.verifiedHeight);) {
      const chain = (await devnet!.rpc(0).status()).height
      seen = (await pageState(page)).verifiedHeight
      lag = chain - seen
      if (lag > 2 || seen <= first.verifiedHeight) await new Promise((resolve) => setTimeout(resolve, 250))
    }
    expect(seen).toBeGreaterThan(first.verifiedHeight)
    expect(lag).toBeLessThanOrEqual(2)
    expect(lag).toBeGreaterThanOrEqual(-1)

    // the accepted-header log: height 1 from the genesis validators, contiguous, the chain's hashes, in IndexedDB
    // (the core moves its trusted height before the backfilled records are written: wait for the log to catch up)
    await page.waitForFunction(() => {
      const gm = window.glowmesh
      const log = gm?.headers() ?? []
      return log.length > 1 && log[log.length - 1].height >= (gm?.status().verifiedHeight ?? Infinity)
    }, undefined, { timeout: 20_000 })
    const before = await pageState(page)
    expect(before.headers[0]).toMatchObject({ height: 1, verifiedBy: 'genesis' })
    const newest = before.headers[before.headers.length - 1]
    expect(newest.height).toBeGreaterThan(1)
    for (const h of [before.headers[0], newest]) {
      expect(h.hash.toLowerCase()).toBe(String((await devnet!.rpc(0).header(h.height)).hash).toLowerCase())
    }
    const db = `glowmesh-${genesisHash.slice(2, 18)}`
    const stored = await idbKeys(page, db, 'header/')
    expect(stored.length).toBeGreaterThanOrEqual(before.headers.length - 1)
    expect(stored).toContain('header/' + '1'.padStart(20, '0'))
    expect(await idbKeys(page, db, 'trusted')).toEqual(['trusted'])

    // reload: resumes from IndexedDB (no new anchoring at genesis), then keeps verifying
    await page.reload()
    await page.waitForFunction(() => window.glowmesh !== undefined || window.glowmeshProbe?.error !== undefined, undefined, { timeout: 30_000 })
    const resumed = await pageState(page)
    expect(resumed.error).toBeUndefined()
    expect(resumed.resumedFrom).toBeGreaterThanOrEqual(before.verifiedHeight - 1)
    expect(resumed.headers[0]).toMatchObject({ height: 1, verifiedBy: 'genesis' })
    expect(resumed.headers.filter(h => h.verifiedBy === 'genesis')).toHaveLength(1)
    await page.waitForFunction((h) => (window.glowmesh?.status().verifiedHeight ?? 0) > h, resumed.resumedFrom, { timeout: 30_000 })
    expect(pageErrors).toEqual([])
    await page.close()

    // a genesis hash that doesn't match the served genesis is refused, visibly, before any dial
    const bad = await context!.newPage()
    await bad.goto(`${pageUrl}?rpc=${encodeURIComponent(rpcUrl)}&genesis=0x${'11'.repeat(32)}`)
    await bad.waitForFunction(() => window.glowmeshProbe?.error !== undefined, undefined, { timeout: 30_000 })
    const refused = await pageState(bad)
    expect(refused.error).toMatchObject({ name: 'GenesisMismatchError', code: 'GENESIS_MISMATCH' })
    expect(refused.error?.message).toContain(genesisHash)
    expect(await bad.textContent('#error')).toContain('GenesisMismatchError')
    expect(await bad.evaluate(() => window.glowmesh)).toBeUndefined()
    await bad.close()
  }, 120_000)
})
