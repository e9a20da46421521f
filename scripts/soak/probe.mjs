// What scripts/soak.mjs reads about each process and folder, from Linux's /proc and the file system:
// resident memory, CPU ticks, open file descriptors (and how many are sockets), the heap figures the
// preloaded heap-probe.mjs writes, and the disk a folder takes (allocated blocks, as `du`).
import { open, readFile, readdir, readlink, lstat } from 'node:fs/promises'
import { join } from 'node:path'

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ; 100 on Linux). */
export const CLOCK_TICKS = 100

/**
 * One look at a process: `{ alive, rss, cpuTicks, fds, sockets }` (bytes, ticks, counts); `alive:
 * false` when it is gone.
 * @example const s = await sampleProcess(process.pid); s.rss
 */
export async function sampleProcess (pid) {
  if (pid === undefined || pid === null) return { alive: false }
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8')
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN)
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    // fields after the command name (which may hold spaces) start at state: utime is the 12th of them
    const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const cpuTicks = Number(after[11]) + Number(after[12])
    const names = await readdir(`/proc/${pid}/fd`)
    let sockets = 0
    await Promise.all(names.map(async (n) => {
      try { if ((await readlink(`/proc/${pid}/fd/${n}`)).startsWith('socket:')) sockets++ } catch {}
    }))
    return { alive: true, rss: rssKb * 1024, cpuTicks, fds: names.length, sockets }
  } catch {
    return { alive: false }
  }
}

/**
 * Bytes a folder takes on disk: the allocated blocks of every file under it (sparse holes don't
 * count, as with `du`); files that vanish while it walks are skipped.
 * @example await diskUsage('/tmp/home/devnet/node0')
 */
export async function diskUsage (dir) {
  let total = 0
  let entries
  try { entries = await readdir(dir, { withFileTypes: true }) } catch { return 0 }
  for (const e of entries) {
    const p = join(dir, e.name)
    if (e.isDirectory()) total += await diskUsage(p)
    else {
      try { total += (await lstat(p)).blocks * 512 } catch {}
    }
  }
  return total
}

/**
 * The heap figures heap-probe.mjs last wrote for `pid` (undefined before its first write or for a
 * process without the probe).
 * @example const h = await readHeapProbe(probeDir, pid); h?.heapAfterGc
 */
export async function readHeapProbe (dir, pid) {
  try { return JSON.parse(await readFile(join(dir, `${pid}.json`), 'utf8')) } catch { return undefined }
}

/** Reads a pid file (`cometbft.pid`, `node.pid`); undefined when absent. */
export async function readPidFile (path) {
  try { const n = Number((await readFile(path, 'utf8')).trim()); return Number.isInteger(n) && n > 0 ? n : undefined } catch { return undefined }
}

/**
 * New lines appended to a log file since the last call, via a kept byte offset; a file that shrank
 * (rotated) is read from its start again.
 * @example const tail = createLogTail('node.log'); const lines = await tail.read()
 */
export function createLogTail (path) {
  let offset = 0
  let partial = ''
  return {
    async read () {
      let fh
      try { fh = await open(path, 'r') } catch { return [] }
      let text
      try {
        const { size } = await fh.stat()
        if (size < offset) { offset = 0; partial = '' }
        const buf = Buffer.alloc(Math.min(size - offset, 16 * 1024 * 1024))
        const { bytesRead } = await fh.read(buf, 0, buf.length, offset)
        offset += bytesRead
        text = partial + buf.subarray(0, bytesRead).toString('utf8')
      } finally { await fh.close() }
      const lines = text.split('\n')
      partial = lines.pop() ?? ''
      return lines
    }
  }
}
