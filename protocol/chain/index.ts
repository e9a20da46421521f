/** protocol/chain: CometBFT's formats, commit and light-client verification, glowmesh transactions. */
export type { Timestamp, PartSetHeader, BlockId, ConsensusVersion, Header, CommitSig, Commit, SignedHeader, Validator, LightBlock, Vote, Fraction } from './types.js'
export { BlockIdFlag, SignedMsgType } from './types.js'
export {
  ProtobufDecodeError, InvalidHeaderError, InvalidCommitError, InvalidSignatureError, InvalidValidatorSetError,
  InsufficientSignaturesError, NotEnoughTrustError, TrustExpiredError, BadLightBlockError, MalformedTxError, TxTooLargeError, InvalidJsonError
} from './errors.js'
export { ProtoWriter, ProtoReader, encodeUvarint, lengthDelimited } from './proto.js'
export type { WireType } from './proto.js'
export { merkleRootRfc6962, merkleProofs, verifyMerkleInclusion, merkleLeafHash, merkleInnerHash, MAX_MERKLE_AUNTS } from './merkle.js'
export type { MerkleProof } from './merkle.js'
export { parseRfc3339, formatRfc3339, checkTimestamp, timestampToNanos, timestampFromMs, compareTimestamps, ZERO_TIME } from './time.js'
export {
  hashHeader, encodeConsensusVersion, encodeTimestamp, encodePartSetHeader, encodeBlockId, isZeroBlockId, equalBlockIds,
  validateBlockId, validateHeaderBasic, BLOCK_PROTOCOL, MAX_CHAIN_ID_LENGTH
} from './header.js'
export { voteSignBytes, commitVoteSignBytes } from './vote.js'
export {
  validatorAddress, makeValidator, encodeSimpleValidator, validatorSetHash, sortValidators, totalVotingPower,
  validateValidatorSet, MAX_TOTAL_VOTING_POWER
} from './validators.js'
export {
  verifyCommitLight, verifyCommitLightTrusting, validateCommitBasic, validateTrustLevel, DEFAULT_TRUST_LEVEL, MAX_SIGNATURE_SIZE
} from './commit.js'
export type { CommitTally } from './commit.js'
export {
  verifyAdjacent, verifyNonAdjacent, verify, verifySkipping, isHeaderExpired, validateSignedHeaderBasic,
  DEFAULT_MAX_CLOCK_DRIFT_MS, PIVOT_NUMERATOR, PIVOT_DENOMINATOR
} from './light.js'
export type { VerifiedBy, VerifyStepOptions, VerifySkippingOptions, TraceEntry, SkippingResult } from './light.js'
export { headerFromJson, commitFromJson, signedHeaderFromJson, validatorsFromJson, base64ToBytes } from './json.js'
export {
  encodeTx, decodeTx, signTx, verifyTx, txHash, txSignBytes, addressFromPublicKey, MAX_TX_BYTES, TX_SIGN_DOMAIN, TX_KINDS
} from './tx.js'
export type { UnsignedTx, SignedTx, TxKind } from './tx.js'
export { generateKey, keyToFile, keyFromFile, bytesToBase64 } from './keyfile.js'
export type { Ed25519Key, KeyFile } from './keyfile.js'
export * from './bodies.js'
