// Native KZG cells for full nodes (Node only): @crate-crypto/node-eth-kzg, Ethereum's trusted
// setup compiled in. The async methods run on libuv's thread pool, so encoding never blocks the
// event loop (consensus, RPC) and blobs encode in parallel on every core.
import {
  assertBlob, assertCellBatch, assertCellSet, blobFromCells, type CellBatch, type CellSet, type EncodedBlob,
  type KzgCallOptions, type KzgCellBackend, KzgUnavailableError, MalformedCellError
} from '../../protocol/da/index.js'

// The slice of the binding we use (its own .d.ts is CommonJS-shaped; this keeps the import lazy).
interface DasContext {
  asyncBlobToKzgCommitment: (blob: Uint8Array) => Promise<Uint8Array>
  asyncComputeCellsAndKzgProofs: (blob: Uint8Array) => Promise<{ cells: Uint8Array[], proofs: Uint8Array[] }>
  asyncRecoverCellsAndKzgProofs: (indices: number[], cells: Uint8Array[]) => Promise<{ cells: Uint8Array[], proofs: Uint8Array[] }>
  asyncVerifyCellKzgProofBatch: (commitments: Uint8Array[], indices: number[], cells: Uint8Array[], proofs: Uint8Array[]) => Promise<boolean>
}

/** The native backend, plus blob recovery in one call. */
export interface NativeKzg extends KzgCellBackend {
  /** Whether this context built the precomputed tables (faster encoding, slower start). */
  readonly precompute: boolean
  /** The blob from any 64 or more distinct cells of it. */
  recoverBlob: (set: CellSet, options?: KzgCallOptions) => Promise<Uint8Array>
}

/** Options for createNativeKzg. */
export interface NativeKzgOptions {
  /**
   * Build fixed-base tables: ≈0.7–1.2 s more start-up, ≈90 ms less per blob encoded (measured on 2
   * cores), so worth it from about 8 blobs on. Default true (a full node lives long).
   */
  precompute?: boolean
}

const contexts = new Map<boolean, Promise<DasContext>>()

async function context (precompute: boolean): Promise<DasContext> {
  let ctx = contexts.get(precompute)
  if (ctx === undefined) {
    ctx = (async () => {
      try {
        const mod = await import('@crate-crypto/node-eth-kzg')
        const DasContextJs = (mod.default ?? mod).DasContextJs
        return DasContextJs.create({ usePrecomp: precompute }) as unknown as DasContext
      } catch (err) {
        contexts.delete(precompute)
        throw new KzgUnavailableError(`native KZG (@crate-crypto/node-eth-kzg) unavailable: ${(err as Error)?.message ?? String(err)}`, { cause: err })
      }
    })()
    contexts.set(precompute, ctx)
  }
  return await ctx
}

/** The binding hands back Buffers; callers get plain Uint8Arrays (no Buffer-only methods leak). */
const plain = (b: Uint8Array): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength)

/**
 * Creates the native KZG cell backend; the context (and its tables) is built once per process and
 * shared. Await it before timing anything.
 * @example const kzg = await createNativeKzg(); const { commitment, cells, proofs } = await kzg.encodeBlob(blob)
 */
export async function createNativeKzg (options: NativeKzgOptions & KzgCallOptions = {}): Promise<NativeKzg> {
  const precompute = options.precompute ?? true
  options.signal?.throwIfAborted()
  const ctx = await context(precompute)
  options.signal?.throwIfAborted()

  const recoverCells = async (set: CellSet, opts?: KzgCallOptions): Promise<{ cells: Uint8Array[], proofs: Uint8Array[] }> => {
    assertCellSet(set)
    opts?.signal?.throwIfAborted()
    try {
      // The binding wants ascending indices (CellIndicesNotUniquelyOrdered otherwise); callers may
      // hand cells over in the order they arrived from peers.
      const order = set.cellIndices.map((_, i) => i).sort((a, b) => set.cellIndices[a] - set.cellIndices[b])
      const r = await ctx.asyncRecoverCellsAndKzgProofs(order.map((i) => set.cellIndices[i]), order.map((i) => set.cells[i]))
      return { cells: r.cells.map(plain), proofs: r.proofs.map(plain) }
    } catch (err) {
      // Shapes and counts were checked above: what remains is a cell holding a non-canonical scalar.
      throw new MalformedCellError(`recoverCells: ${(err as Error)?.message ?? String(err)}`)
    }
  }

  return {
    name: 'node-eth-kzg',
    precompute,

    async encodeBlob (blob: Uint8Array, opts?: KzgCallOptions): Promise<EncodedBlob> {
      assertBlob(blob)
      opts?.signal?.throwIfAborted()
      const [commitment, { cells, proofs }] = await Promise.all([
        ctx.asyncBlobToKzgCommitment(blob),
        ctx.asyncComputeCellsAndKzgProofs(blob)
      ])
      return { commitment: plain(commitment), cells: cells.map(plain), proofs: proofs.map(plain) }
    },

    async verifyCells (batch: CellBatch, opts?: KzgCallOptions): Promise<boolean> {
      assertCellBatch(batch)
      opts?.signal?.throwIfAborted()
      if (batch.cells.length === 0) return true // EIP-7594: an empty batch verifies
      try {
        return await ctx.asyncVerifyCellKzgProofBatch([...batch.commitments], [...batch.cellIndices], [...batch.cells], [...batch.proofs])
      } catch {
        // Shapes were checked above, so a throw means a point off the curve or a non-canonical
        // scalar: invalid evidence, answered with "no" exactly like the pure-JS verifier.
        return false
      }
    },

    recoverCells,

    async recoverBlob (set: CellSet, opts?: KzgCallOptions): Promise<Uint8Array> {
      return blobFromCells((await recoverCells(set, opts)).cells)
    }
  }
}
