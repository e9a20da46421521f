// Blob packing (DESIGN §3): payload byte i of a blob sits at offset 32*floor(i/31) + 1 + (i mod 31).
// The first byte of every element stays 0 so each element is a canonical BLS12-381 scalar whatever
// the payload. The payload's length travels beside the commitments, so unpacking is exact even when
// the payload ends in zeros; padding must be zero, so one payload has exactly one packing.
import { InvalidInputError } from '../errors.js'
import {
  BYTES_PER_BLOB, BYTES_PER_FIELD_ELEMENT, FIELD_ELEMENTS_PER_BLOB, PAYLOAD_BYTES_PER_BLOB,
  PAYLOAD_BYTES_PER_FIELD_ELEMENT
} from './constants.js'
import { MalformedBlobError } from './errors.js'

function checkSize (size: number, what: string): void {
  if (!Number.isSafeInteger(size) || size < 0) throw new InvalidInputError(`${what}: expected a non-negative integer, got ${String(size)}`)
}

function checkBytes (value: unknown, what: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new InvalidInputError(`${what}: expected a Uint8Array`)
}

/**
 * Number of blobs a payload of `size` bytes packs into (126976 payload bytes each; 0 for 0 bytes).
 * @example blobCount(126977) // 2
 */
export function blobCount (size: number): number {
  checkSize(size, 'blobCount')
  return Math.ceil(size / PAYLOAD_BYTES_PER_BLOB)
}

/**
 * Packs blob number `index` of `payload` (so a large payload can be encoded blob by blob).
 * @example const first = packBlob(new TextEncoder().encode('hello'), 0) // 131072 bytes, blob[1] = 0x68
 */
export function packBlob (payload: Uint8Array, index: number): Uint8Array {
  checkBytes(payload, 'packBlob')
  const count = blobCount(payload.length)
  if (!Number.isSafeInteger(index) || index < 0 || index >= count) {
    throw new InvalidInputError(`packBlob: blob index ${String(index)} outside [0, ${count})`)
  }
  const start = index * PAYLOAD_BYTES_PER_BLOB
  const part = payload.subarray(start, Math.min(start + PAYLOAD_BYTES_PER_BLOB, payload.length))
  const blob = new Uint8Array(BYTES_PER_BLOB)
  for (let src = 0, dst = 1; src < part.length; src += PAYLOAD_BYTES_PER_FIELD_ELEMENT, dst += BYTES_PER_FIELD_ELEMENT) {
    blob.set(part.subarray(src, src + PAYLOAD_BYTES_PER_FIELD_ELEMENT), dst)
  }
  return blob
}

/**
 * Packs a payload into blobs, in order, the last one zero-padded. An empty payload packs into no
 * blobs (DA has nothing to commit to; `da encode` rejects it with EmptyPayloadError).
 * @example packBlobs(new Uint8Array(200_000)).length // 2
 */
export function packBlobs (payload: Uint8Array): Uint8Array[] {
  const count = blobCount((checkBytes(payload, 'packBlobs'), payload.length))
  return Array.from({ length: count }, (_, i) => packBlob(payload, i))
}

/**
 * Throws MalformedBlobError unless `blob` is 131072 bytes with a zero first byte in every element.
 * @example assertBlob(packBlob(payload, 0))
 */
export function assertBlob (blob: Uint8Array, what = 'blob'): void {
  if (!(blob instanceof Uint8Array)) throw new MalformedBlobError(`${what}: expected a Uint8Array`)
  if (blob.length !== BYTES_PER_BLOB) throw new MalformedBlobError(`${what}: expected ${BYTES_PER_BLOB} bytes, got ${blob.length}`)
  for (let e = 0; e < FIELD_ELEMENTS_PER_BLOB; e++) {
    if (blob[e * BYTES_PER_FIELD_ELEMENT] !== 0) {
      throw new MalformedBlobError(`${what}: field element ${e} has a non-zero first byte (not a glowmesh packing)`)
    }
  }
}

/**
 * Recovers the exact payload of `size` bytes from its blobs; rejects a blob count that doesn't
 * match `size`, malformed blobs, and non-zero padding.
 * @example unpackBlobs(packBlobs(bytes), bytes.length) // equal to bytes
 */
export function unpackBlobs (blobs: readonly Uint8Array[], size: number): Uint8Array {
  checkSize(size, 'unpackBlobs: size')
  if (!Array.isArray(blobs)) throw new InvalidInputError('unpackBlobs: expected an array of blobs')
  const count = blobCount(size)
  if (blobs.length !== count) {
    throw new MalformedBlobError(`unpackBlobs: a ${size}-byte payload packs into ${count} blob(s), got ${blobs.length}`)
  }
  const out = new Uint8Array(size)
  for (let b = 0; b < count; b++) {
    const blob = blobs[b]
    assertBlob(blob, `blob ${b}`)
    const base = b * PAYLOAD_BYTES_PER_BLOB
    const used = Math.min(PAYLOAD_BYTES_PER_BLOB, size - base)
    for (let src = 1, dst = 0; dst < used; src += BYTES_PER_FIELD_ELEMENT, dst += PAYLOAD_BYTES_PER_FIELD_ELEMENT) {
      const n = Math.min(PAYLOAD_BYTES_PER_FIELD_ELEMENT, used - dst)
      out.set(blob.subarray(src, src + n), base + dst)
    }
    // Padding past the payload must be zero: otherwise two blob sets would unpack to one payload.
    for (let i = used; i < PAYLOAD_BYTES_PER_BLOB; i++) {
      const at = BYTES_PER_FIELD_ELEMENT * Math.floor(i / PAYLOAD_BYTES_PER_FIELD_ELEMENT) + 1 + (i % PAYLOAD_BYTES_PER_FIELD_ELEMENT)
      if (blob[at] !== 0) throw new MalformedBlobError(`blob ${b}: non-zero padding at payload byte ${base + i} (size is ${size})`)
    }
  }
  return out
}
