/**
 * A LightTransport for Node over libp2p, created through Helia (DESIGN §2b: createHeliaLight →
 * withLibp2pLight → withBitswap → start()): TCP + WebSockets, Noise, Yamux, identify, ping,
 * gossipsub on `glowmesh/<chainId>/headers`. It dials only the full nodes it is given (redialled
 * while down) — no bootstrap list, no mDNS, no DHT. Dialling, requests, header gossip, challenges
 * and bans are client/libp2p/light-transport.ts (shared with client/browser/transport.ts); here:
 * Node's libp2p (TCP, listen addresses, the blockstore) and the `signal` that closes it.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { withBitswap } from '@helia/bitswap'
import { withLibp2pLight } from '@helia/libp2p'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Libp2p } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { createHeliaLight } from 'helia'
import { libp2pKey } from '../../fullnode/net/key.js'
import type { LightStore, LightTransport } from '../types.js'
import type { Blockstore } from 'interface-blockstore'
import { lightStoreBlockstore } from '../../fullnode/ipfs/light-blockstore.js'
import { createBanList, fullNodeAddrs, lightConnectionGater, lightServices, wrapLibp2pTransport } from '../libp2p/light-transport.js'

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

/**
 * Starts a Helia-owned libp2p node and wraps it as a LightTransport.
 * @example
 * const transport = await createNodeTransport({ key, chainId: 'glowmesh-devnet', peers: (await rpc.bootstrap()).multiaddrs })
 * const node = createLightNode({ transport, store, genesis })
 */
export async function createNodeTransport (options: NodeTransportOptions): Promise<NodeTransport> {
  options.signal?.throwIfAborted()
  const privateKey = await libp2pKey(options.key)
  const bans = createBanList(options.banMs)
  const fullNodes = fullNodeAddrs(options.peers.filter(a => !a.includes('/webrtc')))
  const helia = withBitswap(withLibp2pLight(createHeliaLight({ blockstore: options.blocks === undefined ? undefined : lightStoreBlockstore(options.blocks) }), {
    privateKey,
    addresses: { listen: options.listen ?? [] },
    transports: [tcp(), webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: [],
    connectionGater: lightConnectionGater(bans.isBanned),
    services: lightServices()
  }))
  await helia.start()
  const libp2p = helia.libp2p as unknown as Libp2p<{ pubsub: GossipSub }>
  const onAbort = (): void => { base.close().catch(() => {}) }
  const base = wrapLibp2pTransport({
    libp2p,
    chainId: options.chainId,
    fullNodes,
    bans,
    redialMs: options.redialMs,
    timeoutMs: options.timeoutMs,
    log: options.log,
    onClose: () => { options.signal?.removeEventListener('abort', onAbort) },
    stop: async () => { await helia.stop() }
  })
  options.signal?.addEventListener('abort', onAbort, { once: true })
  return { ...base, libp2p, blockstore: helia.blockstore }
}
