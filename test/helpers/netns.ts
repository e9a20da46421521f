// Real hosts on one machine: Linux network namespaces joined by veth links to a bridge in the root
// namespace (issue 13 part 4). Each host gets its own 10.x address; a fault cuts a host's link
// (`ip link set … down`) or kills every process in its namespace. Every namespace, link and bridge
// is named `gm<runId>…`, and an owner file records the test process, so a later run removes what a
// crashed one left behind without touching a run that is still alive. Needs root and iproute2.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, openSync, closeSync, writeFileSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { GlowmeshError } from '../../protocol/errors.js'

/** Namespaces cannot be made here (not root, no `ip`, no netns support): the suite fails, never skips. */
export class NetnsUnavailableError extends GlowmeshError {
  override name = 'NetnsUnavailableError'
  constructor (detail: string) {
    super('NETNS_UNAVAILABLE', `the partition suite needs Linux network namespaces (root + iproute2: apt-get install iproute2): ${detail}`)
  }
}

/** An `ip` command failed. */
export class NetnsCommandError extends GlowmeshError {
  override name = 'NetnsCommandError'
  constructor (readonly args: string[], readonly stderr: string) { super('NETNS_COMMAND', `ip ${args.join(' ')}: ${stderr.trim()}`) }
}

/** Where owner files of live runs are kept (one per run id, holding the owner's pid). */
export const NETNS_STATE_DIR = '/tmp/gm-netns'

const ID_RE = /^gm([0-9a-f]{4})(?:-|[a-z])/

/**
 * Runs `ip ARGS…` and resolves with its stdout; throws NetnsCommandError on failure.
 * @example await ip(['netns', 'list'])
 */
export async function ip (args: string[], options: { signal?: AbortSignal } = {}): Promise<string> {
  return await new Promise((resolve, reject) => {
    execFile('ip', args, { signal: options.signal, timeout: 20_000 }, (err, stdout, stderr) => {
      if (err !== null) reject(new NetnsCommandError(args, String(stderr) || err.message))
      else resolve(String(stdout))
    })
  })
}

/**
 * Checks that namespaces can be made: root, `ip` on the PATH, `ip netns add` works. Throws
 * NetnsUnavailableError with the reason otherwise.
 * @example await assertNetnsAvailable()
 */
export async function assertNetnsAvailable (): Promise<void> {
  if (process.platform !== 'linux') throw new NetnsUnavailableError(`platform is ${process.platform}, not linux`)
  if (process.getuid?.() !== 0) throw new NetnsUnavailableError(`running as uid ${process.getuid?.()}, not root`)
  try { await ip(['-V']) } catch (err) { throw new NetnsUnavailableError(`'ip' did not run: ${(err as Error).message}`) }
  const probe = `gm${randomBytes(2).toString('hex')}-probe`
  try { await ip(['netns', 'add', probe]) } catch (err) { throw new NetnsUnavailableError(`'ip netns add' failed: ${(err as Error).message}`) }
  await ip(['netns', 'del', probe]).catch(() => {})
}

function alive (pid: number): boolean {
  try { process.kill(pid, 0); return true } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM' }
}

/**
 * Pids of every process in a namespace (empty if it is gone).
 * @example for (const pid of await namespacePids('gm1a2b-v0')) process.kill(pid, 'SIGKILL')
 */
export async function namespacePids (ns: string): Promise<number[]> {
  try { return (await ip(['netns', 'pids', ns])).split(/\s+/).filter(Boolean).map(Number) } catch { return [] }
}

async function killNamespace (ns: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const pids = await namespacePids(ns)
    if (pids.length === 0) return
    for (const pid of pids) { try { process.kill(pid, 'SIGKILL') } catch {} }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

async function removeRun (id: string, log: (l: string) => void): Promise<void> {
  const nss = (await ip(['netns', 'list']).catch(() => '')).split('\n').map((l) => l.split(' ')[0]).filter((n) => n.startsWith(`gm${id}-`))
  for (const ns of nss) { await killNamespace(ns); await ip(['netns', 'del', ns]).catch((e) => log(String(e.message))) }
  const links = (await ip(['-o', 'link', 'show']).catch(() => '')).split('\n').map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1]).filter((n): n is string => n !== undefined && n.startsWith(`gm${id}`))
  for (const l of links) await ip(['link', 'del', l]).catch(() => {}) // a veth's peer goes with it
  rmSync(join(NETNS_STATE_DIR, id), { force: true })
}

/**
 * Removes namespaces, links and bridges of runs whose owner process is gone (a crashed run).
 * Returns the run ids it removed.
 * @example const removed = await cleanupStaleRuns()
 */
