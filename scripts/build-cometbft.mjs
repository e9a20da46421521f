// Builds the consensus engine (DESIGN §5): CometBFT v0.38.25 with `go install` from the Go module
// proxy into <repo>/.tools/bin (git-ignored). Called by scripts/prepare.mjs (so `npm ci` runs it);
// also runnable alone: `node scripts/build-cometbft.mjs`. Skips the build when that binary already
// reports the pinned version. Go's module and build caches stay in their default places so CI can
// reuse them; GOTOOLCHAIN=local keeps `go` from fetching a toolchain of its own.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const COMETBFT_VERSION = '0.38.25'
export const COMETBFT_MODULE = 'github.com/cometbft/cometbft/cmd/cometbft'
/** Oldest Go that builds CometBFT v0.38.25 (its go.mod says `go 1.22.11`). */
export const MIN_GO = [1, 22, 11]

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

/** Where the pinned binary lives inside a checkout. */
export function cometbftBinPath (repoRoot = root) {
  return join(repoRoot, '.tools', 'bin', 'cometbft')
}

/** The version a cometbft binary prints, or undefined when it doesn't run. */
export function binaryVersion (bin) {
  try {
    return execFileSync(bin, ['version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 20_000 }).trim()
  } catch {
    return undefined
  }
}

function parseGoVersion (text) {
  const m = /go(\d+)\.(\d+)(?:\.(\d+))?/.exec(text)
  return m === null ? undefined : [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)]
}

function atLeast (v, min) {
  for (let i = 0; i < 3; i++) if (v[i] !== min[i]) return v[i] > min[i]
  return true
}

/**
 * Ensures `.tools/bin/cometbft` is CometBFT v0.38.25, building it with `go install` when not.
 * Throws an Error naming what to install when Go is missing or too old.
 */
export function buildCometbft ({ repoRoot = root, log = (m) => process.stderr.write(`prepare: ${m}\n`) } = {}) {
  const bin = cometbftBinPath(repoRoot)
  if (existsSync(bin) && binaryVersion(bin) === COMETBFT_VERSION) {
    log(`cometbft ${COMETBFT_VERSION} already built (${bin})`)
    return bin
  }
  const need = `Go >= ${MIN_GO.join('.')} (https://go.dev/dl/, or your package manager's golang package)`
  let goText
  try {
    goText = execFileSync('go', ['version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (err) {
    throw new Error(`building CometBFT v${COMETBFT_VERSION} needs ${need}, but \`go\` was not found on PATH (${err.code ?? err.message})`)
  }
  const goVersion = parseGoVersion(goText)
  if (goVersion === undefined || !atLeast(goVersion, MIN_GO)) {
    throw new Error(`building CometBFT v${COMETBFT_VERSION} needs ${need}; found: ${goText.trim()}`)
  }
  mkdirSync(dirname(bin), { recursive: true })
  log(`go install ${COMETBFT_MODULE}@v${COMETBFT_VERSION} (about a minute the first time)`)
  const started = Date.now()
  execFileSync('go', ['install', `${COMETBFT_MODULE}@v${COMETBFT_VERSION}`], {
    stdio: 'inherit',
    cwd: repoRoot,
    env: { ...process.env, GOBIN: dirname(bin), GOTOOLCHAIN: 'local', GOFLAGS: process.env.GOFLAGS ?? '' }
  })
  const built = binaryVersion(bin)
  if (built !== COMETBFT_VERSION) throw new Error(`go install finished but ${bin} reports version ${built ?? '(does not run)'}, expected ${COMETBFT_VERSION}`)
  log(`cometbft ${COMETBFT_VERSION} built in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  return bin
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    buildCometbft()
  } catch (err) {
    process.stderr.write(`build-cometbft: ${err.message}\n`)
    process.exit(1)
  }
}
