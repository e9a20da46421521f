// Plumbing for bench/browser-light.mjs (run.mjs skips *-common.mjs): a free port range for a devnet,
// the bench page bundled with vite 8, a static server on loopback, headless Debian Chromium through
// playwright-core with DESIGN §9's flags, the CLI as a child process, and small statistics.
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { createServer as createNetServer } from 'node:net'
import { extname, join, normalize, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const repo = fileURLToPath(new URL('..', import.meta.url))

/** Median (p50) of numbers. @example p50([3, 1, 2]) // 2 */
export const p50 = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)] }
/** `[bench] what: value  (extra)`, the line the notes quote. @example line('x', '3 ms') */
export const line = (what, value, extra = '') => console.log(`[bench] ${what}: ${value}${extra === '' ? '' : `  (${extra})`}`)
/** ms with one decimal. @example ms(1.234) // '1.2 ms' */
export const ms = (x) => `${x.toFixed(x < 10 ? 2 : 0)} ms`
export const sleep = async (t) => await new Promise((resolve) => setTimeout(resolve, t))

async function portFree (port) {
  return await new Promise((resolve) => { const s = createNetServer(); s.once('error', () => resolve(false)); s.listen(port, '127.0.0.1', () => s.close(() => resolve(true))) })
}
/** A base port with 10·nodes free ports after it. @example await freeBasePort(4) */
export async function freeBasePort (nodes) {
  for (let a = 0; a < 50; a++) {
    const b = 20000 + Math.floor(Math.random() * 400) * 100
    let ok = true
    for (let i = 0; i < nodes * 10 && ok; i++) ok = await portFree(b + i)
    if (ok) return b
  }
  throw new Error('no free port range')
}

/** Bundles bench/browser-page into outDir. @example await buildBenchPage(dir) */
export async function buildBenchPage (outDir) {
  const { build } = await import('vite')
  await build({
    configFile: false, root: join(repo, 'bench', 'browser-page'), base: './', logLevel: 'warn', worker: { format: 'es' },
    build: { outDir, emptyOutDir: true, target: 'es2022', minify: false, reportCompressedSize: false, chunkSizeWarningLimit: 8192 }
  })
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' }
/** Serves `dir` on 127.0.0.1. @example const { url, close } = await serveDir(dir) */
export async function serveDir (dir) {
  const root = resolve(dir)
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname))
    const file = resolve(root, '.' + (path.endsWith('/') ? path + 'index.html' : path))
    if (!file.startsWith(root)) { res.writeHead(403).end(); return }
    readFile(file).then((body) => { res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(body) }, () => { res.writeHead(404).end() })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${server.address().port}/`, close: async () => await new Promise((resolve) => { server.closeAllConnections(); server.close(resolve) }) }
}

/** Headless Chromium ($CHROMIUM_PATH or Debian's) with the test suite's flags. @example const browser = await launchChromium() */
export async function launchChromium () {
  const { chromium } = await import('playwright-core')
  return await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--allow-loopback-in-peer-connection', '--enable-precise-memory-info']
  })
}

/** Runs the built CLI (`cli/glowmesh.js`), resolving with stdout; rejects on a non-zero exit. @example await cli(['keys', 'new', '--home', home]) */
export async function cli (args) {
  return await new Promise((resolve, reject) => {
    execFile(process.execPath, ['--experimental-websocket', join(repo, 'cli', 'glowmesh.js'), ...args], { timeout: 120_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`glowmesh ${args.join(' ')}: ${err.message}\n${stderr}`)); else resolve(stdout)
    })
  })
}
