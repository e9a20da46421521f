/**
 * A LightTransport for browsers over libp2p, created through Helia (createHeliaLight →
 * withLibp2pLight → withBitswap): WebSockets and WebRTC-direct to full nodes, WebRTC to other
 * browsers through the full nodes' circuit relay (listening on `/p2p-circuit` + `/webrtc`, so the
 * page holds a relay reservation and is dialable as `<relay>/p2p-circuit/webrtc/p2p/<id>`; discovery
 * in browser-peers.ts), Noise, Yamux, identify, ping, gossipsub on `glowmesh/<chainId>/headers`.
 * It dials only the full nodes it is given (redialled while down) and asks them with fullnode/net's
 * clients — the same request code as client/node/transport.ts. Validators push challenges over the
 * connections we opened (`handleChallenges`).
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { withBitswap } from '@helia/bitswap'
import { withLibp2pLight } from '@helia/libp2p'
import { gossipsub, TopicValidatorResult, type GossipSub } from '@libp2p/gossipsub'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import type { Libp2p, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { ping } from '@libp2p/ping'
import { webRTC, webRTCDirect } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { createHeliaLight } from 'helia'
import { request, requestFlow, requestLightBlocks, requestSegment, submitTxOverP2p } from '../../fullnode/net/client.js'
import { InvalidResponseError, NetStoppedError } from '../../fullnode/net/errors.js'
import { headersTopic, MAX_GOSSIP_BYTES } from '../../fullnode/net/gossip.js'
import { libp2pKey } from '../../fullnode/net/key.js'
import { lightBlockFromWire } from '../../fullnode/net/lightblock.js'
import { readFrame, writeFrame } from '../../fullnode/net/stream.js'
import type { LightBlock } from '../../protocol/chain/index.js'
import {
  CHALLENGE_PROTOCOL, SAMPLE_PROTOCOL, SYNC_PROTOCOL, decodePush, decodeRequest, encodeResponse, getProtocol,
  type Challenge, type ChallengeAnswer
} from '../../protocol/wire/index.js'
import type { LightTransport, PeerOffence, PeerRef } from '../types.js'
import { startBrowserPeers, type BrowserPeers, type PeerInfo } from './browser-peers.js'

/** Options of createBrowserTransport. */
export interface BrowserTransportOptions {
  /** Our ed25519 seed (32 bytes or base64): the libp2p identity. */
  key: { privateKey: Uint8Array | string }
  chainId: string
  /** Full nodes' multiaddrs from `/bootstrap` (each ending in /p2p/<id>); WebSockets and WebRTC-direct ones are dialled. */
  peers: string[]
  /** Other browsers kept connected over WebRTC; default 4 (0 = no browser peers, no relay reservation). */
  maxBrowserPeers?: number
  /** Light-peer announce/dial period, ms; default 3 s. */
  announceMs?: number
  /** Redial period for peers that dropped, ms; default 5 s. */
  redialMs?: number
  /** How long a peer reported for lying is not redialled, ms; default 10 minutes. */
  banMs?: number
  /** Per-request timeout, ms (default fullnode/net's). */
  timeoutMs?: number
  log?: (message: string) => void
}

/** The transport plus what tests and the page need. */
export interface BrowserTransport extends LightTransport {
  libp2p: Libp2p
  /** Resolves once at least `count` full nodes are connected. */
  waitForPeers: (count: number, options?: { signal?: AbortSignal }) => Promise<void>
  /** Every open connection: `{ peerId, kind: 'full' | 'browser', transport, remoteAddr, limited }`. */
  peerInfo: () => PeerInfo[]
  /** Browser peers connected over direct WebRTC. */
  lightPeers: () => PeerRef[]
  /** The last 32 browser dials (through the relay to a direct WebRTC connection): `{ peerId, ms, ok }`. */
  browserDials: () => Array<{ peerId: string, ms: number, ok: boolean }>
}

const LIES: ReadonlySet<PeerOffence> = new Set(['forged-header', 'insufficient-commit', 'bad-sample', 'bad-segment', 'malformed'])

