/**
 * The lies themselves, as pure functions over protocol/chain and protocol/storage values, so the
 * HTTP and libp2p faces of the adversary tell exactly the same ones (and tests can call them
 * directly). Each returns a fresh value; inputs are never mutated.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha256 } from '@noble/hashes/sha2.js'
import {
  BlockIdFlag, ZERO_TIME, commitVoteSignBytes, generateKey, hashHeader, makeValidator, sortValidators, totalVotingPower,
  validatorSetHash, type Ed25519Key, type LightBlock, type Validator
} from '../../protocol/chain/index.js'
import type { MerkleProof } from '../../protocol/storage/index.js'
import { SampleStatus, type SampleResponse } from '../../protocol/wire/index.js'

/** Header fields `forge-header` can change (the commit's block id and signatures are kept, so the hash no longer matches). */
export type ForgeField = 'appHash' | 'dataHash' | 'height' | 'time'

/**
 * The header with one field changed and the original commit: what a node that rewrites history
 * without the validators' keys can serve.
 * @example forgeHeader(lb, 'appHash').signedHeader.header.appHash // 0xee…
 */
export function forgeHeader (lb: LightBlock, field: ForgeField = 'appHash'): LightBlock {
  const out = structuredClone(lb)
  const h = out.signedHeader.header
  if (field === 'appHash') h.appHash = new Uint8Array(32).fill(0xee)
  else if (field === 'dataHash') h.dataHash = sha256(new TextEncoder().encode('forged data'))
  // The commit's height follows (its block id and signatures don't), or the pair isn't even
  // encodable on the wire, which demands equal heights.
  else if (field === 'height') { h.height += 1n; out.signedHeader.commit.height = h.height }
  else h.time = { seconds: h.time.seconds - 1n, nanos: h.time.nanos }
  return out
}

/**
 * Keys of a fake validator set, one per real validator, derived from `seed` (stable across calls
 * so bisection sees one consistent forged chain).
 * @example const strangers = fakeValidatorKeys(4)
 */
export function fakeValidatorKeys (count: number, seed = 'glowmesh adversary'): Ed25519Key[] {
  return Array.from({ length: count }, (_, i) => generateKey(sha256(new TextEncoder().encode(`${seed}/${i}`))))
}

/**
 * The header re-signed by strangers: its validator hashes and proposer point at a fake set with the
 * real set's powers, the block id is the header's true hash, and every fake validator signs a
 * well-formed Commit vote. Served with the fake set, so only trust in the real validators exposes it.
 * @example const forged = forgeCommit(lb, fakeValidatorKeys(lb.validators.length))
 */
export function forgeCommit (lb: LightBlock, keys: Ed25519Key[]): LightBlock {
  const out = structuredClone(lb)
  const powers = lb.validators.map((v) => v.votingPower)
  const byAddress = new Map(keys.map((k) => [makeValidator(k.publicKey, 1n).address.join(','), k]))
  const validators: Validator[] = sortValidators(keys.slice(0, powers.length).map((k, i) => makeValidator(k.publicKey, powers[i] ?? 1n)))
  const h = out.signedHeader.header
  h.validatorsHash = validatorSetHash(validators)
  h.nextValidatorsHash = h.validatorsHash
  h.proposerAddress = validators[0].address
  const c = out.signedHeader.commit
  c.height = h.height
  c.blockId = { hash: hashHeader(h), partSetHeader: c.blockId.partSetHeader }
  c.signatures = validators.map((v) => ({ blockIdFlag: BlockIdFlag.Commit, validatorAddress: v.address, timestamp: h.time, signature: new Uint8Array() }))
  c.signatures.forEach((s, i) => {
    const key = byAddress.get(validators[i].address.join(','))!
    s.signature = ed25519.sign(commitVoteSignBytes(h.chainId, c, i), key.privateKey)
  })
  out.validators = validators
  return out
}

