/**
 * The light node's events: everything a dashboard shows. A tiny typed emitter (no Node
 * EventEmitter, no DOM EventTarget subclassing) so the core runs unchanged in every runtime.
 */
import type { AcceptedHeader, ChallengeEvent, PeerOffence, PeerRef } from './types.js'

/** Payloads by event name. */
export interface LightNodeEvents {
  /** A header was accepted (also written to the header log). */
  header: AcceptedHeader
  /** A block with blobs had all its sampled columns verified. */
  sampled: { height: number, confidence: number, columns: number[], peers: PeerRef[], blobs: number }
  /** A block's sampled columns could not all be verified from any peer: not available. */
  unavailable: { height: number, missing: number[], reason: string }
  /** A peer was caught misbehaving and reported to the transport. */
  'peer:report': { peer: PeerRef, offence: PeerOffence, detail: string }
  /** The storage contributor answered (or failed) a challenge. */
  challenge: ChallengeEvent
  /** Something went wrong that the node survives (it keeps trying); `error.code` says what. */
  error: { error: Error, during: 'sync' | 'sample' | 'storage' | 'store' }
}

export type LightNodeEventName = keyof LightNodeEvents
export type Listener<E extends LightNodeEventName> = (detail: LightNodeEvents[E]) => void

/**
 * Listeners by event; a throwing listener is isolated from the node and from other listeners.
 * @example const e = new Emitter(); const off = e.on('header', h => console.log(h.height)); off()
 */
export class Emitter {
  private readonly listeners = new Map<LightNodeEventName, Set<(detail: any) => void>>()

  /** Adds a listener; returns a function that removes it. @example const off = emitter.on('sampled', s => {}) */
  on<E extends LightNodeEventName> (event: E, fn: Listener<E>): () => void {
    let set = this.listeners.get(event)
    if (set === undefined) { set = new Set(); this.listeners.set(event, set) }
    set.add(fn)
    return () => { set.delete(fn) }
  }

  /** Calls every listener of `event`. @example emitter.emit('unavailable', { height: 9, missing: [3], reason: 'withheld' }) */
  emit<E extends LightNodeEventName> (event: E, detail: LightNodeEvents[E]): void {
    for (const fn of this.listeners.get(event) ?? []) {
      try { fn(detail) } catch {}
    }
  }
}
