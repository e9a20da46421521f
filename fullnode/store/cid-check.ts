/**
 * The CID check a full node runs when a file's last data segment arrives (DESIGN §2, §2b). Each
 * segment was already checked against the 0G root on arrival; the CID covers the whole file, so it
 * is checked once, at completion, before the file may be served: the store streams the file's bytes
 * from the flow log through a UnixfsCidBuilder and compares the result with the CID the submission
 * declared. A mismatch rejects the upload (`CidMismatchError`, HTTP 422 `CID_MISMATCH`) and
 * tombstones the range; a match hands the DAG (interior nodes, leaf CIDs) to whoever indexes it
 * for bitswap and the gateway. Node only (node:crypto SHA-256, ~15× noble's).
 */
import { createHash } from 'node:crypto'
import { GlowmeshError } from '../../protocol/errors.js'
import { type CID, UnixfsCidBuilder, CID_LEAF_SIZE, canonicalCid, cidFromSubmission, parseCid, type Sha256 } from '../../protocol/cid/index.js'
import { fromHex } from '../../protocol/bytes.js'
import type { FileInfo } from './records.js'

/** SHA-256 with node:crypto (OpenSSL). @example fileCid(bytes, { sha256: nodeSha256 }) */
export const nodeSha256: Sha256 = (data) => createHash('sha256').update(data).digest()

/** The bytes of a completed upload do not hash to the CID its submission declared. */
export class CidMismatchError extends GlowmeshError {
  override name = 'CidMismatchError'
  constructor (readonly root: string, readonly declared: string, readonly actual: string) {
    super('CID_MISMATCH', `upload of ${root} rejected: its bytes have CID ${actual}, but the submission declared ${declared}; the range is tombstoned`, { exitCode: 2 })
  }
}

/** A file's DAG as the check built it: enough to serve it over bitswap and the gateway without hashing it again. */
export interface FileDag {
  root: string
  flowStart: number
  cid: CID
  /** Interior dag-pb nodes, children before parents (none for a one-leaf file). */
  nodes: Array<{ cid: CID, bytes: Uint8Array }>
  /** Leaf i's CID (its bytes are flow bytes [i MiB, (i+1) MiB) of the file). */
  leaves: CID[]
}

/** What a completion check answers: accept (with anything the caller's onComplete wants), or reject with the error putSegment throws. */
export type CompletionVerdict = { accept: true, detail?: unknown } | { accept: false, error: GlowmeshError }

/** Reads `length` file bytes at file offset `offset` (raw from the flow log). */
export type FileReader = (offset: number, length: number) => Promise<Uint8Array>

/** Runs under the submission's lock when its last data segment is on disk, before it is marked complete. */
export type CompletionCheck = (file: FileInfo, read: FileReader) => Promise<CompletionVerdict>

/**
 * Streams a file through the CID builder, 1 MiB (one leaf) per read.
 * @example const { cid } = await computeFileDag(info, read)
 */
export async function computeFileDag (file: Pick<FileInfo, 'root' | 'flowStart' | 'size'>, read: FileReader, options: { sha256?: Sha256, signal?: AbortSignal } = {}): Promise<FileDag> {
  const nodes: FileDag['nodes'] = []
  const leaves: CID[] = []
  const builder = new UnixfsCidBuilder({
    sha256: options.sha256 ?? nodeSha256,
    onBlock: (cid, bytes, info) => { if (info.kind === 'leaf') leaves.push(cid); else nodes.push({ cid, bytes: Uint8Array.from(bytes) }) }
  })
  for (let off = 0; off < file.size; off += CID_LEAF_SIZE) {
    options.signal?.throwIfAborted()
    builder.update(await read(off, Math.min(CID_LEAF_SIZE, file.size - off)))
  }
  return { root: file.root, flowStart: file.flowStart, cid: builder.digest(), nodes, leaves }
}

/**
 * The completion check a full node gives its FlowStore: a submission that declared a CID must hash
 * to it; one that declared none ('') is accepted as is (older clients, and the ledger allows it).
 * The accepted verdict's `detail` is the FileDag.
 * @example FlowStore.open({ dir, completionCheck: cidCompletionCheck(), onComplete: async (info, dag) => await index(dag) })
 */
export function cidCompletionCheck (options: { sha256?: Sha256 } = {}): CompletionCheck {
  return async (file, read) => {
    if (file.cid === '') return { accept: true }
    const dag = await computeFileDag(file, read, options)
    const actual = canonicalCid(dag.cid)
    let declared: string
    try { declared = canonicalCid(parseCid(file.cid)) } catch { declared = file.cid }
    if (declared !== actual) return { accept: false, error: new CidMismatchError(file.root, file.cid, actual) }
    return { accept: true, detail: dag }
  }
}

/**
 * The CID a `storage.submit` event declared (its `cid` attribute: 0x-hex of the recorded bytes), as
 * the store keeps it: canonical text, '' for none, or `{ invalid }` when the bytes are no CID.
 * @example declaredCid('0x01551220…') // { cid: 'bafkrei…' }
 */
export function declaredCid (attr: string | undefined): { cid: string } | { invalid: string } {
  if (attr === undefined || attr === '' || attr === '0x') return { cid: '' }
  try {
    const cid = cidFromSubmission(fromHex(attr))
    return { cid: cid === undefined ? '' : canonicalCid(cid) }
  } catch (err) {
    return { invalid: (err as Error).message }
  }
}
