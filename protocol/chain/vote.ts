/**
 * Vote sign bytes (CometBFT `types.VoteSignBytes`): the length-delimited protobuf CanonicalVote
 * { type, height sfixed64, round sfixed64, block_id CanonicalBlockID, timestamp, chain_id }.
 * Height and round are fixed-size so that every validator's vote has the same layout; zero fields
 * are omitted; the timestamp is always present (non-nullable), the block id only for a non-nil vote.
 */
import { ProtoWriter, lengthDelimited } from './proto.js'
import { encodeTimestamp, isZeroBlockId } from './header.js'
import { InvalidInputError } from '../errors.js'
import { BlockIdFlag, SignedMsgType } from './types.js'
import type { BlockId, Commit, Vote } from './types.js'

function encodeCanonicalBlockId (id: BlockId): Uint8Array {
  const psh = new ProtoWriter().uint64(1, id.partSetHeader.total).bytes(2, id.partSetHeader.hash).finish()
  return new ProtoWriter().bytes(1, id.hash).message(2, psh).finish()
}

/**
 * The bytes a validator signs for a vote.
 * @example voteSignBytes('', { type: 2, height: 1n, round: 1, blockId: null, timestamp: ZERO_TIME }) // 0x21 0x08 0x02 0x11 …
 */
export function voteSignBytes (chainId: string, vote: Vote): Uint8Array {
  if (typeof chainId !== 'string') throw new InvalidInputError('voteSignBytes: chainId must be a string')
  if (!Number.isInteger(vote.round) || vote.round < 0 || vote.round > 0x7fffffff) throw new InvalidInputError('voteSignBytes: round must be an int32 ≥ 0')
  const w = new ProtoWriter()
    .uint64(1, vote.type)
    .sfixed64(2, vote.height)
    .sfixed64(3, BigInt(vote.round))
  if (!isZeroBlockId(vote.blockId)) w.message(4, encodeCanonicalBlockId(vote.blockId as BlockId))
  w.message(5, encodeTimestamp(vote.timestamp)).string(6, chainId)
  return lengthDelimited(w.finish())
}

/**
 * Sign bytes of the precommit behind `commit.signatures[index]` (CometBFT `Commit.VoteSignBytes`):
 * a Commit-flagged signature voted for the commit's block id, a Nil-flagged one for nil.
 * @example ed25519.verify(sig.signature, commitVoteSignBytes(chainId, commit, i), val.pubKey)
 */
export function commitVoteSignBytes (chainId: string, commit: Commit, index: number): Uint8Array {
  const sig = commit.signatures[index]
  if (sig === undefined) throw new InvalidInputError(`commitVoteSignBytes: no signature at index ${index}`)
  return voteSignBytes(chainId, {
    type: SignedMsgType.Precommit,
    height: commit.height,
    round: commit.round,
    blockId: sig.blockIdFlag === BlockIdFlag.Commit ? commit.blockId : null,
    timestamp: sig.timestamp
  })
}
