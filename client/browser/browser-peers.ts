/**
 * Browser ↔ browser discovery over the full nodes: every few seconds the page announces its peer
 * id and relayed WebRTC addresses (`<relay>/p2p-circuit/webrtc/p2p/<id>`, from its circuit-relay
 * reservations) on `glowmesh/<chainId>/light-peers`; full nodes validate and forward it. Announced
 * browsers are kept in a bounded table and up to `maxPeers` are dialled over `/webrtc` (the relay
 * carries only the SDP handshake; data then flows on the direct WebRTC connection). Of two browsers,
 * the one with the smaller peer id dials (no simultaneous handshakes).
 */
import { TopicValidatorResult, type GossipSub } from '@libp2p/gossipsub'
import type { Connection, Libp2p } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { decodeLightPeerAnnounce, encodeLightPeerAnnounce, lightPeersTopic } from '../../fullnode/net/light-peers.js'
import { withTimeout } from '../../protocol/signals.js'

/** How a connection is carried, as the dashboard groups peers. */
export type PeerTransportKind = 'websockets' | 'webrtc-direct' | 'webrtc' | 'circuit-relay'

/** One open connection, for `peerInfo()`. */
export interface PeerInfo {
  peerId: string
  kind: 'full' | 'browser'
  transport: PeerTransportKind
  /** The connection's remote multiaddr. */
  remoteAddr: string
  /** True for a relayed connection with data/time limits (the relay's signalling circuit). */
  limited: boolean
}

/**
 * The transport a connection uses, from its remote multiaddr. A relayed address reads
 * `<how the relay is reached>/p2p-circuit/<what runs over the circuit>`, so only what follows the
 * last `/p2p-circuit` counts: a browser dialled through a relay reached over WebRTC-direct is a
 * browser-to-browser WebRTC connection, not a WebRTC-direct one (misreading it made discovery redial
 * a peer it was already connected to, forever).
 * @example transportOf('/ip4/127.0.0.1/tcp/4/ws/p2p/12D3…') // 'websockets'
 * @example transportOf('/ip4/127.0.0.1/udp/5/webrtc-direct/certhash/u…/p2p/12D3…/p2p-circuit/webrtc/p2p/12D3…') // 'webrtc'
 */
export function transportOf (remoteAddr: string): PeerTransportKind {
  const circuit = remoteAddr.lastIndexOf('/p2p-circuit')
  if (circuit !== -1) return /^\/p2p-circuit\/webrtc(\/|$)/.test(remoteAddr.slice(circuit)) ? 'webrtc' : 'circuit-relay'
  if (remoteAddr.includes('/webrtc-direct')) return 'webrtc-direct'
  if (/\/webrtc(\/|$)/.test(remoteAddr)) return 'webrtc'
  return 'websockets'
}

/** Options of startBrowserPeers. */
export interface BrowserPeersOptions {
  libp2p: Libp2p<{ pubsub: GossipSub }>
  chainId: string
  /** Whether a peer id is one of our full nodes (not a browser). */
  isFullNode: (peerId: string) => boolean
  isBanned: (peerId: string) => boolean
  /** Browsers kept connected over WebRTC; default 4. */
  maxPeers?: number
  /** Announce and dial period, ms; default 3 s. */
  periodMs?: number
  signal: AbortSignal
  log: (message: string) => void
}

/** One dial of another browser, as `dials()` reports it. */
export interface BrowserDial {
  peerId: string
  /** When the dial started, ms since the epoch. */
  at: number
  /** How long it took: relay handshake → direct WebRTC connection (or failure). */
  ms: number
  ok: boolean
  /** Why it failed: the error's name and message. */
  error?: string
}

/** The running discovery. */
export interface BrowserPeers {
  /** Browsers connected over a direct (unlimited) WebRTC connection. */
  connected: () => string[]
  /** Every open connection: peer, full/browser, transport. */
  peerInfo: () => PeerInfo[]
  /** Browsers heard on the topic (bounded). */
  known: () => string[]
  /** The last 32 browser dials: peer, start (ms since the epoch), duration (relay handshake → direct WebRTC connection), outcome, why it failed. */
  dials: () => BrowserDial[]
  stop: () => void
}

const MAX_KNOWN = 64

/**
 * Subscribes, announces and dials; stops with `signal` or stop().
 * @example const peers = startBrowserPeers({ libp2p, chainId, isFullNode, isBanned, signal, log }); peers.peerInfo()
 */
