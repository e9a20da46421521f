/**
 * The body of `POST /da/submit`: a signed `da.submit` tx plus the cells and proofs of every blob it
 * commits to. Cells and proofs have fixed sizes, so the layout is a fixed header, the tx, then one
 * fixed-size record per blob — a single length check proves the shape before anything is parsed,
 * and a 17 MB body is sliced, never copied field by field (a protobuf of 16k repeated byte fields
 * would allocate 16k small objects on decode for nothing).
 *
 *   0  "GMDA"            magic
 *   4  u8  version = 1
 *   5  u8  blob count n  (1..64)
 *   6  u32 tx length     (big-endian, 1..1 MiB)
 *  10  tx bytes
 *   …  n × (128 cells × 2048 B ‖ 128 proofs × 48 B)   in blob order = the tx's commitment order
 */
import { BYTES_PER_CELL, BYTES_PER_PROOF, CELLS_PER_EXT_BLOB, blobFromCells, unpackBlobs, MalformedBlobError } from '../../protocol/da/index.js'
import { decodeTx, verifyTx, txHash, MAX_TX_BYTES, type SignedTx } from '../../protocol/chain/index.js'
import { decodeBody, MAX_DA_COMMITMENTS, type DaSubmitBody } from '../../protocol/chain/bodies.js'
import { toHex } from '../../protocol/bytes.js'
import { CommitmentMismatchError, MalformedSubmissionError, SubmissionTooLargeError } from './errors.js'

const MAGIC = [0x47, 0x4d, 0x44, 0x41] // "GMDA"
const VERSION = 1
const HEADER_BYTES = 10

/** Bytes of one blob's record: 128 cells and 128 proofs. */
export const BLOB_RECORD_BYTES = CELLS_PER_EXT_BLOB * (BYTES_PER_CELL + BYTES_PER_PROOF)

/** Most blobs one submission may carry (the ledger's and the sample wire's cap). */
export const MAX_SUBMISSION_BLOBS = MAX_DA_COMMITMENTS

/** The largest `POST /da/submit` body: header + a 1 MiB tx + 64 blob records (≈ 18 MiB). */
export const MAX_SUBMISSION_BYTES = HEADER_BYTES + MAX_TX_BYTES + MAX_SUBMISSION_BLOBS * BLOB_RECORD_BYTES

/** One blob's 128 cells (2048 B) and 128 KZG proofs (48 B), cell index = array index. */
export interface BlobCells { cells: Uint8Array[], proofs: Uint8Array[] }

/** A decoded submission body. */
export interface Submission { tx: Uint8Array, blobs: BlobCells[] }

/**
 * Encodes a submission body.
 * @example const body = encodeSubmission({ tx: encodeTx(signed), blobs: [{ cells, proofs }] })
 */
export function encodeSubmission (sub: Submission): Uint8Array {
  const n = sub.blobs.length
  if (n < 1) throw new MalformedSubmissionError('a submission carries at least one blob')
  if (n > MAX_SUBMISSION_BLOBS) throw new SubmissionTooLargeError(`${n} blobs; at most ${MAX_SUBMISSION_BLOBS} per submission`)
  if (sub.tx.length < 1 || sub.tx.length > MAX_TX_BYTES) throw new MalformedSubmissionError(`tx of ${sub.tx.length} bytes (1..${MAX_TX_BYTES})`)
  const out = new Uint8Array(HEADER_BYTES + sub.tx.length + n * BLOB_RECORD_BYTES)
  out.set(MAGIC, 0)
  out[4] = VERSION
  out[5] = n
  new DataView(out.buffer).setUint32(6, sub.tx.length)
  out.set(sub.tx, HEADER_BYTES)
  let o = HEADER_BYTES + sub.tx.length
  sub.blobs.forEach((b, i) => {
    if (b.cells.length !== CELLS_PER_EXT_BLOB || b.proofs.length !== CELLS_PER_EXT_BLOB) throw new MalformedSubmissionError(`blob ${i}: needs ${CELLS_PER_EXT_BLOB} cells and proofs`)
    for (const c of b.cells) { if (c.length !== BYTES_PER_CELL) throw new MalformedSubmissionError(`blob ${i}: a cell is not ${BYTES_PER_CELL} bytes`); out.set(c, o); o += BYTES_PER_CELL }
    for (const p of b.proofs) { if (p.length !== BYTES_PER_PROOF) throw new MalformedSubmissionError(`blob ${i}: a proof is not ${BYTES_PER_PROOF} bytes`); out.set(p, o); o += BYTES_PER_PROOF }
  })
  return out
}

/**
 * Decodes a submission body; every cell and proof is a view into `bytes` (no copies). Throws
 * MalformedSubmissionError (shape) or SubmissionTooLargeError (over 64 blobs).
 * @example const { tx, blobs } = decodeSubmission(body)
 */
