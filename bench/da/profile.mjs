// CPU profiles of devnet node processes for bench/da.mjs (not a benchmark itself). The nodes run
// with NODE_OPTIONS=--inspect-port=127.0.0.1:0, so SIGUSR1 opens each one's inspector on a port of
// its own, which Node prints to the node's stderr (its node.log); the profile itself is recorded by
// bench/fanout/profile.mjs's startProfile over the Chrome DevTools protocol.
import { readFileSync } from 'node:fs'
import { startProfile } from '../fanout/profile.mjs'

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Whether this process's children will have an inspector port of their own: call before the devnet starts. */
export function enableChildInspectors () {
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --inspect-port=127.0.0.1:0`.trim()
}

/**
 * Starts profiling the node process `pid` whose stderr goes to `logFile`; resolves { stop(file) }.
 * @example const p = await profileNode(pid, join(node.dir, 'node.log')); …; const profile = await p.stop('/tmp/n0.cpuprofile')
 */
export async function profileNode (pid, logFile) {
  const before = readFileSync(logFile, 'utf8').length
  process.kill(pid, 'SIGUSR1')
  for (let i = 0; i < 100; i++) {
    const m = readFileSync(logFile, 'utf8').slice(before).match(/Debugger listening on ws:\/\/127\.0\.0\.1:(\d+)\//)
    if (m !== null) return await startProfile(pid, Number(m[1]))
    await sleep(100)
  }
  throw new Error(`pid ${pid}: no "Debugger listening" line in ${logFile}`)
}
