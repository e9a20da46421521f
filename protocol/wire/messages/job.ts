/** /glowmesh/job/1.0.0 messages: offer / claim / result requests, a status response, offer pushes. */
import * as pb from '../pb/job.js'
import {
  HASH_BYTES, MAX_JOB_BATCH_SIZE, MAX_JOB_OFFER_BYTES, MAX_JOB_OUTPUT_BYTES, MAX_JOB_REQUEST_BYTES,
  MAX_JOB_RESPONSE_BYTES, MAX_STATUS_MESSAGE_BYTES, PUBLIC_KEY_BYTES, SIGNATURE_BYTES
} from '../limits.js'
import { enumValues, bytesEmptyOr, bytesExact, bytesRange, fail, INT64_MAX, oneOf, present, stringMax, u32, u64, UINT64_MAX } from '../check.js'
import { defineMessage } from '../message.js'

const STATUSES = enumValues<pb.JobStatus>(pb.JobStatus, 'JOB_STATUS_UNSPECIFIED')

/** Checks an offer: 32 B ids and keys, a non-empty input range, 1..MAX_JOB_BATCH_SIZE inputs. @example validateJobOffer(offer, 'offer') */
export function validateJobOffer (o: pb.JobOffer | undefined, path = 'JobOffer'): void {
  const offer = present(o, path)
  bytesExact(offer.jobId, HASH_BYTES, `${path}.jobId`)
  bytesExact(offer.modelRoot, HASH_BYTES, `${path}.modelRoot`)
  const input = present(offer.input, `${path}.input`)
  bytesExact(input.root, HASH_BYTES, `${path}.input.root`)
  const offset = u64(input.offset, 0n, UINT64_MAX, `${path}.input.offset`)
  const length = u64(input.length, 1n, UINT64_MAX, `${path}.input.length`)
  if (offset + length > UINT64_MAX) fail(`${path}.input`, 'range overflows 64 bits')
  u32(offer.batchSize, 1, MAX_JOB_BATCH_SIZE, `${path}.batchSize`)
  u64(offer.fee, 0n, UINT64_MAX, `${path}.fee`)
  u64(offer.deadlineHeight, 1n, INT64_MAX, `${path}.deadlineHeight`)
  bytesExact(offer.requester, PUBLIC_KEY_BYTES, `${path}.requester`)
}

function validateClaim (c: pb.JobClaim | undefined, path: string): void {
  const claim = present(c, path)
  bytesExact(claim.jobId, HASH_BYTES, `${path}.jobId`)
  bytesExact(claim.worker, PUBLIC_KEY_BYTES, `${path}.worker`)
  bytesExact(claim.signature, SIGNATURE_BYTES, `${path}.signature`)
}

function validateResult (r: pb.JobResult | undefined, path: string): void {
  const res = present(r, path)
  bytesExact(res.jobId, HASH_BYTES, `${path}.jobId`)
  bytesExact(res.worker, PUBLIC_KEY_BYTES, `${path}.worker`)
  bytesExact(res.traceRoot, HASH_BYTES, `${path}.traceRoot`)
  bytesRange(res.output, 1, MAX_JOB_OUTPUT_BYTES, `${path}.output`)
  bytesExact(res.signature, SIGNATURE_BYTES, `${path}.signature`)
}

export const jobRequest = defineMessage<pb.JobRequest>({
  name: 'JobRequest',
  maxBytes: MAX_JOB_REQUEST_BYTES,
  codec: pb.JobRequest,
  validate (m) {
    // protons keeps one arm of a oneof by a fixed priority and silently drops the rest on encode,
    // so a request with several arms is refused rather than half-sent
    const set = [m.offer, m.claim, m.result].filter((x) => x !== undefined).length
    if (set !== 1) fail('JobRequest', `exactly one of offer, claim, result must be set (got ${set})`)
    if (m.offer !== undefined) validateJobOffer(m.offer, 'JobRequest.offer')
    if (m.claim !== undefined) validateClaim(m.claim, 'JobRequest.claim')
    if (m.result !== undefined) validateResult(m.result, 'JobRequest.result')
  }
})

export const jobResponse = defineMessage<pb.JobResponse>({
  name: 'JobResponse',
  maxBytes: MAX_JOB_RESPONSE_BYTES,
  codec: pb.JobResponse,
  validate (m) {
    oneOf(m.status, STATUSES, 'JobResponse.status')
    stringMax(m.message, MAX_STATUS_MESSAGE_BYTES, 'JobResponse.message')
    // empty when the request was too broken to name a job
    bytesEmptyOr(m.jobId, HASH_BYTES, 'JobResponse.jobId')
  }
})

export const jobOffer = defineMessage<pb.JobOffer>({
  name: 'JobOffer',
  maxBytes: MAX_JOB_OFFER_BYTES,
  codec: pb.JobOffer,
  validate (m) { validateJobOffer(m) }
})
