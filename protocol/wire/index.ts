/**
 * glowmesh wire: length-prefixed protobuf messages for every `/glowmesh/<name>/1.0.0` protocol,
 * the WebSocket envelope, and their hard size limits. Pure and isomorphic (Node, browsers, workerd).
 * See README.md for every protocol id, message and limit.
 */
export * from './errors.js'
export * from './limits.js'
export { MAX_VARINT_BYTES, varintLength, decodeVarint } from './varint.js'
export { encodeFrame, decodeFrame, decodeFrames, FrameDecoder, raceAbort, type FrameLimitOptions, type DecodeFramesOptions } from './frame.js'
export { defineMessage, encodeMessage, decodeMessage, validateMessage, type MessageType, type ProtonsCodec } from './message.js'
export * from './protocols.js'
export { envelope, encodeEnvelope, decodeEnvelope, packEnvelope, unpackEnvelope, MAX_ENVELOPE_BYTES, type OpenEnvelope } from './envelope.js'
export { challengeSignBytes, receiptSignBytes, jobClaimSignBytes, jobResultSignBytes } from './sign.js'
export { validateHeader, validateCommit, validateValidatorSet, validateLightBlock } from './messages/sync.js'
export { validateMerkleProof } from './messages/segment.js'
export { validateJobOffer } from './messages/job.js'

import { newHeader, syncRequest, syncResponse } from './messages/sync.js'
import { sampleRequest, sampleResponse } from './messages/sample.js'
import { segmentRequest, segmentResponse } from './messages/segment.js'
import { challenge, challengeAnswer, challengeReceipt } from './messages/challenge.js'
import { jobOffer, jobRequest, jobResponse } from './messages/job.js'
import { txRequest, txResponse } from './messages/tx.js'
import { flowRequest, flowResponse } from './messages/flow.js'
import { poraStateRequest, poraStateResponse } from './messages/pora-state.js'
import { envelope } from './envelope.js'

/** Every message type by name, for encodeMessage / decodeMessage. */
export const MESSAGES = Object.freeze({
  syncRequest, syncResponse, newHeader,
  sampleRequest, sampleResponse,
  segmentRequest, segmentResponse,
  challenge, challengeAnswer, challengeReceipt,
  jobRequest, jobResponse, jobOffer,
  txRequest, txResponse,
  flowRequest, flowResponse,
  poraStateRequest, poraStateResponse,
  envelope
})

// The generated types and enums (interfaces + protons namespaces with raw encode/decode; prefer
// decodeMessage, which enforces limits and field sizes).
export {
  Timestamp, ConsensusVersion, PartSetHeader, BlockId, Header, BlockIdFlag, CommitSig, Commit, SignedHeader,
  PublicKey, Validator, ValidatorSet, LightBlock, SyncStatus, SyncRequest, SyncResponse, NewHeader
} from './pb/sync.js'
export { SampleStatus, SampleRequest, BlobCommitment, TxInclusion, SampleColumn, SampleResponse } from './pb/sample.js'
export { SegmentStatus, SegmentRequest, SegmentProof, SegmentResponse } from './pb/segment.js'
export { ChallengeStatus, Verdict, Challenge, ChunkProof, SealedChunk, ChallengeAnswer, ChallengeReceipt } from './pb/challenge.js'
export { JobStatus, InputRef, JobOffer, JobClaim, JobResult, JobRequest, JobResponse } from './pb/job.js'
export { TxRequest, TxResponse } from './pb/tx.js'
export { FlowStatus, FlowRequest, FlowResponse } from './pb/flow.js'
export { FLOW_SEGMENT_CHUNKS, MAX_FLOW_REQUEST_BYTES, MAX_FLOW_RESPONSE_BYTES } from './messages/flow.js'
export { PoraStateRequest, PoraStateEntry, PoraStateResponse } from './pb/pora-state.js'
export { MAX_PORA_STATE_PATHS, PORA_STATE_PATH, MAX_PORA_STATE_REQUEST_BYTES, MAX_PORA_STATE_RESPONSE_BYTES } from './messages/pora-state.js'
export { EnvelopeKind, EnvelopeError, Envelope } from './pb/envelope.js'
