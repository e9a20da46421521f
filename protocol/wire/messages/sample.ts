/** /glowmesh/sample/1.0.0 messages: distinct columns in, cells + KZG proofs + commitments out. */
import * as pb from '../pb/sample.js'
import {
  CELL_BYTES, HASH_BYTES, KZG_COMMITMENT_BYTES, KZG_PROOF_BYTES, MAX_BLOBS_PER_BLOCK, MAX_PROOF_DEPTH,
  MAX_SAMPLE_CELLS, MAX_SAMPLE_REQUEST_BYTES, MAX_SAMPLE_RESPONSE_BYTES, MAX_STATUS_MESSAGE_BYTES, MAX_TX_BYTES, NUM_COLUMNS
} from '../limits.js'
import { enumValues, bytesExact, bytesRange, fail, INT64_MAX, list, oneOf, present, stringMax, u32, u64, UINT32_MAX } from '../check.js'
import { defineMessage } from '../message.js'

const STATUSES = enumValues<pb.SampleStatus>(pb.SampleStatus, 'SAMPLE_STATUS_UNSPECIFIED')

/** Checks a list of indices of `what` (columns, blobs): each < `count`, no repeats (sampling is without replacement). */
function distinctIndices (indices: number[], count: number, what: string, path: string): void {
  const seen = new Uint8Array(count)
  indices.forEach((x, i) => {
    u32(x, 0, count - 1, `${path}[${i}]`)
    if (seen[x] === 1) fail(`${path}[${i}]`, `duplicate ${what} ${x}`)
    seen[x] = 1
  })
}

/** A sample request; `blobs` (positions in the block's blob order) narrows it to some blobs — full-node replication only. */
export type SampleRequestMessage = Omit<pb.SampleRequest, 'blobs'> & { blobs?: number[] }

export const sampleRequest = defineMessage<SampleRequestMessage>({
  name: 'SampleRequest',
  maxBytes: MAX_SAMPLE_REQUEST_BYTES,
  codec: pb.SampleRequest,
  validate (m) {
    u64(m.height, 1n, INT64_MAX, 'SampleRequest.height')
    distinctIndices(list<number>(m.columns, 1, NUM_COLUMNS, 'SampleRequest.columns'), NUM_COLUMNS, 'column', 'SampleRequest.columns')
    distinctIndices(list<number>(m.blobs ?? [], 0, MAX_BLOBS_PER_BLOCK, 'SampleRequest.blobs'), MAX_BLOBS_PER_BLOCK, 'blob', 'SampleRequest.blobs')
  }
})

export const sampleResponse = defineMessage<pb.SampleResponse>({
  name: 'SampleResponse',
  maxBytes: MAX_SAMPLE_RESPONSE_BYTES,
  codec: pb.SampleResponse,
  validate (m) {
    const status = oneOf(m.status, STATUSES, 'SampleResponse.status')
    stringMax(m.message, MAX_STATUS_MESSAGE_BYTES, 'SampleResponse.message')
    u64(m.height, 0n, INT64_MAX, 'SampleResponse.height')
    const ok = status === pb.SampleStatus.OK
    if (!ok) {
      // an error carries no data, so nothing half-verified can be mistaken for a sample
      list(m.blobs, 0, 0, 'SampleResponse.blobs')
      list(m.txs, 0, 0, 'SampleResponse.txs')
      list(m.columns, 0, 0, 'SampleResponse.columns')
      return
    }
    if (m.height < 1n) fail('SampleResponse.height', 'must be ≥ 1')
    const blobs = list<pb.BlobCommitment>(m.blobs, 0, MAX_BLOBS_PER_BLOCK, 'SampleResponse.blobs')
    const txs = list<pb.TxInclusion>(m.txs, 0, MAX_BLOBS_PER_BLOCK, 'SampleResponse.txs')
    const txIndices = new Set<number>()
    txs.forEach((t, i) => {
      const path = `SampleResponse.txs[${i}]`
      present(t, path)
      const total = u32(t.total, 1, UINT32_MAX, `${path}.total`)
      const index = u32(t.index, 0, total - 1, `${path}.index`)
      if (txIndices.has(index)) fail(`${path}.index`, `duplicate tx ${index}`)
      txIndices.add(index)
      list<Uint8Array>(t.aunts, 0, MAX_PROOF_DEPTH, `${path}.aunts`).forEach((a, j) => bytesExact(a, HASH_BYTES, `${path}.aunts[${j}]`))
      bytesRange(t.tx, 1, MAX_TX_BYTES, `${path}.tx`)
    })
    blobs.forEach((b, i) => {
      const path = `SampleResponse.blobs[${i}]`
      present(b, path)
      bytesExact(b.commitment, KZG_COMMITMENT_BYTES, `${path}.commitment`)
      if (!txIndices.has(u32(b.txIndex, 0, UINT32_MAX, `${path}.txIndex`))) fail(`${path}.txIndex`, 'no inclusion proof for that tx')
    })
    const columns = list<pb.SampleColumn>(m.columns, 1, NUM_COLUMNS, 'SampleResponse.columns')
    if (columns.length * blobs.length > MAX_SAMPLE_CELLS) fail('SampleResponse.columns', `more than ${MAX_SAMPLE_CELLS} cells`)
    distinctIndices(columns.map((c, i) => present(c, `SampleResponse.columns[${i}]`).index), NUM_COLUMNS, 'column', 'SampleResponse.columns.index')
    columns.forEach((c, i) => {
      const path = `SampleResponse.columns[${i}]`
      // one cell and one proof per blob, in blob order
      list<Uint8Array>(c.cells, blobs.length, blobs.length, `${path}.cells`).forEach((x, j) => bytesExact(x, CELL_BYTES, `${path}.cells[${j}]`))
      list<Uint8Array>(c.proofs, blobs.length, blobs.length, `${path}.proofs`).forEach((x, j) => bytesExact(x, KZG_PROOF_BYTES, `${path}.proofs[${j}]`))
    })
  }
})