export async function cleanupStaleRuns (log: (l: string) => void = () => {}): Promise<string[]> {
  const ids = new Set<string>()
  for (const l of (await ip(['netns', 'list']).catch(() => '')).split('\n')) { const m = ID_RE.exec(l); if (m !== null) ids.add(m[1]) }
  for (const l of (await ip(['-o', 'link', 'show']).catch(() => '')).split('\n')) { const m = ID_RE.exec(/^\d+:\s+(\S+)/.exec(l)?.[1] ?? ''); if (m !== null) ids.add(m[1]) }
  if (existsSync(NETNS_STATE_DIR)) for (const f of readdirSync(NETNS_STATE_DIR)) if (/^[0-9a-f]{4}$/.test(f)) ids.add(f)
  const removed: string[] = []
  for (const id of ids) {
    let owner = NaN
    try { owner = Number(readFileSync(join(NETNS_STATE_DIR, id), 'utf8').trim()) } catch {}
    if (Number.isSafeInteger(owner) && owner > 1 && owner !== process.pid && alive(owner)) continue
    if (owner === process.pid) continue
    log(`removing leftovers of partition run gm${id}`)
    await removeRun(id, log)
    removed.push(id)
  }
  return removed
}

/** One host: a namespace with an address on the hub bridge. */
export interface NetnsHost {
  name: string
  /** `gm<runId>-<name>`. */
  ns: string
  /** Its address on the hub (10.a.b.x); empty for a host with only private links. */
  address: string
  /** Its link to the hub, root side (down = the host is cut off); empty without one. */
  hubLink: string
}

/** A process running inside a host. */
export interface HostProcess {
  child: ChildProcess
  host: NetnsHost
  /** The file its stdout and stderr go to. */
  logFile: string
  /** Resolves with the exit code (or -1 on a signal). */
  exited: Promise<number>
}

/** A run's hub and hosts: what `createNetnsNetwork` returns. */
export interface NetnsNetwork {
  runId: string
  /** The hub's subnet prefix, e.g. `10.213.7` (hosts get .1, .2, …; the root namespace has .254). */
  subnet: string
  hosts: Map<string, NetnsHost>
  /** Adds a host; `hub: false` makes one reachable only through private links. */
  addHost: (name: string, options?: { hub?: boolean }) => Promise<NetnsHost>
  /**
   * A private point-to-point link from `a` to `b` (say, a light node to its only full node): `b`
   * answers on its hub address through it, so `a` reaches `b` even while `b`'s hub link is cut.
   */
  privateLink: (a: string, b: string) => Promise<void>
  /** Cuts a host's hub link (it sees no one on the hub; the root namespace can't reach it either). */
  cut: (name: string) => Promise<void>
  /** Restores a host's hub link. */
  heal: (name: string) => Promise<void>
  /** Whether the host's hub link is up. */
  isUp: (name: string) => boolean
  /** Starts `command args…` inside the host, stdout and stderr appended to `logFile` (or piped). */
  spawn: (name: string, command: string, args: string[], options: { logFile: string, pipeStdout?: boolean, env?: NodeJS.ProcessEnv }) => HostProcess
  /** SIGKILLs every process in the host's namespace (a crashed machine). Returns how many it killed. */
  killAll: (name: string) => Promise<number>
  /** Kills every process, removes every namespace, link and the bridge. Idempotent. */
  destroy: () => Promise<void>
}

/**
 * Creates the hub (a bridge in the root namespace with the address `<subnet>.254`) for a new run,
 * after removing what crashed runs left. Throws NetnsUnavailableError where namespaces can't be made.
 * @example const net = await createNetnsNetwork(); const h = await net.addHost('v0'); await net.cut('v0'); await net.destroy()
 */
