/**
 * Which full nodes the core may ask: the transport's peers minus those caught lying recently.
 * Reports go to the transport (which scores and may disconnect) and out as `peer:report` events.
 */
import type { Emitter } from './events.js'
import type { LightTransport, PeerOffence, PeerRef } from './types.js'

/** Offences that mean the peer lied (not merely slow): it is not asked again for a while. */
const LIES: ReadonlySet<PeerOffence> = new Set(['forged-header', 'insufficient-commit', 'bad-sample', 'bad-segment', 'malformed'])

/**
 * The peer book: usable peers (shuffled, so load and trust spread) and reports with quarantine.
 * @example const book = new PeerBook({ transport, emitter, quarantineMs: 60_000 }); book.usable()
 */
export class PeerBook {
  private readonly quarantined = new Map<PeerRef, number>()
  constructor (private readonly c: { transport: LightTransport, emitter: Emitter, quarantineMs: number, now: () => number, log: (m: string) => void }) {}

  /** Peers we may ask now, in random order. @example const [a, b] = book.usable() */
  usable (): PeerRef[] {
    const now = this.c.now()
    const out = this.c.transport.peers().filter((p) => {
      const until = this.quarantined.get(p)
      if (until === undefined) return true
      if (until <= now) { this.quarantined.delete(p); return true }
      return false
    })
    return shuffle(out)
  }

  /** True while `peer` is quarantined. @example book.isQuarantined(peer) */
  isQuarantined (peer: PeerRef): boolean {
    const until = this.quarantined.get(peer)
    return until !== undefined && until > this.c.now()
  }

  /** Reports a peer to the transport and the dashboard; liars are quarantined. @example book.report(peer, 'forged-header', err.message) */
  report (peer: PeerRef, offence: PeerOffence, detail: string): void {
    this.c.log(`peer ${peer}: ${offence}: ${detail}`)
    if (LIES.has(offence)) this.quarantined.set(peer, this.c.now() + this.c.quarantineMs)
    try { this.c.transport.reportPeer(peer, offence, detail) } catch {}
    this.c.emitter.emit('peer:report', { peer, offence, detail })
  }
}

/** Fisher–Yates with crypto randomness (which peers we ask must not be predictable either). */
export function shuffle<T> (items: T[]): T[] {
  const a = items.slice()
  const r = new Uint32Array(a.length)
  globalThis.crypto.getRandomValues(r)
  for (let i = a.length - 1; i > 0; i--) {
    const j = r[i] % (i + 1)
    const t = a[i]; a[i] = a[j]; a[j] = t
  }
  return a
}
