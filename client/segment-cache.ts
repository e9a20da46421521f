/**
 * Segments this light node fetched and verified (fetchFile), kept in its LightStore with their
 * proofs as received, so it can serve `/glowmesh/segment/1.0.0` for them like a full node. One
 * record per segment, `segments/<0x root>/<index>`: a protocol/wire SegmentResponse (validated on
 * write and read). Bounded by bytes: whole files are evicted oldest first. Pure (no Node/DOM imports).
 */
import { toHex } from '../protocol/bytes.js'
import { GlowmeshError } from '../protocol/errors.js'
import { SEGMENT_SIZE } from '../protocol/storage/layout.js'
import type { MerkleProof } from '../protocol/storage/merkle.js'
import { SEGMENT_PROTOCOL, SegmentStatus, decodeResponse, encodeResponse } from '../protocol/wire/index.js'
import type { LightStore } from './types.js'

const PREFIX = 'segments/'

/** Asked for a segment we don't hold; `code` NOT_FOUND is what the segment handler answers with. */
export class SegmentNotHeldError extends GlowmeshError {
  override name = 'SegmentNotHeldError'
  constructor (message: string) { super('NOT_FOUND', message) }
}

/** A segment with its proof against the file root. */
export interface HeldSegment { bytes: Uint8Array, proof: MerkleProof }

/** Options of openSegmentCache. */
export interface SegmentCacheOptions {
  /** Bytes kept (whole files are evicted oldest first beyond it); default 64 MiB. */
  maxBytes?: number
}

/**
 * A bounded store of verified segments.
 * @example
 * const segments = await openSegmentCache(store)
 * await segments.put(root, 0, { bytes, proof })   // only after verifySegmentProof
 * const { bytes, proof } = await segments.answer(root, 0n)
 */
export interface SegmentCache {
  /** Keeps a verified segment (evicting the oldest other files beyond the byte budget). */
  put: (root: Uint8Array, index: number, segment: HeldSegment) => Promise<void>
  /** The segment if held (unverified here: fetchFile re-checks it against the root). */
  get: (root: Uint8Array, index: number) => Promise<HeldSegment | undefined>
  /** NetServices.segment's shape: the held segment or SegmentNotHeldError (NOT_FOUND). */
  answer: (root: Uint8Array, index: bigint) => Promise<HeldSegment>
  /** Files held: root (0x-hex) and segment indices. */
  held: () => Array<{ root: string, segments: number[] }>
}

const keyOf = (root: string, index: number): string => `${PREFIX}${root}/${index.toString().padStart(8, '0')}`

/**
 * Opens the cache, indexing the records already in the store.
 * @example const segments = await openSegmentCache(store, { maxBytes: 64 * 1024 * 1024 })
 */
export async function openSegmentCache (store: LightStore, options: SegmentCacheOptions = {}): Promise<SegmentCache> {
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024
  if (!Number.isSafeInteger(maxBytes) || maxBytes < SEGMENT_SIZE) throw new RangeError(`maxBytes must be at least ${SEGMENT_SIZE}`)
  // root → held indices; Map order = age (oldest first)
  const index = new Map<string, Set<number>>()
  for (const key of await store.keys(PREFIX)) {
    const m = /^segments\/(0x[0-9a-f]{64})\/(\d{8})$/.exec(key)
    if (m === null) continue
    const set = index.get(m[1]) ?? new Set<number>()
    set.add(Number(m[2]))
    index.set(m[1], set)
  }
  const total = (): number => [...index.values()].reduce((n, s) => n + s.size * SEGMENT_SIZE, 0)
  const read = async (root: string, i: number): Promise<HeldSegment | undefined> => {
    const bytes = await store.get(keyOf(root, i))
    if (bytes === undefined) return undefined
    try {
      const r = decodeResponse(SEGMENT_PROTOCOL, bytes)
      if (r.status !== SegmentStatus.OK || r.proof === undefined) return undefined
      return { bytes: r.data, proof: { index: Number(r.proof.leafIndex), leafCount: Number(r.proof.leafCount), siblings: r.proof.siblings } }
    } catch { return undefined }
  }
  return {
    async put (root, i, seg) {
      const r = toHex(root)
      const value = encodeResponse(SEGMENT_PROTOCOL, {
        status: SegmentStatus.OK,
        message: '',
        data: seg.bytes,
        proof: { siblings: seg.proof.siblings, leafIndex: BigInt(seg.proof.index), leafCount: BigInt(seg.proof.leafCount) }
      })
      await store.put(keyOf(r, i), value)
      const set = index.get(r) ?? new Set<number>()
      set.add(i)
      index.delete(r)
      index.set(r, set)
      while (total() > maxBytes && index.size > 1) {
        const [oldest, held] = index.entries().next().value!
        if (oldest === r) break
        index.delete(oldest)
        for (const j of held) await store.delete(keyOf(oldest, j))
      }
    },
    async get (root, i) {
      const r = toHex(root)
      if (index.get(r)?.has(i) !== true) return undefined
      return await read(r, i)
    },
    async answer (root, i) {
      const r = toHex(root)
      const n = Number(i)
      if (index.get(r)?.has(n) !== true) throw new SegmentNotHeldError(`segment ${i} of ${r} is not held here`)
      const seg = await read(r, n)
      if (seg === undefined) throw new SegmentNotHeldError(`segment ${i} of ${r} is gone from the store`)
      return seg
    },
    held: () => [...index].map(([root, s]) => ({ root, segments: [...s].sort((a, b) => a - b) }))
  }
}
