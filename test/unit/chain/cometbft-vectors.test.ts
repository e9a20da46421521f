// Test vectors taken from CometBFT's own tests (v0.38.25) and from a real CometBFT v0.38 node.
import { describe, expect, it } from 'vitest'
import { sha256 } from '@noble/hashes/sha2.js'
import {
  hashHeader, voteSignBytes, merkleRootRfc6962, merkleLeafHash, merkleInnerHash, validatorSetHash, signedHeaderFromJson,
  validatorsFromJson, verifyCommitLight, validateSignedHeaderBasic, ZERO_TIME, SignedMsgType, parseRfc3339, InvalidHeaderError
} from '../../../protocol/chain/index.js'
import type { Header, Vote } from '../../../protocol/chain/index.js'
import { fromHex, toHex } from '../../../protocol/bytes.js'
import { commitAtHeight10, genesisValidators } from './real-node-fixture.js'

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)
const hex = (h: string): string => h.toLowerCase()

describe('header hash (types/block_test.go TestHeaderHash)', () => {
  const header: Header = {
    version: { block: 1n, app: 2n },
    chainId: 'chainId',
    height: 3n,
    time: parseRfc3339('2019-10-13T16:14:44Z'),
    // makeBlockID(make([]byte, 32), 6, make([]byte, 32))
    lastBlockId: { hash: new Uint8Array(32), partSetHeader: { total: 6, hash: new Uint8Array(32) } },
    lastCommitHash: sha256(utf8('last_commit_hash')),
    dataHash: sha256(utf8('data_hash')),
    validatorsHash: sha256(utf8('validators_hash')),
    nextValidatorsHash: sha256(utf8('next_validators_hash')),
    consensusHash: sha256(utf8('consensus_hash')),
    appHash: sha256(utf8('app_hash')),
    lastResultsHash: sha256(utf8('last_results_hash')),
    evidenceHash: sha256(utf8('evidence_hash')),
    proposerAddress: sha256(utf8('proposer_address')).slice(0, 20) // crypto.AddressHash
  }

  it('generates the expected hash', () => {
    expect(toHex(hashHeader(header))).toBe('0x' + hex('F740121F553B5418C3EFBD343C2DBFE9E007BB67B0D020A0741374BAB65242A4'))
  })

  it('has no hash without a validators hash (typed error)', () => {
    expect(() => hashHeader({ ...header, validatorsHash: new Uint8Array() })).toThrow(InvalidHeaderError)
  })

  it('changes when any field changes', () => {
    const base = toHex(hashHeader(header))
    expect(toHex(hashHeader({ ...header, time: { ...header.time, nanos: 1 } }))).not.toBe(base)
    expect(toHex(hashHeader({ ...header, height: 4n }))).not.toBe(base)
    expect(toHex(hashHeader({ ...header, lastBlockId: { ...header.lastBlockId, partSetHeader: { total: 7, hash: new Uint8Array(32) } } }))).not.toBe(base)
  })
})

describe('vote sign bytes (types/vote_test.go TestVoteSignBytesTestVectors)', () => {
  const vote = (v: Partial<Vote>): Vote => ({ type: 0, height: 0n, round: 0, blockId: null, timestamp: ZERO_TIME, ...v })
  const ts = [0x2a, 0xb, 0x8, 0x80, 0x92, 0xb8, 0xc3, 0x98, 0xfe, 0xff, 0xff, 0xff, 0x1]
  const one = [0x1, 0, 0, 0, 0, 0, 0, 0]
  const chainId = [0x32, 0xd, ...utf8('test_chain_id')]
  const cases: Array<[string, Vote, number[]]> = [
    ['', vote({}), [0xd, ...ts]],
    ['', vote({ height: 1n, round: 1, type: SignedMsgType.Precommit }), [0x21, 0x8, 0x2, 0x11, ...one, 0x19, ...one, ...ts]],
    ['', vote({ height: 1n, round: 1, type: SignedMsgType.Prevote }), [0x21, 0x8, 0x1, 0x11, ...one, 0x19, ...one, ...ts]],
    ['', vote({ height: 1n, round: 1 }), [0x1f, 0x11, ...one, 0x19, ...one, ...ts]],
    ['test_chain_id', vote({ height: 1n, round: 1 }), [0x2e, 0x11, ...one, 0x19, ...one, ...ts, ...chainId]]
  ]
  cases.forEach(([chain, v, want], i) => {
    it(`case #${i}`, () => {
      expect(Array.from(voteSignBytes(chain, v))).toEqual(want)
    })
  })

  it('includes the canonical block id of a non-nil vote (exampleVote in vote_test.go)', () => {
    const bytes = voteSignBytes('test_chain_id', {
      type: SignedMsgType.Precommit,
      height: 12345n,
      round: 2,
      timestamp: parseRfc3339('2017-12-25T03:00:01.234Z'),
      blockId: { hash: sha256(utf8('blockID_hash')), partSetHeader: { total: 1000000, hash: sha256(utf8('blockID_part_set_header_hash')) } }
    })
    // Inputs from exampleVote; expected bytes derived by hand from canonical.proto (len, type,
    // height, round, block_id{hash, part_set_header{total, hash}}, timestamp, chain_id).
    const body = [
      0x08, 0x02,
      0x11, 0x39, 0x30, 0, 0, 0, 0, 0, 0,
      0x19, 0x02, 0, 0, 0, 0, 0, 0, 0,
      0x22, 0x4a, 0x0a, 0x20, ...sha256(utf8('blockID_hash')), 0x12, 0x26, 0x08, 0xc0, 0x84, 0x3d, 0x12, 0x20, ...sha256(utf8('blockID_part_set_header_hash')),
      // timestamp{seconds: 1514170801 (varint b1 d3 81 d2 05), nanos: 234000000 (varint 80 9d ca 6f)}
      0x2a, 0x0b, 0x08, 0xb1, 0xd3, 0x81, 0xd2, 0x05, 0x10, 0x80, 0x9d, 0xca, 0x6f,
      ...chainId
    ]
    expect(Array.from(bytes)).toEqual([body.length, ...body])
  })
})

