/**
 * In-memory glowmesh files for the compute market: store bytes (0G root + CID, `storage.submit`,
 * every segment uploaded with its proof — what `glowmesh put` does for a file on disk) and fetch
 * bytes by root with every segment checked against it (what `glowmesh get` does).
 */
import type { Ed25519Key } from '../../protocol/chain/index.js'
import { fileLayout, SegmentTree, segmentBytes, verifySegmentProof, SEGMENT_SIZE } from '../../protocol/storage/index.js'
import { canonicalCid, cidToSubmission, fileCid } from '../../protocol/cid/index.js'
import { fromHex, toHex } from '../../protocol/bytes.js'
import { RpcError, type RpcClient } from '../../fullnode/rpc/client.js'
import { TxFailedError } from '../../fullnode/rpc/wallet.js'
import { nodeSha256 } from '../../fullnode/store/cid-check.js'
import { MarketError, sendTx, sleep } from '../../client/compute/market.js'

/** A stored file's identity. */
export interface StoredBlob { root: string, cid: string, size: number }

/**
 * The 0G root and CID of bytes (no network).
 * @example identify(encodeTrace(trace)).root
 */
export function identify (bytes: Uint8Array): StoredBlob & { tree: SegmentTree } {
  const tree = SegmentTree.fromBytes(fileLayout(bytes.length), bytes)
  return { root: toHex(tree.root), cid: canonicalCid(fileCid(bytes, { sha256: nodeSha256 })), size: bytes.length, tree }
}

/**
 * Stores `bytes` as a glowmesh file: submits root + CID (skipped when that root is already live
 * with the same size) and uploads every segment not yet held. Idempotent.
 * @example const { root } = await storeBytes({ rpc, key, chainId, bytes: encodeTrace(trace) })
 */
export async function storeBytes (o: { rpc: RpcClient, key: Ed25519Key, chainId: string, bytes: Uint8Array, epochs?: number, signal?: AbortSignal }): Promise<StoredBlob> {
  const { rpc, bytes } = o
  const id = identify(bytes)
  const layout = fileLayout(bytes.length)
  const existing = await rpc.file(id.root, o.signal).catch((err) => { if (err instanceof RpcError && err.status === 404) return undefined; throw err })
  const live = existing !== undefined && existing.expired !== true && existing.size === bytes.length && existing.local?.status !== 'tombstoned'
  if (!live) {
    try {
      await sendTx(rpc, o.key, o.chainId, 'storage.submit', { root: id.tree.root, cid: cidToSubmission(fileCid(bytes, { sha256: nodeSha256 })), size: bytes.length, durationEpochs: o.epochs ?? 10 }, { signal: o.signal })
    } catch (err) {
      // Someone (a racing worker, a re-run) submitted it meanwhile: upload what is missing.
      const again = await rpc.file(id.root, o.signal).catch(() => undefined)
      if (!(err instanceof TxFailedError) || again === undefined || again.size !== bytes.length) throw err
    }
  }
  const have = existing?.local?.status === 'complete' ? layout.dataSegments : 0
  for (let i = have; i < layout.dataSegments; i++) {
    await rpc.putSegment(id.root, i, segmentBytes(bytes, i), id.tree.proof(i), o.signal)
  }
  return { root: id.root, cid: id.cid, size: id.size }
}

/**
 * The bytes of the file with `root`, each segment verified against the root (MarketError BAD_SEGMENT
 * otherwise): the isomorphic fetchVerifiedFile the browser's worker loop uses, under the CLI's name.
 * @example const model = decodeModel(await fetchBytes(rpc, job.modelRoot))
 */
export { fetchVerifiedFile as fetchBytes } from '../../client/compute/worker-loop.js'
