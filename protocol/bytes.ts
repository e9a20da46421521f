/** Small byte helpers used across protocol/: hex with or without 0x, concat, compare. */
import { bytesToHex, concatBytes, hexToBytes } from '@noble/hashes/utils.js'
import { InvalidInputError } from './errors.js'

export { concatBytes }

/** Lowercase hex with a `0x` prefix. @example toHex(new Uint8Array([1, 255])) // '0x01ff' */
export function toHex (bytes: Uint8Array): string {
  return '0x' + bytesToHex(bytes)
}

/** Parses hex with or without `0x`; throws InvalidInputError on odd length or bad digits. */
export function fromHex (hex: string, expectedLength?: number): Uint8Array {
  if (typeof hex !== 'string') throw new InvalidInputError('hex: expected a string')
  const h = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex
  if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) throw new InvalidInputError(`hex: malformed '${hex.slice(0, 20)}…'`)
  const out = hexToBytes(h)
  if (expectedLength !== undefined && out.length !== expectedLength) {
    throw new InvalidInputError(`hex: expected ${expectedLength} bytes, got ${out.length}`)
  }
  return out
}

/** Constant-shape byte equality (not constant-time; no secrets are compared with it). */
export function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
