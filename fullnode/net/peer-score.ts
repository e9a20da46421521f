/**
 * A score per peer: misbehaviour subtracts, time heals (linearly back to 0). Below the ban
 * threshold a peer is banned for a while: the connection gater refuses its connections and dials,
 * and the node hangs up on it. Kept in memory: a restart forgives everyone, which is fine for
 * abuse that costs the abuser a reconnect.
 */

/** What a peer did wrong; each has a penalty in `PeerScoreOptions.penalties`. */
export type Offence =
  | 'malformed' // a frame or message that doesn't parse or validate
  | 'oversized' // a length prefix over the protocol's limit
  | 'timeout' // opened a stream and sent nothing in time
  | 'rateLimited' // asked faster than its bucket allows
  | 'tooManyStreams' // more concurrent streams than allowed
  | 'invalidGossip' // published a gossip message our validator rejected

export interface PeerScoreOptions {
  /** Score at or below which a peer is banned; default -100. */
  banThreshold: number
  /** How long a ban lasts, ms; default 10 minutes. */
  banMs: number
  /** Points healed per second; default 1. */
  recoveryPerSecond: number
  /** Penalty per offence (positive numbers, subtracted). */
  penalties: Record<Offence, number>
  /** Clock in ms; default Date.now. */
  now: () => number
}

export const DEFAULT_PENALTIES: Readonly<Record<Offence, number>> = Object.freeze({
  malformed: 40,
  oversized: 60,
  timeout: 10,
  rateLimited: 10,
  tooManyStreams: 10,
  invalidGossip: 20
})

interface Entry { score: number, at: number, bannedUntil: number, offences: number }

/** The outcome of a penalty. */
export interface PenaltyResult {
  score: number
  /** True if this penalty started a ban. */
  banned: boolean
}

/**
 * Scores by peer id string.
 * @example
 * const scores = new PeerScores({ banMs: 60_000 })
 * if (scores.penalize(peer, 'malformed').banned) await libp2p.hangUp(peerId)
 * scores.isBanned(peer) // true for a minute
 */
export class PeerScores {
  readonly options: PeerScoreOptions
  private readonly entries = new Map<string, Entry>()
  constructor (options: Partial<PeerScoreOptions> = {}) {
    this.options = {
      banThreshold: options.banThreshold ?? -100,
      banMs: options.banMs ?? 10 * 60_000,
      recoveryPerSecond: options.recoveryPerSecond ?? 1,
      penalties: { ...DEFAULT_PENALTIES, ...options.penalties },
      now: options.now ?? Date.now
    }
  }

  private entry (peer: string): Entry | undefined {
    const e = this.entries.get(peer)
    if (e === undefined) return undefined
    const t = this.options.now()
    if (t > e.at) {
      e.score = Math.min(0, e.score + (t - e.at) * this.options.recoveryPerSecond / 1000)
      e.at = t
    }
    // forget peers fully healed and not banned, so the map holds only recent offenders
    if (e.score >= 0 && e.bannedUntil <= t) { this.entries.delete(peer); return undefined }
    return e
  }

  /** The peer's current score (0 = clean). @example scores.score(peer) // -40 */
  score (peer: string): number {
    return this.entry(peer)?.score ?? 0
  }

  /** True while the peer is banned. @example if (scores.isBanned(peer)) refuse() */
  isBanned (peer: string): boolean {
    const e = this.entry(peer)
    return e !== undefined && e.bannedUntil > this.options.now()
  }

  /** Subtracts the offence's penalty; bans when the score falls to the threshold. @example scores.penalize(peer, 'rateLimited') */
  penalize (peer: string, offence: Offence): PenaltyResult {
    const t = this.options.now()
    const e = this.entry(peer) ?? { score: 0, at: t, bannedUntil: 0, offences: 0 }
    this.entries.set(peer, e)
    e.score -= this.options.penalties[offence]
    e.offences++
    const wasBanned = e.bannedUntil > t
    if (!wasBanned && e.score <= this.options.banThreshold) {
      e.bannedUntil = t + this.options.banMs
      return { score: e.score, banned: true }
    }
    return { score: e.score, banned: false }
  }

  /** Lifts a ban and resets the score (an operator's call). @example scores.forgive(peer) */
  forgive (peer: string): void {
    this.entries.delete(peer)
  }

  /** Peers with a non-zero score, for status pages and tests. @example scores.snapshot() // [{ peer, score, banned }] */
  snapshot (): Array<{ peer: string, score: number, banned: boolean, offences: number }> {
    const out: Array<{ peer: string, score: number, banned: boolean, offences: number }> = []
    for (const peer of [...this.entries.keys()]) {
      const e = this.entry(peer)
      if (e !== undefined) out.push({ peer, score: e.score, banned: e.bannedUntil > this.options.now(), offences: e.offences })
    }
    return out
  }
}
