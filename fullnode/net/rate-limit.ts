/**
 * Per-peer, per-protocol token buckets. Each (peer, protocol) pair gets its own bucket, so a peer
 * flooding segment requests can't starve its own header sync, and can never starve other peers.
 * The clock is injected so tests step time instead of sleeping.
 */

/** A bucket's shape: `burst` requests at once, refilled at `perSecond`. */
export interface RateLimit {
  /** Bucket size: requests allowed back to back. */
  burst: number
  /** Tokens added per second. */
  perSecond: number
}

/** One token bucket. @example const b = new TokenBucket({ burst: 10, perSecond: 5 }); b.take() // true */
export class TokenBucket {
  private tokens: number
  private last: number
  constructor (readonly limit: RateLimit, private readonly now: () => number = Date.now) {
    this.tokens = limit.burst
    this.last = now()
  }

  private refill (): void {
    const t = this.now()
    if (t > this.last) {
      this.tokens = Math.min(this.limit.burst, this.tokens + (t - this.last) * this.limit.perSecond / 1000)
      this.last = t
    }
  }

  /** Takes one token; false (and nothing taken) when the bucket is empty. @example if (!bucket.take()) refuse() */
  take (): boolean {
    this.refill()
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }

  /** True once the bucket is full again (it can be forgotten). @example bucket.full() */
  full (): boolean {
    this.refill()
    return this.tokens >= this.limit.burst
  }
}

/** Options of a RateLimiter. */
export interface RateLimiterOptions {
  /** Clock in ms; default Date.now. */
  now?: () => number
  /** Buckets kept before full ones are swept; default 10,000. */
  sweepAt?: number
}

/**
 * Buckets keyed by peer and protocol. Full buckets are forgotten when the map grows, so memory is
 * bounded by the peers actually sending.
 * @example
 * const rl = new RateLimiter()
 * if (!rl.take(peerId.toString(), SYNC_PROTOCOL, { burst: 20, perSecond: 10 })) refuse()
 */
export class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>()
  private readonly now: () => number
  private readonly sweepAt: number
  constructor (options: RateLimiterOptions = {}) {
    this.now = options.now ?? Date.now
    this.sweepAt = options.sweepAt ?? 10_000
  }

  /** Takes a token from (peer, key)'s bucket, creating it full. @example rl.take(peer, '/glowmesh/tx/1.0.0', limit) */
  take (peer: string, key: string, limit: RateLimit): boolean {
    const id = `${peer} ${key}`
    let bucket = this.buckets.get(id)
    if (bucket === undefined) {
      if (this.buckets.size >= this.sweepAt) this.sweep()
      bucket = new TokenBucket(limit, this.now)
      this.buckets.set(id, bucket)
    }
    return bucket.take()
  }

  /** Forgets a peer's buckets (after a ban, say). @example rl.forget(peer) */
  forget (peer: string): void {
    for (const id of this.buckets.keys()) if (id.startsWith(`${peer} `)) this.buckets.delete(id)
  }

  /** Number of buckets held. */
  get size (): number { return this.buckets.size }

  private sweep (): void {
    for (const [id, b] of this.buckets) if (b.full()) this.buckets.delete(id)
  }
}
