// Browser-test plumbing shared by test/browser/*: bundle a page with vite 8 into a temp folder and
// serve a folder on loopback (port chosen by the OS). The page then talks to a real devnet;
// startBrowserHarness sets up all of it (devnet + bundle + Chromium + server) and tears it down.
import { createServer, type Server } from 'node:http'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { extname, join, normalize, resolve } from 'node:path'
import type { AddressInfo } from 'node:net'
import { sha256 } from '@noble/hashes/sha2.js'
import type { Browser, BrowserContext } from 'playwright-core'
import { build } from 'vite'
import { toHex } from '../../protocol/bytes.js'
import { launchChromium } from './chromium.js'
import { startTestDevnet, type TestDevnet } from './devnet.js'

const TYPES: Record<string, string> = {
  '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm',
  '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png'
}

/**
 * Bundles the page whose index.html is in `root` into `outDir` (unminified, es2022).
 * @example await buildPage(fileURLToPath(new URL('./fixtures/', import.meta.url)), outDir)
 */
export async function buildPage (root: string, outDir: string): Promise<void> {
  await build({
    configFile: false, root, base: './', logLevel: 'warn',
    worker: { format: 'es' },
    build: { outDir, emptyOutDir: true, target: 'es2022', minify: false, reportCompressedSize: false, chunkSizeWarningLimit: 8192 }
  })
}

/** A running static server; `close()` stops it. */
export interface StaticServer { server: Server, url: string, close: () => Promise<void> }

/**
 * Serves `dir` on 127.0.0.1 (index.html for folders, 403 outside `dir`, 404 when missing, no caching).
 * @example const { url, close } = await serveDir(outDir); await page.goto(url)
 */
export async function serveDir (dir: string): Promise<StaticServer> {
  const rootDir = resolve(dir)
  const server = createServer((req, res) => {
    let path: string
    try { path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)) } catch { res.writeHead(400).end(); return }
    const file = resolve(rootDir, '.' + (path.endsWith('/') ? path + 'index.html' : path))
    if (!file.startsWith(rootDir)) { res.writeHead(403).end(); return }
    readFile(file).then((body) => {
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(body)
    }, () => { res.writeHead(404).end() })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  return { server, url, close: async () => { await new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }) } }
}

/** What startBrowserHarness started; `close()` stops all of it (contexts, Chromium, server, devnet, bundle folder). */
export interface BrowserHarness {
  devnet: TestDevnet
  browser: Browser
  /** The served bundle's base URL (ends in `/`). */
  url: string
  /** 0x sha256 of the devnet's genesis file (the page pins it). */
  genesisHash: string
  /** `url` with `?rpc=<node0's RPC>&genesis=<genesisHash>` (what the fixture pages read). */
  pageUrl: string
  /** A new browser context, closed by close(). */
  newContext: () => Promise<BrowserContext>
  close: () => Promise<void>
}

/**
 * Starts a devnet, bundles the fixture page, launches Chromium (all at once), serves the bundle and waits for the chain's `height`.
 * @example const h = await startBrowserHarness({ fixture: fileURLToPath(new URL('./fixtures/', import.meta.url)) }); await (await h.newContext()).newPage()
 */
export async function startBrowserHarness (o: { fixture: string, tmpPrefix?: string, blockTimeMs?: number, validators?: number, height?: number }): Promise<BrowserHarness> {
  const outDir = mkdtempSync(join(tmpdir(), o.tmpPrefix ?? 'glowmesh-page-'))
  const contexts: BrowserContext[] = []
  let devnet: TestDevnet | undefined
  let browser: Browser | undefined
  let server: StaticServer | undefined
  const close = async (): Promise<void> => {
    for (const c of contexts) await c.close().catch(() => {})
    await browser?.close().catch(() => {})
    await server?.close()
    await devnet?.cleanup().catch(() => {})
    rmSync(outDir, { recursive: true, force: true })
  }
  try {
    const started = await Promise.allSettled([
      startTestDevnet({ blockTimeMs: o.blockTimeMs ?? 500, validators: o.validators }),
      launchChromium(),
      buildPage(o.fixture, outDir)
    ])
    if (started[0].status === 'fulfilled') devnet = started[0].value
    if (started[1].status === 'fulfilled') browser = started[1].value
    for (const r of started) if (r.status === 'rejected') throw r.reason
    const [d, b] = [devnet!, browser!]
    server = await serveDir(outDir)
    const genesisHash = toHex(sha256(readFileSync(d.genesisPath)))
    await d.waitForHeight(o.height ?? 2)
    const url = server.url
    return {
      devnet: d,
      browser: b,
      url,
      genesisHash,
      pageUrl: `${url}?rpc=${encodeURIComponent(d.nodes[0].rpcUrl)}&genesis=${genesisHash}`,
      newContext: async () => { const c = await b.newContext(); contexts.push(c); return c },
      close
    }
  } catch (err) {
    await close()
    throw err
  }
}
