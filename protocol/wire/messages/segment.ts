/** /glowmesh/segment/1.0.0 messages: a segment by (root, index), with its merkle proof. */
import * as pb from '../pb/segment.js'
import { HASH_BYTES, MAX_PROOF_DEPTH, MAX_SEGMENT_REQUEST_BYTES, MAX_SEGMENT_RESPONSE_BYTES, MAX_STATUS_MESSAGE_BYTES, SEGMENT_BYTES } from '../limits.js'
import { enumValues, bytesExact, bytesRange, fail, list, oneOf, present, stringMax, u64, UINT64_MAX } from '../check.js'
import { defineMessage } from '../message.js'

const STATUSES = enumValues<pb.SegmentStatus>(pb.SegmentStatus, 'SEGMENT_STATUS_UNSPECIFIED')

/**
 * Checks a merkle proof's shape: ≤ 64 siblings of 32 B, leafIndex < leafCount.
 * @example validateMerkleProof({ siblings: [], leafIndex: 0n, leafCount: 1n }, 'proof')
 */
export function validateMerkleProof (p: pb.SegmentProof | undefined, path: string): void {
  const proof = present(p, path)
  list<Uint8Array>(proof.siblings, 0, MAX_PROOF_DEPTH, `${path}.siblings`).forEach((s, i) => bytesExact(s, HASH_BYTES, `${path}.siblings[${i}]`))
  const count = u64(proof.leafCount, 1n, UINT64_MAX, `${path}.leafCount`)
  u64(proof.leafIndex, 0n, count - 1n, `${path}.leafIndex`)
}

export const segmentRequest = defineMessage<pb.SegmentRequest>({
  name: 'SegmentRequest',
  maxBytes: MAX_SEGMENT_REQUEST_BYTES,
  codec: pb.SegmentRequest,
  validate (m) {
    bytesExact(m.root, HASH_BYTES, 'SegmentRequest.root')
    u64(m.index, 0n, UINT64_MAX, 'SegmentRequest.index')
  }
})

export const segmentResponse = defineMessage<pb.SegmentResponse>({
  name: 'SegmentResponse',
  maxBytes: MAX_SEGMENT_RESPONSE_BYTES,
  codec: pb.SegmentResponse,
  validate (m) {
    const status = oneOf(m.status, STATUSES, 'SegmentResponse.status')
    stringMax(m.message, MAX_STATUS_MESSAGE_BYTES, 'SegmentResponse.message')
    if (status === pb.SegmentStatus.OK) {
      bytesRange(m.data, 1, SEGMENT_BYTES, 'SegmentResponse.data')
      validateMerkleProof(m.proof, 'SegmentResponse.proof')
    } else {
      bytesExact(m.data, 0, 'SegmentResponse.data')
      if (m.proof !== undefined) fail('SegmentResponse.proof', 'must be absent unless OK')
    }
  }
})
