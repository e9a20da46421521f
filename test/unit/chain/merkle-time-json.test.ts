import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  merkleProofs, merkleRootRfc6962, verifyMerkleInclusion, parseRfc3339, formatRfc3339, timestampFromMs, ZERO_TIME,
  headerFromJson, commitFromJson, signedHeaderFromJson, validatorsFromJson, base64ToBytes, InvalidJsonError,
  ProtoReader, ProtoWriter, encodeUvarint, ProtobufDecodeError, BlockIdFlag
} from '../../../protocol/chain/index.js'
import { commitAtHeight10, genesisValidators } from './real-node-fixture.js'

describe('merkle inclusion proofs', () => {
  it('every leaf of every tree size up to 33 proves against the root', () => {
    for (let n = 1; n <= 33; n++) {
      const leaves = Array.from({ length: n }, (_, i) => Uint8Array.of(i, n))
      const { root, proofs } = merkleProofs(leaves)
      expect(root).toEqual(merkleRootRfc6962(leaves))
      leaves.forEach((leaf, i) => {
        expect(verifyMerkleInclusion(root, leaf, proofs[i])).toBe(true)
        expect(verifyMerkleInclusion(root, Uint8Array.of(i, n, 0), proofs[i])).toBe(false)
      })
    }
  })

  it('rejects tampered proofs, wrong indexes and malformed shapes (false, not a crash)', () => {
    const leaves = Array.from({ length: 7 }, (_, i) => Uint8Array.of(i))
    const { root, proofs } = merkleProofs(leaves)
    const p = proofs[3]
    const flipped = p.aunts.map(a => a.slice()); flipped[0][0] ^= 1
    expect(verifyMerkleInclusion(root, leaves[3], { ...p, aunts: flipped })).toBe(false)
    expect(verifyMerkleInclusion(root, leaves[3], { ...p, index: 4 })).toBe(false)
    expect(verifyMerkleInclusion(root, leaves[3], { ...p, index: 7 })).toBe(false)
    expect(verifyMerkleInclusion(root, leaves[3], { ...p, total: 0 })).toBe(false)
    expect(verifyMerkleInclusion(root, leaves[3], { ...p, aunts: p.aunts.slice(1) })).toBe(false)
    expect(verifyMerkleInclusion(root, leaves[3], { ...p, aunts: [...p.aunts, p.aunts[0]] })).toBe(false)
    expect(verifyMerkleInclusion(root, leaves[3], { ...p, aunts: [new Uint8Array(5), ...p.aunts.slice(1)] })).toBe(false)
    expect(() => verifyMerkleInclusion(root, 'x' as any, p)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }))
    expect(merkleProofs([])).toEqual({ root: merkleRootRfc6962([]), proofs: [] })
  })
})

describe('RFC 3339 timestamps', () => {
  it('parses nanoseconds exactly and prints them back', () => {
    expect(parseRfc3339('2019-04-22T17:01:51.701356223Z')).toEqual({ seconds: 1555952511n, nanos: 701356223 })
    expect(parseRfc3339('0001-01-01T00:00:00Z')).toEqual(ZERO_TIME)
    expect(parseRfc3339('2024-02-29T23:59:59.5+01:30')).toEqual({ seconds: BigInt(Date.UTC(2024, 1, 29, 22, 29, 59) / 1000), nanos: 500_000_000 })
    expect(formatRfc3339({ seconds: 1555952511n, nanos: 701356220 })).toBe('2019-04-22T17:01:51.70135622Z')
    expect(formatRfc3339(ZERO_TIME)).toBe('0001-01-01T00:00:00Z')
    expect(timestampFromMs(-1)).toEqual({ seconds: -1n, nanos: 999_000_000 })
  })

  it('property: format then parse is the identity, and agrees with Date to the millisecond', () => {
    fc.assert(fc.property(fc.bigInt({ min: -62135596800n, max: 253402300799n }), fc.integer({ min: 0, max: 999_999_999 }), (seconds, nanos) => {
      const ts = { seconds, nanos }
      const text = formatRfc3339(ts)
      expect(parseRfc3339(text)).toEqual(ts)
      if (seconds > -8_000_000_000n) expect(Date.parse(text)).toBe(Number(seconds) * 1000 + Math.floor(nanos / 1e6))
    }), { numRuns: 500 })
  })

  it('rejects malformed times with a typed error', () => {
    for (const bad of ['2019-04-22 17:01:51Z', '2019-02-30T00:00:00Z', '2019-04-22T17:01:51.1234567890Z', '2019-04-22T24:00:00Z', '2019-04-22T17:01:51', 42 as any]) {
      expect(() => parseRfc3339(bad)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }))
    }
  })
})

