// The demo dashboard (issue 10 items 6–7), end to end: `glowmesh start` (the built CLI: 4 validators,
// demo traffic, demo/ bundled with vite and served) prints the dashboard URL; real headless Chromium
// opens it. The leader tab runs the light node for over a minute while the test uploads a file through
// the page (signed with the node's key), starts contributing storage and checks a block; the panels
// must show live values. A second tab of the origin is a follower: the same dashboard and the same
// library calls (verifyHeader, checkAvailability, fetchFile streamed, typed errors, abort) over the RPC.
// Leaves test-output/dashboard.png (and dashboard-follower.png) for a human to look at.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../helpers/chromium.js'
import { ensureBuilt, freeBasePort } from '../helpers/devnet.js'
import { LAUNCHER } from '../helpers/cli.js'

const outputDir = fileURLToPath(new URL('../../test-output/', import.meta.url))
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
const URL_LINE = /^(http:\/\/127\.0\.0\.1:\d+\/\?rpc=(\S+)&genesis=0x[0-9a-f]{64})$/m

/** `glowmesh start` as a child process (its own process group, so nothing outlives the test). */
function startGlowmesh (home: string, basePort: number): { child: ChildProcess, out: () => string, url: Promise<string> } {
  const child = spawn(process.execPath, ['--experimental-websocket', LAUNCHER, 'start', '--home', home, '--base-port', String(basePort), '--block-time', '500ms', '--demo-port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, GLOWMESH_PORA_DEADLINE_MS: '3000' }
  })
  let stdout = ''
  let stderr = ''
  const url = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => { stdout += d; const m = URL_LINE.exec(stdout); if (m !== null) resolve(m[1]) })
    child.stderr!.on('data', (d) => { stderr += d })
    child.on('exit', (code) => { reject(new Error(`glowmesh start exited (${code}) before printing a dashboard URL:\n${stdout}\n${stderr.slice(-2000)}`)) })
  })
  return { child, out: () => stdout + stderr, url }
}

async function stopGlowmesh (child: ChildProcess | undefined): Promise<void> {
  if (child?.pid === undefined || child.exitCode !== null) return
  const exited = new Promise<void>((resolve) => { child.once('exit', () => { resolve() }) })
  child.kill('SIGINT')
  const timer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL') } catch {} }, 30_000)
  await exited
  clearTimeout(timer)
}

const num = async (page: Page, sel: string): Promise<number> => Number((await page.textContent(sel))?.replace(/[^\d]/g, '') ?? NaN)

