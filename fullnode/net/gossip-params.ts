/**
 * Gossipsub settings of a full node (issue 13, fan-out: one full node, a thousand light clients).
 * - **Content-derived message ids** on the header and tx topics: every validator publishes the same
 *   light block for each height, and with gossipsub's default id (author + seqno) each copy was a new
 *   message, so a light client received each header 2.6–4 times. With `sha256(topic ‖ data)` the
 *   copies are one message: the first is forwarded, the rest are dropped as duplicates before any
 *   bytes go out. Other topics (light-peer announcements) keep the default id.
 * - **Every subscriber in the mesh** (D = Dlo = Dhi = the connection cap): light clients are leaves
 *   with one or a few full nodes, so the first copy of a header is forwarded to all of them at once
 *   and no IHAVE/IWANT round trips are spent on them (gossip goes only to peers outside the mesh).
 * - **No IDONTWANT fan-out**: with a mesh of a thousand leaves, each new message would otherwise send
 *   a thousand IDONTWANTs; leaves don't forward, so they have nothing to hold back.
 * - **Encode once** (`batchPublish`): a published header is encoded once for all peers.
 * Light clients still verify every header (client/); this changes who receives which copy, not what
 * is trusted.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { publicKeyToProtobuf } from '@libp2p/crypto/keys'
import type { GossipsubOpts, Message } from '@libp2p/gossipsub'

const utf8 = new TextEncoder()

/** gossipsub's default id of a signed message: the author's protobuf public key ‖ seqno (8 bytes, big-endian). */
function authorSeqnoId (msg: Message): Uint8Array {
  if (msg.type !== 'signed') return sha256(msg.data)
  const key = publicKeyToProtobuf(msg.key)
  const id = new Uint8Array(key.length + 8)
  id.set(key)
  new DataView(id.buffer).setBigUint64(key.length, BigInt.asUintN(64, msg.sequenceNumber))
  return id
}

/**
 * The message id function: `sha256(topic ‖ 0 ‖ data)` on the topics named in `contentTopics`
 * (the same bytes from any author are one message), gossipsub's author + seqno elsewhere.
 * @example gossipsub({ msgIdFn: gossipMsgId(t => t.endsWith('/headers')) })
 */
export function gossipMsgId (contentTopics: (topic: string) => boolean): (msg: Message) => Uint8Array {
  return (msg) => {
    if (!contentTopics(msg.topic)) return authorSeqnoId(msg)
    const topic = utf8.encode(msg.topic)
    const h = sha256.create()
    h.update(topic)
    h.update(new Uint8Array([0]))
    h.update(msg.data)
    return h.digest()
  }
}

/** The topics whose ids are content-derived: the chain's headers and txs (gossip.ts names them). */
export function isContentTopic (topic: string): boolean {
  return topic.startsWith('glowmesh/') && (topic.endsWith('/headers') || topic.endsWith('/txs'))
}

/**
 * Gossipsub options of a full node carrying up to `maxPeers` connections (see the file comment).
 * @example gossipsub({ ...fullNodeGossipOptions(1500), allowPublishToZeroTopicPeers: true })
 */
export function fullNodeGossipOptions (maxPeers: number): Partial<GossipsubOpts> {
  const all = Math.max(12, maxPeers)
  return {
    msgIdFn: gossipMsgId(isContentTopic),
    // the same header heard from another validator first: our own publish is a no-op, not an error
    ignoreDuplicatePublishError: true,
    D: all,
    Dlo: all,
    Dhi: all,
    idontwantMinDataSize: Number.MAX_SAFE_INTEGER,
    batchPublish: true
  }
}
