// The KZG cell backend interface (EIP-7594 layout) and the boundary checks every backend shares.
// Backends: pure JS in protocol/da/kzg-js.ts (browsers, workerd, Node), native in fullnode/da/
// (Node only). A light node takes any KzgCellVerifier; full nodes need the whole KzgCellBackend.
import {
  BYTES_PER_CELL, BYTES_PER_COMMITMENT, BYTES_PER_PROOF, CELLS_FOR_RECOVERY, CELLS_PER_EXT_BLOB
} from './constants.js'
import { InsufficientCellsError, MalformedCellError } from './errors.js'

/** A blob's KZG commitment with its 128 extended cells and their proofs, cell j at index j. */
export interface EncodedBlob {
  commitment: Uint8Array
  cells: Uint8Array[]
  proofs: Uint8Array[]
}

/** Parallel arrays: cell `cells[i]` at column `cellIndices[i]` of the blob committed by `commitments[i]`. */
export interface CellBatch {
  commitments: readonly Uint8Array[]
  cellIndices: readonly number[]
  cells: readonly Uint8Array[]
  proofs: readonly Uint8Array[]
}

/** Cells at known column indices of one blob (at least 64 distinct ones to recover). */
export interface CellSet {
  cellIndices: readonly number[]
  cells: readonly Uint8Array[]
}

/** Options for anything that may wait (setup loading, native thread pool). */
export interface KzgCallOptions {
  signal?: AbortSignal
}

/** What a light node needs: batch verification of cells against commitments. */
export interface KzgCellVerifier {
  /** Short name for logs and benchmarks, e.g. `micro-eth-signer`, `node-eth-kzg`. */
  readonly name: string
  /**
   * True iff every cell opens its commitment at its column. Malformed shapes throw
   * MalformedCellError; bytes that don't decode to a point or canonical scalar give false.
   */
  verifyCells: (batch: CellBatch, options?: KzgCallOptions) => Promise<boolean>
}

/** Encoding and recovery as well: what a full node (or a patient light node) needs. */
export interface KzgCellBackend extends KzgCellVerifier {
  /** Commitment, 128 cells and 128 proofs of a packed blob (EIP-7594 compute_cells_and_kzg_proofs). */
  encodeBlob: (blob: Uint8Array, options?: KzgCallOptions) => Promise<EncodedBlob>
  /** All 128 cells and proofs from any 64 or more distinct cells of a blob. */
  recoverCells: (set: CellSet, options?: KzgCallOptions) => Promise<{ cells: Uint8Array[], proofs: Uint8Array[] }>
}

function checkLength (value: unknown, length: number, what: string): void {
  if (!(value instanceof Uint8Array)) throw new MalformedCellError(`${what}: expected a Uint8Array`)
  if (value.length !== length) throw new MalformedCellError(`${what}: expected ${length} bytes, got ${value.length}`)
}

function checkIndex (index: unknown, what: string): void {
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0 || index >= CELLS_PER_EXT_BLOB) {
    throw new MalformedCellError(`${what}: cell index ${String(index)} outside [0, ${CELLS_PER_EXT_BLOB})`)
  }
}

/**
 * Throws MalformedCellError unless the batch's arrays have equal length and every entry has the
 * right size and a column in [0, 128). Backends call it first, so they fail alike.
 * @example assertCellBatch({ commitments: [c], cellIndices: [5], cells: [cell], proofs: [proof] })
 */
export function assertCellBatch (batch: CellBatch): void {
  if (batch == null || typeof batch !== 'object') throw new MalformedCellError('cell batch: expected an object')
  const { commitments, cellIndices, cells, proofs } = batch
  if (!Array.isArray(commitments) || !Array.isArray(cellIndices) || !Array.isArray(cells) || !Array.isArray(proofs)) {
    throw new MalformedCellError('cell batch: commitments, cellIndices, cells and proofs must be arrays')
  }
  const n = cells.length
  if (commitments.length !== n || cellIndices.length !== n || proofs.length !== n) {
    throw new MalformedCellError(`cell batch: unequal lengths (commitments ${commitments.length}, cellIndices ${cellIndices.length}, cells ${n}, proofs ${proofs.length})`)
  }
  for (let i = 0; i < n; i++) {
    checkLength(commitments[i], BYTES_PER_COMMITMENT, `commitment ${i}`)
    checkIndex(cellIndices[i], `cell ${i}`)
    checkLength(cells[i], BYTES_PER_CELL, `cell ${i}`)
    checkLength(proofs[i], BYTES_PER_PROOF, `proof ${i}`)
  }
}

