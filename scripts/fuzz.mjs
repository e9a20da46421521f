// `npm run fuzz [-- --runs N] [--seed S] [FILTER…]`: the fuzzing suite (test/unit/fuzz) with the
// long budget: GM_FUZZ_RUNS=20000 cases per property (expensive verifiers scale it down by their
// weight) and a random seed, printed first so any run can be repeated exactly. FILTERs pick test
// files by name (e.g. `npm run fuzz -- wire light`). A failure prints the property id, seed and
// path to keep in test/unit/fuzz/regressions.json (see test/unit/fuzz/README.md).
// `npm run fuzz -- live` fuzzes only the live full node over HTTP (live.test.ts: a real one-validator
// node with CometBFT in a temp home; 558 s at the default 20,000 runs, on 2 cores at load average 20–28).
import { spawnSync } from 'node:child_process'
import { randomInt } from 'node:crypto'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
let runs = Number(process.env.GM_FUZZ_RUNS ?? 20_000)
let seed = process.env.GM_FUZZ_SEED !== undefined ? Number(process.env.GM_FUZZ_SEED) : randomInt(-(2 ** 31), 2 ** 31 - 1)
const filters = []
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runs') runs = Number(args[++i])
  else if (args[i] === '--seed') seed = Number(args[++i])
  else if (args[i] === '--help' || args[i] === '-h') {
    console.log('usage: npm run fuzz [-- --runs N] [--seed S] [FILTER…]   (FILTER: part of a test/unit/fuzz file name; `live` = the live full node over HTTP)')
    process.exit(0)
  } else filters.push(args[i])
}
if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`--runs: expected a positive integer, got ${runs}`)
if (!Number.isSafeInteger(seed)) throw new Error(`--seed: expected an integer, got ${seed}`)

const files = filters.length === 0 ? ['test/unit/fuzz/'] : filters.map((f) => `test/unit/fuzz/${f}`)
console.log(`[fuzz] GM_FUZZ_RUNS=${runs} GM_FUZZ_SEED=${seed} (repeat with: npm run fuzz -- --runs ${runs} --seed ${seed}${filters.length > 0 ? ' ' + filters.join(' ') : ''})`)
const t0 = Date.now()
const r = spawnSync(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--project', 'unit', '--testTimeout', '0', ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, GM_FUZZ_RUNS: String(runs), GM_FUZZ_SEED: String(seed) }
})
console.log(`[fuzz] ${r.status === 0 ? 'no failures' : 'FAILED'} after ${((Date.now() - t0) / 1000).toFixed(0)} s (GM_FUZZ_RUNS=${runs} GM_FUZZ_SEED=${seed})`)
process.exit(r.status ?? 1)
