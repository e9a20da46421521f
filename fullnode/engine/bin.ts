/**
 * Where the cometbft binary is: `$GLOWMESH_COMETBFT` when set, else `<repo>/.tools/bin/cometbft`
 * (built by scripts/build-cometbft.mjs during `npm ci`).
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { EngineBinaryError } from './errors.js'

/** The CometBFT version glowmesh pins (DESIGN §5). */
export const COMETBFT_VERSION = '0.38.25'

// This file is fullnode/engine/bin.ts in the sources and dist/fullnode/engine/bin.js once built:
// walk up to the folder holding package.json rather than counting levels.
function repoRoot (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'scripts', 'build-cometbft.mjs'))) return dir
    dir = dirname(dir)
  }
  throw new EngineBinaryError('cannot find the glowmesh checkout (package.json) above fullnode/engine; set $GLOWMESH_COMETBFT')
}

/**
 * The cometbft binary's path; throws `EngineBinaryError` when it doesn't exist.
 * @example spawn(cometbftPath(), ['version'])
 */
export function cometbftPath (): string {
  const path = process.env.GLOWMESH_COMETBFT ?? join(repoRoot(), '.tools', 'bin', 'cometbft')
  if (!existsSync(path)) {
    throw new EngineBinaryError(`cometbft not found at ${path}: run \`npm ci\` (or \`node scripts/build-cometbft.mjs\`; needs Go >= 1.22.11), or set $GLOWMESH_COMETBFT`)
  }
  return path
}

/**
 * Checks that the binary runs and is the pinned version; resolves to its path.
 * @example await checkCometbft() // '/repo/.tools/bin/cometbft'
 */
export async function checkCometbft (path: string = cometbftPath()): Promise<string> {
  const version = await new Promise<string>((resolve, reject) => {
    execFile(path, ['version'], { timeout: 20_000 }, (err, stdout) => {
      if (err !== null) reject(new EngineBinaryError(`${path} version failed: ${err.message}`, { cause: err }))
      else resolve(stdout.trim())
    })
  })
  if (version !== COMETBFT_VERSION) throw new EngineBinaryError(`${path} is CometBFT ${version}; glowmesh needs ${COMETBFT_VERSION}`)
  return path
}
