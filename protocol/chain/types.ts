/**
 * CometBFT's block, commit and validator types, shaped for TypeScript: int64 as bigint, hashes and
 * keys as Uint8Array, time as protobuf Timestamp `{ seconds, nanos }` (never a JS Date: Date
 * drops nanoseconds, and the nanoseconds are signed over).
 */

/** google.protobuf.Timestamp: seconds since the Unix epoch (may be negative) and 0 ≤ nanos < 1e9. */
export interface Timestamp {
  seconds: bigint
  nanos: number
}

/** `tendermint.types.PartSetHeader`. */
export interface PartSetHeader {
  total: number
  hash: Uint8Array
}

/** `tendermint.types.BlockID`: the header hash plus the block's part-set header. */
export interface BlockId {
  hash: Uint8Array
  partSetHeader: PartSetHeader
}

/** `tendermint.version.Consensus`: block protocol (11 for CometBFT v0.38) and app version. */
export interface ConsensusVersion {
  block: bigint
  app: bigint
}

/** A CometBFT block header (the 14 hashed fields). */
export interface Header {
  version: ConsensusVersion
  chainId: string
  height: bigint
  time: Timestamp
  lastBlockId: BlockId
  lastCommitHash: Uint8Array
  dataHash: Uint8Array
  validatorsHash: Uint8Array
  nextValidatorsHash: Uint8Array
  consensusHash: Uint8Array
  appHash: Uint8Array
  lastResultsHash: Uint8Array
  evidenceHash: Uint8Array
  proposerAddress: Uint8Array
}

/** What a commit signature voted for. */
export const BlockIdFlag = { Absent: 1, Commit: 2, Nil: 3 } as const
/** 1 absent, 2 commit (voted for the block), 3 nil. */
export type BlockIdFlag = typeof BlockIdFlag[keyof typeof BlockIdFlag]

/** One validator's precommit inside a commit. */
export interface CommitSig {
  blockIdFlag: BlockIdFlag
  /** 20 bytes; empty when absent. */
  validatorAddress: Uint8Array
  timestamp: Timestamp
  /** 64-byte ed25519 signature; empty when absent. */
  signature: Uint8Array
}

/** +2/3 precommits for a block, one entry per validator of the set, in the set's order. */
export interface Commit {
  height: bigint
  round: number
  blockId: BlockId
  signatures: CommitSig[]
}

/** A header with the commit that finalised it. */
export interface SignedHeader {
  header: Header
  commit: Commit
}

/** A validator: address = sha256(pubKey)[0:20]; proposer priority is not part of any hash. */
export interface Validator {
  address: Uint8Array
  /** 32-byte ed25519 public key. */
  pubKey: Uint8Array
  votingPower: bigint
}

/** A signed header with the validator set that signed it (CometBFT `LightBlock`). */
export interface LightBlock {
  signedHeader: SignedHeader
  validators: Validator[]
}

/** Vote types (`SignedMsgType`). Commits carry precommits. */
export const SignedMsgType = { Unknown: 0, Prevote: 1, Precommit: 2, Proposal: 32 } as const
export type SignedMsgType = typeof SignedMsgType[keyof typeof SignedMsgType]

/** The fields of a vote that are signed (the rest of CometBFT's Vote is metadata). */
export interface Vote {
  type: SignedMsgType
  height: bigint
  round: number
  /** Null or all-empty for a vote for nil. */
  blockId: BlockId | null
  timestamp: Timestamp
}

/** A fraction such as the trust level 1/3. */
export interface Fraction {
  numerator: bigint
  denominator: bigint
}
