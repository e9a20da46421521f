// PoRA in Chromium (issue 10, performance): IndexedDB write throughput while filling a sealed cache
// (256 MiB by default: synthetic sealed sectors with their real 0G commR, written with the
// contributor's putSealedSector), then the real contributor's answer() latency p50/p99 on random
// signed challenges (4 positions) from that cache, then sealing time per MiB (devnet params: 1 MiB
// sectors, 16 layers) in the dedicated Worker vs on the page. No chain needed.
// Run (it starts Chromium: take the shared lock on shared machines):
//   flock /tmp/gm-heavy.lock node bench/browser-pora.mjs [cacheMiB=256] [sectorMiB=16] [challenges=400] [sealMiB=4]
import { createServer } from 'node:http'
import { readFile } from 'node:fs/promises'
import { mkdtempSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { extname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'
import { chromium } from 'playwright-core'

const [cacheMiB, sectorMiB, challenges, sealMiB] = [256, 16, 400, 4].map((d, i) => Number(process.argv[2 + i] ?? d))
const root = fileURLToPath(new URL('./browser-pora/', import.meta.url))
const outDir = mkdtempSync(join(tmpdir(), 'browser-pora-bench-'))
const executablePath = process.env.CHROMIUM_PATH || (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined)
if (executablePath === undefined) { console.error('no Chromium: set CHROMIUM_PATH or apt-get install chromium'); process.exit(1) }

await build({ configFile: false, root, base: './', logLevel: 'warn', worker: { format: 'es' }, build: { outDir, emptyOutDir: true, target: 'es2022', minify: false, reportCompressedSize: false, chunkSizeWarningLimit: 8192 } })
const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' }
const server = createServer((req, res) => {
  const file = resolve(outDir, '.' + (req.url === '/' ? '/index.html' : new URL(req.url, 'http://x').pathname))
  if (!file.startsWith(outDir)) { res.writeHead(403).end(); return }
  readFile(file).then((b) => res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(b), () => res.writeHead(404).end())
})
await new Promise((r) => server.listen(0, '127.0.0.1', r))
const browser = await chromium.launch({ executablePath, headless: true, args: ['--headless', '--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'] })
try {
  const page = await browser.newPage()
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`))
  await page.goto(`http://127.0.0.1:${server.address().port}/`)
  await page.waitForFunction(() => window.poraBench !== undefined)
  page.setDefaultTimeout(0)
  const fill = await page.evaluate(([m, s]) => window.poraBench.fill(m, s), [cacheMiB, sectorMiB])
  console.log(`[bench] IndexedDB fill, ${fill.mib} MiB sealed cache (${sectorMiB} MiB sectors, 256 KiB records): writes ${(fill.mib / (fill.putMs / 1000)).toFixed(1)} MiB/s (put p50 ${fill.putP50Ms.toFixed(1)} ms, p99 ${fill.putP99Ms.toFixed(1)} ms over ${fill.puts} records); whole fill incl. generating + hashing (commR, segment roots; WASM keccak) ${(fill.mib / (fill.totalMs / 1000)).toFixed(1)} MiB/s`)
  const ans = await page.evaluate((n) => window.poraBench.answer(n), challenges)
  console.log(`[bench] PoRA answer() from IndexedDB with ${fill.mib} MiB cached, 4 positions, ${ans.challenges} random challenges: p50 ${ans.p50.toFixed(1)} ms, p99 ${ans.p99.toFixed(1)} ms, max ${ans.max.toFixed(1)} ms (deadline 500 ms)`)
  const w = await page.evaluate((m) => window.poraBench.seal('worker', m), sealMiB)
  const p = await page.evaluate((m) => window.poraBench.seal('page', m), sealMiB)
  console.log(`[bench] seal, devnet params (1 MiB sectors, 16 layers, 6+8 parents), ${sealMiB} MiB: Worker ${w.msPerMiB.toFixed(0)} ms/MiB, page ${p.msPerMiB.toFixed(0)} ms/MiB (ratio page/worker ${(p.msPerMiB / w.msPerMiB).toFixed(2)}; the Worker keeps the page responsive, see test/browser/storage.test.ts)`)
} finally {
  await browser.close()
  server.close()
  rmSync(outDir, { recursive: true, force: true })
}
