// Real `glowmesh light` processes for scripts/soak.mjs, each in its own home and bound to one full
// node's RPC: `--json` status lines on stdout (verifiedHeight, challenges), `--verbose` log on stderr
// (the `sampled H: …` lines give DA submit→sampled latency), and the error lines counted per minute.
import { spawn } from 'node:child_process'
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { GlowmeshError } from '../../dist/protocol/errors.js'

/** A light node that did not sample a height in time (the soak counts it as an error). */
export class NotSampledError extends GlowmeshError {
  name = 'NotSampledError'
  constructor (message) { super('NOT_SAMPLED', message) }
}

// What a light node prints on stderr when something went wrong (cli/commands/light.ts): an error
// event (`sync: SomeError: …`), an unavailable block, a reported peer, a storage error (storage
// events print JSON, errors plain text).
const ERROR_LINE = /^[a-z-]+: [A-Za-z]*Error: |UNAVAILABLE|^peer .* reported: |^storage: (?!\{)/

/**
 * Spawns `glowmesh light --json --verbose` (with `--pledge` when given) against `rpcUrl`; its stderr
 * is also appended to `log` (kept outside `home`, whose disk use is measured).
 * Returns `{ name, home, child, pid, status, errors, errorLines, lastErrors, waitSampled, stop }`:
 * `status` is the last JSON status line; `errors` counts error lines so far.
 * @example const l = spawnLight({ name: 'light-a', home, launcher, rpcUrl, genesisHash, env })
 */
export function spawnLight ({ name, home, log, launcher, rpcUrl, genesisHash, pledge, env }) {
  mkdirSync(home, { recursive: true })
  mkdirSync(dirname(log), { recursive: true })
  const logFd = openSync(log, 'a')
  const args = ['--experimental-websocket', launcher, 'light', '--json', '--verbose', '--home', home, '--rpc', rpcUrl, '--genesis-hash', genesisHash]
  if (pledge !== undefined) args.push('--pledge', pledge)
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env })
  const sampled = new Map() // height → ms when the sampled line arrived
  const waiters = new Set()
  const l = { name, home, child, pid: child.pid, status: undefined, errors: 0, lastErrors: [], exited: undefined, stderrTail: '' }
  lines(child.stdout, (line) => { try { l.status = JSON.parse(line) } catch {} })
  lines(child.stderr, (line) => {
    try { writeSync(logFd, line + '\n') } catch {}
    l.stderrTail = (l.stderrTail + line + '\n').slice(-4000)
    const m = /^sampled (\d+): (\d+) blob/.exec(line)
    if (m !== null) {
      sampled.set(Number(m[1]), Date.now())
      for (const w of waiters) w()
      return
    }
    if (ERROR_LINE.test(line)) { l.errors++; l.lastErrors = [...l.lastErrors, line.slice(0, 300)].slice(-5) }
  })
  child.on('exit', (code, signal) => { l.exited = { code, signal, at: Date.now() }; for (const w of waiters) w() })
  child.stderr.on('close', () => { try { closeSync(logFd) } catch {} })

  /** Resolves to the ms at which this node sampled `height` (blocks with blobs only); rejects after `timeoutMs`. */
  l.waitSampled = async (height, timeoutMs, signal) => await new Promise((resolve, reject) => {
    const done = () => {
      const at = sampled.get(height)
      if (at !== undefined) { cleanup(); resolve(at) } else if (l.exited !== undefined) { cleanup(); reject(new NotSampledError(`${name} exited before sampling height ${height}`)) }
    }
    const timer = setTimeout(() => { cleanup(); reject(new NotSampledError(`${name} did not sample height ${height} within ${timeoutMs / 1000} s (verified height ${l.status?.verifiedHeight ?? '?'})`)) }, timeoutMs)
    const onAbort = () => { cleanup(); reject(signal.reason) }
    const cleanup = () => { clearTimeout(timer); waiters.delete(done); signal?.removeEventListener('abort', onAbort); prune() }
    signal?.addEventListener('abort', onAbort, { once: true })
    waiters.add(done)
    done()
  })
  // keep the map small: heights far below the newest are never asked for again
  const prune = () => { const top = Math.max(0, ...sampled.keys()); for (const h of sampled.keys()) if (h < top - 2000) sampled.delete(h) }

  /** SIGINT, then SIGKILL after 15 s; resolves when it has exited. */
  l.stop = async () => {
    if (l.exited !== undefined) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGINT')
    const t = setTimeout(() => child.kill('SIGKILL'), 15_000)
    await exited
    clearTimeout(t)
  }
  return l
}

/** Calls `fn` with each whole line of a stream. */
function lines (stream, fn) {
  let buf = ''
  stream.setEncoding('utf8')
  stream.on('data', (d) => {
    buf += d
    let i
    while ((i = buf.indexOf('\n')) >= 0) { fn(buf.slice(0, i)); buf = buf.slice(i + 1) }
  })
}

/** Where a light node of the soak keeps its home. */
export const lightHome = (home, name) => join(home, 'lights', name)
