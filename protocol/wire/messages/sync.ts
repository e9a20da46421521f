/** /glowmesh/sync/1.0.0 messages: light blocks mirroring CometBFT's, with CometBFT's basic checks. */
import * as pb from '../pb/sync.js'
import {
  ADDRESS_BYTES, HASH_BYTES, MAX_APP_HASH_BYTES, MAX_CHAIN_ID_LENGTH, MAX_NEW_HEADER_BYTES,
  MAX_STATUS_MESSAGE_BYTES, MAX_SYNC_COUNT, MAX_SYNC_REQUEST_BYTES, MAX_SYNC_RESPONSE_BYTES, MAX_VALIDATORS,
  PUBLIC_KEY_BYTES, SIGNATURE_BYTES
} from '../limits.js'
import { enumValues, bytesEmptyOr, bytesExact, bytesRange, fail, INT32_MAX, INT64_MAX, list, oneOf, present, stringMax, u32, u64, UINT64_MAX } from '../check.js'
import { defineMessage } from '../message.js'

const STATUSES = enumValues<pb.SyncStatus>(pb.SyncStatus, 'SYNC_STATUS_UNSPECIFIED')
const FLAGS = [pb.BlockIdFlag.BLOCK_ID_FLAG_ABSENT, pb.BlockIdFlag.BLOCK_ID_FLAG_COMMIT, pb.BlockIdFlag.BLOCK_ID_FLAG_NIL]
/** CometBFT's MaxTotalVotingPower (MaxInt64 / 8). */
const MAX_TOTAL_VOTING_POWER = INT64_MAX / 8n

/** Checks a google.protobuf.Timestamp: seconds within CometBFT's range, nanos in [0, 1e9). */
function validateTimestamp (t: pb.Timestamp | undefined, path: string): void {
  const ts = present(t, path)
  // 0001-01-01 .. 9999-12-31, as protobuf's Timestamp allows
  u64(ts.seconds, -62135596800n, 253402300799n, `${path}.seconds`)
  u32(ts.nanos, 0, 999_999_999, `${path}.nanos`)
}

/** Checks a BlockID: hash and part-set hash empty or 32 B (both empty = the zero BlockID). */
function validateBlockId (b: pb.BlockId | undefined, path: string): void {
  if (b === undefined) return
  present(b, path)
  bytesEmptyOr(b.hash, HASH_BYTES, `${path}.hash`)
  if (b.partSetHeader !== undefined) {
    present(b.partSetHeader, `${path}.partSetHeader`)
    u32(b.partSetHeader.total, 0, INT32_MAX, `${path}.partSetHeader.total`)
    bytesEmptyOr(b.partSetHeader.hash, HASH_BYTES, `${path}.partSetHeader.hash`)
  }
}

/** Checks a header with CometBFT's Header.ValidateBasic size rules. @example validateHeader(lb.signedHeader.header, 'header') */
export function validateHeader (h: pb.Header | undefined, path = 'Header'): void {
  const hd = present(h, path)
  if (hd.version !== undefined) {
    present(hd.version, `${path}.version`)
    u64(hd.version.block, 0n, UINT64_MAX, `${path}.version.block`)
    u64(hd.version.app, 0n, UINT64_MAX, `${path}.version.app`)
  }
  stringMax(hd.chainId, MAX_CHAIN_ID_LENGTH, `${path}.chainId`)
  if (hd.chainId.length === 0) fail(`${path}.chainId`, 'empty')
  u64(hd.height, 1n, INT64_MAX, `${path}.height`)
  validateTimestamp(hd.time, `${path}.time`)
  validateBlockId(hd.lastBlockId, `${path}.lastBlockId`)
  for (const k of ['lastCommitHash', 'dataHash', 'validatorsHash', 'nextValidatorsHash', 'consensusHash', 'lastResultsHash', 'evidenceHash'] as const) {
    bytesEmptyOr(hd[k], HASH_BYTES, `${path}.${k}`)
  }
  bytesRange(hd.appHash, 0, MAX_APP_HASH_BYTES, `${path}.appHash`)
  bytesExact(hd.proposerAddress, ADDRESS_BYTES, `${path}.proposerAddress`)
}

/** Checks a commit signature by its flag, as CometBFT's CommitSig.ValidateBasic. */
function validateCommitSig (s: pb.CommitSig, path: string): void {
  present(s, path)
  const flag = oneOf(s.blockIdFlag, FLAGS, `${path}.blockIdFlag`)
  if (flag === pb.BlockIdFlag.BLOCK_ID_FLAG_ABSENT) {
    bytesExact(s.validatorAddress, 0, `${path}.validatorAddress`)
    bytesExact(s.signature, 0, `${path}.signature`)
    if (s.timestamp !== undefined && (s.timestamp.seconds !== 0n || s.timestamp.nanos !== 0)) fail(`${path}.timestamp`, 'must be zero when absent')
  } else {
    bytesExact(s.validatorAddress, ADDRESS_BYTES, `${path}.validatorAddress`)
    bytesExact(s.signature, SIGNATURE_BYTES, `${path}.signature`)
    validateTimestamp(s.timestamp, `${path}.timestamp`)
  }
}

