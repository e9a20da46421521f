/**
 * A cache in front of `services.lightBlock` (issue 13, fan-out). The node backs that service with
 * CometBFT's RPC (`/status`, `/commit`, `/validators`: three HTTP round trips and their JSON per
 * call), and every light client asks for the newest light block once a second, so without a cache
 * the full node's cost grows with the number of clients. Heights are cached (a committed light block
 * never changes), `latest` for `latestTtlMs`, and concurrent requests for the same key share one
 * fetch (single flight). The shared fetch is not tied to any one caller's signal: each caller waits
 * with its own, the fetch itself with `fetchTimeoutMs`. Failures are not cached.
 */
import type { LightBlock } from '../../protocol/chain/index.js'
import { AbortError } from '../../protocol/wire/index.js'
import type { NetServices, SignalOptions } from './services.js'

/** Tunables of cacheLightBlocks. */
export interface LightBlockCacheOptions {
  /** Heights kept (oldest inserted dropped first); default 256. */
  maxHeights?: number
  /** How long a `latest` answer is reused, ms; default 250 (a quarter of the devnet's block time). */
  latestTtlMs?: number
  /** Limit of one shared fetch, ms; default 10 s. */
  fetchTimeoutMs?: number
  /** Clock (tests). */
  now?: () => number
}

type Fetch = NetServices['lightBlock']

async function waitWith<T> (p: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted()
  let onAbort: (() => void) | undefined
  try {
    return await Promise.race([p, new Promise<never>((_resolve, reject) => {
      onAbort = () => { reject(new AbortError(undefined, { cause: signal.reason })) }
      signal.addEventListener('abort', onAbort, { once: true })
    })])
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort)
  }
}

/**
 * Wraps a lightBlock service with a per-height cache, a short-lived `latest` and single flight.
 * @example
 * const services = { ...raw, lightBlock: cacheLightBlocks(raw.lightBlock, { latestTtlMs: 250 }) }
 * await services.lightBlock('latest', { signal })   // at most one backend call per 250 ms
 */
export function cacheLightBlocks (fetch: Fetch, options: LightBlockCacheOptions = {}): Fetch {
  const maxHeights = options.maxHeights ?? 256
  const ttl = options.latestTtlMs ?? 250
  const fetchTimeoutMs = options.fetchTimeoutMs ?? 10_000
  const now = options.now ?? Date.now
  const heights = new Map<bigint, Promise<LightBlock>>()
  let latest: { at: number, p: Promise<LightBlock> } | undefined

  const shared = (height: bigint | 'latest'): Promise<LightBlock> => {
    const p = fetch(height, { signal: AbortSignal.timeout(fetchTimeoutMs) })
    p.catch(() => {}) // observed by the callers; a failure must not be an unhandled rejection here
    return p
  }
  const remember = (height: bigint, p: Promise<LightBlock>): void => {
    heights.set(height, p)
    p.catch(() => { if (heights.get(height) === p) heights.delete(height) })
    while (heights.size > maxHeights) heights.delete(heights.keys().next().value as bigint)
  }

  return async (height: bigint | 'latest', { signal }: SignalOptions): Promise<LightBlock> => {
    if (height === 'latest') {
      const t = now()
      if (latest === undefined || t - latest.at >= ttl) {
        const entry = { at: t, p: shared('latest') }
        latest = entry
        entry.p.then((lb) => {
          const h = lb.signedHeader.header.height
          if (!heights.has(h)) remember(h, Promise.resolve(lb))
        }, () => { if (latest === entry) latest = undefined })
      }
      return await waitWith(latest.p, signal)
    }
    let p = heights.get(height)
    if (p === undefined) { p = shared(height); remember(height, p) }
    return await waitWith(p, signal)
  }
}
