/**
 * createNetNode: the full node's libp2p, created through Helia (DESIGN §2b: Helia owns it; our
 * protocols are handled on `helia.libp2p`). TCP, WebSockets and WebRTC-direct listeners on the
 * config's ports, a circuit-relay-v2 server, Noise, Yamux, identify, ping, gossipsub, bitswap.
 * No public-network defaults: no bootstrap list, no mDNS, no delegated routing, no DHT — the only
 * peers it dials are the ones passed in.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { withBitswap } from '@helia/bitswap'
import { withLibp2pLight, type HeliaWithLibp2p } from '@helia/libp2p'
import { circuitRelayServer } from '@libp2p/circuit-relay-v2'
import { gossipsub, type GossipSub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import type { Libp2p, Logger, PeerId } from '@libp2p/interface'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { webRTCDirect } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { createHeliaLight, type HeliaInit } from 'helia'
import type { LightBlock } from '../../protocol/chain/index.js'
import type { NodeConfig } from '../config.js'
import { NetStoppedError } from './errors.js'
import { Gossip, MAX_GOSSIP_BYTES } from './gossip.js'
import { fullNodeGossipOptions } from './gossip-params.js'
import { coalesceWrites } from './coalesce.js'
import type { ProtocolHandler } from './handler.js'
import { DEFAULT_HANDLERS } from './handlers/index.js'
import { libp2pKey, type NetKey } from './key.js'
import { cacheLightBlocks, type LightBlockCacheOptions } from './lightblock-cache.js'
import { PeerScores, type Offence, type PeerScoreOptions, type PenaltyResult } from './peer-score.js'
import { RateLimiter } from './rate-limit.js'
import { DEFAULT_SERVER_LIMITS, RequestServer, type ServerLimits } from './server.js'
import type { NetServices } from './services.js'
import { withTimeout } from '../../protocol/signals.js'

/** The libp2p services a full node runs. */
export interface NetLibp2pServices {
  identify: ReturnType<ReturnType<typeof identify>>
  ping: ReturnType<ReturnType<typeof ping>>
  pubsub: GossipSub
  relay: ReturnType<ReturnType<typeof circuitRelayServer>>
  [key: string]: unknown
}

/** Options of createNetNode. */
export interface NetNodeOptions {
  /** Our ed25519 key (key.json's seed, optionally its public key to check). */
  key: NetKey
  /** The node's config.json: `chainId` and `p2p { host, tcp, ws, webrtcDirect }` (0 = any free port). */
  config: Pick<NodeConfig, 'chainId' | 'p2p'>
  /** Multiaddrs (with /p2p/<id>) of the only peers we dial; redialled while we run. */
  peers?: Array<string | Multiaddr>
  /** What the protocols serve (light blocks, segments, tx relay). */
  services: NetServices
  /** Aborts start-up; once started, aborting it stops the node. */
  signal?: AbortSignal
  /** Protocol handlers; default sync, segment, tx. */
  handlers?: ReadonlyArray<ProtocolHandler<any>>
  /** Timeouts, stream caps and rate limits of the request server. */
  limits?: Partial<ServerLimits>
  /** Peer scoring and bans. */
  scoring?: Partial<PeerScoreOptions>
  /** Helia's block and data stores; default in memory (the flow-log-backed blockstore comes with the gateway issue). */
  blockstore?: HeliaInit['blockstore']
  datastore?: HeliaInit['datastore']
  /** Max open connections (default 1500: ≥ 1,000 light clients per full node, issue 13) and inbound connection attempts per host per second (default 50). */
  connections?: { max?: number, inboundThreshold?: number }
  /** The cache in front of `services.lightBlock` (lightblock-cache.ts); `false` turns it off. */
  lightBlockCache?: LightBlockCacheOptions | false
  /** Fan-out tuning (default on): coalesced TCP writes (coalesce.ts) and the full-node gossipsub settings (gossip-params.ts); `false` = js-libp2p's defaults. */
  fanoutTuning?: boolean
  /** How often to redial `peers` that dropped, ms; default 5 s. */
  redialMs?: number
  /** Every valid header heard on gossip. */
  onHeader?: (lightBlock: LightBlock, from: PeerId) => void
  /** Every penalty handed out (metrics, tests). */
  onPenalty?: (peer: PeerId, offence: Offence, result: PenaltyResult) => void
}

