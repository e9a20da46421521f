/**
 * A LightTransport for Node over libp2p, created through Helia (DESIGN §2b: createHeliaLight →
 * withLibp2pLight → withBitswap → start()): TCP + WebSockets, Noise, Yamux, identify, ping,
 * gossipsub on `glowmesh/<chainId>/headers`. It dials only the full nodes it is given (redialled
 * while down) — no bootstrap list, no mDNS, no DHT — and asks them with fullnode/net's clients.
 * Peers reported for lies are hung up on and not redialled for a while.
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
import { tcp } from '@libp2p/tcp'
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
import type { LightStore, LightTransport, PeerOffence, PeerRef } from '../types.js'
import type { Blockstore } from 'interface-blockstore'
import { lightStoreBlockstore } from '../../fullnode/ipfs/light-blockstore.js'

/** Options of createNodeTransport. */
export interface NodeTransportOptions {
  /** Our ed25519 key (key.json's seed, base64 or bytes): the libp2p identity and node id. */
  key: { privateKey: Uint8Array | string, publicKey?: Uint8Array | string }
  chainId: string
  /** Full nodes' multiaddrs (each ending in /p2p/<id>); webrtc-direct ones are skipped (not in Node's transport set). */
  peers: string[]
  /** Addresses to listen on (default none: challenges arrive on the connections we open). */
  listen?: string[]
  /** Redial period for peers that dropped, ms; default 5 s. */
  redialMs?: number
  /** How long a peer reported for lying is not redialled, ms; default 10 minutes. */
  banMs?: number
  /** Per-request timeout, ms (default fullnode/net's: 10 s, 30 s for txs). */
  timeoutMs?: number
  signal?: AbortSignal
  log?: (message: string) => void
  /** Where Helia keeps the IPFS blocks this light node holds and serves over bitswap (e.g. a createFileStore folder); default in memory. */
  blocks?: LightStore
}

/** The transport plus what only Node callers need. */
export interface NodeTransport extends LightTransport {
  libp2p: Libp2p
  /** Helia's blockstore: blocks put here are served to peers over bitswap (and kept in `blocks`). */
  blockstore: Blockstore
  /** Resolves once at least `count` full nodes are connected. */
  waitForPeers: (count: number, options?: { signal?: AbortSignal }) => Promise<void>
}

const LIES: ReadonlySet<PeerOffence> = new Set(['forged-header', 'insufficient-commit', 'bad-sample', 'bad-segment', 'malformed'])

/**
 * Starts a Helia-owned libp2p node and wraps it as a LightTransport.
 * @example
 * const transport = await createNodeTransport({ key, chainId: 'glowmesh-devnet', peers: (await rpc.bootstrap()).multiaddrs })
 * const node = createLightNode({ transport, store, genesis })
 */
export async function createNodeTransport (options: NodeTransportOptions): Promise<NodeTransport> {
  options.signal?.throwIfAborted()
  const log = options.log ?? (() => {})
  const privateKey = await libp2pKey(options.key)
  const banned = new Map<string, number>()
  const isBanned = (id: string): boolean => (banned.get(id) ?? 0) > Date.now()
  const addrs: Multiaddr[] = options.peers.filter(a => !a.includes('/webrtc')).map(a => multiaddr(a))
  const fullNodes = new Map<string, Multiaddr[]>()
  for (const ma of addrs) {
    const id = ma.getComponents().findLast(c => c.name === 'p2p')?.value
    if (id === undefined) continue
    fullNodes.set(id, [...(fullNodes.get(id) ?? []), ma])
  }
  const helia = withBitswap(withLibp2pLight(createHeliaLight({ blockstore: options.blocks === undefined ? undefined : lightStoreBlockstore(options.blocks) }), {
    privateKey,
    addresses: { listen: options.listen ?? [] },
    transports: [tcp(), webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: [],
    connectionGater: {
      // the full nodes are on loopback / private addresses (DESIGN §10)
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

  // Headers are verified by the core; here only well-formedness (so we never forward junk).
  pubsub.topicValidators.set(topic, (_peer, msg) => {
    try { decodePush(SYNC_PROTOCOL, msg.data); return TopicValidatorResult.Accept } catch { return TopicValidatorResult.Reject }
  })
  pubsub.addEventListener('message', (evt) => {
    const msg = evt.detail
    if (msg.topic !== topic) return
    const from = evt.detail.type === 'signed' ? evt.detail.from.toString() : undefined
    if (from === undefined) return
    let lb: LightBlock
    try { lb = lightBlockFromWire(decodePush(SYNC_PROTOCOL, msg.data).lightBlock!) } catch { return }
    for (const fn of headerListeners) { try { fn(lb, from) } catch {} }
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
  const onAbort = (): void => { transport.close().catch(() => {}) }
  options.signal?.addEventListener('abort', onAbort, { once: true })

  const pid = (peer: PeerRef): PeerId => peerIdFromString(peer)
  const req = (o?: { signal?: AbortSignal }): { signal?: AbortSignal, timeoutMs?: number } => ({ signal: o?.signal, timeoutMs: options.timeoutMs })

  const transport: NodeTransport = {
    libp2p,
    blockstore: helia.blockstore,
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
      // statuses are the core's to judge (NOT_AVAILABLE is evidence of withholding): no throw here
      return await request(libp2p, pid(peer), SAMPLE_PROTOCOL, { height, columns }, req(o))
    },
    async flowSegment (peer, position, o) {
      // unproven raw flow bytes (the PoRA module compares peers / checks against on-chain roots)
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
      options.signal?.removeEventListener('abort', onAbort)
      controller.abort()
      clearTimeout(redial)
      try { pubsub.unsubscribe(topic) } catch {}
      await helia.stop()
    }
  }
  return transport
}
