// Sampling math (DESIGN §3). A blob that can't be recovered misses at least 65 of its 128 columns,
// so a light node that draws k distinct columns and gets every one is fooled with probability at
// most C(63,k)/C(128,k) (sampling without replacement: tighter than 2^-k).
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes } from '../bytes.js'
import { CELLS_FOR_RECOVERY, CELLS_PER_EXT_BLOB } from './constants.js'
import { InvalidSampleError } from './errors.js'

/** Most columns a withholder can serve while the blob stays unrecoverable: 63 of 128. */
export const MAX_SERVED_COLUMNS_UNRECOVERABLE = CELLS_FOR_RECOVERY - 1
/** Default number of columns a light node samples per block. */
export const DEFAULT_SAMPLES = 16
/** Shortest seed accepted: 128 bits, so nobody can enumerate a light node's draws. */
export const MIN_SEED_BYTES = 16

const DOMAIN = new TextEncoder().encode('glowmesh/da/sample-columns/v1')

function checkK (k: number, what: string): void {
  if (typeof k !== 'number' || !Number.isSafeInteger(k) || k < 1 || k > CELLS_PER_EXT_BLOB) {
    throw new InvalidSampleError(`${what}: sample count must be an integer in [1, ${CELLS_PER_EXT_BLOB}], got ${String(k)}`)
  }
}

function binomial (n: number, k: number): bigint {
  if (k < 0 || k > n) return 0n
  let r = 1n
  for (let i = 0; i < k; i++) r = r * BigInt(n - i) / BigInt(i + 1) // exact: each prefix is C(n, i+1)
  return r
}

/** a / b as the nearest-ish double, for bigints far beyond 2^53 or with a tiny quotient. */
function ratio (a: bigint, b: bigint): number {
  if (a === 0n) return 0
  const shift = b.toString(2).length - a.toString(2).length + 64
  return Number((a << BigInt(shift)) / b) * 2 ** -shift
}

/**
 * Chance that k distinct samples all land on served columns although the blob is unrecoverable:
 * C(63,k)/C(128,k), exact in bigints, then rounded to a double (0 for k ≥ 64).
 * @example failureProbability(16) // ≈ 3.9e-6
 */
export function failureProbability (k: number): number {
  checkK(k, 'failureProbability')
  return ratio(binomial(MAX_SERVED_COLUMNS_UNRECOVERABLE, k), binomial(CELLS_PER_EXT_BLOB, k))
}

/**
 * Confidence that a block is available after k distinct column samples all verified: 1 − C(63,k)/C(128,k).
 * @example confidence(16) // ≈ 0.9999961
 */
export function confidence (k: number): number {
  return 1 - failureProbability(k)
}

/**
 * k distinct columns in [0, 128), uniformly random and deterministic for a seed (SHA-256 counter
 * stream, byte rejection sampling, partial Fisher–Yates). Without a seed, 32 fresh random bytes.
 * @example sampleColumns(16, seed) // e.g. [93, 4, 120, …] — 16 distinct, in draw order
 */
export function sampleColumns (k: number = DEFAULT_SAMPLES, seed?: Uint8Array): number[] {
  checkK(k, 'sampleColumns')
  if (seed === undefined) seed = globalThis.crypto.getRandomValues(new Uint8Array(32))
  if (!(seed instanceof Uint8Array) || seed.length < MIN_SEED_BYTES) {
    throw new InvalidSampleError(`sampleColumns: seed must be a Uint8Array of at least ${MIN_SEED_BYTES} bytes`)
  }
  const next = byteStream(seed)
  const columns = Array.from({ length: CELLS_PER_EXT_BLOB }, (_, i) => i)
  for (let i = 0; i < k; i++) {
    const j = i + uniformBelow(CELLS_PER_EXT_BLOB - i, next)
    const t = columns[i]; columns[i] = columns[j]; columns[j] = t
  }
  return columns.slice(0, k)
}

/** Bytes of SHA-256(domain ‖ len(seed) ‖ seed ‖ counter), block after block. */
function byteStream (seed: Uint8Array): () => number {
  const len = new Uint8Array(4)
  new DataView(len.buffer).setUint32(0, seed.length)
  const prefix = concatBytes(DOMAIN, len, seed)
  let counter = 0
  let block = new Uint8Array(0)
  let at = 0
  return () => {
    if (at === block.length) {
      const c = new Uint8Array(4)
      new DataView(c.buffer).setUint32(0, counter++)
      block = sha256(concatBytes(prefix, c))
      at = 0
    }
    return block[at++]
  }
}

/** Uniform integer in [0, m) for 1 ≤ m ≤ 256: bytes at or above the largest multiple of m are redrawn (no modulo bias). */
function uniformBelow (m: number, nextByte: () => number): number {
  const limit = 256 - (256 % m)
  for (;;) {
    const b = nextByte()
    if (b < limit) return b % m
  }
}