describe('CometBFT RPC JSON', () => {
  it('accepts the bare result and the bare signed header as well as the envelope', () => {
    const a = signedHeaderFromJson(commitAtHeight10)
    expect(signedHeaderFromJson(commitAtHeight10.result)).toEqual(a)
    expect(signedHeaderFromJson(commitAtHeight10.result.signed_header)).toEqual(a)
    expect(validatorsFromJson(genesisValidators.result.validators)).toEqual(validatorsFromJson(genesisValidators))
    expect(a.header.height).toBe(10n)
    expect(a.header.version).toEqual({ block: 11n, app: 1n })
    expect(a.commit.signatures[0].blockIdFlag).toBe(BlockIdFlag.Commit)
  })

  it('parses absent signatures as CometBFT prints them', () => {
    const c = commitFromJson({ ...commitAtHeight10.result.signed_header.commit, signatures: [{ block_id_flag: 1, validator_address: '', timestamp: '0001-01-01T00:00:00Z', signature: null }] })
    expect(c.signatures[0]).toEqual({ blockIdFlag: 1, validatorAddress: new Uint8Array(), timestamp: ZERO_TIME, signature: new Uint8Array() })
  })

  it('rejects missing fields, bad hex/base64, wrong addresses and foreign key types', () => {
    const h = commitAtHeight10.result.signed_header.header
    expect(() => headerFromJson({ ...h, height: 'ten' })).toThrow(InvalidJsonError)
    expect(() => headerFromJson({ ...h, data_hash: 'XYZ' })).toThrow(InvalidJsonError)
    expect(() => headerFromJson({ ...h, time: 'yesterday' })).toThrow(InvalidJsonError)
    expect(() => headerFromJson(null)).toThrow(InvalidJsonError)
    const v = genesisValidators.result.validators[0]
    expect(() => validatorsFromJson([{ ...v, address: '00'.repeat(20) }])).toThrow(/does not match/)
    expect(() => validatorsFromJson([{ ...v, pub_key: { type: 'tendermint/PubKeySecp256k1', value: v.pub_key.value } }])).toThrow(/unsupported key type/)
    expect(() => validatorsFromJson([{ ...v, pub_key: { ...v.pub_key, value: 'not base64!' } }])).toThrow(InvalidJsonError)
    expect(() => commitFromJson({ ...commitAtHeight10.result.signed_header.commit, signatures: [{ block_id_flag: 9 }] })).toThrow(/unknown flag/)
    expect(() => base64ToBytes('abc')).toThrow(InvalidJsonError)
    expect(base64ToBytes('AQI=')).toEqual(Uint8Array.of(1, 2))
  })
})

describe('protobuf primitives', () => {
  it('varints round-trip and omit zero scalars', () => {
    for (const v of [0n, 1n, 127n, 128n, 300n, (1n << 63n), (1n << 64n) - 1n]) {
      const r = new ProtoReader(encodeUvarint(v))
      expect(r.uvarint()).toBe(v)
      expect(r.done).toBe(true)
    }
    expect(new ProtoWriter().uint64(1, 0n).int64(2, 0n).sfixed64(3, 0n).bytes(4, new Uint8Array()).string(5, '').finish()).toEqual(new Uint8Array())
    expect(Array.from(new ProtoWriter().int64(1, -1n).finish())).toEqual([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])
    expect(Array.from(new ProtoWriter().message(2, new Uint8Array()).finish())).toEqual([0x12, 0x00])
  })

  it('the reader rejects truncated and overflowing input with ProtobufDecodeError', () => {
    expect(() => new ProtoReader(Uint8Array.of(0x80)).uvarint()).toThrow(ProtobufDecodeError)
    expect(() => new ProtoReader(new Uint8Array(11).fill(0xff)).uvarint()).toThrow(ProtobufDecodeError)
    expect(() => new ProtoReader(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02)).uvarint()).toThrow(/overflows/)
    expect(() => new ProtoReader(Uint8Array.of(0x05, 1, 2)).bytes()).toThrow(/truncated/)
    expect(() => new ProtoReader(Uint8Array.of(0x0b)).tag()).toThrow(/wire type/)
    expect(() => new ProtoReader(Uint8Array.of(0x00)).tag()).toThrow(/field number/)
    expect(() => encodeUvarint(-1n)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }))
  })
})