export async function createNetnsNetwork (options: { log?: (l: string) => void } = {}): Promise<NetnsNetwork> {
  const log = options.log ?? (() => {})
  await assertNetnsAvailable()
  await cleanupStaleRuns(log)
  const runId = randomBytes(2).toString('hex')
  mkdirSync(NETNS_STATE_DIR, { recursive: true })
  writeFileSync(join(NETNS_STATE_DIR, runId), `${process.pid}\n`)
  // a /24 no route on this machine uses yet
  const routes = await ip(['-4', 'route', 'show', 'table', 'all']).catch(() => '')
  let subnet = ''
  for (let i = 0; i < 100 && subnet === ''; i++) {
    const s = `10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 250)}`
    if (!routes.includes(`${s}.`)) subnet = s
  }
  const bridge = `gm${runId}br`
  const hosts = new Map<string, NetnsHost>()
  const up = new Map<string, boolean>()
  const children = new Set<ChildProcess>()
  let nextHost = 1
  let nextPrivate = 0
  let destroyed = false

  // If the test process exits without destroy() (an uncaught error, a worker torn down), nothing
  // keeps running in its hosts; the namespaces themselves go with the next run's cleanup.
  const killOnExit = (): void => {
    for (const h of hosts.values()) {
      let pids: string[] = []
      try { pids = execFileSync('ip', ['netns', 'pids', h.ns], { encoding: 'utf8', timeout: 5000 }).split(/\s+/).filter(Boolean) } catch {}
      for (const pid of pids) { try { process.kill(Number(pid), 'SIGKILL') } catch {} }
    }
  }
  process.on('exit', killOnExit)
  const destroy = async (): Promise<void> => {
    if (destroyed) return
    destroyed = true
    process.off('exit', killOnExit)
    for (const c of children) { try { c.kill('SIGKILL') } catch {} }
    await removeRun(runId, log)
  }
  try {
    await ip(['link', 'add', bridge, 'type', 'bridge'])
    await ip(['addr', 'add', `${subnet}.254/24`, 'dev', bridge])
    await ip(['link', 'set', bridge, 'up'])
  } catch (err) { await destroy(); throw err }

  const host = (name: string): NetnsHost => {
    const h = hosts.get(name)
    if (h === undefined) throw new GlowmeshError('NETNS_NO_HOST', `no host '${name}' in run gm${runId}`)
    return h
  }

  return {
    runId,
    subnet,
    hosts,
    async addHost (name, o = {}) {
      if (!/^[a-z][a-z0-9]{0,5}$/.test(name) || hosts.has(name)) throw new GlowmeshError('NETNS_BAD_HOST', `bad or duplicate host name '${name}' (a-z0-9, ≤ 6)`)
      const ns = `gm${runId}-${name}`
      await ip(['netns', 'add', ns])
      await ip(['-n', ns, 'link', 'set', 'lo', 'up'])
      let address = ''
      let hubLink = ''
      if (o.hub !== false) {
        address = `${subnet}.${nextHost++}`
        hubLink = `gm${runId}${name}`
        await ip(['link', 'add', hubLink, 'type', 'veth', 'peer', 'name', `${hubLink}x`])
        await ip(['link', 'set', `${hubLink}x`, 'netns', ns])
        await ip(['-n', ns, 'link', 'set', `${hubLink}x`, 'name', 'eth0'])
        await ip(['-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0'])
        await ip(['-n', ns, 'link', 'set', 'eth0', 'up'])
        await ip(['link', 'set', hubLink, 'master', bridge])
        await ip(['link', 'set', hubLink, 'up'])
        up.set(name, true)
      }
      const h = { name, ns, address, hubLink }
      hosts.set(name, h)
      return h
    },
    async privateLink (a, b) {
      const ha = host(a)
      const hb = host(b)
      if (hb.address === '') throw new GlowmeshError('NETNS_BAD_HOST', `private link target '${b}' has no hub address`)
      const k = nextPrivate++
      const base = `${subnet.split('.').slice(0, 2).join('.')}.${250 + k}` // 10.x.250+k.0/24: unused by the hub
      const la = `gm${runId}p${k}a`
      const lb = `gm${runId}p${k}b`
      await ip(['link', 'add', la, 'type', 'veth', 'peer', 'name', lb])
      await ip(['link', 'set', la, 'netns', ha.ns])
      await ip(['link', 'set', lb, 'netns', hb.ns])
      await ip(['-n', ha.ns, 'addr', 'add', `${base}.2/24`, 'dev', la])
      await ip(['-n', hb.ns, 'addr', 'add', `${base}.1/24`, 'dev', lb])
      await ip(['-n', ha.ns, 'link', 'set', la, 'up'])
      await ip(['-n', hb.ns, 'link', 'set', lb, 'up'])
      // a reaches b's hub address through the private link (b answers for any of its addresses)
      await ip(['-n', ha.ns, 'route', 'add', `${hb.address}/32`, 'via', `${base}.1`, 'dev', la])
    },
    async cut (name) { const h = host(name); await ip(['link', 'set', h.hubLink, 'down']); up.set(name, false) },
    async heal (name) { const h = host(name); await ip(['link', 'set', h.hubLink, 'up']); up.set(name, true) },
    isUp: (name) => up.get(name) === true,
    spawn (name, command, args, o) {
      const h = host(name)
      const out = openSync(o.logFile, 'a')
      const child = spawn('ip', ['netns', 'exec', h.ns, command, ...args], {
        stdio: ['ignore', o.pipeStdout === true ? 'pipe' : out, out],
        env: o.env ?? process.env
      })
      closeSync(out)
      children.add(child)
      const exited = new Promise<number>((resolve) => child.once('exit', (code) => { children.delete(child); resolve(code ?? -1) }))
      return { child, host: h, logFile: o.logFile, exited }
    },
    async killAll (name) {
      const h = host(name)
      const pids = await namespacePids(h.ns)
      await killNamespace(h.ns)
      return pids.length
    },
    destroy
  }
}
