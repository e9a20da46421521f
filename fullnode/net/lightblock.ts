/**
 * protocol/chain's LightBlock (what the verifier and CometBFT's JSON give) ⇄ protocol/wire's
 * LightBlock (CometBFT's protobuf shape). Same fields; the differences are the flag enum, the
 * validator-set wrapper, and absent signatures' timestamp (Go's zero time in chain, omitted on the
 * wire, which demands a zero timestamp for absent signatures).
 */
import { BlockIdFlag as ChainFlag, ZERO_TIME } from '../../protocol/chain/index.js'
import type { BlockId as ChainBlockId, CommitSig as ChainCommitSig, Header as ChainHeader, LightBlock as ChainLightBlock, Timestamp as ChainTimestamp } from '../../protocol/chain/index.js'
import { BlockIdFlag as WireFlag, MalformedMessageError } from '../../protocol/wire/index.js'
import type { BlockId as WireBlockId, CommitSig as WireCommitSig, Header as WireHeader, LightBlock as WireLightBlock, Timestamp as WireTimestamp } from '../../protocol/wire/index.js'

const toWireFlag: Record<number, WireFlag> = {
  [ChainFlag.Absent]: WireFlag.BLOCK_ID_FLAG_ABSENT,
  [ChainFlag.Commit]: WireFlag.BLOCK_ID_FLAG_COMMIT,
  [ChainFlag.Nil]: WireFlag.BLOCK_ID_FLAG_NIL
}
const toChainFlag: Partial<Record<WireFlag, ChainFlag>> = {
  [WireFlag.BLOCK_ID_FLAG_ABSENT]: ChainFlag.Absent,
  [WireFlag.BLOCK_ID_FLAG_COMMIT]: ChainFlag.Commit,
  [WireFlag.BLOCK_ID_FLAG_NIL]: ChainFlag.Nil
}

const EMPTY = new Uint8Array()
const ts = (t: ChainTimestamp): WireTimestamp => ({ seconds: t.seconds, nanos: t.nanos })
const blockIdToWire = (b: ChainBlockId): WireBlockId => ({ hash: b.hash, partSetHeader: { total: b.partSetHeader.total, hash: b.partSetHeader.hash } })
const blockIdToChain = (b: WireBlockId | undefined): ChainBlockId => ({
  hash: b?.hash ?? EMPTY,
  partSetHeader: { total: b?.partSetHeader?.total ?? 0, hash: b?.partSetHeader?.hash ?? EMPTY }
})

function headerToWire (h: ChainHeader): WireHeader {
  return { ...h, version: { block: h.version.block, app: h.version.app }, time: ts(h.time), lastBlockId: blockIdToWire(h.lastBlockId) }
}

function headerToChain (h: WireHeader): ChainHeader {
  return {
    version: { block: h.version?.block ?? 0n, app: h.version?.app ?? 0n },
    chainId: h.chainId,
    height: h.height,
    time: { seconds: h.time?.seconds ?? 0n, nanos: h.time?.nanos ?? 0 },
    lastBlockId: blockIdToChain(h.lastBlockId),
    lastCommitHash: h.lastCommitHash,
    dataHash: h.dataHash,
    validatorsHash: h.validatorsHash,
    nextValidatorsHash: h.nextValidatorsHash,
    consensusHash: h.consensusHash,
    appHash: h.appHash,
    lastResultsHash: h.lastResultsHash,
    evidenceHash: h.evidenceHash,
    proposerAddress: h.proposerAddress
  }
}

function sigToWire (s: ChainCommitSig): WireCommitSig {
  const flag = toWireFlag[s.blockIdFlag]
  if (flag === undefined) throw new MalformedMessageError(`commit signature flag ${String(s.blockIdFlag)} is not absent/commit/nil`)
  if (flag === WireFlag.BLOCK_ID_FLAG_ABSENT) return { blockIdFlag: flag, validatorAddress: EMPTY, signature: EMPTY }
  return { blockIdFlag: flag, validatorAddress: s.validatorAddress, timestamp: ts(s.timestamp), signature: s.signature }
}

function sigToChain (s: WireCommitSig): ChainCommitSig {
  const flag = toChainFlag[s.blockIdFlag]
  if (flag === undefined) throw new MalformedMessageError(`commit signature flag ${s.blockIdFlag} is not absent/commit/nil`)
  if (flag === ChainFlag.Absent) return { blockIdFlag: flag, validatorAddress: EMPTY, timestamp: ZERO_TIME, signature: EMPTY }
  return { blockIdFlag: flag, validatorAddress: s.validatorAddress, timestamp: { seconds: s.timestamp?.seconds ?? 0n, nanos: s.timestamp?.nanos ?? 0 }, signature: s.signature }
}

/**
 * The wire form of a light block (for SyncResponse and NewHeader).
 * @example encodeResponse(SYNC_PROTOCOL, { status: SyncStatus.OK, message: '', lightBlocks: [lightBlockToWire(lb)] })
 */
export function lightBlockToWire (lb: ChainLightBlock): WireLightBlock {
  const { header, commit } = lb.signedHeader
  let total = 0n
  for (const v of lb.validators) total += v.votingPower
  return {
    signedHeader: {
      header: headerToWire(header),
      commit: { height: commit.height, round: commit.round, blockId: blockIdToWire(commit.blockId), signatures: commit.signatures.map(sigToWire) }
    },
    validatorSet: {
      validators: lb.validators.map(v => ({ address: v.address, pubKey: { ed25519: v.pubKey }, votingPower: v.votingPower, proposerPriority: 0n })),
      totalVotingPower: total
    }
  }
}

/**
 * A decoded (already validated) wire light block in protocol/chain's shape, ready for the verifier.
 * @example verifySkipping({ trusted, untrusted: lightBlockFromWire(w).signedHeader, … })
 */
export function lightBlockFromWire (w: WireLightBlock): ChainLightBlock {
  const sh = w.signedHeader
  if (sh?.header === undefined || sh.commit === undefined || w.validatorSet === undefined) throw new MalformedMessageError('LightBlock: missing header, commit or validator set')
  return {
    signedHeader: {
      header: headerToChain(sh.header),
      commit: { height: sh.commit.height, round: sh.commit.round, blockId: blockIdToChain(sh.commit.blockId), signatures: sh.commit.signatures.map(sigToChain) }
    },
    validators: w.validatorSet.validators.map(v => {
      if (v.pubKey === undefined) throw new MalformedMessageError('Validator: missing public key')
      return { address: v.address, pubKey: v.pubKey.ed25519, votingPower: v.votingPower }
    })
  }
}