/**
 * Throws unless the set holds at least 64 distinct, well-formed cells (what recovery needs).
 * @example assertCellSet({ cellIndices: evens, cells: evenCells })
 */
export function assertCellSet (set: CellSet): void {
  if (set == null || !Array.isArray(set.cellIndices) || !Array.isArray(set.cells)) {
    throw new MalformedCellError('cell set: expected { cellIndices: number[], cells: Uint8Array[] }')
  }
  const { cellIndices, cells } = set
  if (cellIndices.length !== cells.length) throw new MalformedCellError(`cell set: ${cellIndices.length} indices but ${cells.length} cells`)
  const seen = new Set<number>()
  for (let i = 0; i < cells.length; i++) {
    checkIndex(cellIndices[i], `cell ${i}`)
    checkLength(cells[i], BYTES_PER_CELL, `cell ${i}`)
    if (seen.has(cellIndices[i])) throw new InsufficientCellsError(`cell set: index ${cellIndices[i]} appears twice`)
    seen.add(cellIndices[i])
  }
  if (seen.size < CELLS_FOR_RECOVERY) {
    throw new InsufficientCellsError(`cell set: ${seen.size} distinct cells, recovery needs ${CELLS_FOR_RECOVERY} of ${CELLS_PER_EXT_BLOB}`)
  }
}

/**
 * The blob inside a full set of 128 cells: in EIP-7594's bit-reversed order the first 64 cells
 * are the blob's own evaluations, so no inverse FFT is needed.
 * @example blobFromCells(encoded.cells) // equal to the packed blob
 */
export function blobFromCells (cells: readonly Uint8Array[]): Uint8Array {
  if (!Array.isArray(cells) || cells.length !== CELLS_PER_EXT_BLOB) {
    throw new MalformedCellError(`blobFromCells: expected ${CELLS_PER_EXT_BLOB} cells, got ${Array.isArray(cells) ? cells.length : typeof cells}`)
  }
  const blob = new Uint8Array(CELLS_FOR_RECOVERY * BYTES_PER_CELL)
  for (let i = 0; i < CELLS_FOR_RECOVERY; i++) {
    checkLength(cells[i], BYTES_PER_CELL, `cell ${i}`)
    blob.set(cells[i], i * BYTES_PER_CELL)
  }
  return blob
}

/**
 * Verifies one sampled column: cell `column` of every blob of a block, in one batch.
 * @example await verifyColumn({ column: 17, commitments, cells, proofs }, { backend: jsKzg() })
 */
export async function verifyColumn (
  args: { column: number, commitments: readonly Uint8Array[], cells: readonly Uint8Array[], proofs: readonly Uint8Array[] },
  options: { backend: KzgCellVerifier } & KzgCallOptions
): Promise<boolean> {
  checkIndex(args?.column, 'verifyColumn')
  if (!Array.isArray(args.commitments) || args.commitments.length === 0) {
    // A block without blobs is "empty", not sampled (DESIGN §3): never report it as verified.
    throw new MalformedCellError('verifyColumn: no commitments (a block without blobs has nothing to sample)')
  }
  const cellIndices = args.commitments.map(() => args.column)
  return await options.backend.verifyCells({ commitments: args.commitments, cellIndices, cells: args.cells, proofs: args.proofs }, { signal: options.signal })
}

/**
 * Recovers a blob from any 64 or more of its 128 cells.
 * @example const blob = await recoverBlob({ cellIndices, cells }, { backend })
 */
export async function recoverBlob (set: CellSet, options: { backend: KzgCellBackend } & KzgCallOptions): Promise<Uint8Array> {
  const { cells } = await options.backend.recoverCells(set, { signal: options.signal })
  return blobFromCells(cells)
}

