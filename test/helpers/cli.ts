// Runs the `glowmesh` CLI: in-process through run() (fast, TS sources), or as the real built
// command (`node cli/glowmesh.js`, what `npx glowmesh` runs) for end-to-end checks.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { run } from '../../cli/main.js'

export interface CliResult {
  code: number
  stdout: string
  stderr: string
  /** What the command wrote as raw bytes (`get --out -`), in order; absent when it wrote none. */
  stdoutBytes?: Uint8Array
}

/** Runs `glowmesh ...args` in this process and captures its output. */
export async function runCli (...args: string[]): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  const parts: Uint8Array[] = []
  const code = await run(args, { stdout: (t) => { stdout += t }, stderr: (t) => { stderr += t }, stdoutBytes: async (b) => { parts.push(b) } })
  // only a command that wrote raw bytes has the field, so results compare equal to { code, stdout, stderr }
  return parts.length === 0 ? { code, stdout, stderr } : { code, stdout, stderr, stdoutBytes: Buffer.concat(parts) }
}

export const LAUNCHER = fileURLToPath(new URL('../../cli/glowmesh.js', import.meta.url))

/** Spawns the built launcher (requires `npm run build`); resolves when it exits. */
export async function spawnCli (args: string[], options: { input?: Uint8Array, timeoutMs?: number } = {}): Promise<CliResult> {
  return await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--experimental-websocket', LAUNCHER, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`glowmesh ${args.join(' ')} timed out`)) }, options.timeoutMs ?? 120_000)
    child.stdout.on('data', (d) => { stdout += d })
    child.stderr.on('data', (d) => { stderr += d })
    child.on('error', reject)
    child.on('close', (code) => { clearTimeout(timer); resolve({ code: code ?? -1, stdout, stderr }) })
    child.stdin.end(options.input)
  })
}
