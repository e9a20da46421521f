/**
 * The light-client verifier (CometBFT `light/verifier.go` and the skipping loop of `light/client.go`).
 * From a trusted light block within its trusting period, a newer header is accepted
 * - adjacent (height + 1): its validators are the ones the trusted header named as next, and more
 *   than 2/3 of them signed it;
 * - skipping (non-adjacent): more than trustLevel (1/3) of the trusted validators signed it, then
 *   more than 2/3 of its own validators did.
 * When skipping fails only for lack of trusted power, verifySkipping fetches a pivot 9/16 of the way
 * and tries again from there (bisection); any other failure rejects.
 */
import { hashHeader, validateHeaderBasic } from './header.js'
import { DEFAULT_TRUST_LEVEL, validateCommitBasic, validateTrustLevel, verifyCommitLight, verifyCommitLightTrusting } from './commit.js'
import { validateValidatorSet, validatorSetHash } from './validators.js'
import { BadLightBlockError, InvalidHeaderError, NotEnoughTrustError, TrustExpiredError } from './errors.js'
import { formatRfc3339, timestampFromMs, timestampToNanos } from './time.js'
import { InvalidInputError } from '../errors.js'
import { equalBytes, toHex } from '../bytes.js'
import type { Fraction, LightBlock, SignedHeader, Timestamp, Validator } from './types.js'

/** CometBFT's default allowance for a header's time running ahead of our clock. */
export const DEFAULT_MAX_CLOCK_DRIFT_MS = 10_000
/** Bisection pivot: 9/16 of the way from the trusted height to the target (CometBFT's choice). */
export const PIVOT_NUMERATOR = 9n
export const PIVOT_DENOMINATOR = 16n

/** How a header was accepted: step by step or by skipping on trusted power. */
export type VerifiedBy = 'adjacent' | 'skipping'

/** Options shared by every verification step. */
export interface VerifyStepOptions {
  /** The light block we already trust (its validators are needed for skipping). */
  trusted: LightBlock
  /** The newer signed header to verify. */
  untrusted: SignedHeader
  /** The validator set of the untrusted header's height. */
  untrustedVals: Validator[]
  /** How long a trusted header stays trustworthy (shorter than the unbonding period). */
  trustingPeriodMs: number
  /** The current time: a Timestamp, or milliseconds since the epoch (`Date.now()`). */
  now: Timestamp | number
  /** How far the untrusted header's time may lie ahead of `now`; default 10 s. */
  maxClockDriftMs?: number
  /** Fraction of trusted power that must sign a skipped-to header; default 1/3, within [1/3, 1]. */
  trustLevel?: Fraction
}

/** One accepted header. */
export interface TraceEntry {
  height: bigint
  hash: Uint8Array
  verifiedBy: VerifiedBy
  /** The height of the trusted header it was verified from. */
  from: bigint
}

/** Options of verifySkipping: a step's options plus a way to fetch pivot light blocks. */
export interface VerifySkippingOptions extends VerifyStepOptions {
  /** Fetches the light block (signed header + validators) of a height, for bisection. */
  fetchLightBlock: (height: bigint, options: { signal?: AbortSignal }) => Promise<LightBlock>
  /** Aborts the verification between steps and is passed to every fetch. */
  signal?: AbortSignal
}

/** Outcome of verifySkipping: every header accepted on the way (the target last), and the fetched heights. */
export interface SkippingResult {
  trace: TraceEntry[]
  fetched: bigint[]
}

const MS_NS = 1_000_000n

function toNanos (t: Timestamp | number): bigint {
  return timestampToNanos(typeof t === 'number' ? timestampFromMs(t) : t)
}

function checkDuration (ms: unknown, name: string): bigint {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new InvalidInputError(`${name} must be a non-negative number of milliseconds`)
  return BigInt(Math.floor(ms)) * MS_NS
}

/**
 * True when the header's time plus the trusting period is not after `now` (CometBFT `HeaderExpired`).
 * @example isHeaderExpired(trusted.signedHeader.header.time, 14 * 86400_000, Date.now())
 */
export function isHeaderExpired (headerTime: Timestamp, trustingPeriodMs: number, now: Timestamp | number): boolean {
  return timestampToNanos(headerTime) + checkDuration(trustingPeriodMs, 'trustingPeriodMs') <= toNanos(now)
}

/**
 * CometBFT's `SignedHeader.ValidateBasic`: a valid header and commit, the expected chain, and a
 * commit for exactly this header (height and hash). Throws InvalidHeaderError.
 * @example validateSignedHeaderBasic(untrusted, trusted.signedHeader.header.chainId)
 */
