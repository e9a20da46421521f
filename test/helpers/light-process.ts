// A `glowmesh light --json` child process for integration tests: its status lines parsed as they
// come (stdout, one JSON object per line) and its stderr kept, plus a stop that waits for the exit.
import { spawn, type ChildProcess } from 'node:child_process'
import type { LightStatus } from '../../client/types.js'
import { LAUNCHER } from './cli.js'

/** A running light node process. */
export interface LightProcess { child: ChildProcess, statuses: LightStatus[], stderr: string, home: string, args: string[] }

/**
 * Starts `glowmesh light --json ...args` from the built CLI.
 * @example const l = spawnLightProcess(['--home', home], home)
 */
export function spawnLightProcess (args: string[], home: string): LightProcess {
  const child = spawn(process.execPath, ['--experimental-websocket', LAUNCHER, 'light', '--json', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  const l: LightProcess = { child, statuses: [], stderr: '', home, args }
  let buf = ''
  child.stdout!.on('data', (d) => {
    buf += String(d)
    let i
    while ((i = buf.indexOf('\n')) >= 0) { l.statuses.push(JSON.parse(buf.slice(0, i))); buf = buf.slice(i + 1) }
  })
  child.stderr!.on('data', (d) => { l.stderr += String(d) })
  return l
}

/**
 * SIGINT, then SIGKILL after `killAfterMs` (default 15 s); resolves when the process has exited
 * (at once when it already has, by a code or a signal: its 'exit' event is gone then).
 * @example await stopLightProcess(l)
 */
export async function stopLightProcess (l: LightProcess, killAfterMs = 15_000): Promise<void> {
  if (l.child.exitCode !== null || l.child.signalCode !== null) return
  const exited = new Promise(resolve => l.child.once('exit', resolve))
  l.child.kill('SIGINT')
  const t = setTimeout(() => l.child.kill('SIGKILL'), killAfterMs)
  await exited
  clearTimeout(t)
}
