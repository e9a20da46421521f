/**
 * Header hashing as CometBFT v0.38 does it (`types.Header.Hash`): an RFC 6962 merkle root over the
 * 14 fields in struct order; Version, Time and LastBlockID as their protobuf messages, every other
 * field wrapped in google.protobuf String/Int64/BytesValue (so an empty field is an empty leaf).
 */
import { ProtoWriter } from './proto.js'
import { merkleRootRfc6962 } from './merkle.js'
import { checkTimestamp } from './time.js'
import { InvalidHeaderError } from './errors.js'
import { equalBytes } from '../bytes.js'
import type { BlockId, ConsensusVersion, Header, PartSetHeader, Timestamp } from './types.js'

/** The block protocol version of CometBFT v0.38 (`version.BlockProtocol`). */
export const BLOCK_PROTOCOL = 11n
/** Longest chain id CometBFT accepts. */
export const MAX_CHAIN_ID_LENGTH = 50

/** `tendermint.version.Consensus` bytes. @example encodeConsensusVersion({ block: 11n, app: 0n }) // [0x08, 0x0b] */
export function encodeConsensusVersion (v: ConsensusVersion): Uint8Array {
  return new ProtoWriter().uint64(1, v.block).uint64(2, v.app).finish()
}

/** google.protobuf.Timestamp bytes (zero fields omitted). @example encodeTimestamp({ seconds: 1n, nanos: 0 }) // [0x08, 0x01] */
export function encodeTimestamp (ts: Timestamp): Uint8Array {
  checkTimestamp(ts)
  return new ProtoWriter().int64(1, ts.seconds).int64(2, ts.nanos).finish()
}

/** `tendermint.types.PartSetHeader` bytes. @example encodePartSetHeader({ total: 1, hash }) */
export function encodePartSetHeader (psh: PartSetHeader): Uint8Array {
  return new ProtoWriter().uint64(1, psh.total).bytes(2, psh.hash).finish()
}

/** `tendermint.types.BlockID` bytes; the part-set header is always present (non-nullable). @example encodeBlockId(header.lastBlockId) */
export function encodeBlockId (id: BlockId): Uint8Array {
  return new ProtoWriter().bytes(1, id.hash).message(2, encodePartSetHeader(id.partSetHeader)).finish()
}

const wrapString = (s: string): Uint8Array => new ProtoWriter().string(1, s).finish()
const wrapInt64 = (n: bigint): Uint8Array => new ProtoWriter().int64(1, n).finish()
const wrapBytes = (b: Uint8Array): Uint8Array => new ProtoWriter().bytes(1, b).finish()

/**
 * The header's hash (the block hash that commits sign). Throws InvalidHeaderError when
 * validatorsHash is empty, where CometBFT returns no hash at all.
 * @example toHex(hashHeader(header)) === commit.blockId.hash
 */
export function hashHeader (header: Header): Uint8Array {
  if (header?.validatorsHash === undefined || header.validatorsHash.length === 0) {
    throw new InvalidHeaderError('header has no validatorsHash, so it has no hash')
  }
  return merkleRootRfc6962([
    encodeConsensusVersion(header.version),
    wrapString(header.chainId),
    wrapInt64(header.height),
    encodeTimestamp(header.time),
    encodeBlockId(header.lastBlockId),
    wrapBytes(header.lastCommitHash),
    wrapBytes(header.dataHash),
    wrapBytes(header.validatorsHash),
    wrapBytes(header.nextValidatorsHash),
    wrapBytes(header.consensusHash),
    wrapBytes(header.appHash),
    wrapBytes(header.lastResultsHash),
    wrapBytes(header.evidenceHash),
    wrapBytes(header.proposerAddress)
  ])
}

/** True for the block id of a nil vote (no hash, empty part-set header). @example isZeroBlockId(commit.blockId) // false */
export function isZeroBlockId (id: BlockId | null | undefined): boolean {
  return id == null || (id.hash.length === 0 && id.partSetHeader.total === 0 && id.partSetHeader.hash.length === 0)
}

/** Byte-wise equality of two block ids. @example equalBlockIds(commit.blockId, { hash, partSetHeader }) */
export function equalBlockIds (a: BlockId, b: BlockId): boolean {
  return equalBytes(a.hash, b.hash) && a.partSetHeader.total === b.partSetHeader.total &&
    equalBytes(a.partSetHeader.hash, b.partSetHeader.hash)
}

function checkHash (name: string, h: unknown, allowEmpty = true): void {
  if (!(h instanceof Uint8Array)) throw new InvalidHeaderError(`${name}: expected a Uint8Array`)
  if (!(allowEmpty && h.length === 0) && h.length !== 32) throw new InvalidHeaderError(`${name}: expected 32 bytes, got ${h.length}`)
}

/** Throws InvalidHeaderError unless the block id's hashes are empty or 32 bytes. @example validateBlockId(commit.blockId, 'commit.blockId') */
export function validateBlockId (id: BlockId, name = 'blockId'): void {
  if (id === null || typeof id !== 'object' || id.partSetHeader === null || typeof id.partSetHeader !== 'object') {
    throw new InvalidHeaderError(`${name}: missing`)
  }
  checkHash(`${name}.hash`, id.hash)
  checkHash(`${name}.partSetHeader.hash`, id.partSetHeader.hash)
  if (!Number.isInteger(id.partSetHeader.total) || id.partSetHeader.total < 0 || id.partSetHeader.total > 0xffffffff) {
    throw new InvalidHeaderError(`${name}.partSetHeader.total: expected a uint32`)
  }
}

/**
 * CometBFT's `Header.ValidateBasic`: block protocol 11, chain id ≤ 50 bytes, height ≥ 1, hashes
 * empty or 32 bytes, proposer address 20 bytes (app hash may be any length).
 * @example validateHeaderBasic(signedHeader.header)
 */
export function validateHeaderBasic (header: Header): void {
  if (header === null || typeof header !== 'object') throw new InvalidHeaderError('header: missing')
  if (header.version?.block !== BLOCK_PROTOCOL) throw new InvalidHeaderError(`header: block protocol ${String(header.version?.block)}, want ${BLOCK_PROTOCOL}`)
  if (typeof header.version.app !== 'bigint' || header.version.app < 0n) throw new InvalidHeaderError('header: version.app must be a non-negative bigint')
  if (typeof header.chainId !== 'string' || new TextEncoder().encode(header.chainId).length > MAX_CHAIN_ID_LENGTH) {
    throw new InvalidHeaderError(`header: chain id must be a string of at most ${MAX_CHAIN_ID_LENGTH} bytes`)
  }
  if (typeof header.height !== 'bigint' || header.height <= 0n) throw new InvalidHeaderError(`header: height must be a positive bigint, got ${String(header.height)}`)
  try { checkTimestamp(header.time) } catch (cause) { throw new InvalidHeaderError('header: bad time', { cause }) }
  validateBlockId(header.lastBlockId, 'header.lastBlockId')
  for (const f of ['lastCommitHash', 'dataHash', 'evidenceHash', 'validatorsHash', 'nextValidatorsHash', 'consensusHash', 'lastResultsHash'] as const) {
    checkHash(`header.${f}`, header[f])
  }
  if (!(header.appHash instanceof Uint8Array)) throw new InvalidHeaderError('header.appHash: expected a Uint8Array')
  if (!(header.proposerAddress instanceof Uint8Array) || header.proposerAddress.length !== 20) {
    throw new InvalidHeaderError('header.proposerAddress: expected 20 bytes')
  }
}
