/**
 * Gossipsub topics: `glowmesh/<chainId>/headers` (NewHeader, one per committed block) and
 * `glowmesh/<chainId>/txs` (TxRequest). Every message is size-checked and validated with
 * protocol/wire before gossipsub forwards it; an invalid one is rejected (gossipsub scores its
 * sender down) and costs the sender our own score too. Valid txs are relayed to the mempool.
 */
import { TopicValidatorResult, type GossipSub, type Message } from '@libp2p/gossipsub'
import type { Logger, PeerId } from '@libp2p/interface'
import { decodeTx, hashHeader, verifyTx, type LightBlock } from '../../protocol/chain/index.js'
import { equalBytes } from '../../protocol/bytes.js'
import { MESSAGES, SYNC_PROTOCOL, decodeMessage, decodePush, encodeMessage, encodePush } from '../../protocol/wire/index.js'
import { lightBlockFromWire, lightBlockToWire } from './lightblock.js'
import { decodeLightPeerAnnounce, lightPeersTopic } from './light-peers.js'
import type { RateLimit, RateLimiter } from './rate-limit.js'
import type { NetServices } from './services.js'
import { withTimeout } from '../../protocol/signals.js'

/** The header topic of a chain. @example headersTopic('glowmesh-devnet') // 'glowmesh/glowmesh-devnet/headers' */
export function headersTopic (chainId: string): string { return `glowmesh/${chainId}/headers` }
/** The transaction topic of a chain. @example txsTopic('glowmesh-devnet') // 'glowmesh/glowmesh-devnet/txs' */
export function txsTopic (chainId: string): string { return `glowmesh/${chainId}/txs` }

/** Largest gossip payload: a NewHeader or a TxRequest, whichever is bigger. */
export const MAX_GOSSIP_BYTES = Math.max(MESSAGES.newHeader.maxBytes, MESSAGES.txRequest.maxBytes)

/** Components of the gossip layer. */
export interface GossipComponents {
  pubsub: GossipSub
  chainId: string
  services: NetServices
  limiter: RateLimiter
  /** Called with the propagation source of every rejected message. */
  punish: (peer: PeerId) => void
  /** Called for every valid header heard (after the optional verifyHeader). */
  onHeader?: (lightBlock: LightBlock, from: PeerId) => void
  signal: AbortSignal
  log: Logger
}

/** Relayed txs per gossip source before we ignore (not reject) the rest. */
const TX_RELAY_RATE: RateLimit = { burst: 50, perSecond: 20 }
/** Light-peer announcements per gossip source (browsers announce every few seconds) before we ignore the rest. */
const LIGHT_PEER_RATE: RateLimit = { burst: 5, perSecond: 1 }

/**
 * Subscribes to both topics and installs their validators.
 * @example const gossip = new Gossip({ pubsub: helia.libp2p.services.pubsub, chainId, services, … }); await gossip.publishHeader(lb)
 */
export class Gossip {
  readonly headers: string
  readonly txs: string
  /** `glowmesh/<chainId>/light-peers`: browsers' WebRTC addresses, validated and forwarded (light-peers.ts). */
  readonly lightPeers: string
  private readonly onMessage: (evt: CustomEvent<Message>) => void
  constructor (private readonly c: GossipComponents) {
    this.headers = headersTopic(c.chainId)
    this.txs = txsTopic(c.chainId)
    this.lightPeers = lightPeersTopic(c.chainId)
    c.pubsub.topicValidators.set(this.lightPeers, (peer, msg) => this.validateLightPeer(peer, msg))
    c.pubsub.topicValidators.set(this.headers, async (peer, msg) => await this.validateHeader(peer, msg))
    c.pubsub.topicValidators.set(this.txs, (peer, msg) => this.validateTx(peer, msg))
    this.onMessage = (evt) => { this.deliver(evt.detail) }
    c.pubsub.addEventListener('message', this.onMessage)
    c.pubsub.subscribe(this.headers)
    c.pubsub.subscribe(this.txs)
    c.pubsub.subscribe(this.lightPeers)
  }

  /** Publishes a light block on the header topic (the node calls it for each new block). @example await gossip.publishHeader(lb) */
  async publishHeader (lightBlock: LightBlock): Promise<void> {
    await this.c.pubsub.publish(this.headers, encodePush(SYNC_PROTOCOL, { lightBlock: lightBlockToWire(lightBlock) }))
  }

  /** Publishes a signed transaction on the tx topic. @example await gossip.publishTx(encodeTx(signed)) */
  async publishTx (tx: Uint8Array): Promise<void> {
    await this.c.pubsub.publish(this.txs, encodeMessage(MESSAGES.txRequest, { tx }))
  }

