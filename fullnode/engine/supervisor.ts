/**
 * Runs the engine: `cometbft start --home <cometHome>` as a child process, its output appended to
 * `<home>/cometbft.log`, its pid in `<home>/cometbft.pid` (DESIGN §8) while it runs. `startEngine`
 * resolves once the engine's RPC `/status` answers (CometBFT starts its RPC after the ABCI
 * handshake, so the app must already be listening). An orphan left by a node that was killed -9
 * (same pid file, same --home) is killed first: it would hold the engine's database lock.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { closeSync, existsSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { cometbftPath } from './bin.js'
import { EngineConfigError, EngineStartError } from './errors.js'
import { createCometRpc } from './rpc-client.js'
import type { CometRpc } from './rpc-client.js'

export interface EngineExit {
  code: number | null
  signal: NodeJS.Signals | null
  /** True when `stop()` (or the abort signal) asked for it. */
  expected: boolean
}

export interface StartEngineOptions {
  /** The node folder: gets `cometbft.pid` and `cometbft.log`. */
  home: string
  /** The engine's home (written by writeEngineHome), conventionally `<home>/cometbft`. */
  cometHome: string
  /** Aborting stops the engine (SIGTERM, then SIGKILL). */
  signal?: AbortSignal
  /** Called once when the engine exits, expected or not. */
  onExit?: (exit: EngineExit) => void
  /** The cometbft binary (default cometbftPath()). */
  binary?: string
  /** The engine's RPC URL (default: read from config.toml's [rpc] laddr). */
  rpcUrl?: string
  /** How long to wait for `/status` (default 60 s). */
  readyTimeoutMs?: number
  /** SIGKILL the child if this process exits without stopping it (default true). */
  killOnExit?: boolean
}

export interface Engine {
  pid: number
  rpcUrl: string
  rpc: CometRpc
  /** Settles when the child has exited. */
  exited: Promise<EngineExit>
  /** SIGTERM, then SIGKILL after `timeoutMs` (default 10 s); resolves on exit. */
  stop: (options?: { timeoutMs?: number }) => Promise<EngineExit>
}

/**
 * The RPC URL in a config.toml's `[rpc]` section (`laddr`), with 0.0.0.0 dialled as 127.0.0.1.
 * @example rpcUrlFromConfigToml(readFileSync('cometbft/config/config.toml', 'utf8')) // 'http://127.0.0.1:26657'
 */
export function rpcUrlFromConfigToml (toml: string): string {
  const section = /^\[rpc\]\s*$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(toml)?.[1] ?? ''
  const m = /^\s*laddr\s*=\s*"tcp:\/\/([^"]+):(\d+)"/m.exec(section)
  if (m === null) throw new EngineConfigError('config.toml: no [rpc] laddr = "tcp://host:port"')
  const host = m[1] === '0.0.0.0' || m[1] === '' ? '127.0.0.1' : m[1]
  return `http://${host.includes(':') ? `[${host}]` : host}:${m[2]}`
}

function alive (pid: number): boolean {
  try { process.kill(pid, 0); return true } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM' }
}

// Kills a cometbft left running by a previous run of this node (identified by pid file + cmdline).
async function killOrphan (pidFile: string, cometHome: string): Promise<void> {
  if (!existsSync(pidFile)) return
  const pid = Number(readFileSync(pidFile, 'utf8').trim())
  if (!Number.isSafeInteger(pid) || pid <= 1 || !alive(pid)) return
  let cmdline = ''
  try { cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ') } catch { return }
  if (!cmdline.includes('cometbft') || !cmdline.includes(cometHome)) return
  process.kill(pid, 'SIGKILL')
  for (let i = 0; i < 100 && alive(pid); i++) await sleep(50)
}

async function logTail (path: string, lines = 15): Promise<string> {
  try { return (await readFile(path, 'utf8')).split('\n').slice(-lines - 1).join('\n') } catch { return '' }
}

/**
 * Starts `cometbft start` for a node and waits until its RPC answers.
 * @example const engine = await startEngine({ home: 'devnet/node0', cometHome: 'devnet/node0/cometbft', signal, onExit: (e) => shutdown(e) })
 */
export async function startEngine (o: StartEngineOptions): Promise<Engine> {
  const home = resolve(o.home)
  const cometHome = resolve(o.cometHome)
  const binary = o.binary ?? cometbftPath()
  const rpcUrl = o.rpcUrl ?? rpcUrlFromConfigToml(await readFile(join(cometHome, 'config', 'config.toml'), 'utf8'))
  const pidFile = join(home, 'cometbft.pid')
  const logFile = join(home, 'cometbft.log')
  o.signal?.throwIfAborted()
  await killOrphan(pidFile, cometHome)

  const fd = openSync(logFile, 'a')
  let child: ChildProcess
  try {
    child = spawn(binary, ['start', '--home', cometHome], { stdio: ['ignore', fd, fd], cwd: home })
  } finally { closeSync(fd) }
  const pid = child.pid
  if (pid === undefined) {
    const err = await new Promise<Error>((resolve) => child.once('error', resolve))
    throw new EngineStartError(`cannot run ${binary}: ${err.message}`, { cause: err })
  }
  writeFileSync(`${pidFile}.tmp`, `${pid}\n`)
  renameSync(`${pidFile}.tmp`, pidFile)

  let stopping = false
  const killer = (): void => { try { child.kill('SIGKILL') } catch {} }
  if (o.killOnExit !== false) process.on('exit', killer)
  const exited = new Promise<EngineExit>((resolve) => {
    child.once('exit', (code, signal) => {
      process.off('exit', killer)
      // The file names a running engine; once it is gone the file would only mislead.
      try { if (readFileSync(pidFile, 'utf8').trim() === String(pid)) unlinkSync(pidFile) } catch {}
      const exit = { code, signal, expected: stopping }
      resolve(exit)
      o.onExit?.(exit)
    })
  })

  const stop = async (options: { timeoutMs?: number } = {}): Promise<EngineExit> => {
    stopping = true
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const timer = setTimeout(killer, options.timeoutMs ?? 10_000)
      try { return await exited } finally { clearTimeout(timer) }
    }
    return await exited
  }
  o.signal?.addEventListener('abort', () => { void stop() }, { once: true })

  const rpc = createCometRpc({ url: rpcUrl, timeoutMs: 2_000 })
  const deadline = Date.now() + (o.readyTimeoutMs ?? 60_000)
  let early: EngineExit | undefined
  void exited.then((e) => { early = e })
  for (;;) {
    // Abort first: stopping on abort also makes the child exit, which is not a start-up failure.
    if (o.signal?.aborted === true) { await stop(); throw o.signal.reason }
    if (early !== undefined) {
      throw new EngineStartError(`cometbft exited during start-up (code ${early.code}, signal ${early.signal}); ${logFile} ends:\n${await logTail(logFile)}`)
    }
    try {
      await rpc.status({ signal: o.signal })
      break
    } catch {}
    if (Date.now() > deadline) {
      await stop({ timeoutMs: 2_000 })
      throw new EngineStartError(`cometbft RPC ${rpcUrl} did not answer within ${o.readyTimeoutMs ?? 60_000} ms (is the ABCI app listening?); ${logFile} ends:\n${await logTail(logFile)}`)
    }
    await sleep(100)
  }
  return { pid, rpcUrl, rpc: createCometRpc({ url: rpcUrl }), exited, stop }
}
