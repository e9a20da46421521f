import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { sha256 } from '@noble/hashes/sha2.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import {
  encodeTx, decodeTx, signTx, verifyTx, txHash, txSignBytes, addressFromPublicKey, MalformedTxError, TxTooLargeError, MAX_TX_BYTES, TX_SIGN_DOMAIN
} from '../../../protocol/chain/index.js'
import type { SignedTx, UnsignedTx } from '../../../protocol/chain/index.js'
import { toHex } from '../../../protocol/bytes.js'

const secretKey = sha256(new TextEncoder().encode('glowmesh-test-account'))
const unsigned: UnsignedTx = { chainId: 'glowmesh-devnet', nonce: 7n, fee: 1500n, kind: 'storage.submit', body: Uint8Array.of(1, 2, 3, 4) }

describe('transactions', () => {
  it('round-trips through encode/decode and verifies', () => {
    const tx = signTx(unsigned, secretKey)
    const bytes = encodeTx(tx)
    expect(decodeTx(bytes)).toEqual(tx)
    expect(verifyTx(decodeTx(bytes))).toBe(true)
    expect(bytes[0]).toBe(0x0a) // field 1 (chain id) first
    expect(toHex(txHash(tx))).toBe(toHex(sha256(bytes)))
    expect(txHash(bytes)).toEqual(txHash(tx))
  })

  it('has a fixed layout (a regression vector)', () => {
    const tx: SignedTx = { chainId: 'c', nonce: 1n, fee: 0n, kind: 'transfer', body: new Uint8Array(), publicKey: new Uint8Array(32).fill(0xaa), signature: new Uint8Array(64).fill(0xbb) }
    const bytes = encodeTx(tx)
    expect(Array.from(bytes.subarray(0, 17))).toEqual([0x0a, 0x01, 0x63, 0x10, 0x01, 0x22, 0x08, ...new TextEncoder().encode('transfer'), 0x32, 0x20])
    expect(bytes.length).toBe(17 + 32 + 2 + 64)
    expect(Array.from(txSignBytes(tx).subarray(0, TX_SIGN_DOMAIN.length))).toEqual(Array.from(new TextEncoder().encode('glowmesh/tx/v1\0')))
  })

  it('detects tampering with any field', () => {
    const tx = signTx(unsigned, secretKey)
    expect(verifyTx({ ...tx, fee: tx.fee + 1n })).toBe(false)
    expect(verifyTx({ ...tx, nonce: 8n })).toBe(false)
    expect(verifyTx({ ...tx, chainId: 'other' })).toBe(false)
    expect(verifyTx({ ...tx, kind: 'da.submit' })).toBe(false)
    expect(verifyTx({ ...tx, body: Uint8Array.of(1, 2, 3, 5) })).toBe(false)
    const other = ed25519.getPublicKey(sha256(Uint8Array.of(9)))
    expect(verifyTx({ ...tx, publicKey: other })).toBe(false)
    const bytes = encodeTx(tx)
    for (const i of [3, bytes.length - 70, bytes.length - 1]) {
      const t = bytes.slice()
      t[i] ^= 1
      let ok = false
      try { ok = verifyTx(decodeTx(t)) } catch (e) { expect(e).toBeInstanceOf(MalformedTxError) }
      expect(ok).toBe(false)
    }
  })

  it('signature does not verify under the raw (undomained) encoding', () => {
    const tx = signTx(unsigned, secretKey)
    const raw = txSignBytes(tx).subarray(TX_SIGN_DOMAIN.length)
    expect(ed25519.verify(tx.signature, raw, tx.publicKey)).toBe(false)
  })

  it('derives account addresses as 0x + sha256(pubkey)[0:20]', () => {
    const tx = signTx(unsigned, secretKey)
    expect(addressFromPublicKey(tx.publicKey)).toBe(toHex(sha256(tx.publicKey).slice(0, 20)))
    expect(addressFromPublicKey(tx.publicKey)).toMatch(/^0x[0-9a-f]{40}$/)
    expect(() => addressFromPublicKey(new Uint8Array(31))).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }))
  })

  it('rejects bad fields with MalformedTxError', () => {
    expect(() => signTx({ ...unsigned, kind: 'Bad Kind' }, secretKey)).toThrow(MalformedTxError)
    expect(() => signTx({ ...unsigned, chainId: '' }, secretKey)).toThrow(MalformedTxError)
    expect(() => signTx({ ...unsigned, nonce: -1n }, secretKey)).toThrow(MalformedTxError)
    expect(() => signTx({ ...unsigned, fee: 1n << 64n }, secretKey)).toThrow(MalformedTxError)
    expect(() => signTx(unsigned, new Uint8Array(31))).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }))
  })

  it('enforces the hard size limit on encode and decode', () => {
    const big = signTx({ ...unsigned, body: new Uint8Array(MAX_TX_BYTES) }, secretKey)
    expect(() => encodeTx(big)).toThrow(TxTooLargeError)
    expect(() => decodeTx(new Uint8Array(MAX_TX_BYTES + 1))).toThrow(expect.objectContaining({ name: 'TxTooLargeError', code: 'TX_TOO_LARGE', size: MAX_TX_BYTES + 1 }))
    const small = encodeTx(signTx(unsigned, secretKey))
    expect(() => decodeTx(small, { maxBytes: small.length - 1 })).toThrow(TxTooLargeError)
  })

  it('rejects non-canonical encodings: truncation, reordering, duplicates, unknown fields, explicit zeros, overlong varints', () => {
    const tx = signTx({ ...unsigned, nonce: 0n }, secretKey)
    const bytes = encodeTx(tx)
    expect(() => decodeTx(bytes.subarray(0, bytes.length - 1))).toThrow(/truncated/)
    expect(() => decodeTx(Uint8Array.of(...bytes, 0x42, 0x00))).toThrow(/unknown field|out of order/)
    expect(() => decodeTx(Uint8Array.of(...bytes, 0x3a, 0x00))).toThrow(/out of order or repeated/)
    // nonce 0 written explicitly after chain id: 0x10 0x00
    const chainLen = 2 + bytes[1]
    expect(() => decodeTx(Uint8Array.of(...bytes.subarray(0, chainLen), 0x10, 0x00, ...bytes.subarray(chainLen)))).toThrow(/not canonically encoded/)
    // fee 1500 as an overlong varint
    const withFee = encodeTx(signTx(unsigned, secretKey))
    const feeAt = withFee.indexOf(0x18)
    expect(() => decodeTx(Uint8Array.of(...withFee.subarray(0, feeAt + 1), 0xdc, 0x8b, 0x00, ...withFee.subarray(feeAt + 3)))).toThrow(MalformedTxError)
    expect(() => decodeTx(new Uint8Array())).toThrow(MalformedTxError)
    expect(() => decodeTx('0a01' as any)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }))
  })

  const arbTx = fc.record({
    chainId: fc.stringMatching(/^[a-z0-9-]{1,50}$/),
    nonce: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    fee: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    kind: fc.constantFrom('transfer', 'storage.submit', 'da.submit', 'registry.register', 'pora.receipt'),
    body: fc.uint8Array({ maxLength: 300 }),
    publicKey: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    signature: fc.uint8Array({ minLength: 64, maxLength: 64 })
  })

  it('property: decode(encode(tx)) == tx and the hash is stable', () => {
    fc.assert(fc.property(arbTx, tx => {
      const bytes = encodeTx(tx)
      expect(decodeTx(bytes)).toEqual(tx)
      expect(txHash(decodeTx(bytes))).toEqual(txHash(bytes))
    }), { numRuns: 300 })
  })

  const decodeOnlyTypedErrors = (bytes: Uint8Array): void => {
    try { decodeTx(bytes) } catch (e) {
      expect(['MalformedTxError', 'TxTooLargeError']).toContain((e as Error).name)
    }
  }

  it('property: random bytes decode or fail with a typed error, never anything else', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), decodeOnlyTypedErrors), { numRuns: 2000 })
  })

  it('property: every strict prefix of a valid tx is rejected with MalformedTxError', () => {
    fc.assert(fc.property(arbTx, fc.nat(), (tx, cut) => {
      const bytes = encodeTx(tx)
      const prefix = bytes.subarray(0, cut % bytes.length)
      expect(() => decodeTx(prefix)).toThrow(MalformedTxError)
    }), { numRuns: 300 })
  })

  it('property: random single-byte corruption never crashes the decoder', () => {
    fc.assert(fc.property(arbTx, fc.nat(), fc.integer({ min: 1, max: 255 }), (tx, at, x) => {
      const bytes = encodeTx(tx).slice()
      bytes[at % bytes.length] ^= x
      decodeOnlyTypedErrors(bytes)
    }), { numRuns: 1000 })
  })
})
