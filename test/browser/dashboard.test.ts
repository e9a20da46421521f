// The demo dashboard (issue 10 item 7): a real devnet, `demo/` bundled with vite 8, real headless
// Chromium. The page runs the light node (startBrowserTab), shows the verified height it reaches, and
// leaves a full-page screenshot in test-output/dashboard.png for a human to look at.
import { createServer, type Server } from 'node:http'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { extname, join, normalize, resolve } from 'node:path'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { sha256 } from '@noble/hashes/sha2.js'
import type { Browser, BrowserContext } from 'playwright-core'
import { build } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toHex } from '../../protocol/bytes.js'
import { launchChromium } from '../helpers/chromium.js'
import { startTestDevnet, type TestDevnet } from '../helpers/devnet.js'

const demo = fileURLToPath(new URL('../../demo/', import.meta.url))
const outputDir = fileURLToPath(new URL('../../test-output/', import.meta.url))
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm', '.json': 'application/json', '.svg': 'image/svg+xml' }
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

async function buildDemo (outDir: string): Promise<void> {
  await build({ configFile: false, root: demo, base: './', logLevel: 'warn', build: { outDir, emptyOutDir: true, target: 'es2022', minify: false, reportCompressedSize: false, chunkSizeWarningLimit: 8192 } })
}

/** A static server for the bundle on loopback, port chosen by the OS. */
async function serve (dir: string): Promise<{ server: Server, url: string }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname))
    const file = resolve(dir, '.' + (path.endsWith('/') ? path + 'index.html' : path))
    if (!file.startsWith(resolve(dir))) { res.writeHead(403).end(); return }
    readFile(file).then((body) => {
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(body)
    }, () => { res.writeHead(404).end() })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` }
}

describe('demo dashboard', () => {
  let devnet: TestDevnet | undefined
  let browser: Browser | undefined
  let context: BrowserContext | undefined
  let server: Server | undefined
  let outDir: string | undefined
  let pageUrl = ''

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'glowmesh-demo-'))
    const [d] = await Promise.all([
      startTestDevnet({ blockTimeMs: 500 }),
      buildDemo(outDir),
      launchChromium().then((b) => { browser = b })
    ])
    devnet = d
    const genesisHash = toHex(sha256(readFileSync(devnet.genesisPath)))
    const served = await serve(outDir)
    server = served.server
    pageUrl = `${served.url}?rpc=${encodeURIComponent(devnet.nodes[0].rpcUrl)}&genesis=${genesisHash}`
    context = await browser!.newContext({ viewport: { width: 1280, height: 900 } })
    await devnet.waitForHeight(2)
  }, 180_000)

  afterAll(async () => {
    await context?.close().catch(() => {})
    await browser?.close().catch(() => {})
    await new Promise<void>((resolve) => { if (server === undefined) resolve(); else server.close(() => resolve()) })
    await devnet?.cleanup().catch(() => {})
    if (outDir !== undefined) rmSync(outDir, { recursive: true, force: true })
  }, 60_000)

  it('shows the light node verifying the chain and saves a screenshot', async () => {
    const page = await context!.newPage()
    const pageErrors: string[] = []
    page.on('pageerror', (e) => { pageErrors.push(e.message) })
    const started = Date.now()
    await page.goto(pageUrl)

    // the node verifies to height 5 and the dashboard shows what window.glowmesh.status() says
    await page.waitForFunction(() => (window.glowmesh?.status().verifiedHeight ?? 0) >= 5, undefined, { timeout: 30_000 })
    await page.waitForFunction(() => {
      const h = window.glowmesh?.status().verifiedHeight ?? 0
      return h >= 5 && Number(document.getElementById('height')?.dataset.height) === h
    }, undefined, { timeout: 10_000, polling: 100 })
    const shown = await page.evaluate(() => ({
      status: window.glowmesh!.status(),
      role: document.getElementById('role')!.textContent,
      heightText: document.getElementById('height')!.textContent,
      rows: document.querySelectorAll('#headers tr:not(.empty)').length
    }))
    expect(shown.role).toBe('leader')
    // The DOM refreshes once a second while the node keeps verifying: it shows a height the node has
    // verified, at most a refresh behind.
    const domHeight = Number(shown.heightText?.replace(/,/g, ''))
    expect(domHeight).toBeLessThanOrEqual(shown.status.verifiedHeight)
    expect(domHeight).toBeGreaterThanOrEqual(shown.status.verifiedHeight - 3)
    expect(await page.textContent('.brand .name')).toBe('glowmesh')

    // keep it running ~20 s from page load, then a full-page screenshot
    await page.waitForTimeout(Math.max(0, 20_000 - (Date.now() - started)))
    expect(await page.textContent('#chain')).toMatch(/\S/)
    expect(await page.locator('#headers tr:not(.empty)').count()).toBeGreaterThan(0)
    expect(await page.locator('#chart rect').count()).toBeGreaterThan(1)
    mkdirSync(outputDir, { recursive: true })
    const file = join(outputDir, 'dashboard.png')
    await page.screenshot({ path: file, fullPage: true })
    expect(statSync(file).size).toBeGreaterThan(1000)
    expect([...readFileSync(file).subarray(0, 8)]).toEqual(PNG_SIGNATURE)
    expect(pageErrors).toEqual([])
    await page.close()
  }, 60_000)
})
