/**
 * Answers `/glowmesh/sample/1.0.0` requests from the cell store (DESIGN §3): for a height in the
 * window, the requested columns (cell j of every blob of the block, with proofs), the blob
 * commitments with the index of the DA tx that carries each, and every such tx with its RFC 6962
 * inclusion proof under the header's `data_hash` (CometBFT v0.38: the merkle root over the txs'
 * sha256 hashes, so the proven leaf is sha256(tx)). The block's txs come from CometBFT's RPC and
 * the proofs are cached per height (light nodes sample each block from several peers).
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { merkleProofs, type Header } from '../../protocol/chain/index.js'
import { equalBytes, fromHex, toHex } from '../../protocol/bytes.js'
import { MAX_BLOBS_PER_BLOCK, MAX_SAMPLE_CELLS, type SampleResponse } from '../../protocol/wire/index.js'
import type { CellStore, SubmissionRecord } from './cell-store.js'
import { NotAvailableError, SampleTooLargeError, UnknownHeightError } from './errors.js'

/** What a sample answer carries besides its status. */
export type SampleAnswer = Pick<SampleResponse, 'height' | 'blobs' | 'txs' | 'columns'>

/** CometBFT's block at a height (its txs and header). */
export type BlockSource = (height: bigint, options: { signal?: AbortSignal }) => Promise<{ header: Header, txs: Uint8Array[] }>

export interface SampleServiceOptions {
  store: CellStore
  block: BlockSource
  /** Heights whose tx inclusion proofs are cached (default 128). */
  cacheBlocks?: number
}

interface BlockProofs { txs: Map<string, { index: number, total: number, aunts: Uint8Array[], tx: Uint8Array }> }

/** The sample service a full node hands to fullnode/net as `services.sample`. */
export interface SampleService {
  /**
   * Throws UnknownHeightError (NOT_FOUND), NotAvailableError (NOT_AVAILABLE), SampleTooLargeError (TOO_LARGE).
   * `blobs` (positions in the block's blob order) narrows the answer to those blobs: a full node
   * replicating a block whose blobs reached different full nodes fetches each from a peer that has it.
   */
  sample: (height: bigint, columns: number[], options: { signal?: AbortSignal, blobs?: number[] }) => Promise<SampleAnswer>
}

/**
 * `load` memoised per key, for the `max` most recent keys: concurrent callers share one promise, and
 * a rejected one is forgotten so the next call tries again. The first caller's `signal` is the load's.
 */
function memoize<K, V> (max: number, load: (key: K, signal?: AbortSignal) => Promise<V>): (key: K, signal?: AbortSignal) => Promise<V> {
  const cache = new Map<K, Promise<V>>()
  return async (key, signal) => {
    let p = cache.get(key)
    if (p === undefined) {
      p = load(key, signal)
      cache.set(key, p)
      p.catch(() => cache.delete(key))
      while (cache.size > max) cache.delete(cache.keys().next().value as K)
    }
    return await p
  }
}

/**
 * Creates the sample service over a cell store and a block source.
 * @example const svc = createSampleService({ store, block: async (h, o) => await engine.rpc.block(h, o) })
 */
