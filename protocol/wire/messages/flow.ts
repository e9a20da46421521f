/** /glowmesh/flow/1.0.0 messages: 256 KiB of the flow log at a segment-aligned chunk position (PoRA sealing input). */
import * as pb from '../pb/flow.js'
import { MAX_STATUS_MESSAGE_BYTES, SEGMENT_BYTES } from '../limits.js'
import { enumValues, bytesExact, fail, oneOf, stringMax, u64, UINT64_MAX } from '../check.js'
import { defineMessage } from '../message.js'

const STATUSES = enumValues<pb.FlowStatus>(pb.FlowStatus, 'FLOW_STATUS_UNSPECIFIED')
/** Chunks per segment: flow requests are aligned to it. */
export const FLOW_SEGMENT_CHUNKS = 1024
/** Largest FlowRequest. */
export const MAX_FLOW_REQUEST_BYTES = 16
/** Largest FlowResponse: one segment plus status. */
export const MAX_FLOW_RESPONSE_BYTES = SEGMENT_BYTES + 2 * 1024

export const flowRequest = defineMessage<pb.FlowRequest>({
  name: 'FlowRequest',
  maxBytes: MAX_FLOW_REQUEST_BYTES,
  codec: pb.FlowRequest,
  validate (m) {
    const p = u64(m.position, 0n, UINT64_MAX, 'FlowRequest.position')
    if (p % BigInt(FLOW_SEGMENT_CHUNKS) !== 0n) fail('FlowRequest.position', `must be a multiple of ${FLOW_SEGMENT_CHUNKS}`)
  }
})

export const flowResponse = defineMessage<pb.FlowResponse>({
  name: 'FlowResponse',
  maxBytes: MAX_FLOW_RESPONSE_BYTES,
  codec: pb.FlowResponse,
  validate (m) {
    const status = oneOf(m.status, STATUSES, 'FlowResponse.status')
    stringMax(m.message, MAX_STATUS_MESSAGE_BYTES, 'FlowResponse.message')
    bytesExact(m.data, status === pb.FlowStatus.OK ? SEGMENT_BYTES : 0, 'FlowResponse.data')
  }
})
