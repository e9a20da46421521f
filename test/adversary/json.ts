/**
 * protocol/chain's SignedHeader / Validator[] → CometBFT v0.38 RPC JSON, the inverse of
 * `signedHeaderFromJson` / `validatorsFromJson`. The adversary needs it to serve headers it has
 * rewritten in the exact shape a real node serves (hashes upper-case hex without 0x, signatures and
 * keys base64, int64 as decimal strings, RFC 3339 times with nanoseconds).
 */
import { bytesToHex } from '@noble/hashes/utils.js'
import { bytesToBase64, formatRfc3339, type BlockId, type Commit, type Header, type SignedHeader, type Validator } from '../../protocol/chain/index.js'

const hex = (b: Uint8Array): string => bytesToHex(b).toUpperCase()
const blockIdJson = (b: BlockId): unknown => ({ hash: hex(b.hash), parts: { total: b.partSetHeader.total, hash: hex(b.partSetHeader.hash) } })

/**
 * A header as CometBFT's RPC writes it (`signed_header.header`).
 * @example headerToJson(lb.signedHeader.header).app_hash // 'A1B2…'
 */
export function headerToJson (h: Header): Record<string, unknown> {
  return {
    version: { block: h.version.block.toString(), app: h.version.app.toString() },
    chain_id: h.chainId,
    height: h.height.toString(),
    time: formatRfc3339(h.time),
    last_block_id: blockIdJson(h.lastBlockId),
    last_commit_hash: hex(h.lastCommitHash),
    data_hash: hex(h.dataHash),
    validators_hash: hex(h.validatorsHash),
    next_validators_hash: hex(h.nextValidatorsHash),
    consensus_hash: hex(h.consensusHash),
    app_hash: hex(h.appHash),
    last_results_hash: hex(h.lastResultsHash),
    evidence_hash: hex(h.evidenceHash),
    proposer_address: hex(h.proposerAddress)
  }
}

/**
 * A commit as CometBFT's RPC writes it (`signed_header.commit`); absent votes keep Go's zero time.
 * @example commitToJson(lb.signedHeader.commit).signatures[0].block_id_flag // 2
 */
export function commitToJson (c: Commit): Record<string, unknown> {
  return {
    height: c.height.toString(),
    round: c.round,
    block_id: blockIdJson(c.blockId),
    signatures: c.signatures.map((s) => ({
      block_id_flag: s.blockIdFlag,
      validator_address: hex(s.validatorAddress),
      timestamp: formatRfc3339(s.timestamp),
      signature: s.signature.length === 0 ? null : bytesToBase64(s.signature)
    }))
  }
}

/**
 * `{ header, commit }` in RPC JSON (what glowmesh's `/headers/{h}` carries).
 * @example signedHeaderFromJson(signedHeaderToJson(sh)) // deep-equals sh
 */
export function signedHeaderToJson (sh: SignedHeader): { header: Record<string, unknown>, commit: Record<string, unknown> } {
  return { header: headerToJson(sh.header), commit: commitToJson(sh.commit) }
}

/**
 * A validator list in CometBFT's `/validators` JSON.
 * @example validatorsFromJson(validatorsToJson(vals)) // deep-equals vals
 */
export function validatorsToJson (vals: readonly Validator[]): Array<Record<string, unknown>> {
  return vals.map((v) => ({
    address: hex(v.address),
    pub_key: { type: 'tendermint/PubKeyEd25519', value: bytesToBase64(v.pubKey) },
    voting_power: v.votingPower.toString(),
    proposer_priority: '0'
  }))
}
