// Chromium for browser tests (DESIGN §9): $CHROMIUM_PATH, else Debian's /usr/bin/chromium; if neither
// exists and we run as root on Debian, `apt-get install chromium` (said on stderr); otherwise fail
// naming the command. Never downloads a browser. Launched with playwright-core and DESIGN's flags.
import { execFileSync } from 'node:child_process'
import { accessSync, constants, existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'
import { GlowmeshError } from '../../protocol/errors.js'

/** DESIGN §9's flags (+ loopback WebRTC, which later transports need). */
export const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-quic', '--allow-loopback-in-peer-connection'
]
const DEBIAN_CHROMIUM = '/usr/bin/chromium'
const INSTALL_COMMAND = 'apt-get update && apt-get install -y chromium'

/** No Chromium to run, and we may not install one. */
export class ChromiumNotFoundError extends GlowmeshError {
  override name = 'ChromiumNotFoundError'
  constructor (message: string, options?: { cause?: unknown }) { super('CHROMIUM_NOT_FOUND', message, options) }
}

const executable = (path: string): boolean => { try { accessSync(path, constants.X_OK); return true } catch { return false } }

/**
 * The Chromium binary to launch (installing Debian's as root if none is found).
 * @example const path = findChromium() // '/usr/bin/chromium'
 */
export function findChromium (env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.CHROMIUM_PATH
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!executable(fromEnv)) throw new ChromiumNotFoundError(`CHROMIUM_PATH=${fromEnv} is not an executable file`)
    return fromEnv
  }
  if (executable(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM
  const root = process.getuid?.() === 0
  if (root && existsSync('/etc/debian_version')) {
    process.stderr.write(`chromium not found: installing Debian's chromium (${INSTALL_COMMAND})\n`)
    try {
      execFileSync('sh', ['-c', INSTALL_COMMAND], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 600_000 })
    } catch (cause) {
      throw new ChromiumNotFoundError(`installing chromium failed; run: ${INSTALL_COMMAND}`, { cause })
    }
    if (executable(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM
  }
  throw new ChromiumNotFoundError(`no Chromium: set CHROMIUM_PATH or run (as root, Debian): ${INSTALL_COMMAND}`)
}

/**
 * Launches headless Chromium with DESIGN's flags through playwright-core.
 * @example const browser = await launchChromium(); const page = await browser.newPage(); await browser.close()
 */
export async function launchChromium (options: { extraArgs?: string[] } = {}): Promise<Browser> {
  const executablePath = findChromium()
  return await chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_FLAGS, ...(options.extraArgs ?? [])] })
}
