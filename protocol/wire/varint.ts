/**
 * Unsigned LEB128 varints for frame length prefixes (the same encoding as protobuf and
 * libp2p's it-length-prefixed). Lengths are JS numbers: every limit we enforce is far below 2^53.
 */
import { InvalidInputError } from '../errors.js'
import { MalformedMessageError, TruncatedMessageError } from './errors.js'

/** A uint64 never needs more than 10 varint bytes; more is malformed, not merely large. */
export const MAX_VARINT_BYTES = 10

/** Bytes needed to encode `n` as an unsigned varint. @example varintLength(300) // 2 */
export function varintLength (n: number): number {
  let len = 1
  while (n >= 0x80) { n = Math.floor(n / 128); len++ }
  return len
}

/** Writes `n` (a safe non-negative integer) as an unsigned varint into `out` at `offset`; returns bytes written. @example encodeVarintInto(300, buf, 0) // 2 */
export function encodeVarintInto (n: number, out: Uint8Array, offset: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidInputError(`varint: ${n} is not a safe non-negative integer`)
  let i = offset
  while (n >= 0x80) {
    out[i++] = (n % 128) | 0x80
    n = Math.floor(n / 128)
  }
  out[i++] = n
  return i - offset
}

/** Result of reading a varint: its value and how many bytes it took. */
export interface VarintRead { value: number, bytes: number }

/**
 * Reads an unsigned varint from `get(0..)`; returns undefined when input ends first.
 * Throws MalformedMessageError for more than 10 bytes or a value over 2^64 − 1. Values above 2^53
 * lose precision but stay above every limit, which is all a length check needs.
 * @example readVarint((i) => bytes[i], bytes.length) // { value: 300, bytes: 2 }
 */
export function readVarint (get: (i: number) => number, available: number): VarintRead | undefined {
  let value = 0
  let scale = 1
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    if (i >= available) return undefined
    const b = get(i)
    // the 10th byte carries bit 63 only: anything above 1 overflows uint64
    if (i === MAX_VARINT_BYTES - 1 && b > 1) throw new MalformedMessageError('varint overflows 64 bits')
    value += (b & 0x7f) * scale
    if (b < 0x80) return { value, bytes: i + 1 }
    scale *= 128
  }
  throw new MalformedMessageError(`varint longer than ${MAX_VARINT_BYTES} bytes`)
}

/** Decodes one varint that must fill `bytes` exactly. @example decodeVarint(new Uint8Array([0xac, 0x02])) // 300 */
export function decodeVarint (bytes: Uint8Array): number {
  const r = readVarint((i) => bytes[i], bytes.length)
  if (r === undefined) throw new TruncatedMessageError('input ends inside a varint')
  if (r.bytes !== bytes.length) throw new MalformedMessageError('trailing bytes after varint')
  return r.value
}