/** A running network node. */
export interface NetNode {
  helia: HeliaWithLibp2p<NetLibp2pServices>
  libp2p: Libp2p<NetLibp2pServices>
  peerId: PeerId
  /** DESIGN §4: the 32-byte ed25519 public key of the libp2p identity. */
  nodeId: Uint8Array
  scores: PeerScores
  /** Listening addresses, each ending in /p2p/<peerId>. */
  multiaddrs: () => Multiaddr[]
  /** Publishes a light block on `glowmesh/<chainId>/headers`. */
  publishHeader: (lightBlock: LightBlock) => Promise<void>
  /** Publishes a signed tx on `glowmesh/<chainId>/txs`. */
  publishTx: (tx: Uint8Array) => Promise<void>
  /** Stops Helia and libp2p; idempotent. */
  stop: () => Promise<void>
}

function ipProto (host: string): 'ip4' | 'ip6' {
  return host.includes(':') ? 'ip6' : 'ip4'
}

/**
 * Listen addresses for a config's `p2p` section.
 * @example listenAddresses({ host: '127.0.0.1', tcp: 0, ws: 0, webrtcDirect: 0 }) // ['/ip4/127.0.0.1/tcp/0', …]
 */
export function listenAddresses (p2p: NodeConfig['p2p']): string[] {
  const ip = `/${ipProto(p2p.host)}/${p2p.host}`
  return [`${ip}/tcp/${p2p.tcp}`, `${ip}/tcp/${p2p.ws}/ws`, `${ip}/udp/${p2p.webrtcDirect}/webrtc-direct`]
}

/**
 * Creates and starts a full node's libp2p (through Helia) with the glowmesh protocols.
 * @example
 * const net = await createNetNode({ key, config, peers: ['/ip4/10.0.0.2/tcp/26660/p2p/12D3…'], services, signal })
 * net.multiaddrs() // [/ip4/127.0.0.1/tcp/26660/p2p/12D3…, …/ws/p2p/…, …/webrtc-direct/certhash/…/p2p/…]
 * await net.publishHeader(lightBlock)
 * await net.stop()
 */
