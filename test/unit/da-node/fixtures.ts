// Shared fixtures: real native KZG encodings of small payloads, encoded once per worker.
import { createNativeKzg, type NativeKzg } from '../../../fullnode/da/native-kzg.js'
import { packBlob, blobCount, type EncodedBlob } from '../../../protocol/da/index.js'
import { patternBytes } from '../../helpers/bytes.js'

let kzg: Promise<NativeKzg> | undefined
export const nativeKzg = async (): Promise<NativeKzg> => await (kzg ??= createNativeKzg({ precompute: false }))

const cache = new Map<string, Promise<EncodedBlob[]>>()
/** The payload `patternBytes(size, seed)` and its encoded blobs. */
export async function encoded (size: number, seed = 1): Promise<{ payload: Uint8Array, blobs: EncodedBlob[] }> {
  const payload = patternBytes(size, seed)
  const key = `${size}/${seed}`
  let p = cache.get(key)
  if (p === undefined) {
    p = (async () => { const k = await nativeKzg(); return await Promise.all(Array.from({ length: blobCount(size) }, async (_, i) => await k.encodeBlob(packBlob(payload, i)))) })()
    cache.set(key, p)
  }
  return { payload, blobs: await p }
}

/** A deep copy with one bit of cell `cell` flipped. */
export function flipCellBit (b: EncodedBlob, cell = 5, byte = 100): EncodedBlob {
  const cells = b.cells.map((c) => c.slice())
  cells[cell][byte] ^= 1
  return { commitment: b.commitment, cells, proofs: b.proofs }
}
