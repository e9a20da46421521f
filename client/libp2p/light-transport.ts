/**
 * The LightTransport over a started libp2p node, shared by client/node/transport.ts (TCP +
 * WebSockets) and client/browser/transport.ts (WebSockets, WebRTC-direct, WebRTC): gossip header
 * listener on `glowmesh/<chainId>/headers` (only well-formed pushes are accepted and forwarded; the
 * core verifies them), a dial loop over the given full nodes only (redialled while down), requests
 * with fullnode/net's clients, the challenge handler, and a ban list: peers reported for lies are
 * hung up on and not redialled for `banMs`. The platform transports only build their libp2p.
 */
import { identify } from '@libp2p/identify'
import { gossipsub, TopicValidatorResult, type GossipSub } from '@libp2p/gossipsub'
import type { Libp2p, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { ping } from '@libp2p/ping'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { request, requestFlow, requestLightBlocks, requestSegment, submitTxOverP2p } from '../../fullnode/net/client.js'
import { InvalidResponseError, NetStoppedError } from '../../fullnode/net/errors.js'
import { headersTopic, MAX_GOSSIP_BYTES } from '../../fullnode/net/gossip.js'
import { lightBlockFromWire } from '../../fullnode/net/lightblock.js'
import { readFrame, writeFrame } from '../../fullnode/net/stream.js'
import type { LightBlock } from '../../protocol/chain/index.js'
import {
  CHALLENGE_PROTOCOL, SAMPLE_PROTOCOL, SYNC_PROTOCOL, decodePush, decodeRequest, encodeResponse, getProtocol,
  type Challenge, type ChallengeAnswer
} from '../../protocol/wire/index.js'
import type { LightTransport, PeerOffence, PeerRef } from '../types.js'
import { linkSignals, withTimeout } from '../../protocol/signals.js'

const LIES: ReadonlySet<PeerOffence> = new Set(['forged-header', 'insufficient-commit', 'bad-sample', 'bad-segment', 'malformed'])

/** Peers reported for lies, each until its ban ends. */
export interface BanList {
  isBanned: (peer: string) => boolean
  ban: (peer: string) => void
}

/**
 * A ban list whose entries last `banMs` (default 10 minutes); made before libp2p so its gater can use it.
 * @example const bans = createBanList(options.banMs); const gater = lightConnectionGater(bans.isBanned)
 */
export function createBanList (banMs = 600_000): BanList {
  const banned = new Map<string, number>()
  return {
    isBanned: (id) => (banned.get(id) ?? 0) > Date.now(),
    ban: (id) => { banned.set(id, Date.now() + banMs) }
  }
}

/**
 * The connection gater of a light node: full nodes may be on loopback / private addresses (DESIGN §10); banned peers are refused.
 * @example withLibp2pLight(helia, { connectionGater: lightConnectionGater(bans.isBanned), … })
 */
export function lightConnectionGater (isBanned: (peer: string) => boolean): { denyDialMultiaddr: () => boolean, denyDialPeer: (peer: PeerId) => boolean, denyInboundEncryptedConnection: (peer: PeerId) => boolean } {
  return {
    denyDialMultiaddr: () => false,
    denyDialPeer: (peer: PeerId) => isBanned(peer.toString()),
    denyInboundEncryptedConnection: (peer: PeerId) => isBanned(peer.toString())
  }
}

/**
 * The libp2p services a light node runs: identify, ping, gossipsub (headers).
 * @example withLibp2pLight(helia, { services: lightServices(), … })
 */
export function lightServices (): { identify: ReturnType<typeof identify>, ping: ReturnType<typeof ping>, pubsub: ReturnType<typeof gossipsub> } {
  return {
    identify: identify(),
    ping: ping(),
    pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, doPX: false, maxInboundDataLength: MAX_GOSSIP_BYTES + 4096, emitSelf: false })
  }
}

/**
 * Groups full nodes' multiaddrs (each ending in /p2p/<id>) by peer id; addresses without one are skipped.
 * @example const fullNodes = fullNodeAddrs(bootstrap.multiaddrs.filter(a => !a.includes('/webrtc')))
 */
