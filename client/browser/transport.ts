/**
 * A LightTransport for browsers over libp2p, created through Helia (createHeliaLight →
 * withLibp2pLight → withBitswap): WebSockets and WebRTC-direct to full nodes, WebRTC to other
 * browsers through the full nodes' circuit relay (listening on `/p2p-circuit` + `/webrtc`, so the
 * page holds a relay reservation and is dialable as `<relay>/p2p-circuit/webrtc/p2p/<id>`; discovery
 * in browser-peers.ts), Noise, Yamux, identify, ping, gossipsub on `glowmesh/<chainId>/headers`.
 * Dialling the given full nodes (redialled while down), requests, header gossip, challenges and bans
 * are client/libp2p/light-transport.ts, shared with client/node/transport.ts; here: the browser's
 * libp2p, the alternating WebRTC-direct / WebSockets dial order, and the browser peers.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { withBitswap } from '@helia/bitswap'
import { withLibp2pLight } from '@helia/libp2p'
import type { GossipSub } from '@libp2p/gossipsub'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import type { Libp2p } from '@libp2p/interface'
import { webRTC, webRTCDirect } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { createHeliaLight } from 'helia'
import { libp2pKey } from '../../fullnode/net/key.js'
import type { LightTransport, PeerRef } from '../types.js'
import { createBanList, fullNodeAddrs, lightConnectionGater, lightServices, wrapLibp2pTransport } from '../libp2p/light-transport.js'
import { startBrowserPeers, transportOf, type BrowserDial, type BrowserPeers, type PeerInfo } from './browser-peers.js'

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
  /** The last 32 browser dials (through the relay to a direct WebRTC connection): `{ peerId, at, ms, ok, error? }`. */
  browserDials: () => BrowserDial[]
  /** Browsers heard announcing on the light-peers topic (oldest first), dial candidates. */
  browserKnown: () => string[]
}

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
  const bans = createBanList(options.banMs)
  const fullNodes = fullNodeAddrs(options.peers.filter(a => isWebSocket(a) || isWebRtcDirect(a)))
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
    connectionGater: lightConnectionGater(bans.isBanned),
    connectionManager: { maxConnections: 64, inboundConnectionThreshold: 20 },
    services: lightServices()
  }))
  await helia.start()
  const libp2p = helia.libp2p as unknown as Libp2p<{ pubsub: GossipSub }>
  let browsers: BrowserPeers | undefined
  const base = wrapLibp2pTransport({
    libp2p,
    chainId: options.chainId,
    fullNodes,
    bans,
    // every other full node over WebRTC-direct first (the rest WebSockets first), falling back to the other
    dialGroups: (mas, i) => {
      const rtc = mas.filter(m => isWebRtcDirect(m.toString()))
      const ws = mas.filter(m => !isWebRtcDirect(m.toString()))
      return (i % 2 === 1 ? [rtc, ws] : [ws, rtc]).filter(g => g.length > 0)
    },
    redialMs: options.redialMs,
    timeoutMs: options.timeoutMs,
    log,
    onClose: () => { browsers?.stop() },
    stop: async () => { await helia.stop() }
  })
  browsers = (options.maxBrowserPeers ?? 4) > 0
    ? startBrowserPeers({ libp2p, chainId: options.chainId, isFullNode: (id) => fullNodes.has(id), isBanned: bans.isBanned, maxPeers: options.maxBrowserPeers, periodMs: options.announceMs, signal: base.signal, log })
    : undefined

  return {
    ...base,
    libp2p,
    lightPeers: () => browsers?.connected().filter(id => !bans.isBanned(id)) ?? [],
    browserDials: () => browsers?.dials() ?? [],
    browserKnown: () => browsers?.known() ?? [],
    peerInfo: () => browsers?.peerInfo() ?? libp2p.getConnections().map(c => ({ peerId: c.remotePeer.toString(), kind: 'full' as const, transport: transportOf(c.remoteAddr.toString()), remoteAddr: c.remoteAddr.toString(), limited: c.limits !== undefined }))
  }
}
