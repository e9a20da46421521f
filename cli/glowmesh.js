#!/usr/bin/env -S node --experimental-websocket
// The `glowmesh` launcher. Node 20 cannot run TypeScript, so `npm ci` compiles everything to dist/
// (the root `prepare` script); this file only installs the runtime polyfills and hands over.
import './polyfills.js'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const main = new URL('../dist/cli/main.js', import.meta.url)
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('glowmesh: dist/ is missing; run `npm ci` (or `npm run build`) first\n')
  process.exit(1)
}
const { run } = await import(main.href)
process.exitCode = await run(process.argv.slice(2))
