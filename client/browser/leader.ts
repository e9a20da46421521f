/**
 * Leader election among the tabs of one origin (DESIGN §7): an exclusive Web Lock. The tab that holds
 * it runs the light node; every other tab waits on the same lock and takes over when the holder closes.
 */
import { GlowmeshError } from '../../protocol/errors.js'

/** The Web Locks API is missing (an old browser, or not a secure/loopback context). */
export class WebLocksUnavailableError extends GlowmeshError {
  override name = 'WebLocksUnavailableError'
  constructor () { super('WEB_LOCKS_UNAVAILABLE', 'navigator.locks is not available here') }
}

/** The election was aborted (its signal fired) before this tab became leader. */
export class ElectionAbortedError extends GlowmeshError {
  override name = 'ElectionAbortedError'
  constructor (name: string, options?: { cause?: unknown }) { super('ELECTION_ABORTED', `election for '${name}' aborted before this tab led`, options) }
}

/** Options of electLeader. */
export interface ElectLeaderOptions {
  /** The lock's name, one per origin and chain, e.g. 'glowmesh-leader-<hash>'. */
  name: string
  /** Aborting gives up waiting, or (once leader) releases the lock. */
  signal?: AbortSignal
}

/** The held lock: kept until the tab closes, `release()` is called, or the signal aborts. */
export interface LeaderLock {
  name: string
  /** Releases the lock; the next waiting tab becomes leader. */
  release: () => void
  /** Resolves once the lock is released. */
  released: Promise<void>
}

/**
 * Resolves when this tab holds the exclusive Web Lock `name` (follower tabs wait here on the same lock).
 * @example
 * const lock = await electLeader({ name: 'glowmesh-leader-1f2e…' }) // this tab now leads
 * lock.release()                                                     // hand over to the next tab
 */
export async function electLeader (options: ElectLeaderOptions): Promise<LeaderLock> {
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks
  if (locks === undefined) throw new WebLocksUnavailableError()
  const { name, signal } = options
  if (signal?.aborted === true) throw new ElectionAbortedError(name, { cause: signal.reason })
  return await new Promise<LeaderLock>((resolve, reject) => {
    locks.request(name, { mode: 'exclusive', signal }, async () => {
      let release!: () => void
      const released = new Promise<void>((resolve) => { release = resolve })
      signal?.addEventListener('abort', () => { release() }, { once: true })
      resolve({ name, release, released })
      await released
    }).catch((cause: unknown) => {
      reject(signal?.aborted === true ? new ElectionAbortedError(name, { cause }) : cause)
    })
  })
}

/**
 * Whether some tab of this origin holds the lock `name` now (a snapshot from `navigator.locks.query()`).
 * @example if (!(await leaderExists('glowmesh-leader-1f2e…'))) console.log('no leader tab yet')
 */
export async function leaderExists (name: string): Promise<boolean> {
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks
  if (locks === undefined) throw new WebLocksUnavailableError()
  const { held } = await locks.query()
  return (held ?? []).some(l => l.name === name)
}
