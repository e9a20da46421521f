/**
 * The browser node's identity (DESIGN §8): an ed25519 seed in IndexedDB (`identity/ed25519-seed`),
 * which is its libp2p peer id, its PoRA node id and its account. Exported and imported as the one
 * key-file JSON format `glowmesh keys` uses (protocol/chain/keyfile.ts), so rewards survive a
 * cleared browser; a new identity gets devnet funds from the RPC's faucet before registering.
 */
import { generateKey, keyFromFile, keyToFile, type Ed25519Key, type KeyFile } from '../../protocol/chain/keyfile.js'
import { GlowmeshError } from '../../protocol/errors.js'
import type { LightStore } from '../types.js'

export { ensureFunded, FaucetError, type EnsureFundedOptions } from '../storage/faucet.js'

/** The store key of the 32-byte seed. */
export const IDENTITY_KEY = 'identity/ed25519-seed'

/** A key file that isn't one (not JSON, wrong type, bad base64, seed/public key/address disagree). */
export class InvalidKeyError extends GlowmeshError {
  override name = 'InvalidKeyError'
  constructor (message: string, options?: { cause?: unknown }) { super('INVALID_KEY', message, { ...options, exitCode: 2 }) }
}

/**
 * Parses a key file (JSON text or object) into a key, or throws InvalidKeyError.
 * @example parseKeyFile('{"type":"ed25519","privateKey":"…"}').address // '0x…'
 */
export function parseKeyFile (json: string | object): Ed25519Key {
  if (typeof json !== 'string' && (json === null || typeof json !== 'object')) throw new InvalidKeyError('a key file is JSON text or an object')
  try { return keyFromFile(json) } catch (cause) {
    throw new InvalidKeyError(`invalid key file: ${(cause as Error)?.message ?? String(cause)}`, { cause })
  }
}

/**
 * The stored identity, or undefined when the store has none yet.
 * @example const key = await readIdentity(store); key?.address
 */
export async function readIdentity (store: LightStore): Promise<Ed25519Key | undefined> {
  const seed = await store.get(IDENTITY_KEY)
  return seed?.length === 32 ? generateKey(seed) : undefined
}

/**
 * The stored identity, made (random seed) and stored on first use.
 * @example const { privateKey } = await loadOrCreateIdentity(store)
 */
export async function loadOrCreateIdentity (store: LightStore): Promise<Ed25519Key> {
  const have = await readIdentity(store)
  if (have !== undefined) return have
  const key = generateKey(crypto.getRandomValues(new Uint8Array(32)))
  await store.put(IDENTITY_KEY, key.privateKey)
  return key
}

/**
 * The stored identity as a key file (`{ type, address, publicKey, privateKey }`, keys base64), made first if missing.
 * @example const json = await exportKey(store) // save it; importKey(store, json) restores it
 */
export async function exportKey (store: LightStore): Promise<KeyFile> {
  return keyToFile(await loadOrCreateIdentity(store))
}

/**
 * Replaces the stored identity with the key in `json`; a malformed key throws InvalidKeyError and changes nothing.
 * A running node keeps its old identity until restarted.
 * @example await importKey(store, savedJson) // then start the node again
 */
export async function importKey (store: LightStore, json: string | object): Promise<Ed25519Key> {
  const key = parseKeyFile(json)
  await store.put(IDENTITY_KEY, key.privateKey)
  return key
}