export function startBrowserPeers (o: BrowserPeersOptions): BrowserPeers {
  const { libp2p } = o
  const pubsub = libp2p.services.pubsub
  const topic = lightPeersTopic(o.chainId)
  const self = libp2p.peerId.toString()
  const maxPeers = o.maxPeers ?? 4
  // peer id → its addresses; Map order = last heard (oldest first), bounded
  const known = new Map<string, string[]>()
  const dialing = new Set<string>()
  const dials: BrowserDial[] = []
  const noteDial = (peerId: string, at: number, error?: Error): void => {
    const ms = Date.now() - at
    dials.push(error === undefined ? { peerId, at, ms, ok: true } : { peerId, at, ms, ok: false, error: `${error.name}: ${error.message}`.slice(0, 200) })
    if (dials.length > 32) dials.shift()
  }
  let timer: ReturnType<typeof setTimeout> | undefined
  let stopped = false

  const isDirectWebRtc = (c: Connection): boolean => transportOf(c.remoteAddr.toString()) === 'webrtc' && c.limits === undefined
  const connected = (): string[] => [...new Set(libp2p.getConnections()
    .filter(c => !o.isFullNode(c.remotePeer.toString()) && isDirectWebRtc(c))
    .map(c => c.remotePeer.toString()))]

  pubsub.topicValidators.set(topic, (_peer, msg) => {
    if (msg.type !== 'signed') return TopicValidatorResult.Reject
    try { decodeLightPeerAnnounce(msg.data, msg.from.toString()); return TopicValidatorResult.Accept } catch { return TopicValidatorResult.Reject }
  })
  const onMessage = (evt: CustomEvent<any>): void => {
    const msg = evt.detail
    if (msg.topic !== topic || msg.type !== 'signed') return
    try {
      const a = decodeLightPeerAnnounce(msg.data, msg.from.toString())
      if (a.peerId === self || o.isFullNode(a.peerId)) return
      known.delete(a.peerId)
      known.set(a.peerId, a.addrs)
      while (known.size > MAX_KNOWN) known.delete(known.keys().next().value!)
    } catch {}
  }
  pubsub.addEventListener('message', onMessage)
  pubsub.subscribe(topic)

  const announce = async (): Promise<void> => {
    const addrs = libp2p.getMultiaddrs().map(m => m.toString()).filter(a => a.includes('/p2p-circuit/webrtc/')).slice(0, 8)
    if (addrs.length === 0) return
    await pubsub.publish(topic, encodeLightPeerAnnounce({ peerId: self, addrs }))
  }
  const dialSome = async (): Promise<void> => {
    const have = new Set(connected())
    const room = maxPeers - have.size - dialing.size
    if (room <= 0) return
    // only the side with the smaller peer id dials: two pages dialling each other at once over the
    // relay made the handshakes collide (measured: ~6 s instead of ~150 ms)
    const candidates = [...known.keys()].reverse().filter(id => id > self && !have.has(id) && !dialing.has(id) && !o.isBanned(id)).slice(0, room)
    await Promise.all(candidates.map(async (id) => {
      dialing.add(id)
      const t0 = Date.now()
      try {
        const addrs = known.get(id) ?? []
        const conn = await withTimeout(o.signal, 20_000, async (signal) => await libp2p.dial(addrs.map(a => multiaddr(a)), { signal }))
        // an open connection of another kind comes back as is: that is no WebRTC connection yet
        if (!isDirectWebRtc(conn)) throw new Error(`the dial gave a ${conn.limits === undefined ? '' : 'limited '}${transportOf(conn.remoteAddr.toString())} connection, not direct WebRTC`)
        noteDial(id, t0)
      } catch (err) {
        noteDial(id, t0, err as Error)
        o.log(`webrtc dial ${id} failed: ${(err as Error).message}`)
        // unreachable for now: forget it until it announces again
        known.delete(id)
      } finally { dialing.delete(id) }
    }))
  }
  const loop = (): void => {
    if (stopped || o.signal.aborted) return
    Promise.allSettled([announce(), dialSome()])
      .finally(() => { if (!stopped) timer = setTimeout(loop, o.periodMs ?? 3_000) })
      .catch(() => {})
  }
  loop()
  const stop = (): void => {
    if (stopped) return
    stopped = true
    clearTimeout(timer)
    pubsub.removeEventListener('message', onMessage)
    pubsub.topicValidators.delete(topic)
    try { pubsub.unsubscribe(topic) } catch {}
  }
  o.signal.addEventListener('abort', stop, { once: true })

  return {
    connected,
    known: () => [...known.keys()],
    dials: () => dials.slice(),
    peerInfo: () => libp2p.getConnections().map(c => {
      const id = c.remotePeer.toString()
      const remoteAddr = c.remoteAddr.toString()
      return { peerId: id, kind: o.isFullNode(id) ? 'full' : 'browser', transport: transportOf(remoteAddr), remoteAddr, limited: c.limits !== undefined }
    }),
    stop
  }
}
