/**
 * Bounds and scoring for Helia's bitswap (DESIGN §2b, issue 9 item 6). `@helia/bitswap` 4 already
 * caps each peer's tracked wantlist (truncating silently) and the message size (resetting the
 * stream); it verifies every received block by hashing it and ignores blocks nobody asked for — but
 * it scores nobody. The guard sits in front of bitswap's message dispatch and, per peer:
 *   - refuses a message with more wantlist entries than `maxWantlistEntries` (penalty `oversized`,
 *     hang up),
 *   - meters new wants with a token bucket (`wantsPerPeer`; over it: penalty `rateLimited`, the
 *     message is dropped),
 *   - hashes each received block (sha2-256) and drops any that matches no CID we want or wanted
 *     recently — a corrupt or unsolicited block (penalty `malformed`),
 *   - drops everything from banned peers and hangs up on them,
 * using fullnode/net's PeerScores, so a ban also closes the connection gater to that peer. It also
 * lowers bitswap's per-connection inbound stream cap and message size.
 */
import { createHash } from 'node:crypto'
import type { Libp2p, PeerId } from '@libp2p/interface'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { varint } from 'multiformats'
import { toHex } from '../../protocol/bytes.js'
import type { Offence, PeerScores, PenaltyResult } from '../net/peer-score.js'
import { RateLimiter, type RateLimit } from '../net/rate-limit.js'
import { BitswapGuardError } from './errors.js'

/** Bitswap bounds. */
export interface BitswapLimits {
  /** Wantlist entries in one message (default 1024: a peer's whole wantlist fits). */
  maxWantlistEntries: number
  /** Entries tracked per peer (bitswap's `maxWantlistSize`; default 1024). */
  maxWantlistSize: number
  /** New wants per peer: a token bucket (default burst 2048, 1024/s ≈ 1 GiB/s of leaves). */
  wantsPerPeer: RateLimit
  /** Largest inbound bitswap message (default 4 MiB + 64 KiB: one 1 MiB block and then some, as Helia sends). */
  maxMessageBytes: number
  /** Concurrent inbound bitswap streams per connection (default 32). */
  maxInboundStreams: number
  /** How long a CID we wanted still excuses a late duplicate block, ms (default 60 s). */
  recentWantMs: number
}

export const DEFAULT_BITSWAP_LIMITS: Readonly<BitswapLimits> = Object.freeze({
  maxWantlistEntries: 1024,
  maxWantlistSize: 1024,
  wantsPerPeer: { burst: 2048, perSecond: 1024 },
  maxMessageBytes: 4 * 1024 * 1024 + 65536,
  maxInboundStreams: 32,
  recentWantMs: 60_000
})

/** Counters, for status and tests. */
export interface BitswapGuardStats {
  messages: number
  refusedOversized: number
  refusedRate: number
  refusedBanned: number
  badBlocks: number
}

/** A guarded bitswap. */
export interface BitswapGuard {
  limits: BitswapLimits
  stats: BitswapGuardStats
  /** Removes the guard (restores bitswap's dispatch). */
  stop: () => void
}

/** Options of guardBitswap. */
export interface BitswapGuardOptions {
  /** The peer scores the node's connection gater consults (NetNode.scores). */
  scores: PeerScores
  limits?: Partial<BitswapLimits>
  /** Every penalty handed out (metrics, tests). */
  onPenalty?: (peer: PeerId, offence: Offence, result: PenaltyResult) => void
  now?: () => number
  log?: (line: string) => void
}

interface WireBlock { prefix?: Uint8Array, data?: Uint8Array }
interface WireMessage { wantlist?: { entries?: Array<{ cid: Uint8Array, cancel?: boolean }> }, blocks?: WireBlock[] }
interface MessageDetail { peer: PeerId, message: WireMessage, connection: { remotePeer: PeerId } }

/** The bitswap internals the guard needs (from @helia/bitswap 4's BitswapBlockBroker). */
function internals (helia: { blockBrokers?: unknown[] }): { network: any, wantList: any, peerWantLists: any, protocol: string, libp2p: Libp2p } {
  const broker = (helia.blockBrokers ?? []).find((b: any) => b?.name === 'bitswap') as any
  const bitswap = broker?.bitswap
  const network = bitswap?.network
  if (network === undefined || typeof network.safeDispatchEvent !== 'function' || bitswap.wantList?.wants === undefined || bitswap.peerWantLists === undefined) {
    throw new BitswapGuardError('bitswap internals not found: start Helia (withBitswap) before guarding it, and re-check the guard after a @helia/bitswap upgrade')
  }
  return { network, wantList: bitswap.wantList, peerWantLists: bitswap.peerWantLists, protocol: network.protocols?.[0] ?? '/ipfs/bitswap/1.2.0', libp2p: bitswap.libp2p }
}

/** The CID a received block really has (sha2-256 computed here), or undefined for other hash functions. */
function blockCid (b: WireBlock): CID | undefined {
  if (b.prefix === undefined || b.data === undefined) return undefined
  let o = 0
  const next = (): number => { const [v, n] = varint.decode(b.prefix!, o); o += n; return v }
  try {
    const version = next()
    const codec = next()
    const hashCode = next()
    next() // digest length
    if (hashCode !== 0x12) return undefined
    const digest = Digest.create(0x12, createHash('sha256').update(b.data).digest())
    return version === 0 ? CID.createV0(digest as any) : CID.createV1(codec, digest)
  } catch { return undefined }
}

