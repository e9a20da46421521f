// The partition checker: after a scenario heals, read every node's chain and assert safety.
// - no two different blocks at one height (CometBFT `/blockchain` block ids, every node, every height);
// - no committed transaction lost (every confirmed transfer is in every node's chain at its height, code 0);
// - no light node accepted a header without a valid commit (each logged header's hash is the chain's
//   block at that height, and > 2/3 of that height's validators signed it: checked here again).
// Liveness (progress after healing) is a wait in the scenarios; its time goes to the report only.
import { sha256 } from '@noble/hashes/sha2.js'
import { GlowmeshError } from '../../protocol/errors.js'
import { hashHeader, verifyCommitLight } from '../../protocol/chain/index.js'
import type { AcceptedHeader } from '../../client/types.js'
import type { PartitionCluster } from './harness.js'
import type { ConfirmedTx } from './traffic.js'

/** A safety property failed: a fork, a lost transaction, a light node that accepted a bad header, or a node that can't be read. */
export class PartitionCheckError extends GlowmeshError {
  override name = 'PartitionCheckError'
  constructor (code: 'PARTITION_FORK' | 'PARTITION_TX_LOST' | 'PARTITION_LIGHT_INVALID' | 'PARTITION_NODE_UNREADABLE', message: string) { super(code, message) }
}

/** What the chain check saw. */
export interface ChainCheck {
  /** Each validator's height when read. */
  heights: number[]
  /** Heights compared across nodes (1 … the lowest node's height, and above it wherever two nodes have a block). */
  comparedHeights: number
  /** The block hash (lower-case hex) at each height, agreed by every node that has it. */
  canonical: Map<number, string>
}

const norm = (h: string): string => h.replace(/^0x/i, '').toLowerCase()

async function pool<T> (items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) await fn(items[next++])
  }))
}

/**
 * Reads every validator's block ids from height 1 to its head and throws PARTITION_FORK if two
 * nodes hold different blocks at one height (PARTITION_NODE_UNREADABLE if a node doesn't answer).
 * @example const { canonical } = await checkChains(cluster)
 */
export async function checkChains (cluster: PartitionCluster, options: { signal?: AbortSignal } = {}): Promise<ChainCheck> {
  const byNode: Array<Map<number, string>> = []
  const heights: number[] = []
  for (const v of cluster.validators) {
    const comet = cluster.comet(v.index)
    let head: number
    try { head = Number((await comet.status({ signal: options.signal })).latestBlockHeight) } catch (err) {
      throw new PartitionCheckError('PARTITION_NODE_UNREADABLE', `${v.name} (${v.cometUrl}) did not answer: ${(err as Error).message}`)
    }
    heights.push(head)
    const blocks = new Map<number, string>()
    for (let lo = 1; lo <= head; lo += 20) {
      const hi = Math.min(head, lo + 19)
      const r = await comet.call('blockchain', { minHeight: String(lo), maxHeight: String(hi) }, { signal: options.signal, timeoutMs: 10_000 })
      for (const m of r.block_metas as any[]) blocks.set(Number(m.header.height), norm(m.block_id.hash))
      for (let h = lo; h <= hi; h++) if (!blocks.has(h)) throw new PartitionCheckError('PARTITION_NODE_UNREADABLE', `${v.name} did not return block ${h} (head ${head})`)
    }
    byNode.push(blocks)
  }
  const canonical = new Map<number, string>()
  let compared = 0
  const top = Math.max(...heights)
  for (let h = 1; h <= top; h++) {
    const seen = byNode.map((m, i) => ({ node: cluster.validators[i].name, hash: m.get(h) })).filter((s) => s.hash !== undefined)
    const distinct = new Set(seen.map((s) => s.hash))
    if (distinct.size > 1) throw new PartitionCheckError('PARTITION_FORK', `two different blocks at height ${h}: ${seen.map((s) => `${s.node}=${s.hash}`).join(', ')}`)
    if (seen.length >= 2) compared++
    canonical.set(h, seen[0].hash!)
  }
  return { heights, comparedHeights: compared, canonical }
}

