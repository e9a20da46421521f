import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { encodeBody, decodeBody, MalformedBodyError, LEDGER_TX_KINDS, bigToBytes, bytesToBig, type LedgerTxKind } from '../../../protocol/chain/bodies.js'
import { encodeRecord, decodeRecord, encodeStateProof, decodeStateProof, InvalidStateProofError } from '../../../protocol/chain/state-proof.js'
import { ProtoWriter } from '../../../protocol/chain/proto.js'
import { fillBytes as b, sampleBodies, sampleCommitment as commit } from './sample-bodies.js'

const samples = sampleBodies

describe('tx bodies', () => {
  it('round-trips every kind', () => {
    expect(LEDGER_TX_KINDS.length).toBe(16)
    for (const kind of LEDGER_TX_KINDS) {
      const bytes = encodeBody(kind, samples[kind])
      expect(decodeBody(kind, bytes)).toEqual(samples[kind])
    }
    expect(encodeBody('registry.unregister', {})).toEqual(new Uint8Array())
    expect(decodeBody('registry.register', encodeBody('registry.register', { pledgeBytes: 5, commR: b(32) })).commR).toEqual(b(32))
  })

  it('encodes big amounts minimally', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: (1n << 200n) }), (v) => {
      const bytes = bigToBytes(v)
      expect(bytesToBig(bytes)).toBe(v)
      expect(bytes[0] !== 0 || bytes.length === 0).toBe(true)
    }))
  })

  it('rejects malformed bodies with MalformedBodyError', () => {
    const bad: Array<[LedgerTxKind, Uint8Array]> = [
      ['transfer', new ProtoWriter().bytes(1, b(19)).bytes(2, Uint8Array.of(5)).finish()], // short address
      ['transfer', new ProtoWriter().bytes(1, b(20)).finish()], // zero amount
      ['transfer', new ProtoWriter().bytes(1, b(20)).bytes(2, Uint8Array.of(0, 5)).finish()], // non-minimal amount
      ['transfer', new ProtoWriter().bytes(2, Uint8Array.of(5)).bytes(1, b(20)).finish()], // out of order
      ['transfer', Uint8Array.of(0x0a, 0x20, 1)], // truncated
      ['storage.submit', new ProtoWriter().bytes(1, b(32)).uint64(3, 0).uint64(4, 1).finish()], // empty file
      ['storage.submit', new ProtoWriter().bytes(1, b(32)).bytes(2, b(65)).uint64(3, 5).uint64(4, 1).finish()], // cid too long
      ['storage.renew', new ProtoWriter().bytes(1, b(32)).finish()], // zero epochs
      ['da.submit', new ProtoWriter().uint64(1, 200_000).message(2, commit()).finish()], // 1 commitment for 2 blobs
      ['da.submit', new ProtoWriter().uint64(1, 10).message(2, b(48, 1)).finish()], // not a compressed point
      ['da.submit', new ProtoWriter().uint64(1, 10).message(2, b(47, 0x81)).finish()], // short commitment
      ['registry.register', new ProtoWriter().uint64(1, 5).bytes(2, b(31)).finish()], // bad commR
      ['registry.unregister', Uint8Array.of(0x08, 0x01)], // unknown field
      ['pora.receipt', new ProtoWriter().bytes(1, b(201)).finish()],
      ['validator.update', new ProtoWriter().bytes(1, b(32)).uint64(2, 1).uint64(9, 1).finish()],
      ['validator.update', Uint8Array.of(0x10, 0x80, 0x00)] // overlong varint
    ]
    for (const [kind, bytes] of bad) {
      expect(() => decodeBody(kind, bytes), `${kind} ${Buffer.from(bytes).toString('hex')}`).toThrow(MalformedBodyError)
    }
    expect(() => decodeBody('nope' as any, new Uint8Array())).toThrow(MalformedBodyError)
    expect(() => encodeBody('transfer', { to: b(20), amount: -1n })).toThrow(MalformedBodyError)
    try { decodeBody('transfer', Uint8Array.of(0xff)) } catch (err) { expect((err as MalformedBodyError).code).toBe('MALFORMED_BODY') }
  })

  it('decodes random bytes only if they re-encode identically (one encoding per value)', () => {
    fc.assert(fc.property(fc.constantFrom(...LEDGER_TX_KINDS), fc.uint8Array({ maxLength: 80 }), (kind, bytes) => {
      let body: any
      try { body = decodeBody(kind, bytes) } catch (err) { expect(err).toBeInstanceOf(MalformedBodyError); return }
      expect(encodeBody(kind, body)).toEqual(bytes)
    }), { numRuns: 3000 })
  })

  it('state records and proof packing round-trip; bad proof bytes are typed errors', () => {
    const acct = { balance: 10n ** 30n, nonce: 3n }
    expect(decodeRecord('account', encodeRecord('account', acct))).toEqual(acct)
    const nodes = [b(40), b(70, 2)]
    expect(decodeStateProof(encodeStateProof(nodes))).toEqual(nodes)
    expect(() => decodeStateProof(Uint8Array.of(2, 5, 1))).toThrow(InvalidStateProofError)
    expect(() => decodeStateProof(Uint8Array.of(100))).toThrow(InvalidStateProofError)
  })
})
