// Runs `glowmesh edge` (real workerd through miniflare) as a child process for the edge suites.
import { spawn } from 'node:child_process'
import { LAUNCHER } from './cli.js'

/** A running `glowmesh edge`; `close()` sends SIGINT (SIGKILL after 10 s). */
export interface EdgeProcess { url: string, close: () => Promise<void> }

/**
 * Runs `glowmesh edge --home HOME ...args` and resolves with the URL it prints on its own line (120 s at most).
 * @example const edge = await startEdgeCli(devnet.home, ['--pledge', '4MiB']); await fetch(`${edge.url}/v1/status`)
 */
export async function startEdgeCli (home: string, args: string[] = [], options: { onStderrLine?: (line: string) => void } = {}): Promise<EdgeProcess> {
  const child = spawn(process.execPath, ['--experimental-websocket', LAUNCHER, 'edge', '--home', home, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (d) => {
    stderr += String(d)
    if (options.onStderrLine !== undefined) for (const line of String(d).split('\n')) options.onStderrLine(line)
    if (stderr.length > 200_000) stderr = stderr.slice(-100_000)
  })
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => { reject(new Error(`glowmesh edge printed no URL in 120 s: ${stderr.slice(-2000)}`)) }, 120_000)
    child.stdout!.on('data', (d) => {
      out += String(d)
      const line = out.split('\n').find((l) => /^http:\/\/127\.0\.0\.1:\d+$/.test(l))
      if (line !== undefined) { clearTimeout(timer); resolve(line) }
    })
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`glowmesh edge exited ${String(code)}: ${stderr.slice(-2000)}`)) })
  })
  return {
    url,
    close: async () => {
      if (child.exitCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGINT')
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(t)
    }
  }
}
