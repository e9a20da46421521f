// A gossipsub *leaf* for bench/fanout's load generators (not a benchmark itself). A light client has
// one full node (or a few) and forwards nothing, so a load client needs only gossipsub's wire
// protocol, not a gossipsub router: it serves /meshsub/1.x (the full node opens its outbound stream
// to us after identify and sends every RPC there), opens its own stream and sends its SUBSCRIBE,
// and counts the messages of `topic` in the RPC frames it receives. Real streams, real gossipsub
// RPC protobufs, real subscription and grafting on the full node's side; what is skipped is the
// client's own router work (heartbeats, scores, message-signature checks, seen caches), as the
// harness skips every other local verification, so that the full node is what gets measured.
import { RPC } from '@libp2p/gossipsub/message'
import { FrameDecoder, encodeFrame } from '../../dist/protocol/wire/index.js'

export const MESHSUB = ['/meshsub/1.2.0', '/meshsub/1.1.0', '/meshsub/1.0.0']

/**
 * Registers the meshsub handler on `node` (before it dials, so identify announces it).
 * subscribe(peer) opens our stream to `peer` and sends the subscription; call it after each (re)dial.
 */
export async function leafGossip (node, { topic, maxBytes, onMessage, onError = () => {} }) {
  await node.handle(MESHSUB, (stream) => {
    const dec = new FrameDecoder({ maxBytes })
    stream.addEventListener('message', (evt) => {
      try {
        for (const frame of dec.push(evt.data)) {
          const rpc = RPC.decode(frame)
          for (const m of rpc.messages) if (m.topic === topic) onMessage(m)
        }
      } catch (err) { onError(err); stream.abort(err) }
    })
  }, { maxInboundStreams: 4 })
  const subscription = encodeFrame(RPC.encode({ subscriptions: [{ subscribe: true, topic }], messages: [] }))
  return {
    async subscribe (peer, signal) {
      const stream = await node.dialProtocol(peer, MESHSUB, { signal })
      if (!stream.send(subscription)) await stream.onDrain({ signal })
      return stream
    }
  }
}
