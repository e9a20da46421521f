// `npm run chaos [-- --seed N] [--rounds N] [--block-time MS]`: the longer, randomized partition set
// (test/partition/chaos.ts) on real hosts in Linux network namespaces (root + iproute2). The seed is
// printed first; the same seed gives the same fault schedule. Report: test-output/chaos/.
// The TypeScript harness is loaded through Vite's module runner (what vitest runs it with).
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { randomInt } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import { createServer, createServerModuleRunner } from 'vite'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`)
  if (i < 0) return fallback
  const v = Number(args[i + 1])
  if (!Number.isSafeInteger(v) || v < 0) { console.error(`--${name} takes a non-negative integer`); process.exit(2) }
  return v
}
const seed = flag('seed', randomInt(1, 2 ** 31))
const rounds = flag('rounds', 8)
const blockTimeMs = flag('block-time', 500)
console.log(`[chaos] seed ${seed}`)

const server = await createServer({ root, configFile: false, logLevel: 'error', appType: 'custom', server: { middlewareMode: true, hmr: false, ws: false }, optimizeDeps: { noDiscovery: true, include: [] } })
const runner = createServerModuleRunner(server.environments.ssr, { hmr: false })
let ok = false
const controller = new AbortController()
setMaxListeners(256, controller.signal) // every in-flight request of the harness listens to it
process.once('SIGINT', () => controller.abort(new Error('interrupted')))
try {
  const { runChaos } = await runner.import(join(root, 'test', 'partition', 'chaos.ts'))
  const r = await runChaos({ seed, rounds, blockTimeMs, outDir: join(root, 'test-output', 'chaos'), log: (l) => console.log(`[chaos] ${l}`), signal: controller.signal })
  console.log(`[chaos] ${r.ok ? 'PASS' : 'FAIL'} seed ${seed}: report ${r.reportFile}`)
  ok = r.ok
} finally {
  await runner.close()
  await server.close()
}
// libp2p/undici handles of the in-process CLI may linger: exit explicitly
process.exit(ok ? 0 : 1)
