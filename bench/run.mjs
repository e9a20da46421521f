// `npm run bench`: every benchmark in bench/, each in its own process so figures don't interfere.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const only = process.argv.slice(2)
const scripts = readdirSync(here).filter((f) => f.endsWith('.mjs') && f !== 'run.mjs' && !f.endsWith('-common.mjs') && (only.length === 0 || only.some((o) => f.includes(o)))).sort()
let failed = 0
for (const s of scripts) {
  console.log(`\n== ${s}`)
  const r = spawnSync(process.execPath, ['--experimental-websocket', '--import', join(here, '..', 'cli', 'polyfills.js'), join(here, s)], { stdio: 'inherit' })
  if (r.status !== 0) { failed++; console.log(`!! ${s} exited ${r.status}`) }
}
process.exit(failed === 0 ? 0 : 1)