export function decodeSubmission (bytes: Uint8Array): Submission {
  if (!(bytes instanceof Uint8Array) || bytes.length < HEADER_BYTES) throw new MalformedSubmissionError(`body of ${bytes?.length ?? 0} bytes is shorter than the ${HEADER_BYTES}-byte header`)
  if (MAGIC.some((m, i) => bytes[i] !== m)) throw new MalformedSubmissionError('not a DA submission (bad magic)')
  if (bytes[4] !== VERSION) throw new MalformedSubmissionError(`unknown submission version ${bytes[4]}`)
  const n = bytes[5]
  if (n < 1) throw new MalformedSubmissionError('a submission carries at least one blob')
  if (n > MAX_SUBMISSION_BLOBS) throw new SubmissionTooLargeError(`${n} blobs; at most ${MAX_SUBMISSION_BLOBS} per submission`)
  const txLen = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(6)
  if (txLen < 1 || txLen > MAX_TX_BYTES) throw new MalformedSubmissionError(`tx length ${txLen} out of range (1..${MAX_TX_BYTES})`)
  const want = HEADER_BYTES + txLen + n * BLOB_RECORD_BYTES
  if (bytes.length !== want) throw new MalformedSubmissionError(`body is ${bytes.length} bytes; a ${txLen}-byte tx with ${n} blobs needs exactly ${want}`)
  const tx = bytes.subarray(HEADER_BYTES, HEADER_BYTES + txLen)
  const blobs: BlobCells[] = []
  let o = HEADER_BYTES + txLen
  for (let b = 0; b < n; b++) {
    const cells: Uint8Array[] = []
    const proofs: Uint8Array[] = []
    for (let i = 0; i < CELLS_PER_EXT_BLOB; i++, o += BYTES_PER_CELL) cells.push(bytes.subarray(o, o + BYTES_PER_CELL))
    for (let i = 0; i < CELLS_PER_EXT_BLOB; i++, o += BYTES_PER_PROOF) proofs.push(bytes.subarray(o, o + BYTES_PER_PROOF))
    blobs.push({ cells, proofs })
  }
  return { tx, blobs }
}

/** A `da.submit` tx that passed the stateless checks, with what it commits to. */
export interface CheckedDaTx { signed: SignedTx, body: DaSubmitBody, txHash: Uint8Array, txHashHex: string }

/**
 * Decodes a signed `da.submit` tx and runs the checks that need no state: canonical encoding, the
 * chain id, the kind, the body (size ↔ commitment count), the signature. Anything else is
 * MalformedSubmissionError — before any KZG work is spent on the cells.
 * @example const { body } = checkDaTx(tx, { chainId: 'glowmesh-devnet' })
 */
export function checkDaTx (tx: Uint8Array, options: { chainId: string }): CheckedDaTx {
  let signed: SignedTx
  try { signed = decodeTx(tx) } catch (err) { throw new MalformedSubmissionError(`tx: ${(err as Error).message}`, { cause: err }) }
  if (signed.chainId !== options.chainId) throw new MalformedSubmissionError(`tx is for chain '${signed.chainId}', this is '${options.chainId}'`)
  if (signed.kind !== 'da.submit') throw new MalformedSubmissionError(`tx kind is '${signed.kind}', expected 'da.submit'`)
  let body: DaSubmitBody
  try { body = decodeBody('da.submit', signed.body) } catch (err) { throw new MalformedSubmissionError(`da.submit body: ${(err as Error).message}`, { cause: err }) }
  if (!verifyTx(signed)) throw new MalformedSubmissionError('tx signature does not verify')
  const hash = txHash(tx)
  return { signed, body, txHash: hash, txHashHex: toHex(hash) }
}

/**
 * Checks that the blobs sent are the ones the tx commits to, as far as shape and payload go: one
 * blob per commitment, and the blobs (the first 64 cells of each, EIP-7594) are a canonical packing
 * of exactly `body.size` payload bytes — non-zero padding or a non-zero first byte would let a size
 * lie. Cell ↔ commitment binding is the KZG batch check the cell store runs next.
 * @example checkBlobsMatch(body, blobs)
 */
export function checkBlobsMatch (body: DaSubmitBody, blobs: BlobCells[]): void {
  if (body.commitments.length !== blobs.length) throw new CommitmentMismatchError(`tx commits to ${body.commitments.length} blobs, ${blobs.length} sent`)
  try {
    unpackBlobs(blobs.map((b) => blobFromCells(b.cells)), body.size)
  } catch (err) {
    if (err instanceof MalformedBlobError) throw new CommitmentMismatchError(`blobs are not a packing of ${body.size} payload bytes: ${err.message}`)
    throw err
  }
}
