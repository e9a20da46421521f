/**
 * A deterministic, unbiased integer stream from a seed: sha256(tag ‖ seed ‖ counter) blocks cut into
 * 48-bit draws, with rejection sampling so every value in [0, n) is exactly equally likely.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { InvalidInputError } from '../errors.js'

const MAX = 2 ** 48

/**
 * Returns `next(n)`: the next uniform integer in [0, n), 1 ≤ n ≤ 2^48.
 * @example const next = drawStream('glowmesh/pora/challenge/v1', seed); next(1000)
 */
export function drawStream (tag: string, seed: Uint8Array): (n: number) => number {
  const prefix = new TextEncoder().encode(tag)
  const msg = new Uint8Array(prefix.length + seed.length + 4)
  msg.set(prefix); msg.set(seed, prefix.length)
  const view = new DataView(msg.buffer)
  let counter = 0
  let block = new Uint8Array(0)
  let at = 30 // forces a refill: 5 draws of 6 bytes per block
  const draw48 = (): number => {
    if (at + 6 > 30) {
      view.setUint32(msg.length - 4, counter++)
      block = sha256(msg); at = 0
    }
    let x = 0
    for (let i = 0; i < 6; i++) x = x * 256 + block[at + i]
    at += 6
    return x
  }
  return (n: number) => {
    if (!Number.isSafeInteger(n) || n < 1 || n > MAX) throw new InvalidInputError(`draw bound must be an integer in [1, 2^48], got ${n}`)
    const limit = MAX - (MAX % n) // values ≥ limit would favour small results: draw again
    for (;;) {
      const x = draw48()
      if (x < limit) return x % n
    }
  }
}