/** Whether a multiaddr is one this transport can dial (ws / wss, not webrtc or tcp-only). */
function isWebSocket (ma: string): boolean { return /\/(ws|wss|tls\/ws)(\/|$)/.test(ma) && !ma.includes('/webrtc') }
/** Whether a multiaddr is a full node's WebRTC-direct listener (with its certhash). */
function isWebRtcDirect (ma: string): boolean { return ma.includes('/webrtc-direct/') && ma.includes('/certhash/') }

/**
 * Starts a Helia-owned libp2p node in the page and wraps it as a LightTransport.
 * @example
 * const transport = await createBrowserTransport({ key: { privateKey: seed }, chainId, peers: bootstrap.multiaddrs })
 * const node = createLightNode({ transport, store, genesis })
 */
export async function createBrowserTransport (options: BrowserTransportOptions): Promise<BrowserTransport> {
  const log = options.log ?? (() => {})
  const privateKey = await libp2pKey(options.key)
  const banned = new Map<string, number>()
  const isBanned = (id: string): boolean => (banned.get(id) ?? 0) > Date.now()
  const fullNodes = new Map<string, Multiaddr[]>()
  for (const s of options.peers.filter(a => isWebSocket(a) || isWebRtcDirect(a))) {
    const ma = multiaddr(s)
    const id = ma.getComponents().findLast(c => c.name === 'p2p')?.value
    if (id === undefined) continue
    fullNodes.set(id, [...(fullNodes.get(id) ?? []), ma])
  }
  const helia = withBitswap(withLibp2pLight(createHeliaLight({}), {
    privateKey,
    addresses: { listen: (options.maxBrowserPeers ?? 4) > 0 ? ['/p2p-circuit', '/webrtc'] : [] },
    transports: [
      webSockets(),
      webRTCDirect({ rtcConfiguration: { iceServers: [] } }),
      // loopback/LAN: no STUN/TURN (DESIGN §10)
      webRTC({ rtcConfiguration: { iceServers: [] } }),
      circuitRelayTransport({ reservationCompletionTimeout: 10_000 })
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: [],
    connectionGater: {
      // full nodes on loopback / private addresses (DESIGN §10)
      denyDialMultiaddr: () => false,
      denyDialPeer: (peer: PeerId) => isBanned(peer.toString()),
      denyInboundEncryptedConnection: (peer: PeerId) => isBanned(peer.toString())
    },
    connectionManager: { maxConnections: 64, inboundConnectionThreshold: 20 },
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, doPX: false, maxInboundDataLength: MAX_GOSSIP_BYTES + 4096, emitSelf: false })
    }
  }))
  await helia.start()
  const libp2p = helia.libp2p as unknown as Libp2p<{ pubsub: GossipSub }>
  const pubsub = libp2p.services.pubsub
  const topic = headersTopic(options.chainId)
  const controller = new AbortController()
  let stopped = false
  let redial: ReturnType<typeof setTimeout> | undefined
  const headerListeners: Array<(lb: LightBlock, from: PeerRef) => void> = []

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
      // every other full node over WebRTC-direct first (the rest WebSockets first), falling back to the other
      const rtc = mas.filter(m => isWebRtcDirect(m.toString()))
      const ws = mas.filter(m => !isWebRtcDirect(m.toString()))
      const order = (i % 2 === 1 ? [rtc, ws] : [ws, rtc]).filter(g => g.length > 0)
      for (const group of order) {
        try {
          await libp2p.dial(group, { signal: AbortSignal.any([controller.signal, AbortSignal.timeout(10_000)]) })
          return
        } catch (err) { log(`dial ${id} (${group[0].toString()}) failed: ${(err as Error).message}`) }
      }
    }))
  }
  const loop = (): void => {
    if (stopped) return
    dialAll().finally(() => { if (!stopped) redial = setTimeout(loop, options.redialMs ?? 5_000) }).catch(() => {})
  }
  loop()
  const browsers: BrowserPeers | undefined = (options.maxBrowserPeers ?? 4) > 0
    ? startBrowserPeers({ libp2p, chainId: options.chainId, isFullNode: (id) => fullNodes.has(id), isBanned, maxPeers: options.maxBrowserPeers, periodMs: options.announceMs, signal: controller.signal, log })
    : undefined

  const pid = (peer: PeerRef): PeerId => peerIdFromString(peer)
  const req = (o?: { signal?: AbortSignal }): { signal?: AbortSignal, timeoutMs?: number } => ({ signal: o?.signal, timeoutMs: options.timeoutMs })

  const transport: BrowserTransport = {
    libp2p,
    peers: connected,
    lightPeers: () => browsers?.connected().filter(id => !isBanned(id)) ?? [],
    browserDials: () => browsers?.dials() ?? [],
    peerInfo: () => browsers?.peerInfo() ?? libp2p.getConnections().map(c => ({ peerId: c.remotePeer.toString(), kind: 'full' as const, transport: c.remoteAddr.toString().includes('/webrtc-direct') ? 'webrtc-direct' as const : 'websockets' as const, remoteAddr: c.remoteAddr.toString(), limited: c.limits !== undefined })),
    async lightBlock (peer, height, o) {
      const [lb] = await requestLightBlocks(libp2p, pid(peer), { from: height, count: 1, ...req(o) })
      if (lb === undefined) throw new InvalidResponseError(`peer has no block at ${String(height)}`)
      return lb
    },
    async lightBlocks (peer, from, count, o) {
      return await requestLightBlocks(libp2p, pid(peer), { from, count: Math.min(32, count), ...req(o) })
    },
    async sample (peer, height, columns, o) {
      return await request(libp2p, pid(peer), SAMPLE_PROTOCOL, { height, columns }, req(o))
    },
    async flowSegment (peer, position, o) {
      return { bytes: await requestFlow(libp2p, pid(peer), { position, ...req(o) }) }
    },
    async segment (peer, root, index, o) {
      // unverified here: client/files.ts checks it against the root with the proven file size
      return await requestSegment(libp2p, pid(peer), { root, index, signal: o?.signal, timeoutMs: options.timeoutMs })
    },
    async submitTx (peer, tx, o) {
      return await submitTxOverP2p(libp2p, pid(peer), tx, req(o))
    },
    handleChallenges (handler) {
      // validators push challenges over the connection we opened (as client/node/transport.ts)
      const { maxRequestBytes } = getProtocol(CHALLENGE_PROTOCOL)
      libp2p.handle(CHALLENGE_PROTOCOL, async (stream, connection) => {
        const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(60_000)])
        try {
          const challenge = decodeRequest(CHALLENGE_PROTOCOL, await readFrame(stream, { maxBytes: maxRequestBytes, signal })) as Challenge
          const answer: ChallengeAnswer = await handler(challenge, connection.remotePeer.toString())
          await writeFrame(stream, encodeResponse(CHALLENGE_PROTOCOL, answer), { signal })
          await stream.close({ signal })
        } catch (err) {
          log(`challenge from ${connection.remotePeer.toString()}: ${(err as Error).message}`)
          stream.abort(err as Error)
        }
      }).catch((err: Error) => { log(`cannot handle challenges: ${err.message}`) })
    },
    onHeader (listener) { headerListeners.push(listener) },
    reportPeer (peer, offence, detail) {
      log(`reported ${peer}: ${offence}${detail === undefined ? '' : `: ${detail}`}`)
      if (!LIES.has(offence)) return
      banned.set(peer, Date.now() + (options.banMs ?? 600_000))
      try { libp2p.hangUp(pid(peer)).catch(() => {}) } catch {}
    },
    localPeerId: () => libp2p.peerId.toString(),
    async waitForPeers (count, o = {}) {
      while (connected().length < count) {
        o.signal?.throwIfAborted()
        if (stopped) throw new NetStoppedError()
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    },
    async close () {
      if (stopped) return
      stopped = true
      controller.abort()
      clearTimeout(redial)
      browsers?.stop()
      try { pubsub.unsubscribe(topic) } catch {}
      await helia.stop()
    }
  }
  return transport
}
