/**
 * Hostile input: random bytes, truncations and bit flips of valid encodings must either decode
 * to a message that passes validation or throw one of the typed wire errors — never a RangeError,
 * TypeError or anything else, and never hang.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { decodeFrame, decodeMessage, encodeFrame, encodeMessage, FrameDecoder, isWireError, unpackEnvelope, packEnvelope, validateMessage, MESSAGES, PROTOCOL_IDS, type MessageType } from '../../../protocol/wire/index.js'
import * as arb from './arbitraries.js'

function decodesOrTypedError<T> (type: MessageType<T>, bytes: Uint8Array): void {
  try {
    const msg = decodeMessage(type, bytes)
    validateMessage(type, msg)
  } catch (err) {
    if (!isWireError(err)) throw new Error(`${type.name}: untyped ${(err as Error)?.name}: ${(err as Error)?.message}`, { cause: err })
  }
}

/** Mutations of a valid encoding: truncate, flip a bit, splice random bytes in. */
const mutated = (valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> => fc.tuple(valid, fc.nat(), fc.nat({ max: 7 }), fc.uint8Array({ maxLength: 12 }), fc.nat({ max: 2 }))
  .map(([bytes, at, bit, junk, op]) => {
    const i = bytes.length === 0 ? 0 : at % bytes.length
    if (op === 0) return bytes.subarray(0, i)
    if (op === 1 && bytes.length > 0) { const c = bytes.slice(); c[i]! ^= 1 << bit; return c }
    return Uint8Array.from([...bytes.subarray(0, i), ...junk, ...bytes.subarray(i)])
  })

describe('hostile bytes', () => {
  for (const [name, type, gen] of arb.CASES) {
    it(`${name}: random bytes and mutated valid encodings decode or throw typed errors`, () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => decodesOrTypedError(type, b)), { numRuns: 150 })
      fc.assert(fc.property(mutated(gen.map((m) => encodeMessage(type, m))), (b) => decodesOrTypedError(type, b)), { numRuns: 150 })
    })
  }

  it('nested start-groups (stack exhaustion) and huge repeated counts are typed errors', () => {
    // 200k nested group starts: protons recurses once per byte
    const groups = new Uint8Array(200_000).fill(0x0b)
    expect(() => decodeMessage(MESSAGES.txRequest, groups)).toThrow(/TxRequest/)
    // a length-delimited field claiming 2^31 bytes inside a tiny body
    expect(() => decodeMessage(MESSAGES.txRequest, Uint8Array.from([0x0a, 0x80, 0x80, 0x80, 0x80, 0x08]))).toThrow(/TxRequest/)
    // 5,000 empty light blocks in a SyncResponse stop at the compiled-in limit of 32
    expect(() => decodeMessage(MESSAGES.syncResponse, new Uint8Array(10_000).fill(0).map((_, i) => i % 2 === 0 ? 0x1a : 0))).toThrow(/too many elements/)
  })

  it('frames: random bytes and truncated frames through decodeFrame and FrameDecoder', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
      for (const run of [() => decodeFrame(b, { maxBytes: 32 }), () => { const d = new FrameDecoder({ maxBytes: 32 }); d.push(b); d.end() }]) {
        try { run() } catch (err) { if (!isWireError(err)) throw err }
      }
    }), { numRuns: 300 })
    fc.assert(fc.property(arb.txRequest, fc.nat(), (m, cut) => {
      const f = encodeFrame(encodeMessage(MESSAGES.txRequest, m))
      const part = f.subarray(0, cut % f.length)
      try { decodeMessage(MESSAGES.txRequest, decodeFrame(part, { maxBytes: 8192 })) } catch (err) { if (!isWireError(err)) throw err }
    }))
  })

  it('envelopes: random and mutated envelopes unpack or throw typed errors', () => {
    const valid = fc.tuple(fc.constantFrom(...PROTOCOL_IDS), fc.bigInt({ min: 1n, max: 1000n }), arb.txRequest)
      .map(([protocol, requestId, m]) => packEnvelope({ kind: 'error', requestId, protocol, error: { code: 'BAD', message: String(m.tx.length) } }))
    const tx = fc.tuple(fc.bigInt({ min: 1n, max: 1000n }), arb.txRequest).map(([requestId, message]) => packEnvelope({ kind: 'request', requestId, protocol: '/glowmesh/tx/1.0.0', message }))
    for (const g of [fc.uint8Array({ maxLength: 200 }), mutated(valid), mutated(tx)]) {
      fc.assert(fc.property(g, (b) => { try { unpackEnvelope(b) } catch (err) { if (!isWireError(err)) throw err } }), { numRuns: 200 })
    }
  })
})
