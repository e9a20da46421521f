/**
 * The browser node's identity (DESIGN §8): an ed25519 seed in IndexedDB (`identity/ed25519-seed`),
 * which is its libp2p peer id, its PoRA node id and its account. Exported and imported as the one
 * key-file JSON format `glowmesh keys` uses (protocol/chain/keyfile.ts), so rewards survive a
 * cleared browser; a new identity gets devnet funds from the RPC's faucet before registering.
 */
import { generateKey, keyFromFile, keyToFile, type Ed25519Key, type KeyFile } from '../../protocol/chain/keyfile.js'
import { GlowmeshError } from '../../protocol/errors.js'
import type { LightStore } from '../types.js'

/** The store key of the 32-byte seed. */
export const IDENTITY_KEY = 'identity/ed25519-seed'

/** A key file that isn't one (not JSON, wrong type, bad base64, seed/public key/address disagree). */
export class InvalidKeyError extends GlowmeshError {
  override name = 'InvalidKeyError'
  constructor (message: string, options?: { cause?: unknown }) { super('INVALID_KEY', message, { ...options, exitCode: 2 }) }
}

/** The faucet refused or never funded the account. */
export class FaucetError extends GlowmeshError {
  override name = 'FaucetError'
  constructor (message: string, options?: { cause?: unknown }) { super('FAUCET', message, options) }
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

/** Options of ensureFunded. */
export interface EnsureFundedOptions {
  /** A devnet full node's RPC base URL (it serves `POST /faucet`). */
  rpcUrl: string
  address: string
  signal?: AbortSignal
  /** Faucet requests before giving up (default 8; the devnet's faucets share a key and can race on its nonce). */
  attempts?: number
  log?: (line: string) => void
}

async function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted()
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => { clearTimeout(t); reject(signal!.reason) }
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve() }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * Resolves with the account's balance once non-zero, asking the faucet (`POST {rpc}/faucet`, retried) while it is zero.
 * Throws FaucetError when it stays unfunded (no faucet: not a devnet).
 * @example await ensureFunded({ rpcUrl: 'http://127.0.0.1:26650', address: key.address, signal })
 */
export async function ensureFunded (o: EnsureFundedOptions): Promise<bigint> {
  const base = o.rpcUrl.replace(/\/+$/, '')
  const timeout = (): AbortSignal => o.signal === undefined ? AbortSignal.timeout(10_000) : AbortSignal.any([o.signal, AbortSignal.timeout(10_000)])
  const balance = async (): Promise<bigint> => {
    const res = await fetch(`${base}/accounts/${o.address}`, { signal: timeout() })
    if (!res.ok) throw new FaucetError(`GET /accounts/${o.address}: HTTP ${res.status}`)
    return BigInt((await res.json() as { balance: string }).balance)
  }
  let last = ''
  for (let attempt = 1; attempt <= (o.attempts ?? 8); attempt++) {
    o.signal?.throwIfAborted()
    try {
      const have = await balance()
      if (have > 0n) return have
      const res = await fetch(`${base}/faucet`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ address: o.address }), signal: timeout() })
      if (res.status === 404) throw new FaucetError(`${base} has no faucet (devnets only): fund ${o.address} to contribute storage`)
      if (!res.ok) { last = `HTTP ${res.status}: ${await res.text().catch(() => '')}`; o.log?.(`faucet: ${last}`) } else {
        for (let i = 0; i < 40; i++) {
          const b = await balance()
          if (b > 0n) return b
          await sleep(250, o.signal)
        }
        last = 'the drip did not land in 10 s'
      }
    } catch (err) {
      if (err instanceof FaucetError && /no faucet/.test(err.message)) throw err
      if (o.signal?.aborted === true) throw err
      last = (err as Error)?.message ?? String(err)
      o.log?.(`faucet: ${last}`)
    }
    await sleep(500 * attempt, o.signal)
  }
  throw new FaucetError(`account ${o.address} is still unfunded after ${o.attempts ?? 8} faucet requests (${last})`)
}
