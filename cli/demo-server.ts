/**
 * The demo dashboard for `glowmesh start` (DESIGN §8): demo/ bundled with vite into a folder under the
 * devnet home (rebuilt only when its sources changed), served by node:http on loopback, with the URL
 * that opens it against the devnet (`?rpc=…&genesis=…`).
 */
import { createServer, type Server } from 'node:http'
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, resolve } from 'node:path'
import { GlowmeshError } from '../protocol/errors.js'
import { repoRoot } from '../fullnode/devnet-run.js'

/** The demo couldn't be built (vite missing or failing) or served (port taken). */
export class DemoServerError extends GlowmeshError {
  override name = 'DemoServerError'
  constructor (message: string, options?: { cause?: unknown }) { super('DEMO_SERVER', message, options) }
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm',
  '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon'
}
/** Folders whose files end up in the bundle: a change in any of them triggers a rebuild. */
const SOURCES = ['demo', 'client', 'protocol', 'worker', 'wasm/generated', 'fullnode/rpc']
const STAMP = '.glowmesh-demo-built'

function newest (path: string): number {
  if (!existsSync(path)) return 0
  const st = statSync(path)
  if (!st.isDirectory()) return st.mtimeMs
  let t = st.mtimeMs
  for (const e of readdirSync(path)) t = Math.max(t, newest(join(path, e)))
  return t
}

/**
 * Bundles demo/ into `outDir` with vite unless a bundle newer than every source is there; resolves with whether it built.
 * @example const { built, ms } = await buildDemo({ outDir: join(home, 'demo') })
 */
export async function buildDemo (o: { outDir: string, force?: boolean }): Promise<{ built: boolean, ms: number }> {
  const root = repoRoot()
  const stamp = join(o.outDir, STAMP)
  const sourcesAt = Math.max(...SOURCES.map(s => newest(join(root, s))))
  if (o.force !== true && existsSync(stamp) && statSync(stamp).mtimeMs >= sourcesAt) return { built: false, ms: 0 }
  const t0 = performance.now()
  let vite: typeof import('vite')
  try { vite = await import('vite') } catch (cause) { throw new DemoServerError('vite is not installed (it comes with the dev dependencies: npm ci)', { cause }) }
  try {
    await vite.build({
      configFile: false, root: join(root, 'demo'), base: './', logLevel: 'warn',
      worker: { format: 'es' },
      build: { outDir: o.outDir, emptyOutDir: true, target: 'es2022', reportCompressedSize: false, chunkSizeWarningLimit: 8192 }
    })
  } catch (cause) { throw new DemoServerError(`building demo/ failed: ${(cause as Error)?.message ?? String(cause)}`, { cause }) }
  writeFileSync(stamp, new Date().toISOString() + '\n')
  return { built: true, ms: Math.round(performance.now() - t0) }
}

/** A running demo server. */
export interface DemoServer {
  /** The server's base URL, e.g. 'http://127.0.0.1:5173/'. */
  url: string
  /** The dashboard against the devnet: `url?rpc=…&genesis=0x…`. */
  pageUrl: string
  close: () => Promise<void>
}

/**
 * Serves the bundle in `dir` (index.html for folders, 403 outside it, 404 when missing) on host:port (port 0: any free one).
 * @example const demo = await serveDemo({ dir, port: 5173, rpcUrl: 'http://127.0.0.1:26650', genesisHash: '0x…' }); console.log(demo.pageUrl)
 */
export async function serveDemo (o: { dir: string, port: number, host?: string, rpcUrl: string, genesisHash: string }): Promise<DemoServer> {
  const rootDir = resolve(o.dir)
  const host = o.host ?? '127.0.0.1'
  const server: Server = createServer((req, res) => {
    let path: string
    try { path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)) } catch { res.writeHead(400).end(); return }
    const file = resolve(rootDir, '.' + (path.endsWith('/') ? path + 'index.html' : path))
    if (!file.startsWith(rootDir + '/') || file.endsWith(STAMP)) { res.writeHead(403).end(); return }
    readFile(file).then((body) => {
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' }).end(body)
    }, () => { res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n') })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (cause: NodeJS.ErrnoException) => { reject(new DemoServerError(`cannot serve the demo on ${host}:${o.port}: ${cause.code ?? cause.message}`, { cause })) })
    server.listen(o.port, host, resolve)
  })
  const url = `http://${host}:${(server.address() as AddressInfo).port}/`
  return {
    url,
    pageUrl: `${url}?rpc=${encodeURIComponent(o.rpcUrl)}&genesis=${o.genesisHash}`,
    close: async () => { await new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => { resolve() }) }) }
  }
}
