// Browser-test plumbing shared by test/browser/*: bundle a page with vite 8 into a temp folder and
// serve a folder on loopback (port chosen by the OS). The page then talks to a real devnet.
import { createServer, type Server } from 'node:http'
import { readFile } from 'node:fs/promises'
import { extname, normalize, resolve } from 'node:path'
import type { AddressInfo } from 'node:net'
import { build } from 'vite'

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