export function fullNodeAddrs (addrs: string[]): Map<string, Multiaddr[]> {
  const fullNodes = new Map<string, Multiaddr[]>()
  for (const s of addrs) {
    const ma = multiaddr(s)
    const id = ma.getComponents().findLast(c => c.name === 'p2p')?.value
    if (id === undefined) continue
    fullNodes.set(id, [...(fullNodes.get(id) ?? []), ma])
  }
  return fullNodes
}

/** Options of wrapLibp2pTransport. */
export interface Libp2pTransportOptions {
  /** A started libp2p node with the `pubsub` service of lightServices(). */
  libp2p: Libp2p<{ pubsub: GossipSub }>
  chainId: string
  /** The full nodes to dial and ask (fullNodeAddrs). */
  fullNodes: Map<string, Multiaddr[]>
  /** The ban list the node's gater uses (createBanList). */
  bans: BanList
  /** The address groups tried in turn for the i-th full node; default one group of all its addresses. */
  dialGroups?: (mas: Multiaddr[], i: number) => Multiaddr[][]
  /** Redial period for peers that dropped, ms; default 5 s. */
  redialMs?: number
  /** Per-request timeout, ms (default fullnode/net's). */
  timeoutMs?: number
  log?: (message: string) => void
  /** Stops what owns the libp2p node (e.g. `helia.stop()`); called last by close(). */
  stop: () => Promise<void>
  /** Called by close() before the headers topic is left (stop extras). */
  onClose?: () => void
}

/** The wrapped transport plus what both platforms expose. */
export interface Libp2pLightTransport extends LightTransport {
  /** Resolves once at least `count` full nodes are connected. */
  waitForPeers: (count: number, options?: { signal?: AbortSignal }) => Promise<void>
  isBanned: (peer: string) => boolean
  /** Aborted by close(): for the platform's own loops. */
  signal: AbortSignal
}

/**
 * Wraps a started libp2p node as a LightTransport: header gossip, full-node dial loop, requests, challenges, bans.
 * @example
 * const transport = wrapLibp2pTransport({ libp2p, chainId, fullNodes, bans, stop: async () => { await helia.stop() } })
 * await transport.waitForPeers(1, { signal })
 */