export async function createNetNode (options: NetNodeOptions): Promise<NetNode> {
  options.signal?.throwIfAborted()
  const privateKey = await libp2pKey(options.key)
  const scores = new PeerScores(options.scoring)
  const limiter = new RateLimiter()
  const limits: ServerLimits = { ...DEFAULT_SERVER_LIMITS, ...options.limits, rateLimits: { ...options.limits?.rateLimits } }
  const banned = (peer: PeerId): boolean => scores.isBanned(peer.toString())
  // every light client asks for the newest light block each second: answer them from one fetch
  const services: NetServices = options.lightBlockCache === false
    ? options.services
    : { ...options.services, lightBlock: cacheLightBlocks(options.services.lightBlock, options.lightBlockCache) }

  const helia = withBitswap(withLibp2pLight(createHeliaLight({
    blockstore: options.blockstore,
    datastore: options.datastore
  }), {
    privateKey,
    addresses: { listen: listenAddresses(options.config.p2p) },
    transports: [tcp(), webSockets(), webRTCDirect({ rtcConfiguration: { iceServers: [] } })],
    // one writev per peer per event-loop turn instead of one write per frame (coalesce.ts)
    connectionEncrypters: [options.fanoutTuning === false ? noise() : coalesceWrites(noise())],
    streamMuxers: [yamux()],
    peerDiscovery: [],
    connectionGater: {
      // loopback and private addresses are where our peers are (DESIGN §10)
      denyDialMultiaddr: () => false,
      denyDialPeer: banned,
      denyInboundEncryptedConnection: banned,
      denyOutboundEncryptedConnection: banned
    },
    connectionManager: {
      maxConnections: options.connections?.max ?? 1500,
      inboundConnectionThreshold: options.connections?.inboundThreshold ?? 50
    },
    services: {
      identify: identify(),
      ping: ping(),
      relay: circuitRelayServer(),
      pubsub: gossipsub({
        // content-derived header/tx ids, every light client in the mesh, encode once (gossip-params.ts)
        ...(options.fanoutTuning === false ? {} : fullNodeGossipOptions(options.connections?.max ?? 1500)),
        allowPublishToZeroTopicPeers: true,
        // peer exchange would hand us peers we weren't given
        doPX: false,
        maxInboundDataLength: MAX_GOSSIP_BYTES + 4096,
        emitSelf: false,
        // Light clients behind one address (a NAT, a campus; loopback in tests) must not cost each
        // other: the default IP-colocation penalty (−5 × (peers on the IP − 10)²) pushed every peer
        // of an address with > 13 of them under the publish threshold, so the node stopped sending
        // them headers at all (bench/fanout.mjs: 0 gossip headers at N = 10..1,000). What they may
        // send is validated and rate-limited per peer instead.
        scoreParams: { IPColocationFactorWeight: 0 }
      })
    }
  }))
  const controller = new AbortController()
  const onAbort = (): void => { stop().catch(() => {}) }
  let stopped = false
  let gossip: Gossip | undefined
  let redial: ReturnType<typeof setTimeout> | undefined

  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    options.signal?.removeEventListener('abort', onAbort)
    controller.abort(new NetStoppedError())
    clearTimeout(redial)
    gossip?.close()
    await helia.stop()
  }

  try {
    await helia.start()
    const libp2p = helia.libp2p as Libp2p<NetLibp2pServices>
    const log: Logger = libp2p.logger.forComponent('glowmesh:net')
    const server = new RequestServer({
      libp2p, services, scores, limiter, signal: controller.signal, log, onPenalty: options.onPenalty
    }, limits)
    for (const h of options.handlers ?? DEFAULT_HANDLERS) await server.register(h)
    gossip = new Gossip({
      pubsub: libp2p.services.pubsub,
      chainId: options.config.chainId,
      services,
      limiter,
      punish: (peer) => { server.punish(peer, 'invalidGossip', false) },
      onHeader: options.onHeader,
      signal: controller.signal,
      log
    })
    options.signal?.throwIfAborted()
    options.signal?.addEventListener('abort', onAbort, { once: true })

    const peers = (options.peers ?? []).map(p => typeof p === 'string' ? multiaddr(p) : p)
    const dialAll = async (): Promise<void> => {
      await Promise.all(peers.map(async (ma) => {
        const id = ma.getComponents().findLast(c => c.name === 'p2p')?.value
        if (id !== undefined && libp2p.getConnections().some(c => c.remotePeer.toString() === id)) return
        try {
          await withTimeout(controller.signal, 10_000, async (s) => await libp2p.dial(ma, { signal: s }))
        } catch (err) {
          log('dial %a failed: %s', ma, (err as Error).message)
        }
      }))
    }
    const loop = (): void => {
      if (stopped) return
      dialAll().finally(() => { if (!stopped) redial = setTimeout(loop, options.redialMs ?? 5_000) }).catch(() => {})
    }
    if (peers.length > 0) loop()

    const g = gossip
    return {
      helia: helia as HeliaWithLibp2p<NetLibp2pServices>,
      libp2p,
      peerId: libp2p.peerId,
      nodeId: privateKey.publicKey.raw,
      scores,
      multiaddrs: () => libp2p.getMultiaddrs(),
      publishHeader: async (lb) => { if (stopped) throw new NetStoppedError(); await g.publishHeader(lb) },
      publishTx: async (tx) => { if (stopped) throw new NetStoppedError(); await g.publishTx(tx) },
      stop
    }
  } catch (err) {
    await stop().catch(() => {})
    throw err
  }
}
