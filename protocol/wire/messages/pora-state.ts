/** /glowmesh/pora-state/1.0.0 messages over the WebSocket envelope: proven PoRA chain state (paths → value + MPT proof at one height). */
import * as pb from '../pb/pora-state.js'
import { MAX_STATUS_MESSAGE_BYTES } from '../limits.js'
import { bytesRange, fail, list, stringMax, u64, UINT64_MAX } from '../check.js'
import { defineMessage } from '../message.js'

/** Paths one request may ask for (fullnode/pora/state-service.ts MAX_STATE_PATHS). */
export const MAX_PORA_STATE_PATHS = 8
/** The state paths a light node may read: params, epoch, flow, a node, a file, an account; the compute market's model, job, worker records. */
export const PORA_STATE_PATH = /^(params|epoch|flow|node\/0x[0-9a-f]{64}|file\/0x[0-9a-f]{64}|account\/0x[0-9a-f]{40}|model\/0x[0-9a-f]{64}|job\/0x[0-9a-f]{64}|worker\/0x[0-9a-f]{40})$/
/** Largest PoraStateRequest. */
export const MAX_PORA_STATE_REQUEST_BYTES = 1024
/** Largest PoraStateResponse (proofs are a few KiB each). */
export const MAX_PORA_STATE_RESPONSE_BYTES = 256 * 1024

export const poraStateRequest = defineMessage<pb.PoraStateRequest>({
  name: 'PoraStateRequest',
  maxBytes: MAX_PORA_STATE_REQUEST_BYTES,
  codec: pb.PoraStateRequest,
  validate (m) {
    const paths = list<string>(m.paths, 1, MAX_PORA_STATE_PATHS, 'PoraStateRequest.paths')
    paths.forEach((p, i) => { if (typeof p !== 'string' || !PORA_STATE_PATH.test(p)) fail(`PoraStateRequest.paths[${i}]`, 'unknown state path') })
  }
})

export const poraStateResponse = defineMessage<pb.PoraStateResponse>({
  name: 'PoraStateResponse',
  maxBytes: MAX_PORA_STATE_RESPONSE_BYTES,
  codec: pb.PoraStateResponse,
  validate (m) {
    stringMax(m.error, MAX_STATUS_MESSAGE_BYTES, 'PoraStateResponse.error')
    u64(m.height, 0n, UINT64_MAX, 'PoraStateResponse.height')
    const entries = list<pb.PoraStateEntry>(m.entries, 0, MAX_PORA_STATE_PATHS, 'PoraStateResponse.entries')
    if (m.error !== '' && entries.length > 0) fail('PoraStateResponse.entries', 'must be empty in a refusal')
    entries.forEach((e, i) => {
      if (typeof e.path !== 'string' || !PORA_STATE_PATH.test(e.path)) fail(`PoraStateResponse.entries[${i}].path`, 'unknown state path')
      bytesRange(e.value, 0, MAX_PORA_STATE_RESPONSE_BYTES, `PoraStateResponse.entries[${i}].value`)
      bytesRange(e.proof, 0, MAX_PORA_STATE_RESPONSE_BYTES, `PoraStateResponse.entries[${i}].proof`)
    })
  }
})
