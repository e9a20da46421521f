/**
 * The one key-file format (DESIGN §8) used by `key.json`, `glowmesh keys export|import` and the
 * browser's export: `{ "type": "ed25519", "address", "publicKey", "privateKey" }`, keys base64,
 * `privateKey` the 32-byte ed25519 seed. The same key is a node's libp2p identity, its account
 * and (for validators) its CometBFT key.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { addressFromPublicKey } from './tx.js'
import { InvalidInputError } from '../errors.js'
import { equalBytes } from '../bytes.js'

/** A parsed key: raw bytes plus the derived account address. */
export interface Ed25519Key {
  /** The 32-byte seed. */
  privateKey: Uint8Array
  /** The 32-byte public key. */
  publicKey: Uint8Array
  /** `0x` + 40 hex: first 20 bytes of sha256(publicKey). */
  address: string
}

/** The JSON form. */
export interface KeyFile {
  type: 'ed25519'
  address: string
  publicKey: string
  privateKey: string
}

function b64 (bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s)
}

function unb64 (text: unknown, what: string): Uint8Array {
  if (typeof text !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new InvalidInputError(`key file: ${what} must be base64`)
  const bin = atob(text)
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}

/**
 * A key from a 32-byte seed (random when omitted).
 * @example const key = generateKey(); key.address // '0x…'
 */
export function generateKey (seed: Uint8Array = ed25519.utils.randomSecretKey()): Ed25519Key {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new InvalidInputError('ed25519 seed must be 32 bytes')
  const publicKey = ed25519.getPublicKey(seed)
  return { privateKey: Uint8Array.from(seed), publicKey, address: addressFromPublicKey(publicKey) }
}

/**
 * The key-file JSON object of a key.
 * @example JSON.stringify(keyToFile(key), null, 2)
 */
export function keyToFile (key: Ed25519Key): KeyFile {
  return { type: 'ed25519', address: key.address, publicKey: b64(key.publicKey), privateKey: b64(key.privateKey) }
}

/**
 * Parses a key file (text or object) and checks that its public key and address match the seed.
 * @example const key = keyFromFile(readFileSync('key.json', 'utf8'))
 */
export function keyFromFile (input: string | object): Ed25519Key {
  let obj: any = input
  if (typeof input === 'string') {
    try { obj = JSON.parse(input) } catch (err) { throw new InvalidInputError('key file: not JSON', { cause: err }) }
  }
  if (obj?.type !== 'ed25519') throw new InvalidInputError('key file: type must be "ed25519"')
  const seed = unb64(obj.privateKey, 'privateKey')
  if (seed.length !== 32) throw new InvalidInputError(`key file: privateKey must be a 32-byte seed, got ${seed.length} bytes`)
  const key = generateKey(seed)
  if (obj.publicKey !== undefined && !equalBytes(unb64(obj.publicKey, 'publicKey'), key.publicKey)) throw new InvalidInputError('key file: publicKey does not match privateKey')
  if (obj.address !== undefined && obj.address !== key.address) throw new InvalidInputError('key file: address does not match publicKey')
  return key
}

/** Base64 of bytes (the key file's encoding). @example bytesToBase64(key.publicKey) */
export function bytesToBase64 (bytes: Uint8Array): string { return b64(bytes) }
