/**
 * State-sync snapshots of the ledger (format 1). A snapshot at height H is every trie node
 * reachable from H's app hash, packed into chunks of at most `chunkBytes` (default 10 MB):
 * each chunk is a sequence of `uvarint length ‖ RLP node`. `metadata` is the concatenated sha256
 * of each chunk (so a restoring node can blame the peer that sent a bad chunk) and `hash` is
 * sha256(metadata). Restoring needs no trust in the sender: every node is stored under its own
 * keccak256, and the restore only completes when the whole trie under the *trusted* app hash
 * (CometBFT's light client supplies it) is present.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import type { Snapshot } from 'cosmjs-types/tendermint/abci/types'
import { encodeUvarint, ProtoReader } from '../../protocol/chain/proto.js'
import { metaKey, type LedgerLevel, type LevelOp } from '../ledger/db.js'
import type { LedgerState } from '../ledger/state.js'
import { GlowmeshError } from '../../protocol/errors.js'

/** The only snapshot format this app writes and restores. */
export const SNAPSHOT_FORMAT = 1
/** Default chunk size limit (CometBFT allows up to 16 MB per chunk message). */
export const DEFAULT_SNAPSHOT_CHUNK_BYTES = 10_000_000

/** A chunk that does not parse as trie nodes. */
export class MalformedSnapshotChunkError extends GlowmeshError {
  override name = 'MalformedSnapshotChunkError'
  constructor (message: string) { super('MALFORMED_SNAPSHOT_CHUNK', message, { exitCode: 2 }) }
}

/**
 * Splits trie nodes into chunks; each chunk ≤ chunkBytes unless a single node is bigger.
 * @example const chunks = await packChunks(state.nodesAt(root), 10_000_000)
 */
export async function packChunks (nodes: AsyncIterable<Uint8Array>, chunkBytes: number): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = []
  let parts: Uint8Array[] = []
  let size = 0
  const close = (): void => {
    const out = new Uint8Array(size)
    let off = 0
    for (const p of parts) { out.set(p, off); off += p.length }
    chunks.push(out); parts = []; size = 0
  }
  for await (const n of nodes) {
    const len = encodeUvarint(n.length)
    if (size > 0 && size + len.length + n.length > chunkBytes) close()
    parts.push(len, n); size += len.length + n.length
  }
  if (size > 0 || chunks.length === 0) close()
  return chunks
}

/**
 * Parses a chunk back into trie nodes; throws MalformedSnapshotChunkError.
 * @example for (const node of unpackChunk(chunk)) …
 */
export function unpackChunk (chunk: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = []
  try {
    const r = new ProtoReader(chunk)
    while (!r.done) out.push(r.bytes().slice())
  } catch (err) {
    throw new MalformedSnapshotChunkError(`snapshot chunk: ${(err as Error).message}`)
  }
  return out
}

/**
 * Snapshots kept in the node's LevelDB (`m snap/<h>/<i>` chunks, `m snaps` the index).
 * @example const store = new SnapshotStore(level); await store.take(state, 100)
 */
export class SnapshotStore {
  constructor (readonly level: LedgerLevel, readonly opts: { keepRecent: number, chunkBytes: number }) {}

  /** Snapshots held, newest first. */
  async list (): Promise<Snapshot[]> {
    const idx = await this.level.get(metaKey('snaps'))
    if (idx === undefined) return []
    const heights: number[] = JSON.parse(new TextDecoder().decode(idx))
    const out: Snapshot[] = []
    for (const h of heights) {
      const m = await this.level.get(metaKey(`snap/${h}`))
      if (m === undefined) continue
      const meta = new Uint8Array(m)
      out.push({ height: BigInt(h), format: SNAPSHOT_FORMAT, chunks: meta.length / 32, hash: sha256(meta), metadata: meta })
    }
    return out
  }

  /**
   * Writes a snapshot of the committed state at `height` (the state's latest) and drops the
   * oldest beyond keepRecent.
   * @example await store.take(state, state.height)
   */
  async take (state: LedgerState, height: number): Promise<Snapshot & { bytes: number }> {
    const root = await state.rootAt(height)
    const chunks = await packChunks(state.nodesAt(root), this.opts.chunkBytes)
    const meta = new Uint8Array(32 * chunks.length)
    chunks.forEach((c, i) => meta.set(sha256(c), 32 * i))
    const idx = await this.level.get(metaKey('snaps'))
    const heights: number[] = idx === undefined ? [] : JSON.parse(new TextDecoder().decode(idx))
    const keep = [height, ...heights.filter((h) => h !== height)].sort((a, b) => b - a)
    const drop = keep.splice(this.opts.keepRecent)
    const ops: LevelOp[] = chunks.map((c, i) => ({ type: 'put', key: metaKey(`snap/${height}/${i}`), value: c }))
    ops.push({ type: 'put', key: metaKey(`snap/${height}`), value: meta })
    for (const h of drop) {
      const m = await this.level.get(metaKey(`snap/${h}`))
      const n = m === undefined ? 0 : m.length / 32
      for (let i = 0; i < n; i++) ops.push({ type: 'del', key: metaKey(`snap/${h}/${i}`) })
      ops.push({ type: 'del', key: metaKey(`snap/${h}`) })
    }
    ops.push({ type: 'put', key: metaKey('snaps'), value: new TextEncoder().encode(JSON.stringify(keep)) })
    await this.level.batch(ops as any)
    return { height: BigInt(height), format: SNAPSHOT_FORMAT, chunks: chunks.length, hash: sha256(meta), metadata: meta, bytes: chunks.reduce((n, c) => n + c.length, 0) }
  }

  /** One chunk, or an empty array when this node lacks it. */
  async loadChunk (height: number, format: number, index: number): Promise<Uint8Array> {
    if (format !== SNAPSHOT_FORMAT) return new Uint8Array()
    // Copy: LevelDB may hand back a view of memory it reuses.
    const c = await this.level.get(metaKey(`snap/${height}/${index}`))
    return c === undefined ? new Uint8Array() : new Uint8Array(c)
  }
}

/** Chunk `i`'s expected sha256 from a snapshot's metadata. @example chunkHash(meta, 0) */
export function chunkHash (metadata: Uint8Array, index: number): Uint8Array {
  return metadata.subarray(32 * index, 32 * index + 32)
}
