/**
 * Records the light node keeps in its LightStore, as UTF-8 JSON with tagged bytes and bigints, so
 * a LightBlock round-trips exactly on every platform's store (files, IndexedDB, DO storage).
 */
import { fromHex, toHex } from '../protocol/bytes.js'
import { CorruptRecordError } from './errors.js'

const enc = new TextEncoder()
const dec = new TextDecoder('utf-8', { fatal: true })

/**
 * Encodes a value (Uint8Array → `{ $b: hex }`, bigint → `{ $n: decimal }`) as JSON bytes.
 * @example const bytes = encodeRecord({ height: 5n, hash: new Uint8Array(32) })
 */
export function encodeRecord (value: unknown): Uint8Array {
  return enc.encode(JSON.stringify(value, function (this: any, key: string) {
    const v = this[key]
    if (v instanceof Uint8Array) return { $b: toHex(v) }
    if (typeof v === 'bigint') return { $n: v.toString() }
    return v
  }))
}

/**
 * Decodes what encodeRecord wrote; CorruptRecordError (naming `key`) when it doesn't parse.
 * @example const lb = decodeRecord<LightBlock>(await store.get('trusted'), 'trusted')
 */
export function decodeRecord<T> (bytes: Uint8Array, key: string): T {
  try {
    return JSON.parse(dec.decode(bytes), (_k, v) => {
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
        if (typeof v.$b === 'string' && Object.keys(v).length === 1) return fromHex(v.$b)
        if (typeof v.$n === 'string' && Object.keys(v).length === 1) return BigInt(v.$n)
      }
      return v
    }) as T
  } catch (cause) {
    throw new CorruptRecordError(key, { cause })
  }
}
