/**
 * SHA-256 on 32-bit words, for the labelling hot loop. Labels live in one Uint32Array per layer
 * (8 big-endian words each), so hashing a label's message straight from words skips the byte
 * packing and per-call allocation a general hasher pays; measured ~2x noble's sha256 per label.
 * Tested against @noble/hashes sha256 for every message length the module uses.
 */
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
])
const IV = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19])
const W = new Uint32Array(64)
const H = new Uint32Array(8)

function compress (m: Uint32Array, off: number): void {
  for (let i = 0; i < 16; i++) W[i] = m[off + i]
  for (let i = 16; i < 64; i++) {
    const w15 = W[i - 15]; const w2 = W[i - 2]
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3)
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10)
    W[i] = (s1 + W[i - 7] + s0 + W[i - 16]) | 0
  }
  let a = H[0]; let b = H[1]; let c = H[2]; let d = H[3]; let e = H[4]; let f = H[5]; let g = H[6]; let h = H[7]
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0
    h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0
  }
  H[0] = (H[0] + a) | 0; H[1] = (H[1] + b) | 0; H[2] = (H[2] + c) | 0; H[3] = (H[3] + d) | 0
  H[4] = (H[4] + e) | 0; H[5] = (H[5] + f) | 0; H[6] = (H[6] + g) | 0; H[7] = (H[7] + h) | 0
}

/**
 * A scratch message buffer sized for `words` message words plus padding. Fill words [0, words)
 * then call `sha256Words`; the padding area is rewritten on every call.
 * @example const m = messageBuffer(10); m.set(replicaWords); sha256Words(m, 10, out, 0)
 */
export function messageBuffer (words: number): Uint32Array {
  return new Uint32Array(Math.ceil((words + 3) / 16) * 16)
}

/**
 * SHA-256 of the first `words` 32-bit big-endian words of `m` (a `messageBuffer(words)`),
 * written as 8 words to `out[outOff..]`.
 * @example sha256Words(m, 10, labels, v * 8)
 */
export function sha256Words (m: Uint32Array, words: number, out: Uint32Array, outOff: number): void {
  const blocks = Math.ceil((words + 3) / 16)
  m[words] = 0x80000000
  for (let i = words + 1; i < blocks * 16; i++) m[i] = 0
  m[blocks * 16 - 1] = words * 32 // bit length; messages here stay far below 2^32 bits
  H.set(IV)
  for (let b = 0; b < blocks; b++) compress(m, b * 16)
  for (let i = 0; i < 8; i++) out[outOff + i] = H[i]
}

/** Big-endian bytes → words (length a multiple of 4). @example bytesToWords(label32) */
export function bytesToWords (bytes: Uint8Array, out: Uint32Array = new Uint32Array(bytes.length >>> 2), outOff = 0): Uint32Array {
  for (let i = 0, j = outOff; i + 3 < bytes.length; i += 4, j++) {
    out[j] = ((bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3]) >>> 0
  }
  return out
}

/** Words → big-endian bytes. @example wordsToBytes(labels.subarray(v * 8, v * 8 + 8)) */
export function wordsToBytes (words: Uint32Array, out: Uint8Array = new Uint8Array(words.length * 4), outOff = 0): Uint8Array {
  for (let i = 0; i < words.length; i++) {
    const w = words[i]; const o = outOff + i * 4
    out[o] = w >>> 24; out[o + 1] = (w >>> 16) & 255; out[o + 2] = (w >>> 8) & 255; out[o + 3] = w & 255
  }
  return out
}