/**
 * Puts bounds and peer scoring in front of a started Helia's bitswap.
 * @example
 * const net = await createNetNode({ ..., blockstore })
 * const guard = await guardBitswap(net.helia, { scores: net.scores })
 * guard.stats // { messages, refusedOversized, refusedRate, refusedBanned, badBlocks }
 */
export async function guardBitswap (helia: { blockBrokers?: unknown[] } & object, options: BitswapGuardOptions): Promise<BitswapGuard> {
  const limits: BitswapLimits = { ...DEFAULT_BITSWAP_LIMITS, ...options.limits }
  const { network, wantList, peerWantLists, protocol, libp2p } = internals(helia as any)
  const now = options.now ?? Date.now
  const log = options.log ?? (() => {})
  const limiter = new RateLimiter({ now })
  const stats: BitswapGuardStats = { messages: 0, refusedOversized: 0, refusedRate: 0, refusedBanned: 0, badBlocks: 0 }
  const recent = new Map<string, number>() // multihash hex → when we last wanted it

  // bitswap's own bounds: the per-peer wantlist cap and the inbound message size are read per
  // message, so they can be set on the running instance; the stream cap needs a re-registration.
  peerWantLists.maxWantListSize = limits.maxWantlistSize
  network.maxIncomingMessageSize = limits.maxMessageBytes
  await libp2p.unhandle(protocol)
  await libp2p.handle(protocol, network._onStream, { maxInboundStreams: limits.maxInboundStreams, maxOutboundStreams: network.maxOutboundStreams, runOnLimitedConnection: network.runOnLimitedConnections })

  const punish = (peer: PeerId, offence: Offence, hangUp: boolean, why: string): void => {
    const result = options.scores.penalize(peer.toString(), offence)
    options.onPenalty?.(peer, offence, result)
    log(`bitswap: peer ${peer.toString()}: ${why} (${offence}, score ${result.score}${result.banned ? ', banned' : ''})`)
    if (hangUp || result.banned) libp2p.hangUp(peer).catch(() => {})
  }

  const remember = (): void => {
    const t = now()
    for (const w of wantList.wants.values()) if (w?.cid !== undefined && w.cancel !== true) recent.set(toHex(w.cid.multihash.bytes), t)
    if (recent.size > 16_384) for (const [k, at] of recent) if (t - at > limits.recentWantMs) recent.delete(k)
  }

  /** Returns the message to dispatch (possibly with blocks removed), or undefined to drop it. */
  const filter = (d: MessageDetail): MessageDetail | undefined => {
    const peer = d.connection.remotePeer
    stats.messages++
    if (options.scores.isBanned(peer.toString())) {
      stats.refusedBanned++
      libp2p.hangUp(peer).catch(() => {})
      return undefined
    }
    const entries = d.message.wantlist?.entries ?? []
    if (entries.length > limits.maxWantlistEntries) {
      stats.refusedOversized++
      punish(peer, 'oversized', true, `wantlist of ${entries.length} entries (limit ${limits.maxWantlistEntries})`)
      return undefined
    }
    const wants = entries.filter((e) => e.cancel !== true).length
    for (let i = 0; i < wants; i++) {
      if (!limiter.take(peer.toString(), 'wants', limits.wantsPerPeer)) {
        stats.refusedRate++
        punish(peer, 'rateLimited', false, `more than ${limits.wantsPerPeer.perSecond} wants/s`)
        return undefined
      }
    }
    const blocks = d.message.blocks ?? []
    if (blocks.length === 0) return d
    remember()
    const t = now()
    const good: WireBlock[] = []
    for (const b of blocks) {
      const cid = blockCid(b)
      if (cid === undefined) { good.push(b); continue } // other hash functions: bitswap verifies (or ignores) them itself
      const at = recent.get(toHex(cid.multihash.bytes))
      if (at !== undefined && t - at <= limits.recentWantMs) { good.push(b); continue }
      stats.badBlocks++
      punish(peer, 'malformed', false, `sent block ${cid.toString()}, which hashes to nothing we asked for (corrupt or unsolicited)`)
    }
    if (good.length === blocks.length) return d
    return { ...d, message: { ...d.message, blocks: good } }
  }

  const original = network.safeDispatchEvent
  network.safeDispatchEvent = function (type: string, init: { detail?: unknown } = {}): boolean {
    if (type === 'bitswap:message' && init.detail !== undefined) {
      let detail: MessageDetail | undefined
      try { detail = filter(init.detail as MessageDetail) } catch (err) { log(`bitswap guard: ${(err as Error).message}`); detail = undefined }
      if (detail === undefined) return false
      return original.call(network, type, { ...init, detail })
    }
    return original.call(network, type, init)
  }
  return {
    limits,
    stats,
    stop: () => { network.safeDispatchEvent = original }
  }
}