/** What the transaction check saw. */
export interface TxCheck {
  /** tx × node pairs found in the node's block at the confirmed height. */
  found: number
  /** tx × node pairs whose block holds the tx but whose CometBFT tx index (`/tx`) does not answer with it. */
  indexMisses: Array<{ node: string, txHash: string, height: number, error: string }>
}

/**
 * Throws PARTITION_TX_LOST unless every confirmed transfer is in every validator's block at the
 * height its confirming node named (`/block?height=`: the tx bytes, by sha256). Also looks each tx up
 * in every node's tx index and reports the misses (what `/tx/{hash}` clients would not find).
 * @example const { found } = await checkTxs(cluster, traffic.confirmed)
 */
export async function checkTxs (cluster: PartitionCluster, txs: ConfirmedTx[], options: { signal?: AbortSignal } = {}): Promise<TxCheck> {
  const heights = [...new Set(txs.map((t) => t.height))]
  const blocks = new Map<string, Set<string>>() // `${node}/${height}` → tx hashes
  await pool(heights.flatMap((h) => cluster.validators.map((v) => ({ h, v }))), 8, async ({ h, v }) => {
    const b = await cluster.comet(v.index).block(h, { signal: options.signal, timeoutMs: 10_000 })
    blocks.set(`${v.index}/${h}`, new Set(b.txs.map((t) => Buffer.from(sha256(t)).toString('hex'))))
  })
  let found = 0
  for (const tx of txs) {
    for (const v of cluster.validators) {
      if (blocks.get(`${v.index}/${tx.height}`)?.has(norm(tx.txHash)) !== true) {
        throw new PartitionCheckError('PARTITION_TX_LOST', `tx ${tx.txHash} (confirmed by v${tx.node} at height ${tx.height}) is not in ${v.name}'s block ${tx.height}`)
      }
      found++
    }
  }
  const indexMisses: TxCheck['indexMisses'] = []
  await pool(txs.flatMap((tx) => cluster.validators.map((v) => ({ tx, v }))), 8, async ({ tx, v }) => {
    try {
      const got = await cluster.comet(v.index).tx(norm(tx.txHash), { signal: options.signal })
      if (Number(got.height) !== tx.height || got.code !== 0) indexMisses.push({ node: v.name, txHash: tx.txHash, height: tx.height, error: `indexed at height ${got.height} code ${got.code}` })
    } catch (err) { indexMisses.push({ node: v.name, txHash: tx.txHash, height: tx.height, error: (err as Error).message }) }
  })
  return { found, indexMisses }
}

/**
 * Throws PARTITION_LIGHT_INVALID unless every header in a light node's log is the chain's block at
 * that height and carries a commit signed by > 2/3 of that height's validators (re-verified here).
 * Returns how many headers it checked.
 * @example await checkLightLog(cluster, await cluster.lightHeaders(0), chains.canonical)
 */
export async function checkLightLog (cluster: PartitionCluster, headers: AcceptedHeader[], canonical: Map<number, string>, options: { signal?: AbortSignal } = {}): Promise<number> {
  const reader = cluster.comet(cluster.validators[0].index)
  await pool(headers, 4, async (h) => {
    const chain = canonical.get(h.height)
    if (chain === undefined) throw new PartitionCheckError('PARTITION_LIGHT_INVALID', `light accepted height ${h.height} (${h.hash}), above every node's head`)
    if (norm(h.hash) !== chain) throw new PartitionCheckError('PARTITION_LIGHT_INVALID', `light accepted ${h.hash} at height ${h.height}; the chain's block there is ${chain}`)
    const lb = await reader.lightBlock(h.height, { signal: options.signal, timeoutMs: 10_000 })
    const { header, commit } = lb.signedHeader
    if (Buffer.from(hashHeader(header)).toString('hex') !== chain || Buffer.from(commit.blockId.hash).toString('hex') !== chain) {
      throw new PartitionCheckError('PARTITION_LIGHT_INVALID', `header or commit at ${h.height} is not for block ${chain}`)
    }
    try { verifyCommitLight(cluster.chainId, lb.validators, commit.blockId, BigInt(h.height), commit) } catch (err) {
      throw new PartitionCheckError('PARTITION_LIGHT_INVALID', `light accepted height ${h.height}, whose commit does not verify: ${(err as Error).message}`)
    }
  })
  return headers.length
}