export function wrapLibp2pTransport (o: Libp2pTransportOptions): Libp2pLightTransport {
  const { libp2p, fullNodes, bans } = o
  const { isBanned } = bans
  const log = o.log ?? (() => {})
  const pubsub = libp2p.services.pubsub
  const topic = headersTopic(o.chainId)
  const controller = new AbortController()
  let stopped = false
  let redial: ReturnType<typeof setTimeout> | undefined
  const headerListeners: Array<(lb: LightBlock, from: PeerRef) => void> = []

  // Headers are verified by the core; here only well-formedness (so we never forward junk).
  pubsub.topicValidators.set(topic, (_peer, msg) => {
    try { decodePush(SYNC_PROTOCOL, msg.data); return TopicValidatorResult.Accept } catch { return TopicValidatorResult.Reject }
  })
  pubsub.addEventListener('message', (evt) => {
    const msg = evt.detail
    if (msg.topic !== topic || msg.type !== 'signed') return
    let lb: LightBlock
    try { lb = lightBlockFromWire(decodePush(SYNC_PROTOCOL, msg.data).lightBlock!) } catch { return }
    for (const fn of headerListeners) { try { fn(lb, msg.from.toString()) } catch {} }
  })
  pubsub.subscribe(topic)

  const connected = (): string[] => {
    const ids = new Set(libp2p.getConnections().map(c => c.remotePeer.toString()))
    return [...fullNodes.keys()].filter(id => ids.has(id) && !isBanned(id))
  }
  const dialAll = async (): Promise<void> => {
    const have = new Set(libp2p.getConnections().map(c => c.remotePeer.toString()))
    await Promise.all([...fullNodes].map(async ([id, mas], i) => {
      if (have.has(id) || isBanned(id)) return
      for (const group of o.dialGroups?.(mas, i) ?? [mas]) {
        try {
          await withTimeout(controller.signal, 10_000, async (s) => await libp2p.dial(group, { signal: s }))
          return
        } catch (err) { log(`dial ${id}${o.dialGroups === undefined ? '' : ` (${group[0].toString()})`} failed: ${(err as Error).message}`) }
      }
    }))
  }
  const loop = (): void => {
    if (stopped) return
    dialAll().finally(() => { if (!stopped) redial = setTimeout(loop, o.redialMs ?? 5_000) }).catch(() => {})
  }
  loop()

  const pid = (peer: PeerRef): PeerId => peerIdFromString(peer)
  const req = (w?: { signal?: AbortSignal }): { signal?: AbortSignal, timeoutMs?: number } => ({ signal: w?.signal, timeoutMs: o.timeoutMs })

  return {
    peers: connected,
    isBanned,
    signal: controller.signal,
    async lightBlock (peer, height, w) {
      const [lb] = await requestLightBlocks(libp2p, pid(peer), { from: height, count: 1, ...req(w) })
      if (lb === undefined) throw new InvalidResponseError(`peer has no block at ${String(height)}`)
      return lb
    },
    async lightBlocks (peer, from, count, w) {
      return await requestLightBlocks(libp2p, pid(peer), { from, count: Math.min(32, count), ...req(w) })
    },
    async sample (peer, height, columns, w) {
      // statuses are the core's to judge (NOT_AVAILABLE is evidence of withholding): no throw here
      return await request(libp2p, pid(peer), SAMPLE_PROTOCOL, { height, columns }, req(w))
    },
    async flowSegment (peer, position, w) {
      // unproven raw flow bytes (the PoRA module compares peers / checks against on-chain roots)
      return { bytes: await requestFlow(libp2p, pid(peer), { position, ...req(w) }) }
    },
    async segment (peer, root, index, w) {
      // unverified here: client/files.ts checks it against the root with the proven file size
      return await requestSegment(libp2p, pid(peer), { root, index, ...req(w) })
    },
    async submitTx (peer, tx, w) {
      return await submitTxOverP2p(libp2p, pid(peer), tx, req(w))
    },
    handleChallenges (handler) {
      // validators push challenges over the connections we opened
      const { maxRequestBytes } = getProtocol(CHALLENGE_PROTOCOL)
      libp2p.handle(CHALLENGE_PROTOCOL, async (stream, connection) => {
        const signal = linkSignals(controller.signal, AbortSignal.timeout(60_000))
        try {
          const challenge = decodeRequest(CHALLENGE_PROTOCOL, await readFrame(stream, { maxBytes: maxRequestBytes, signal })) as Challenge
          const answer: ChallengeAnswer = await handler(challenge, connection.remotePeer.toString())
          await writeFrame(stream, encodeResponse(CHALLENGE_PROTOCOL, answer), { signal })
          await stream.close({ signal })
        } catch (err) {
          log(`challenge from ${connection.remotePeer.toString()}: ${(err as Error).message}`)
          stream.abort(err as Error)
        } finally {
          signal.clear()
        }
      }).catch((err: Error) => { log(`cannot handle challenges: ${err.message}`) })
    },
    onHeader (listener) { headerListeners.push(listener) },
    reportPeer (peer, offence, detail) {
      log(`reported ${peer}: ${offence}${detail === undefined ? '' : `: ${detail}`}`)
      if (!LIES.has(offence)) return
      bans.ban(peer)
      try { libp2p.hangUp(pid(peer)).catch(() => {}) } catch {}
    },
    localPeerId: () => libp2p.peerId.toString(),
    async waitForPeers (count, w = {}) {
      while (connected().length < count) {
        w.signal?.throwIfAborted()
        if (stopped) throw new NetStoppedError()
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    },
    async close () {
      if (stopped) return
      stopped = true
      controller.abort()
      clearTimeout(redial)
      o.onClose?.()
      try { pubsub.unsubscribe(topic) } catch {}
      await o.stop()
    }
  }
}