export function validateSignedHeaderBasic (sh: SignedHeader, chainId: string): Uint8Array {
  if (sh === null || typeof sh !== 'object') throw new InvalidHeaderError('signed header: missing')
  try {
    validateHeaderBasic(sh.header)
    validateCommitBasic(sh.commit)
  } catch (cause) {
    if (cause instanceof InvalidHeaderError) throw cause
    throw new InvalidHeaderError(`invalid commit: ${(cause as Error).message}`, { cause })
  }
  const { header, commit } = sh
  if (header.chainId !== chainId) throw new InvalidHeaderError(`header belongs to chain '${header.chainId}', not '${chainId}'`)
  if (commit.height !== header.height) throw new InvalidHeaderError(`header height ${header.height} but commit height ${commit.height}`)
  const hash = hashHeader(header)
  if (!equalBytes(hash, commit.blockId.hash)) {
    throw new InvalidHeaderError(`commit signs block ${toHex(commit.blockId.hash)}, header hashes to ${toHex(hash)}`)
  }
  return hash
}

// Checks common to both steps; returns the untrusted header's hash.
function checkNewHeader (o: VerifyStepOptions): Uint8Array {
  const trustedHeader = o.trusted.signedHeader.header
  const untrustedHeader = o.untrusted?.header
  const expiryNs = timestampToNanos(trustedHeader.time) + checkDuration(o.trustingPeriodMs, 'trustingPeriodMs')
  const nowNs = toNanos(o.now)
  if (expiryNs <= nowNs) {
    throw new TrustExpiredError(trustedHeader.height,
      `trusted header ${trustedHeader.height} expired at ${formatRfc3339(timestampFromNanos(expiryNs))}; now is ${formatRfc3339(timestampFromNanos(nowNs))}`)
  }
  const hash = validateSignedHeaderBasic(o.untrusted, trustedHeader.chainId)
  if (untrustedHeader.height <= trustedHeader.height) {
    throw new InvalidHeaderError(`new header height ${untrustedHeader.height} is not above the trusted height ${trustedHeader.height}`)
  }
  if (timestampToNanos(untrustedHeader.time) <= timestampToNanos(trustedHeader.time)) {
    throw new InvalidHeaderError(`new header time ${formatRfc3339(untrustedHeader.time)} is not after the trusted header's ${formatRfc3339(trustedHeader.time)}`)
  }
  const driftNs = checkDuration(o.maxClockDriftMs ?? DEFAULT_MAX_CLOCK_DRIFT_MS, 'maxClockDriftMs')
  if (timestampToNanos(untrustedHeader.time) >= nowNs + driftNs) {
    throw new InvalidHeaderError(`header ${untrustedHeader.height} is from the future: ${formatRfc3339(untrustedHeader.time)} (now ${formatRfc3339(timestampFromNanos(nowNs))}, drift ${o.maxClockDriftMs ?? DEFAULT_MAX_CLOCK_DRIFT_MS} ms)`)
  }
  try { validateValidatorSet(o.untrustedVals) } catch (cause) {
    throw new InvalidHeaderError(`validators of height ${untrustedHeader.height}: ${(cause as Error).message}`, { cause })
  }
  if (!equalBytes(untrustedHeader.validatorsHash, validatorSetHash(o.untrustedVals))) {
    throw new InvalidHeaderError(`header ${untrustedHeader.height} validatorsHash ${toHex(untrustedHeader.validatorsHash)} does not match the supplied validators`)
  }
  return hash
}

function timestampFromNanos (ns: bigint): Timestamp {
  let seconds = ns / 1_000_000_000n
  let nanos = ns % 1_000_000_000n
  if (nanos < 0n) { nanos += 1_000_000_000n; seconds -= 1n }
  return { seconds, nanos: Number(nanos) }
}

/**
 * Verifies the header right after the trusted one: its validators hash equals the trusted
 * header's nextValidatorsHash and more than 2/3 of those validators signed it. Returns its hash.
 * @example verifyAdjacent({ trusted, untrusted, untrustedVals, trustingPeriodMs, now: Date.now() })
 */
export function verifyAdjacent (o: VerifyStepOptions): Uint8Array {
  const trustedHeader = o.trusted.signedHeader.header
  if (o.untrusted?.header?.height !== trustedHeader.height + 1n) throw new InvalidInputError('verifyAdjacent: headers must be adjacent in height')
  const hash = checkNewHeader(o)
  const { header, commit } = o.untrusted
  if (!equalBytes(header.validatorsHash, trustedHeader.nextValidatorsHash)) {
    throw new InvalidHeaderError(`header ${header.height} validators ${toHex(header.validatorsHash)} are not the trusted header's next validators ${toHex(trustedHeader.nextValidatorsHash)}`)
  }
  verifyCommitLight(trustedHeader.chainId, o.untrustedVals, commit.blockId, header.height, commit)
  return hash
}

