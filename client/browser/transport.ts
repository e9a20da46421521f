/**
 * A LightTransport for browsers over libp2p, created through Helia (createHeliaLight →
 * withLibp2pLight → withBitswap): WebSockets only for now (WebRTC-direct and browser↔browser WebRTC
 * come next), Noise, Yamux, identify, ping, gossipsub on `glowmesh/<chainId>/headers`. It dials only
 * the full nodes it is given (redialled while down) and asks them with fullnode/net's clients — the
 * same request code as client/node/transport.ts, which is this minus TCP and plus listening.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { withBitswap } from '@helia/bitswap'
import { withLibp2pLight } from '@helia/libp2p'
import { gossipsub, TopicValidatorResult, type GossipSub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import type { Libp2p, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { ping } from '@libp2p/ping'
import { webSockets } from '@libp2p/websockets'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { createHeliaLight } from 'helia'
import { request, requestFlow, requestLightBlocks, submitTxOverP2p } from '../../fullnode/net/client.js'
import { InvalidResponseError, NetStoppedError } from '../../fullnode/net/errors.js'
import { headersTopic, MAX_GOSSIP_BYTES } from '../../fullnode/net/gossip.js'
import { libp2pKey } from '../../fullnode/net/key.js'
import { lightBlockFromWire } from '../../fullnode/net/lightblock.js'
import type { LightBlock } from '../../protocol/chain/index.js'
import { SAMPLE_PROTOCOL, SYNC_PROTOCOL, decodePush } from '../../protocol/wire/index.js'
import type { LightTransport, PeerOffence, PeerRef } from '../types.js'

/** Options of createBrowserTransport. */
export interface BrowserTransportOptions {
  /** Our ed25519 seed (32 bytes or base64): the libp2p identity. */
  key: { privateKey: Uint8Array | string }
  chainId: string
  /** Full nodes' multiaddrs from `/bootstrap` (each ending in /p2p/<id>); only WebSockets ones are dialled for now. */
  peers: string[]
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
}

const LIES: ReadonlySet<PeerOffence> = new Set(['forged-header', 'insufficient-commit', 'bad-sample', 'bad-segment', 'malformed'])

/** Whether a multiaddr is one this transport can dial (ws / wss, not webrtc or tcp-only). */
function isWebSocket (ma: string): boolean { return /\/(ws|wss|tls\/ws)(\/|$)/.test(ma) && !ma.includes('/webrtc') }

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
  for (const s of options.peers.filter(isWebSocket)) {
    const ma = multiaddr(s)
    const id = ma.getComponents().findLast(c => c.name === 'p2p')?.value
    if (id === undefined) continue
    fullNodes.set(id, [...(fullNodes.get(id) ?? []), ma])
  }
  const helia = withBitswap(withLibp2pLight(createHeliaLight({}), {
    privateKey,
    addresses: { listen: [] },
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: [],
    connectionGater: {
      // full nodes on loopback / private addresses (DESIGN §10)
      denyDialMultiaddr: () => false,
      denyDialPeer: (peer: PeerId) => isBanned(peer.toString()),
      denyInboundEncryptedConnection: (peer: PeerId) => isBanned(peer.toString())
    },
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
    await Promise.all([...fullNodes].map(async ([id, mas]) => {
      if (have.has(id) || isBanned(id)) return
      try {
        await libp2p.dial(mas, { signal: AbortSignal.any([controller.signal, AbortSignal.timeout(10_000)]) })
      } catch (err) { log(`dial ${id} failed: ${(err as Error).message}`) }
    }))
  }
  const loop = (): void => {
    if (stopped) return
    dialAll().finally(() => { if (!stopped) redial = setTimeout(loop, options.redialMs ?? 5_000) }).catch(() => {})
  }
  loop()

  const pid = (peer: PeerRef): PeerId => peerIdFromString(peer)
  const req = (o?: { signal?: AbortSignal }): { signal?: AbortSignal, timeoutMs?: number } => ({ signal: o?.signal, timeoutMs: options.timeoutMs })

  const transport: BrowserTransport = {
    libp2p,
    peers: connected,
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
    async submitTx (peer, tx, o) {
      return await submitTxOverP2p(libp2p, pid(peer), tx, req(o))
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
      try { pubsub.unsubscribe(topic) } catch {}
      await helia.stop()
    }
  }
  return transport
}
