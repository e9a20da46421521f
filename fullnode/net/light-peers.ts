/**
 * The `glowmesh/<chainId>/light-peers` gossip topic: browser light nodes announce their peer id and
 * their relayed WebRTC multiaddrs (`<relay>/p2p-circuit/webrtc/p2p/<id>`) every few seconds; full
 * nodes validate and forward them, so browsers connected to the same full nodes hear each other.
 * The message is small JSON `{ "peerId", "addrs": [...] }`; pure (no Node or DOM imports).
 */
import { multiaddr } from '@multiformats/multiaddr'
import { GlowmeshError } from '../../protocol/errors.js'

/** Largest announcement (bytes). */
export const MAX_LIGHT_PEER_ANNOUNCE_BYTES = 2048
/** Most addresses one announcement may list. */
export const MAX_LIGHT_PEER_ADDRS = 8
const MAX_ADDR_CHARS = 400

/** A malformed light-peer announcement. */
export class InvalidAnnounceError extends GlowmeshError {
  override name = 'InvalidAnnounceError'
  constructor (message: string) { super('INVALID_ANNOUNCE', message) }
}

/** One announcement: who, and where it can be dialled over WebRTC through a relay. */
export interface LightPeerAnnounce {
  peerId: string
  addrs: string[]
}

/** The light-peer topic of a chain. @example lightPeersTopic('glowmesh-devnet') // 'glowmesh/glowmesh-devnet/light-peers' */
export function lightPeersTopic (chainId: string): string { return `glowmesh/${chainId}/light-peers` }

/**
 * Encodes an announcement (validated as the receivers will).
 * @example pubsub.publish(topic, encodeLightPeerAnnounce({ peerId, addrs: ['/ip4/…/ws/p2p/R/p2p-circuit/webrtc/p2p/' + peerId] }))
 */
export function encodeLightPeerAnnounce (a: LightPeerAnnounce): Uint8Array {
  const bytes = new TextEncoder().encode(JSON.stringify({ peerId: a.peerId, addrs: a.addrs }))
  decodeLightPeerAnnounce(bytes)
  return bytes
}

/**
 * Decodes and checks an announcement: size, JSON shape, 1..8 addresses that parse as multiaddrs,
 * each a relayed WebRTC address ending in `/p2p/<peerId>`. `from` (the signed gossip source), when
 * given, must equal `peerId`. Throws InvalidAnnounceError.
 * @example const { peerId, addrs } = decodeLightPeerAnnounce(msg.data, msg.from.toString())
 */
export function decodeLightPeerAnnounce (bytes: Uint8Array, from?: string): LightPeerAnnounce {
  if (bytes.length > MAX_LIGHT_PEER_ANNOUNCE_BYTES) throw new InvalidAnnounceError(`announcement of ${bytes.length} bytes (limit ${MAX_LIGHT_PEER_ANNOUNCE_BYTES})`)
  let j: any
  try { j = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) } catch { throw new InvalidAnnounceError('announcement is not JSON') }
  const peerId = j?.peerId
  const addrs = j?.addrs
  if (typeof peerId !== 'string' || !/^[1-9A-HJ-NP-Za-km-z]{40,60}$/.test(peerId)) throw new InvalidAnnounceError('peerId: expected a base58 peer id')
  if (from !== undefined && from !== peerId) throw new InvalidAnnounceError('announcement signed by another peer')
  if (!Array.isArray(addrs) || addrs.length === 0 || addrs.length > MAX_LIGHT_PEER_ADDRS) throw new InvalidAnnounceError(`addrs: expected 1..${MAX_LIGHT_PEER_ADDRS} multiaddrs`)
  for (const a of addrs) {
    if (typeof a !== 'string' || a.length > MAX_ADDR_CHARS) throw new InvalidAnnounceError('addrs: expected multiaddr strings')
    let parts: string[]
    try { parts = multiaddr(a).getComponents().map(c => c.name) } catch { throw new InvalidAnnounceError(`addrs: '${a.slice(0, 80)}' is not a multiaddr`) }
    if (!parts.includes('p2p-circuit') || !parts.includes('webrtc') || !a.endsWith(`/p2p/${peerId}`)) throw new InvalidAnnounceError('addrs: expected <relay>/p2p-circuit/webrtc/p2p/<peerId>')
  }
  return { peerId, addrs: addrs.slice() }
}
