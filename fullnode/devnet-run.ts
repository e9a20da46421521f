/**
 * Runs a devnet: one `glowmesh node` process per validator (each supervising its own cometbft),
 * restarted if it dies, all stopped together. `glowmesh devnet` and the integration tests use it.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureDevnetHome, linkDevnetPeers, type DevnetOptions } from './devnet.js'
import { parseNodeConfig } from './config.js'
import { createRpcClient } from './rpc/client.js'
import { GlowmeshError } from '../protocol/errors.js'

/** The repository root (where package.json names glowmesh), from this module's location in src or dist. */
export function repoRoot (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const p = join(dir, 'package.json')
    if (existsSync(p) && JSON.parse(readFileSync(p, 'utf8')).name === 'glowmesh') return dir
    const up = dirname(dir)
    if (up === dir) throw new GlowmeshError('NO_ROOT', 'cannot find the glowmesh package root')
    dir = up
  }
}

export interface DevnetNode {
  index: number
  dir: string
  rpcUrl: string
  /** The running node process (replaced on restart). */
  process: () => ChildProcess | undefined
  /** Kills the node process with `signal` (default SIGKILL); the devnet restarts it unless `restart: false`. */
  kill: (signal?: NodeJS.Signals, options?: { restart?: boolean }) => void
  /** Starts it again after a kill with `restart: false`. */
  start: () => void
}

export interface RunningDevnet {
  nodes: DevnetNode[]
  created: boolean
  genesisPath: string
  stop: () => Promise<void>
}

const sleep = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Creates (or resumes) the devnet under `home` and starts its nodes; resolves when every RPC answers
 * with a committed height.
 * @example const devnet = await runDevnet({ home: '.glowmesh', blockTimeMs: 100 }); await devnet.stop()
 */
export async function runDevnet (options: DevnetOptions & { log?: (line: string) => void, readyTimeoutMs?: number, restartDelayMs?: number }): Promise<RunningDevnet> {
  const log = options.log ?? ((l: string) => { process.stderr.write(l + '\n') })
  const { created, genesisPath, nodes: dirs } = await ensureDevnetHome(options)
  if (created) await linkDevnetPeers(options.home)
  const launcher = join(repoRoot(), 'cli', 'glowmesh.js')
  let stopping = false

  const nodes: DevnetNode[] = dirs.map((dir, index) => {
    const config = parseNodeConfig(readFileSync(join(dir, 'config.json'), 'utf8'))
    let child: ChildProcess | undefined
    let noRestart = false
    const start = (): void => {
      noRestart = false
      const out = openSync(join(dir, 'node.log'), 'a')
      child = spawn(process.execPath, ['--experimental-websocket', launcher, 'node', '--home', dir], { stdio: ['ignore', 'ignore', out], env: process.env })
      closeSync(out)
      const me = child
      me.on('exit', (code, signal) => {
        if (stopping || child !== me) return
        log(`node${index} exited (code ${code}, signal ${signal})${noRestart ? '' : '; restarting'}`)
        if (!noRestart) setTimeout(() => { if (!stopping && child === me) start() }, options.restartDelayMs ?? 1000)
      })
    }
    return {
      index,
      dir,
      rpcUrl: `http://${config.rpc.host}:${config.rpc.port}`,
      process: () => child,
      kill: (signal = 'SIGKILL', o = {}) => { noRestart = o.restart === false; child?.kill(signal) },
      start
    }
  })
  for (const n of nodes) n.start()

  const stop = async (): Promise<void> => {
    stopping = true
    await Promise.all(nodes.map(async (n) => {
      const c = n.process()
      if (c === undefined || c.exitCode !== null || c.signalCode !== null) return
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()))
      c.kill('SIGTERM')
      const t = setTimeout(() => c.kill('SIGKILL'), 15_000)
      await exited
      clearTimeout(t)
    }))
  }

  const deadline = Date.now() + (options.readyTimeoutMs ?? 120_000)
  try {
    for (const n of nodes) {
      const rpc = createRpcClient({ url: n.rpcUrl, timeoutMs: 2000 })
      for (;;) {
        try { if ((await rpc.status()).height >= 1) break } catch {}
        if (Date.now() > deadline) throw new GlowmeshError('DEVNET_START', `node${n.index} did not answer at ${n.rpcUrl}; see ${join(n.dir, 'node.log')}`)
        await sleep(200)
      }
    }
  } catch (err) {
    await stop()
    throw err
  }
  return { nodes, created, genesisPath, stop }
}