export function createSampleService (options: SampleServiceOptions): SampleService {
  const { store } = options
  const cacheSize = options.cacheBlocks ?? 128

  // the block's txs with their inclusion proofs under its data_hash, built once per height
  const proofsAt = memoize(cacheSize, async (height: bigint, signal?: AbortSignal): Promise<BlockProofs> => {
    const { header, txs } = await options.block(height, { signal })
    const hashes = txs.map((t) => sha256(t))
    const { root, proofs } = merkleProofs(hashes)
    // A mismatch means our RPC view is wrong; never serve proofs that can't verify.
    if (!equalBytes(root, header.dataHash)) throw new Error(`block ${height}: data_hash ${toHex(header.dataHash)} is not the root of its ${txs.length} txs`)
    const m = new Map<string, { index: number, total: number, aunts: Uint8Array[], tx: Uint8Array }>()
    proofs.forEach((pr, i) => m.set(toHex(hashes[i]), { index: pr.index, total: pr.total, aunts: pr.aunts, tx: txs[i] }))
    return { txs: m }
  })

  // A block's submission records are final once a later block is committed; every light client
  // samples the same few recent heights, so read them once (a LevelDB scan per sample was ~8 % of a
  // full node's CPU per light client, bench/fanout.mjs's profile)
  const finalSubmissionsAt = memoize(cacheSize, async (h: number) => await store.submissionsAt(h))
  const submissionsAt = async (h: number, head: number): Promise<SubmissionRecord[]> => h >= head ? await store.submissionsAt(h) : await finalSubmissionsAt(h)

  return {
    async sample (height, columns, { signal, blobs: only }) {
      const head = store.head
      if (height > BigInt(head)) throw new UnknownHeightError(`height ${height} is above this node's head ${head}`)
      const h = Number(height)
      if (h <= head - store.windowBlocks) throw new NotAvailableError(`height ${h} left the sampling window (${store.windowBlocks} blocks; head ${head}): cells pruned`)
      // A node that joined by state sync has no DA records below its first followed block: "no blobs" would be a lie.
      if (h < store.base) throw new NotAvailableError(`height ${h} is below ${store.base}, the first block this node followed (it joined by state sync): no DA records here`)
      const subs = await submissionsAt(h, head)
      const all = subs.flatMap((s) => s.commitments)
      const wanted = only === undefined || only.length === 0 ? undefined : new Set(only)
      const outOfRange = only?.find((b) => b >= all.length)
      if (outOfRange !== undefined) throw new NotAvailableError(`block ${h} has ${all.length} blobs: there is no blob ${outOfRange}`)
      const commitments = wanted === undefined ? all : all.filter((_, i) => wanted.has(i))
      if (commitments.length === 0) return { height, blobs: [], txs: [], columns: columns.map((index) => ({ index, cells: [], proofs: [] })) }
      // The wire caps a response at 64 blobs; a block past it can't be sampled (see README).
      if (commitments.length > MAX_BLOBS_PER_BLOCK) throw new NotAvailableError(`block ${h} has ${commitments.length} blobs, more than the ${MAX_BLOBS_PER_BLOCK} a sample answer carries`)
      if (columns.length * commitments.length > MAX_SAMPLE_CELLS) throw new SampleTooLargeError(`${columns.length} columns × ${commitments.length} blobs is over ${MAX_SAMPLE_CELLS} cells: ask for at most ${Math.floor(MAX_SAMPLE_CELLS / commitments.length)} columns`)
      const lacking = commitments.find((c) => !store.has(c))
      if (lacking !== undefined) throw new NotAvailableError(`block ${h}: the cells of blob ${lacking.slice(0, 18)}… are not held here`)
      const proofs = await proofsAt(height, signal)
      const txs: SampleAnswer['txs'] = []
      const blobs: SampleAnswer['blobs'] = []
      let position = 0
      for (const s of subs) {
        const inc = proofs.txs.get(s.txHash.toLowerCase())
        if (inc === undefined) throw new Error(`block ${h}: DA tx ${s.txHash} is not among the block's txs`)
        for (const c of s.commitments) {
          const i = position++ // the blob's position in the block, counted whether or not it is wanted
          if (wanted !== undefined && !wanted.has(i)) continue
          if (!txs.some((t) => t.index === inc.index)) txs.push(inc)
          blobs.push({ commitment: fromHex(c, 48), txIndex: inc.index })
        }
      }
      const reads = await Promise.all(commitments.map(async (c) => await store.read(c, columns)))
      return {
        height,
        blobs,
        txs,
        columns: columns.map((index, k) => ({ index, cells: reads.map((r) => r.cells[k]), proofs: reads.map((r) => r.proofs[k]) }))
      }
    }
  }
}
