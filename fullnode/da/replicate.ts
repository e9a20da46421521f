/**
 * Custody on every full node (DESIGN §3): a committed blob whose cells this node lacks is fetched
 * from its full-node peers over the same `/glowmesh/sample/1.0.0` protocol light nodes use — all
 * 128 columns, in as few requests as the wire's cell cap allows — then checked against the
 * commitments *this node's own chain* recorded and KZG-verified by the cell store before it is
 * kept. One peer supplies a whole block (so a bad cell is that peer's); on any failure the next
 * peer is asked. When no peer holds the whole block — its blobs reached different full nodes, each
 * intake keeping only its own submitter's — each missing blob is fetched alone (the request's
 * `blobs`) from a peer that has it. A blob nobody can serve (withheld) backs off and stays missing —
 * never faked — until it leaves the window.
 */
import { CELLS_PER_EXT_BLOB } from '../../protocol/da/index.js'
import { fromHex, toHex } from '../../protocol/bytes.js'
import { MAX_SAMPLE_CELLS, type SampleResponse } from '../../protocol/wire/index.js'
import type { CellStore } from './cell-store.js'
import { pause } from '../../protocol/sleep.js'
import { withTimeout } from '../../protocol/signals.js'

/** Where cells come from: peers, and one sample request to one of them (throws on a non-OK answer). */
export interface CellSource {
  peers: () => unknown[]
  /** `blobs`: only these blobs of the block (positions in its blob order); omitted: all. */
  sample: (peer: unknown, height: bigint, columns: number[], signal: AbortSignal, blobs?: number[]) => Promise<Pick<SampleResponse, 'blobs' | 'columns'>>
}

export interface CellReplicator {
  /** Look at missing blobs now instead of at the next tick. */
  kick: () => void
  stop: () => void
}

export interface CellReplicatorOptions {
  store: CellStore
  source: CellSource
  intervalMs?: number
  /** Longest back-off for a block nobody could serve (default 30 s). */
  maxBackoffMs?: number
  log?: (line: string) => void
}

/**
 * Fetches every column of `height` from `peer` and returns each blob's 128 cells and proofs, in
 * block order, after checking that the peer's commitments are exactly `commitments` — the block's,
 * or with `positions` only those blobs of it.
 */
async function fetchBlock (source: CellSource, peer: unknown, height: number, commitments: string[], signal: AbortSignal, positions?: number[]): Promise<Array<{ cells: Uint8Array[], proofs: Uint8Array[] }>> {
  const per = Math.max(1, Math.floor(MAX_SAMPLE_CELLS / commitments.length))
  const out = commitments.map(() => ({ cells: new Array<Uint8Array>(CELLS_PER_EXT_BLOB), proofs: new Array<Uint8Array>(CELLS_PER_EXT_BLOB) }))
  for (let from = 0; from < CELLS_PER_EXT_BLOB; from += per) {
    const columns = Array.from({ length: Math.min(per, CELLS_PER_EXT_BLOB - from) }, (_, i) => from + i)
    const res = await source.sample(peer, BigInt(height), columns, signal, positions)
    if (res.blobs.length !== commitments.length || res.blobs.some((b, i) => toHex(b.commitment) !== commitments[i])) {
      throw new Error(`block ${height}: the peer's blob commitments differ from the chain's`)
    }
    const want = new Set(columns)
    for (const col of res.columns) {
      if (!want.delete(col.index)) throw new Error(`block ${height}: column ${col.index} was not asked for`)
      col.cells.forEach((c, b) => { out[b].cells[col.index] = c; out[b].proofs[col.index] = col.proofs[b] })
    }
    if (want.size > 0) throw new Error(`block ${height}: ${want.size} columns missing from the answer`)
  }
  return out
}

/**
 * Starts the replication loop.
 * @example const r = startCellReplicator({ store, source }); …; r.stop()
 */
export function startCellReplicator (options: CellReplicatorOptions): CellReplicator {
  const { store, source } = options
  const log = options.log ?? (() => {})
  const controller = new AbortController()
  const backoff = new Map<number, { until: number, ms: number }>()
  let wake: (() => void) | undefined
  let cursor = 0

  const pull = async (height: number): Promise<boolean> => {
    const all = (await store.submissionsAt(height)).flatMap((s) => s.commitments)
    const peers = source.peers()
    if (await pullFromAnyPeer(height, all, peers)) return true
    // Nobody holds the whole block: its blobs reached different full nodes (each intake keeps only its
    // own submitter's until replication), so fetch blob by blob from whichever peer holds each.
    for (const [i, c] of all.entries()) {
      if (controller.signal.aborted) return false
      if (!store.has(c)) await pullFromAnyPeer(height, [c], peers, [i])
    }
    return all.every((c) => store.has(c))
  }

  /** Asks the peers in turn for `commitments` of block `height` (all of its blobs, or those at `positions`) and keeps what this node lacks. */
  const pullFromAnyPeer = async (height: number, commitments: string[], peers: unknown[], positions?: number[]): Promise<boolean> => {
    for (let attempt = 0; attempt < peers.length; attempt++) {
      const peer = peers[(cursor++) % peers.length]
      try {
        const blobs = await withTimeout(controller.signal, 30_000, async (s) => await fetchBlock(source, peer, height, commitments, s, positions))
        const lacking = commitments.map((c, i) => ({ c, i })).filter(({ c }) => !store.has(c))
        // put() KZG-verifies every cell before anything is kept.
        await store.put(lacking.map(({ c, i }) => ({ commitment: fromHex(c, 48), ...blobs[i] })), { signal: controller.signal })
        return true
      } catch (err: any) {
        if (controller.signal.aborted) return false
        if (!/NOT_AVAILABLE|NOT_FOUND/.test(String(err?.code) + String(err?.status))) log(`da replicate ${height}${positions === undefined ? '' : ` blob ${positions.join(',')}`}: ${String(err?.message ?? err)}`)
      }
    }
    return false
  }

  void (async () => {
    while (!controller.signal.aborted) {
      try {
        const now = Date.now()
        const missing = await store.missing()
        for (const h of backoff.keys()) if (!missing.some((m) => m.height === h)) backoff.delete(h)
        for (const { height } of missing) {
          if (controller.signal.aborted) break
          const b = backoff.get(height)
          if (b !== undefined && b.until > now) continue
          if (await pull(height)) backoff.delete(height)
          else {
            const ms = Math.min(options.maxBackoffMs ?? 30_000, (b?.ms ?? 500) * 2)
            backoff.set(height, { until: Date.now() + ms, ms })
          }
        }
      } catch (err: any) {
        if (!controller.signal.aborted) log(`da replicate: ${String(err?.message ?? err)}`)
      }
      await pause(options.intervalMs ?? 1000, controller.signal, (w) => { wake = w })
    }
  })()

  return { kick: () => wake?.(), stop: () => controller.abort() }
}