/** Checks a commit: height ≥ 1, round ≥ 0, 1..MAX_VALIDATORS signatures. @example validateCommit(commit, 'commit') */
export function validateCommit (c: pb.Commit | undefined, path = 'Commit'): void {
  const cm = present(c, path)
  u64(cm.height, 1n, INT64_MAX, `${path}.height`)
  u32(cm.round, 0, INT32_MAX, `${path}.round`)
  validateBlockId(present(cm.blockId, `${path}.blockId`), `${path}.blockId`)
  bytesExact(cm.blockId?.hash, HASH_BYTES, `${path}.blockId.hash`)
  list<pb.CommitSig>(cm.signatures, 1, MAX_VALIDATORS, `${path}.signatures`).forEach((s, i) => validateCommitSig(s, `${path}.signatures[${i}]`))
}

/** Checks one validator: 20 B address, 32 B ed25519 key, power in (0, MaxTotalVotingPower]. */
function validateValidator (v: pb.Validator | undefined, path: string): void {
  const val = present(v, path)
  bytesExact(val.address, ADDRESS_BYTES, `${path}.address`)
  bytesExact(present(val.pubKey, `${path}.pubKey`).ed25519, PUBLIC_KEY_BYTES, `${path}.pubKey.ed25519`)
  u64(val.votingPower, 1n, MAX_TOTAL_VOTING_POWER, `${path}.votingPower`)
  u64(val.proposerPriority, -INT64_MAX - 1n, INT64_MAX, `${path}.proposerPriority`)
}

/** Checks a validator set: 1..MAX_VALIDATORS validators, total power within CometBFT's cap. @example validateValidatorSet(set, 'set') */
export function validateValidatorSet (s: pb.ValidatorSet | undefined, path = 'ValidatorSet'): void {
  const set = present(s, path)
  const vals = list<pb.Validator>(set.validators, 1, MAX_VALIDATORS, `${path}.validators`)
  let total = 0n
  vals.forEach((v, i) => { validateValidator(v, `${path}.validators[${i}]`); total += v.votingPower })
  if (total > MAX_TOTAL_VOTING_POWER) fail(`${path}.validators`, 'total voting power over MaxTotalVotingPower')
  if (set.proposer !== undefined) validateValidator(set.proposer, `${path}.proposer`)
  // 0 = not filled in (CometBFT recomputes it); otherwise it must agree
  if (set.totalVotingPower !== 0n && set.totalVotingPower !== total) fail(`${path}.totalVotingPower`, `is ${set.totalVotingPower}, validators sum to ${total}`)
}

/** Checks a light block; the commit must be for the header's height. @example validateLightBlock(lb) */
export function validateLightBlock (lb: pb.LightBlock | undefined, path = 'LightBlock'): void {
  const b = present(lb, path)
  const sh = present(b.signedHeader, `${path}.signedHeader`)
  validateHeader(sh.header, `${path}.signedHeader.header`)
  validateCommit(sh.commit, `${path}.signedHeader.commit`)
  if (sh.commit!.height !== sh.header!.height) fail(`${path}.signedHeader.commit.height`, 'differs from the header height')
  validateValidatorSet(b.validatorSet, `${path}.validatorSet`)
}

export const syncRequest = defineMessage<pb.SyncRequest>({
  name: 'SyncRequest',
  maxBytes: MAX_SYNC_REQUEST_BYTES,
  codec: pb.SyncRequest,
  validate (m) {
    if (typeof m.latest !== 'boolean') fail('SyncRequest.latest', 'expected a boolean')
    if (m.latest) {
      u64(m.fromHeight, 0n, 0n, 'SyncRequest.fromHeight')
      u32(m.count, 0, 1, 'SyncRequest.count')
    } else {
      u64(m.fromHeight, 1n, INT64_MAX, 'SyncRequest.fromHeight')
      u32(m.count, 1, MAX_SYNC_COUNT, 'SyncRequest.count')
    }
  }
})

export const syncResponse = defineMessage<pb.SyncResponse>({
  name: 'SyncResponse',
  maxBytes: MAX_SYNC_RESPONSE_BYTES,
  codec: pb.SyncResponse,
  validate (m) {
    const status = oneOf(m.status, STATUSES, 'SyncResponse.status')
    stringMax(m.message, MAX_STATUS_MESSAGE_BYTES, 'SyncResponse.message')
    const ok = status === pb.SyncStatus.OK
    const blocks = list<pb.LightBlock>(m.lightBlocks, ok ? 1 : 0, ok ? MAX_SYNC_COUNT : 0, 'SyncResponse.lightBlocks')
    let prev = 0n
    blocks.forEach((lb, i) => {
      validateLightBlock(lb, `SyncResponse.lightBlocks[${i}]`)
      const h = lb.signedHeader!.header!.height
      if (h <= prev) fail(`SyncResponse.lightBlocks[${i}]`, 'heights must increase')
      prev = h
    })
  }
})

export const newHeader = defineMessage<pb.NewHeader>({
  name: 'NewHeader',
  maxBytes: MAX_NEW_HEADER_BYTES,
  codec: pb.NewHeader,
  validate (m) { validateLightBlock(m.lightBlock, 'NewHeader.lightBlock') }
})

