/**
 * Canonical bytes to sign for the messages that carry an ed25519 signature. protons' encoding is
 * deterministic (fields in number order, defaults omitted), so "the message with an empty
 * signature field, behind a domain tag" is the same bytes in every runtime; the tag keeps a
 * signature over one message type from being replayed as another.
 */
import { Challenge, ChallengeReceipt } from './pb/challenge.js'
import { JobClaim, JobResult } from './pb/job.js'
import { concatBytes } from '../bytes.js'

const enc = new TextEncoder()
const tag = (name: string): Uint8Array => enc.encode(`glowmesh/${name}/1\n`)
const CHALLENGE_TAG = tag('challenge')
const RECEIPT_TAG = tag('challenge-receipt')
const CLAIM_TAG = tag('job-claim')
const RESULT_TAG = tag('job-result')
const EMPTY = new Uint8Array(0)

/** Bytes a challenger signs for a challenge (its signature field ignored). @example ed25519.sign(challengeSignBytes(c), key) */
export function challengeSignBytes (c: Challenge): Uint8Array {
  return concatBytes(CHALLENGE_TAG, Challenge.encode({ ...c, signature: EMPTY }))
}

/** Bytes a challenger signs for a receipt (its signature field ignored). @example ed25519.sign(receiptSignBytes(r), key) */
export function receiptSignBytes (r: ChallengeReceipt): Uint8Array {
  return concatBytes(RECEIPT_TAG, ChallengeReceipt.encode({ ...r, signature: EMPTY }))
}

/** Bytes a worker signs for a job claim (its signature field ignored). @example ed25519.sign(jobClaimSignBytes(c), key) */
export function jobClaimSignBytes (c: JobClaim): Uint8Array {
  return concatBytes(CLAIM_TAG, JobClaim.encode({ ...c, signature: EMPTY }))
}

/** Bytes a worker signs for a job result (its signature field ignored). @example ed25519.sign(jobResultSignBytes(r), key) */
export function jobResultSignBytes (r: JobResult): Uint8Array {
  return concatBytes(RESULT_TAG, JobResult.encode({ ...r, signature: EMPTY }))
}