/**
 * The commit with signatures turned Absent (last ones first) until at most 2/3 of the power signed:
 * every remaining signature is genuine, there just aren't enough.
 * @example insufficientCommit(lb).signedHeader.commit.signatures.filter((s) => s.blockIdFlag === 2).length // 2 of 4
 */
export function insufficientCommit (lb: LightBlock): LightBlock {
  const out = structuredClone(lb)
  const total = totalVotingPower(lb.validators)
  const sigs = out.signedHeader.commit.signatures
  const power = (): bigint => sigs.reduce((sum, s, i) => s.blockIdFlag === BlockIdFlag.Commit ? sum + (lb.validators[i]?.votingPower ?? 0n) : sum, 0n)
  for (let i = sigs.length - 1; i >= 0 && power() * 3n > total * 2n; i--) {
    sigs[i] = { blockIdFlag: BlockIdFlag.Absent, validatorAddress: new Uint8Array(), timestamp: ZERO_TIME, signature: new Uint8Array() }
  }
  return out
}

/**
 * The segment with one byte flipped (the middle one unless `at` says otherwise); its proof is untouched.
 * @example corruptSegment(seg.bytes)[seg.bytes.length >> 1] !== seg.bytes[seg.bytes.length >> 1]
 */
export function corruptSegment (bytes: Uint8Array, at = bytes.length >> 1): Uint8Array {
  const out = Uint8Array.from(bytes)
  if (out.length > 0) out[Math.min(Math.max(0, at), out.length - 1)] ^= 0xff
  return out
}

/**
 * A proof claimed for segment `index` but built for another segment (`other`, same tree): same
 * shape, wrong siblings. Without another segment (a one-segment file) a made-up sibling is added.
 * @example wrongProof(3, (await rpc.getSegment(root, 2)).proof).index // 3
 */
export function wrongProof (index: number, other: MerkleProof | undefined, own: MerkleProof): MerkleProof {
  if (other !== undefined && other.index !== index) return { index, leafCount: other.leafCount, siblings: other.siblings.map((s) => Uint8Array.from(s)) }
  const siblings = own.siblings.map((s) => Uint8Array.from(s))
  if (siblings.length > 0) siblings[0][0] ^= 0xff
  else siblings.push(sha256(new TextEncoder().encode('made-up sibling')))
  return { index, leafCount: own.leafCount, siblings }
}

/** The segment `wrongProof` borrows a proof from: its pair in the tree, else its predecessor. */
export function otherSegmentIndex (index: number): number[] {
  return [index ^ 1, index - 1, index + 1].filter((i) => i >= 0 && i !== index)
}

/**
 * The sample answer with one bit flipped in the first cell of every column (the last byte of the
 * cell's first field element, so the element stays canonical and only the KZG check can tell);
 * commitments, inclusion proofs and cell proofs are untouched.
 * @example corruptCells(res).columns[0].cells[0][31] === (res.columns[0].cells[0][31] ^ 1)
 */
export function corruptCells (res: SampleResponse): SampleResponse {
  return {
    ...res,
    columns: res.columns.map((c) => ({
      index: c.index,
      proofs: c.proofs.map((p) => Uint8Array.from(p)),
      cells: c.cells.map((cell, i) => {
        const out = Uint8Array.from(cell)
        if (i === 0 && out.length > 31) out[31] ^= 1
        return out
      })
    }))
  }
}

/**
 * What a node that withholds a block's cells answers: NOT_AVAILABLE and nothing else (as an honest
 * node that lacks them would, so only asking other peers exposes it).
 * @example withheldSample(res).status // 'NOT_AVAILABLE'
 */
export function withheldSample (res: Pick<SampleResponse, 'height'>): SampleResponse {
  return { status: SampleStatus.NOT_AVAILABLE, message: `cells of block ${res.height} are not held here`, height: res.height, blobs: [], txs: [], columns: [] }
}