describe('RFC 6962 merkle (crypto/merkle tree_test.go, rfc6962_test.go)', () => {
  const cases: Array<[string, Uint8Array[], string]> = [
    ['empty', [], 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['single', [Uint8Array.of(1, 2, 3)], '054edec1d0211f624fed0cbca9d4f9400b0e491c43742af2c5b0abebf0c990d8'],
    ['single blank', [new Uint8Array()], '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d'],
    ['two', [Uint8Array.of(1, 2, 3), Uint8Array.of(4, 5, 6)], '82e6cfce00453804379b53962939eaa7906b39904be0813fcadd31b100773c4b'],
    ['many', [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]].map(a => Uint8Array.from(a)), 'f326493eceab4f2d9ffbc78c59432a0a005d6ea98392045c74df5d14a113be18']
  ]
  cases.forEach(([name, leaves, want]) => {
    it(name, () => { expect(toHex(merkleRootRfc6962(leaves))).toBe('0x' + want) })
  })
  it('leaf and inner hashes', () => {
    expect(toHex(merkleLeafHash(utf8('L123456')))).toBe('0x395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56')
    expect(toHex(merkleInnerHash(utf8('N123'), utf8('N456')))).toBe('0xaa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb')
  })
  it('the empty validator set hashes to sha256 of nothing (validator_set_test.go)', () => {
    expect(toHex(validatorSetHash([]))).toBe('0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
  })
})

describe('a commit produced by a real CometBFT v0.38 node', () => {
  const sh = signedHeaderFromJson(commitAtHeight10)
  const vals = validatorsFromJson(genesisValidators)

  it('the header hashes to the block id the commit signs', () => {
    expect(toHex(hashHeader(sh.header))).toBe('0x00ecdac463c201ecd4bdbbaae4a53a4c80291d4051fd69ed97f6420ce1388bfe')
    expect(toHex(validateSignedHeaderBasic(sh, 'dockerchain'))).toBe(toHex(sh.commit.blockId.hash))
  })

  it('the validator set hashes to the header validators hash', () => {
    expect(toHex(validatorSetHash(vals))).toBe(toHex(sh.header.validatorsHash))
    expect(toHex(vals[0].address)).toBe('0x' + hex('2DD9F44FD9067555C322243C3C913BA7B51D2BE0'))
  })

  it('the commit verifies, with the nanosecond timestamp signed exactly', () => {
    expect(sh.commit.signatures[0].timestamp).toEqual({ seconds: 1684332773n, nanos: 605374524 })
    const tally = verifyCommitLight('dockerchain', vals, sh.commit.blockId, 10n, sh.commit)
    expect(tally).toMatchObject({ tallied: 10n, needed: 6n, total: 10n, checked: 1 })
  })

  it('the same commit fails for another chain id', () => {
    expect(() => verifyCommitLight('otherchain', vals, sh.commit.blockId, 10n, sh.commit)).toThrow(expect.objectContaining({ name: 'InvalidSignatureError' }))
  })

  it('fromHex sanity for the app hash (arbitrary length)', () => {
    expect(sh.header.appHash).toEqual(fromHex('0000000000000000'))
  })
})