describe('demo dashboard (glowmesh start + Chromium)', () => {
  let home: string | undefined
  let gm: ReturnType<typeof startGlowmesh> | undefined
  let browser: Browser | undefined
  let context: BrowserContext | undefined
  let pageUrl = ''
  let rpcUrl = ''

  beforeAll(async () => {
    ensureBuilt()
    home = mkdtempSync(join(tmpdir(), 'glowmesh-start-'))
    const t0 = Date.now()
    gm = startGlowmesh(home, await freeBasePort(4))
    const [url] = await Promise.all([gm.url, launchChromium().then((b) => { browser = b })])
    pageUrl = url
    rpcUrl = decodeURIComponent(URL_LINE.exec(url)![2])
    console.log(`[bench] glowmesh start → dashboard URL printed: ${Date.now() - t0} ms (devnet start + vite build of demo/)`)
    context = await browser!.newContext({ viewport: { width: 1360, height: 900 } })
  }, 240_000)

  afterAll(async () => {
    await context?.close().catch(() => {})
    await browser?.close().catch(() => {})
    await stopGlowmesh(gm?.child)
    if (home !== undefined) rmSync(home, { recursive: true, force: true })
  }, 60_000)

  it('glowmesh start serves the built dashboard at the URL it prints', async () => {
    const res = await fetch(pageUrl)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/text\/html/)
    const html = await res.text()
    expect(html).toContain('<title>glowmesh')
    const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(html)?.[1]
    expect(script).toBeDefined()
    expect((await fetch(new URL(script!, pageUrl))).status).toBe(200)
    expect((await fetch(new URL('/../../etc/passwd', pageUrl))).status).not.toBe(200)
    expect(gm!.out()).toMatch(/demo traffic/)
  })

  it('runs the node for a minute with live panels; a follower tab gets the same API over the RPC', async () => {
    const page = await context!.newPage()
    const pageErrors: string[] = []
    page.on('pageerror', (e) => { pageErrors.push(e.message) })
    const loaded = Date.now()
    await page.goto(pageUrl)
    await page.waitForFunction(() => (window.glowmesh?.status().verifiedHeight ?? 0) >= 1, undefined, { timeout: 60_000 })
    console.log(`[bench] dashboard page load → first verified header: ${Date.now() - loaded} ms`)
    // the DOM refreshes once a second: wait for it to show the leader and a height
    await page.waitForFunction(() => document.getElementById('role')?.textContent === 'leader' && Number(document.getElementById('height')?.dataset.height) > 0, undefined, { timeout: 10_000 })
    const firstHeight = await num(page, '#height')

    // contribute storage from the page (4 MiB: the devnet's minimum pledge)
    await page.selectOption('#pledge-size', '4194304')
    await page.waitForFunction(() => !(document.getElementById('start-contrib') as HTMLButtonElement).disabled, undefined, { timeout: 20_000 })
    await page.click('#start-contrib')
    await page.waitForFunction(() => ['funding', 'waiting', 'running'].includes(document.getElementById('contrib-state')!.textContent ?? ''), undefined, { timeout: 30_000 })

    // upload a file through the file input: root, CID and progress appear
    const file = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 31 + 7) & 0xff))
    const uploadStarted = Date.now()
    await page.setInputFiles('#file', { name: 'hello-glowmesh.bin', mimeType: 'application/octet-stream', buffer: file })
    // done (a row) or failed (the bar turns 'bad' and the message says why)
    await page.waitForFunction(() => document.querySelector('#uploads tr[data-root]') !== null || document.getElementById('upload-bar')?.dataset.state === 'bad', undefined, { timeout: 120_000 })
    expect(await page.textContent('#upload-msg')).toMatch(/stored at height/)
    console.log(`[bench] page upload of ${file.length} bytes (fund, hash, sign storage.submit, 2 segments): ${Date.now() - uploadStarted} ms`)
    const root = await page.getAttribute('#uploads tr[data-root]', 'data-root')
    expect(root).toMatch(/^0x[0-9a-f]{64}$/)
    expect(await page.textContent('#upload-msg')).toMatch(/stored at height/)

    // the key leaves the browser as a key file and comes back through the import control
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 20_000 }), page.click('#export-key')])
    const keyText = readFileSync(await download.path())
    const key = JSON.parse(keyText.toString('utf8')) as { address: string }
    expect(key.address).toMatch(/^0x[0-9a-f]{40}$/)
    await page.setInputFiles('#import-key', { name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('{"nope":1}') })
    await page.waitForFunction(() => /INVALID_KEY/.test(document.getElementById('key-msg')?.textContent ?? ''), undefined, { timeout: 20_000 })
    await page.setInputFiles('#import-key', { name: 'key.json', mimeType: 'application/json', buffer: keyText })
    await page.waitForFunction(() => /^imported /.test(document.getElementById('key-msg')?.textContent ?? ''), undefined, { timeout: 20_000 })

    // live panels: a confidence point, peers by transport
    await page.waitForSelector('#conf-chart rect.ok', { timeout: 60_000 })
    await page.waitForFunction(() => Number(document.querySelector('.tr[data-transport="websockets"]')?.getAttribute('data-count') ?? 0) >= 1, undefined, { timeout: 30_000 })
    expect(await page.textContent('#confidence')).toMatch(/^99\.99\d* %$/)

    // check a block through the page's form (a sampled height with blobs)
    const sampled = await page.evaluate(async () => (await (window.glowmesh as any).recentAvailability(16)).filter((r: any) => r.outcome === 'sampled').at(-1)?.height as number)
    expect(sampled).toBeGreaterThan(0)
    await page.fill('#check-height', String(sampled))
    await page.click('#check-btn')
    await page.waitForSelector(`#check-out[data-height="${sampled}"][data-available="true"]`, { timeout: 30_000 })

    // a follower tab: same dashboard, badge, and the library calls over the RPC
    const follower = await context!.newPage()
    follower.on('pageerror', (e) => { pageErrors.push(`follower: ${e.message}`) })
    await follower.goto(pageUrl)
    await follower.waitForFunction(() => document.getElementById('role')?.textContent === 'follower' && Number(document.getElementById('height')?.dataset.height) > 0, undefined, { timeout: 30_000 })
    expect(await follower.isVisible('#follower-note')).toBe(true)
    const headerHash = async (h: number): Promise<string> => (await (await fetch(`${rpcUrl}/headers/${h}`)).json()).hash.toLowerCase()
    const calls = await follower.evaluate(async ({ h }) => {
      const tab = window.glowmesh as any
      const caught = async (p: Promise<unknown>): Promise<{ name: string, code?: string }> => { try { await p; return { name: 'resolved' } } catch (e) { return { name: (e as Error).name, code: (e as { code?: string }).code } } }
      const top = tab.status().verifiedHeight as number
      const t0 = performance.now()
      const header = await tab.verifyHeader(top - 1, { signal: AbortSignal.timeout(30_000) })
      const report = await tab.checkAvailability(h, { signal: AbortSignal.timeout(30_000) })
      const ms = performance.now() - t0
      return {
        top, header, report, ms,
        above: await caught(tab.verifyHeader(top + 1_000_000, { signal: AbortSignal.timeout(30_000) })),
        bad: await caught(tab.checkAvailability(-3)),
        aborted: await caught(tab.verifyHeader(top - 2, { signal: AbortSignal.abort() }))
      }
    }, { h: sampled })
    console.log(`[bench] follower verifyHeader + checkAvailability over BroadcastChannel: ${calls.ms.toFixed(0)} ms`)
    expect(calls.header).toMatchObject({ height: calls.top - 1, hash: await headerHash(calls.top - 1) })
    expect(calls.report).toMatchObject({ height: sampled, available: true, outcome: 'sampled', reused: true, verifiedHeader: await headerHash(sampled) })
    expect(calls.report.confidence).toBeGreaterThan(0.99999)
    expect(calls.report.cost.bytes).toBeGreaterThan(0)
    expect(calls.above).toEqual({ name: 'HeightNotAvailableError', code: 'HEIGHT_NOT_AVAILABLE' })
    expect(calls.bad).toEqual({ name: 'InvalidHeightError', code: 'INVALID_HEIGHT' })
    expect(calls.aborted).toEqual({ name: 'RpcAbortedError', code: 'RPC_ABORTED' })

    // fetchFile from the follower: the leader verifies every segment, the bytes stream over the RPC
    const fetched = await follower.evaluate(async (r) => {
      const t0 = performance.now()
      const stream = await (window.glowmesh as any).fetchFile(r, { signal: AbortSignal.timeout(60_000) }) as ReadableStream<Uint8Array>
      const parts: Uint8Array[] = []
      const reader = stream.getReader()
      for (;;) { const x = await reader.read(); if (x.done) break; parts.push(x.value) }
      const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
      let o = 0; for (const p of parts) { all.set(p, o); o += p.length }
      let sum = 0; for (const b of all) sum = (sum * 31 + b) >>> 0
      return { size: all.length, sum, chunks: parts.length, ms: performance.now() - t0 }
    }, root!)
    let sum = 0; for (const b of file) sum = (sum * 31 + b) >>> 0
    console.log(`[bench] follower fetchFile over BroadcastChannel: ${fetched.size} bytes in ${fetched.chunks} chunks, ${fetched.ms.toFixed(0)} ms`)
    expect(fetched).toMatchObject({ size: file.length, sum })

    // keep the leader running past a minute from load; its verified height kept rising
    await page.waitForTimeout(Math.max(0, 62_000 - (Date.now() - loaded)))
    const lastHeight = await num(page, '#height')
    expect(lastHeight).toBeGreaterThan(firstHeight + 20)
    expect(await page.locator('#chart rect').count()).toBeGreaterThan(10)
    expect(await page.locator('#headers tr:not(.empty)').count()).toBe(8)
    expect(await num(page, '#sampled')).toBeGreaterThan(0)
    console.log(`[bench] dashboard after ${((Date.now() - loaded) / 1000).toFixed(0)} s: height ${firstHeight} → ${lastHeight}, sampled ${await num(page, '#sampled')}, contribution ${await page.textContent('#contrib-state')}, challenges ${await page.textContent('#answered')}`)

    mkdirSync(outputDir, { recursive: true })
    const file1 = join(outputDir, 'dashboard.png')
    await page.screenshot({ path: file1, fullPage: true })
    await follower.screenshot({ path: join(outputDir, 'dashboard-follower.png'), fullPage: true })
    expect(statSync(file1).size).toBeGreaterThan(10_000)
    expect([...readFileSync(file1).subarray(0, 8)]).toEqual(PNG_SIGNATURE)
    expect(pageErrors).toEqual([])
    await follower.close()
    await page.close()
  }, 300_000)
})
