// Real `glowmesh light --json --verbose` processes (the built CLI) for the light-node attack tests:
// their status lines (stdout) and what they say on stderr — UNAVAILABLE blocks, peer reports and,
// with --verbose, every sampled block — parsed as they arrive.
import { spawn, type ChildProcess } from 'node:child_process'
import { LAUNCHER } from '../../helpers/cli.js'
import type { LightStatus } from '../../../client/types.js'
import { waitFor } from '../../helpers/wait.js'

/** One running light process and what it has said so far. */
export interface Light {
  name: string
  home: string
  child: ChildProcess
  statuses: LightStatus[]
  stderr: string
  /** `sampled H: …` lines: height → confidence. */
  sampled: Map<number, number>
  /** `block H UNAVAILABLE` lines. */
  unavailable: Set<number>
  /** When (Date.now()) each `sampled H` / `block H UNAVAILABLE` line arrived, by height (figures only). */
  seenAt: Map<number, number>
  /** `peer P reported: OFFENCE: DETAIL` lines. */
  reports: Array<{ peer: string, offence: string, detail: string }>
}

/**
 * Spawns `glowmesh light --json --verbose …args` (stdio piped, parsed line by line).
 * @example const l = spawnLight('a', ['--home', home], home)
 */
export function spawnLight (name: string, args: string[], home: string): Light {
  const child = spawn(process.execPath, ['--experimental-websocket', LAUNCHER, 'light', '--json', '--verbose', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  const l: Light = { name, home, child, statuses: [], stderr: '', sampled: new Map(), unavailable: new Set(), seenAt: new Map(), reports: [] }
  let out = ''
  child.stdout!.on('data', (d) => {
    out += String(d)
    let i
    while ((i = out.indexOf('\n')) >= 0) {
      const line = out.slice(0, i)
      out = out.slice(i + 1)
      try { l.statuses.push(JSON.parse(line)) } catch { l.stderr += `[unparsed stdout] ${line}\n` }
    }
  })
  let err = ''
  child.stderr!.on('data', (d) => {
    l.stderr += String(d)
    err += String(d)
    let i
    while ((i = err.indexOf('\n')) >= 0) {
      const line = err.slice(0, i)
      err = err.slice(i + 1)
      let m = /^sampled (\d+): .* confidence ([0-9.e-]+)$/.exec(line)
      if (m !== null) { l.sampled.set(Number(m[1]), Number(m[2])); l.seenAt.set(Number(m[1]), Date.now()); continue }
      m = /^block (\d+) UNAVAILABLE/.exec(line)
      if (m !== null) { l.unavailable.add(Number(m[1])); l.seenAt.set(Number(m[1]), Date.now()); continue }
      m = /^peer (\S+) reported: ([a-z-]+): (.*)$/.exec(line)
      if (m !== null) l.reports.push({ peer: m[1], offence: m[2], detail: m[3] })
    }
  })
  return l
}

/** The newest status line, if any. */
export const last = (l: Light): LightStatus | undefined => l.statuses.at(-1)

/**
 * SIGINT, then SIGKILL after 15 s; resolves once the process is gone.
 * @example await Promise.all(lights.map(stopLight))
 */
export async function stopLight (l: Light): Promise<void> {
  if (l.child.exitCode !== null || l.child.signalCode !== null) return
  const exited = new Promise(resolve => l.child.once('exit', resolve))
  l.child.kill('SIGINT')
  const t = setTimeout(() => l.child.kill('SIGKILL'), 15_000)
  await exited
  clearTimeout(t)
}

/**
 * Polls `cond` every 250 ms; on timeout throws with the tail of every light's stderr.
 * @example await until(() => last(l)!.verifiedHeight > 5, 'a verified head', lights)
 */
export async function until (cond: () => boolean | Promise<boolean>, what: string, lights: Light[], ms = 60_000): Promise<void> {
  await waitFor(what, cond, { timeoutMs: ms, diagnostics: () => `stderr tails:\n${lights.map(l => `--- ${l.name}\n${l.stderr.slice(-1500)}`).join('\n')}` })
}