/**
 * Verifies a header more than one block ahead: more than trustLevel of the trusted validators
 * signed it (else NotEnoughTrustError, which means "bisect"), and more than 2/3 of its own did.
 * Returns its hash.
 * @example verifyNonAdjacent({ trusted, untrusted, untrustedVals, trustingPeriodMs, now: Date.now() })
 */
export function verifyNonAdjacent (o: VerifyStepOptions): Uint8Array {
  const trustedHeader = o.trusted.signedHeader.header
  if (o.untrusted?.header?.height === trustedHeader.height + 1n) throw new InvalidInputError('verifyNonAdjacent: headers must not be adjacent')
  const trustLevel = o.trustLevel ?? DEFAULT_TRUST_LEVEL
  validateTrustLevel(trustLevel)
  if (!equalBytes(validatorSetHash(o.trusted.validators), trustedHeader.validatorsHash)) {
    throw new InvalidInputError(`trusted validators do not match trusted header ${trustedHeader.height}`)
  }
  const hash = checkNewHeader(o)
  const { header, commit } = o.untrusted
  verifyCommitLightTrusting(trustedHeader.chainId, o.trusted.validators, commit, trustLevel)
  // Last on purpose: the untrusted set may be made huge to waste our time.
  verifyCommitLight(trustedHeader.chainId, o.untrustedVals, commit.blockId, header.height, commit)
  return hash
}

/**
 * One step: adjacent when the untrusted header is the next height, skipping otherwise.
 * @example const how = verify({ trusted, untrusted, untrustedVals, trustingPeriodMs, now }) // 'skipping'
 */
export function verify (o: VerifyStepOptions): VerifiedBy {
  if (o.untrusted?.header?.height === o.trusted.signedHeader.header.height + 1n) {
    verifyAdjacent(o)
    return 'adjacent'
  }
  verifyNonAdjacent(o)
  return 'skipping'
}

/**
 * Verifies `untrusted` from `trusted`, bisecting whenever a skip lacks trusted power: the pivot is
 * fetched 9/16 of the way, verified, and the target is retried from it. Returns the trace of every
 * header accepted on the way (the target last) and the heights fetched.
 * @example const { trace } = await verifySkipping({ trusted, untrusted, untrustedVals, trustingPeriodMs, now: Date.now(), fetchLightBlock })
 */
export async function verifySkipping (o: VerifySkippingOptions): Promise<SkippingResult> {
  if (typeof o.fetchLightBlock !== 'function') throw new InvalidInputError('verifySkipping: fetchLightBlock must be a function')
  // pending[0] is the target; later entries are pivots, each nearer to the verified block.
  const pending: LightBlock[] = [{ signedHeader: o.untrusted, validators: o.untrustedVals }]
  const trace: TraceEntry[] = []
  const fetched: bigint[] = []
  let verified = o.trusted
  let depth = 0
  for (;;) {
    o.signal?.throwIfAborted()
    const candidate = pending[depth]
    try {
      const step = { ...o, trusted: verified, untrusted: candidate.signedHeader, untrustedVals: candidate.validators }
      const verifiedBy = verify(step)
      trace.push({ height: candidate.signedHeader.header.height, hash: candidate.signedHeader.commit.blockId.hash, verifiedBy, from: verified.signedHeader.header.height })
    } catch (err) {
      if (!(err instanceof NotEnoughTrustError)) throw err
      if (depth === pending.length - 1) {
        const from = verified.signedHeader.header.height
        const to = candidate.signedHeader.header.height
        const pivot = from + (to - from) * PIVOT_NUMERATOR / PIVOT_DENOMINATOR
        pending.push(await fetchPivot(o, pivot))
        fetched.push(pivot)
      }
      depth++
      continue
    }
    if (depth === 0) return { trace, fetched }
    // The pivot is now trusted: drop it and everything nearer, then retry the target from it.
    verified = candidate
    pending.length = depth
    depth = 0
  }
}

async function fetchPivot (o: VerifySkippingOptions, height: bigint): Promise<LightBlock> {
  const block = await o.fetchLightBlock(height, { signal: o.signal })
  o.signal?.throwIfAborted()
  const got = block?.signedHeader?.header?.height
  if (got !== height || !Array.isArray(block.validators)) {
    throw new BadLightBlockError(`fetchLightBlock(${height}) returned ${got === undefined ? 'no light block' : `height ${String(got)}`}`)
  }
  return block
}