  /** Unsubscribes and removes the validators. */
  close (): void {
    const { pubsub } = this.c
    pubsub.removeEventListener('message', this.onMessage)
    pubsub.topicValidators.delete(this.headers)
    pubsub.topicValidators.delete(this.txs)
    pubsub.topicValidators.delete(this.lightPeers)
    try { pubsub.unsubscribe(this.headers); pubsub.unsubscribe(this.txs); pubsub.unsubscribe(this.lightPeers) } catch {}
  }

  private reject (peer: PeerId, why: string): TopicValidatorResult {
    this.c.log('gossip from %p rejected: %s', peer, why)
    this.c.punish(peer)
    return TopicValidatorResult.Reject
  }

  private async validateHeader (peer: PeerId, msg: Message): Promise<TopicValidatorResult> {
    let lb: LightBlock
    try {
      lb = lightBlockFromWire(decodePush(SYNC_PROTOCOL, msg.data).lightBlock!)
    } catch (err) {
      return this.reject(peer, (err as Error).message)
    }
    if (lb.signedHeader.header.chainId !== this.c.chainId) return this.reject(peer, `header of chain '${lb.signedHeader.header.chainId}'`)
    const verify = this.c.services.verifyHeader
    if (verify === undefined) {
      // Every light client is in our mesh (gossip-params.ts), so whatever we accept reaches all of
      // them: forward only a header we committed ourselves (its hash is our commit's block id). One
      // cached lookup per header, not per client. Not yet committed here, or not ours: not forwarded,
      // not blamed (we may just be behind). Clients verify every header anyway.
      try {
        const ours = await withTimeout(this.c.signal, 10_000, async (s) => await this.c.services.lightBlock(lb.signedHeader.header.height, { signal: s }))
        if (!equalBytes(hashHeader(lb.signedHeader.header), ours.signedHeader.commit.blockId.hash)) return TopicValidatorResult.Ignore
      } catch {
        return TopicValidatorResult.Ignore
      }
    } else {
      try {
        if (!await withTimeout(this.c.signal, 10_000, async (s) => await verify(lb, { signal: s }))) return this.reject(peer, 'header fails verification')
      } catch (err) {
        // we couldn't decide (behind, engine down): don't forward, don't blame
        this.c.log('header verification failed: %s', (err as Error).message)
        return TopicValidatorResult.Ignore
      }
    }
    return TopicValidatorResult.Accept
  }

  private validateTx (peer: PeerId, msg: Message): TopicValidatorResult {
    try {
      const { tx } = decodeMessage(MESSAGES.txRequest, msg.data)
      const signed = decodeTx(tx)
      if (signed.chainId !== this.c.chainId) return this.reject(peer, `tx for chain '${signed.chainId}'`)
      if (!verifyTx(signed)) return this.reject(peer, 'tx signature invalid')
    } catch (err) {
      return this.reject(peer, (err as Error).message)
    }
    return TopicValidatorResult.Accept
  }

  private validateLightPeer (peer: PeerId, msg: Message): TopicValidatorResult {
    if (msg.type !== 'signed') return this.reject(peer, 'unsigned light-peer announcement')
    try { decodeLightPeerAnnounce(msg.data, msg.from.toString()) } catch (err) { return this.reject(peer, (err as Error).message) }
    // a valid but too frequent announcer is not forwarded (bounded relay work), not punished
    if (!this.c.limiter.take(msg.from.toString(), 'gossip-light-peer', LIGHT_PEER_RATE)) return TopicValidatorResult.Ignore
    return TopicValidatorResult.Accept
  }

  private deliver (msg: Message): void {
    const from = msg.type === 'signed' ? msg.from : undefined
    if (msg.topic === this.headers) {
      if (this.c.onHeader === undefined || from === undefined) return
      try {
        this.c.onHeader(lightBlockFromWire(decodePush(SYNC_PROTOCOL, msg.data).lightBlock!), from)
      } catch (err) {
        this.c.log.error('onHeader threw: %e', err)
      }
    } else if (msg.topic === this.txs) {
      if (!this.c.limiter.take(from?.toString() ?? 'anonymous', 'gossip-tx', TX_RELAY_RATE)) return
      const { tx } = decodeMessage(MESSAGES.txRequest, msg.data)
      withTimeout(this.c.signal, 30_000, async (s) => await this.c.services.submitTx(tx, { signal: s }))
        .then(r => { if (r.code !== 0) this.c.log('gossiped tx refused by CheckTx: code %d %s', r.code, r.log) })
        .catch((err: Error) => { this.c.log('relaying a gossiped tx failed: %s', err.message) })
    }
  }
}
