/**
 * Checking one peer's SampleResponse against a verified header (DESIGN §3): the blob commitments
 * must come with their DA transactions, each proven under the header's data_hash by an RFC 6962
 * inclusion proof (leaf = sha256(tx), as CometBFT's Txs.Hash), and the response must list exactly
 * those transactions' commitments and exactly the columns asked for. KZG is checked by the sampler.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { decodeBody, decodeTx, merkleLeafHash, verifyMerkleInclusion } from '../protocol/chain/index.js'
import { toHex } from '../protocol/bytes.js'
import type { SampleResponse } from '../protocol/wire/index.js'
import { InvalidSampleResponseError } from './errors.js'

/** data_hash of a block without transactions: the RFC 6962 root of nothing, sha256(''). */
export const EMPTY_DATA_HASH = sha256(new Uint8Array())

/** A blob of the block: its commitment and the DA tx that carries it; `key` is the same at every honest peer. */
export interface ProvenBlob {
  key: string
  txIndex: number
  commitment: Uint8Array
}

/** What a checked response proves: the blobs (in the response's order) and the cells per column. */
export interface CheckedSample {
  blobs: ProvenBlob[]
  columns: Map<number, { cells: Uint8Array[], proofs: Uint8Array[] }>
}

/**
 * Checks the response's structure and inclusion proofs; throws InvalidSampleResponseError.
 * @example const { blobs, columns } = checkSampleResponse(res, { height: 9n, dataHash: header.dataHash, columns: [3, 77] })
 */
export function checkSampleResponse (res: SampleResponse, want: { height: bigint, dataHash: Uint8Array, columns: readonly number[] }): CheckedSample {
  const bad = (m: string): never => { throw new InvalidSampleResponseError(`height ${want.height}: ${m}`) }
  if (res?.status !== 'OK') bad(`status ${String(res?.status)}`)
  if (res.height !== want.height) bad(`response is for height ${String(res.height)}`)
  // every DA tx: proven under data_hash, decoded, its commitments expected
  const expected = new Map<string, number>()
  for (const t of res.txs ?? []) {
    const leaf = sha256(t.tx)
    let ok = false
    try {
      ok = verifyMerkleInclusion(want.dataHash, leaf, { total: t.total, index: t.index, leafHash: merkleLeafHash(leaf), aunts: t.aunts })
    } catch (err) { bad(`tx ${t.index}: ${(err as Error).message}`) }
    if (!ok) bad(`tx ${t.index} is not included under data_hash`)
    let commitments: Uint8Array[] = []
    try {
      const tx = decodeTx(t.tx)
      if (tx.kind !== 'da.submit') bad(`tx ${t.index} is a '${tx.kind}', not a DA submission`)
      commitments = decodeBody('da.submit', tx.body).commitments
    } catch (err) {
      if (err instanceof InvalidSampleResponseError) throw err
      bad(`tx ${t.index} does not decode: ${(err as Error).message}`)
    }
    for (const c of commitments) {
      const k = `${t.index}:${toHex(c)}`
      expected.set(k, (expected.get(k) ?? 0) + 1)
    }
  }
  // the blobs are exactly those commitments (as a multiset: the order is the response's)
  const seen = new Map<string, number>()
  const blobs: ProvenBlob[] = (res.blobs ?? []).map((b) => {
    const base = `${b.txIndex}:${toHex(b.commitment)}`
    const n = (seen.get(base) ?? 0) + 1
    seen.set(base, n)
    if (n > (expected.get(base) ?? 0)) bad(`blob ${base} is not in the proven DA txs`)
    return { key: `${base}#${n}`, txIndex: b.txIndex, commitment: b.commitment }
  })
  for (const [k, n] of expected) if ((seen.get(k) ?? 0) !== n) bad(`blob ${k} of a proven DA tx is missing`)
  // exactly the columns asked for, one cell and proof per blob
  const columns = new Map<number, { cells: Uint8Array[], proofs: Uint8Array[] }>()
  for (const c of res.columns ?? []) {
    if (!want.columns.includes(c.index)) bad(`column ${c.index} was not asked for`)
    if (columns.has(c.index)) bad(`column ${c.index} twice`)
    if (c.cells.length !== blobs.length || c.proofs.length !== blobs.length) bad(`column ${c.index} has ${c.cells.length} cells for ${blobs.length} blobs`)
    columns.set(c.index, { cells: c.cells, proofs: c.proofs })
  }
  for (const c of want.columns) if (!columns.has(c)) bad(`column ${c} is missing`)
  return { blobs, columns }
}
