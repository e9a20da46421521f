/**
 * The dedicated Worker's operations as plain functions (no Worker API here, so they run and are
 * tested anywhere): KZG batch verification with `jsKzg()`, sealing/proving/unsealing with
 * protocol/pora, 0G roots with the WASM keccak hasher when it compiles (noble otherwise).
 */
import { jsKzg } from '../protocol/da/index.js'
import { sealSector, proveSealing, unsealSector } from '../protocol/pora/index.js'
import { encodeSealingProof } from '../protocol/pora/commit-codec.js'
import { nobleHasher, type ChunkHasher } from '../protocol/storage/index.js'
import { createWasmHasher } from '../wasm/keccak/index.js'
import { InvalidInputError } from '../protocol/errors.js'
import type { WorkerOp, WorkerOps, WorkerRequest } from './protocol.js'

let hasher: ChunkHasher | undefined
function chunkHasher (): ChunkHasher {
  if (hasher === undefined) { try { hasher = createWasmHasher() } catch { hasher = nobleHasher } }
  return hasher
}

const bufferOf = (b: Uint8Array): ArrayBuffer => b.buffer as ArrayBuffer
/** Buffers worth transferring: whole ArrayBuffers owned by this result (not views into a shared one). */
const owned = (...bs: Uint8Array[]): ArrayBuffer[] => [...new Set(bs.filter(b => b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.byteLength >= 4096).map(bufferOf))]

/**
 * Runs one request; resolves with its result and the buffers to transfer back.
 * @example const { result } = await runOp({ id: 1, op: 'verifyCells', args: { batch } })
 */
export async function runOp (req: WorkerRequest): Promise<{ result: WorkerOps[WorkerOp]['result'], transfer: ArrayBuffer[] }> {
  switch (req.op) {
    case 'preloadKzg': {
      await jsKzg().preload()
      return { result: null, transfer: [] }
    }
    case 'verifyCells': {
      const { batch } = req.args as WorkerOps['verifyCells']['args']
      return { result: await jsKzg().verifyCells(batch), transfer: [] }
    }
    case 'seal': {
      const a = req.args as WorkerOps['seal']['args']
      const t0 = performance.now()
      const { sealed, commitment } = sealSector({ ...a, hasher: chunkHasher() })
      return { result: { sealed, commitment, data: a.data, ms: performance.now() - t0 }, transfer: owned(sealed, a.data) }
    }
    case 'prove': {
      const a = req.args as WorkerOps['prove']['args']
      const proof = encodeSealingProof(proveSealing({ ...a, hasher: chunkHasher() }))
      return { result: proof, transfer: owned(proof) }
    }
    case 'unseal': {
      const data = unsealSector(req.args as WorkerOps['unseal']['args'])
      return { result: data, transfer: owned(data) }
    }
    default:
      throw new InvalidInputError(`unknown worker operation '${String((req as { op: unknown }).op)}'`)
  }
}
