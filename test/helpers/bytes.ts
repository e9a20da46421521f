/** Deterministic pseudo-random bytes (xorshift32), cheap enough for hundreds of MiB in tests. */
export function patternBytes (length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length)
  const view = new DataView(out.buffer)
  let x = seed >>> 0 || 1
  let i = 0
  for (; i + 4 <= length; i += 4) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0
    view.setUint32(i, x, true)
  }
  for (; i < length; i++) { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; out[i] = x & 0xff }
  return out
}
