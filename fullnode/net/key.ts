/**
 * The node's libp2p identity from our ed25519 key (DESIGN §4: node id = the 32-byte ed25519
 * public key; the same key signs the node's transactions).
 */
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import { base64ToBytes } from '../../protocol/chain/index.js'
import { equalBytes } from '../../protocol/bytes.js'
import { InvalidKeyError } from './errors.js'

/** Our key: the 32-byte seed (bytes or base64, as in key.json) and optionally the public key to check. */
export interface NetKey {
  privateKey: Uint8Array | string
  publicKey?: Uint8Array | string
}

function bytes (v: Uint8Array | string, what: string): Uint8Array {
  if (v instanceof Uint8Array) return v
  if (typeof v === 'string') {
    try { return base64ToBytes(v) } catch { throw new InvalidKeyError(`${what} is not base64`) }
  }
  throw new InvalidKeyError(`${what} must be bytes or base64`)
}

/**
 * The libp2p private key for our ed25519 seed; throws InvalidKeyError on a bad seed or a public key
 * that doesn't match it.
 * @example const pk = await libp2pKey({ privateKey: keyFile.privateKey, publicKey: keyFile.publicKey }); peerIdFromPrivateKey(pk)
 */
export async function libp2pKey (key: NetKey): Promise<Ed25519PrivateKey> {
  const seed = bytes(key?.privateKey, 'privateKey')
  if (seed.length !== 32) throw new InvalidKeyError(`privateKey must be a 32-byte ed25519 seed, got ${seed.length} bytes`)
  const pk = await generateKeyPairFromSeed('Ed25519', seed)
  if (key.publicKey !== undefined && !equalBytes(bytes(key.publicKey, 'publicKey'), pk.publicKey.raw)) {
    throw new InvalidKeyError('publicKey does not belong to privateKey')
  }
  return pk
}
