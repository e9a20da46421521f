/**
 * Storing a file from the page (the dashboard's upload button): the same steps as `glowmesh put` —
 * the 0G root and the UnixFS CID are computed in the page, `storage.submit` is signed with the
 * node's ed25519 key and sent through a full node's RPC, then every segment is uploaded with its
 * Merkle proof (`PUT /files/:root/segments/:index`). Only `fetch` underneath.
 */
import { fileCid, cidToSubmission } from '../../protocol/cid/index.js'
import { fileLayout, segmentChunkCount, segmentRoot, SegmentTree, SEGMENT_SIZE } from '../../protocol/storage/index.js'
import type { Ed25519Key } from '../../protocol/chain/index.js'
import { toHex } from '../../protocol/bytes.js'
import { GlowmeshError } from '../../protocol/errors.js'
import { createWasmHasher } from '../../wasm/keccak/index.js'
import { createRpcClient } from '../../fullnode/rpc/client.js'
import { createWallet } from '../../fullnode/rpc/wallet.js'

/** A file the page can't store: empty, too large for the page, or refused by the chain/RPC. */
export class UploadError extends GlowmeshError {
  override name = 'UploadError'
  constructor (message: string, options?: { cause?: unknown }) { super('UPLOAD_FAILED', message, options) }
}

/** Largest file the page uploads at once (it is read into memory): 64 MiB. */
export const MAX_PAGE_UPLOAD_BYTES = 64 * 1024 * 1024

/** Where an upload is. */
export interface UploadProgress { phase: 'hashing' | 'submitting' | 'uploading' | 'done', segmentsDone: number, segments: number }

/** Options of uploadFile. */
export interface UploadFileOptions {
  /** A full node's RPC base URL. */
  rpcUrl: string
  /** The signing key (the node's identity: client/browser/identity.ts readIdentity). */
  key: Ed25519Key
  chainId: string
  /** Storage duration in epochs; default 10. */
  epochs?: number
  signal?: AbortSignal
  onProgress?: (p: UploadProgress) => void
}

/** What uploadFile resolves with (the fields `glowmesh put --json` prints). */
export interface UploadResult { root: string, cid: string, size: number, height: number, txHash: string }

/**
 * Stores `data` on the chain's storage network, signed by `key`; resolves when every segment is uploaded.
 * @example const r = await uploadFile(new Uint8Array(await file.arrayBuffer()), { rpcUrl, key, chainId, onProgress: p => console.log(p) }) // r.root, r.cid
 */
export async function uploadFile (data: Uint8Array, o: UploadFileOptions): Promise<UploadResult> {
  if (!(data instanceof Uint8Array) || data.length === 0) throw new UploadError('the file is empty')
  if (data.length > MAX_PAGE_UPLOAD_BYTES) throw new UploadError(`the file is ${data.length} bytes; the page uploads at most ${MAX_PAGE_UPLOAD_BYTES}`)
  const progress = (phase: UploadProgress['phase'], segmentsDone: number, segments: number): void => { try { o.onProgress?.({ phase, segmentsDone, segments }) } catch {} }
  const layout = fileLayout(data.length)
  progress('hashing', 0, layout.dataSegments)
  const hasher = createWasmHasher()
  const seg = (i: number): Uint8Array => data.subarray(i * SEGMENT_SIZE, Math.min(data.length, (i + 1) * SEGMENT_SIZE))
  const roots = Array.from({ length: layout.dataSegments }, (_, i) => segmentRoot(seg(i), segmentChunkCount(layout, i), hasher))
  const tree = SegmentTree.fromDataSegmentRoots(layout, roots, hasher)
  const cid = fileCid(data)
  const root = toHex(tree.root)
  o.signal?.throwIfAborted()
  progress('submitting', 0, layout.dataSegments)
  const rpc = createRpcClient({ url: o.rpcUrl, timeoutMs: 30_000 })
  let sent
  try {
    sent = await createWallet({ rpc, key: o.key, chainId: o.chainId })
      .send('storage.submit', { root: tree.root, cid: cidToSubmission(cid), size: data.length, durationEpochs: o.epochs ?? 10 }, { signal: o.signal })
  } catch (cause) {
    if (o.signal?.aborted === true) throw cause
    throw new UploadError(`storage.submit failed: ${(cause as Error)?.message ?? String(cause)}`, { cause })
  }
  for (let i = 0; i < layout.dataSegments; i++) {
    progress('uploading', i, layout.dataSegments)
    try { await rpc.putSegment(root, i, seg(i), tree.proof(i), o.signal) } catch (cause) {
      if (o.signal?.aborted === true) throw cause
      throw new UploadError(`segment ${i} upload failed: ${(cause as Error)?.message ?? String(cause)}`, { cause })
    }
  }
  progress('done', layout.dataSegments, layout.dataSegments)
  return { root, cid: cid.toString(), size: data.length, height: sent.height, txHash: sent.txHash }
}
