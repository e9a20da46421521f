import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { Request } from 'cosmjs-types/tendermint/abci/types'
import { FrameDecoder, decodeRequest, encodeFrame, encodeRequest, encodeUvarint } from '../../../fullnode/app/abci-codec.js'
import { AbciFrameError } from '../../../fullnode/engine/errors.js'

const concat = (parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) { out.set(p, o); o += p.length }
  return out
}

describe('ABCI framing (unsigned varint length prefix, as CometBFT v0.38 protoio)', () => {
  it('encodes lengths as Go binary.PutUvarint does (not zigzag)', () => {
    expect([...encodeUvarint(0)]).toEqual([0])
    expect([...encodeUvarint(1)]).toEqual([1]) // zigzag would be 2
    expect([...encodeUvarint(127)]).toEqual([0x7f])
    expect([...encodeUvarint(300)]).toEqual([0xac, 0x02])
    expect([...encodeUvarint(2 ** 31 - 1)]).toEqual([0xff, 0xff, 0xff, 0xff, 0x07])
    // An Echo request as CometBFT writes it: 0a 04 0a 02 68 69 after its 1-byte length.
    expect([...encodeRequest({ echo: { message: 'hi' } })]).toEqual([6, 0x0a, 4, 0x0a, 2, 0x68, 0x69])
  })

  it('yields whole frames however the stream is cut (property)', () => {
    fc.assert(fc.property(
      fc.array(fc.uint8Array({ maxLength: 400 }), { minLength: 1, maxLength: 12 }),
      fc.array(fc.nat({ max: 600 }), { maxLength: 20 }),
      (messages, cuts) => {
        const stream = concat(messages.map(encodeFrame))
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b)
        const d = new FrameDecoder()
        const got: Uint8Array[] = []
        let at = 0
        for (const p of [...points, stream.length]) { got.push(...d.push(stream.subarray(at, p))); at = p }
        expect(got.map((g) => [...g])).toEqual(messages.map((m) => [...m]))
        expect(d.buffered).toBe(0)
      }))
  })

  it('returns several frames from one read, and nothing from a partial header', () => {
    const d = new FrameDecoder()
    expect(d.push(Uint8Array.of(0xac))).toEqual([])
    const big = new Uint8Array(300).fill(7)
    const frames = d.push(concat([Uint8Array.of(0x02), big, encodeFrame(Uint8Array.of(1)), encodeFrame(new Uint8Array())]))
    expect(frames.map((f) => f.length)).toEqual([300, 1, 0])
  })

  it('rejects a frame over the cap as soon as its length is read', () => {
    const d = new FrameDecoder({ maxFrameBytes: 1024 })
    expect(() => d.push(encodeUvarint(1025))).toThrow(expect.objectContaining({ name: 'AbciFrameError', code: 'ABCI_FRAME_TOO_LARGE' }))
    const d2 = new FrameDecoder()
    expect(() => d2.push(encodeUvarint(64 * 1024 * 1024 + 1))).toThrow(AbciFrameError)
    // A huge length never overflows: it is rejected while being read.
    expect(() => new FrameDecoder().push(new Uint8Array(10).fill(0xff))).toThrow(expect.objectContaining({ code: 'ABCI_FRAME_TOO_LARGE' }))
  })

  it('rejects malformed length prefixes', () => {
    expect(() => new FrameDecoder({ maxFrameBytes: 2 ** 60 }).push(new Uint8Array(11).fill(0x80))).toThrow(expect.objectContaining({ code: 'ABCI_MALFORMED_FRAME' }))
    expect(() => new FrameDecoder().push(Uint8Array.of(0x81, 0x00))).toThrow(expect.objectContaining({ code: 'ABCI_MALFORMED_FRAME' }))
  })

  it('decodes requests and rejects garbage, empty and ambiguous ones', () => {
    const frame = Request.encode({ checkTx: { tx: Uint8Array.of(1, 2), type: 0 } }).finish()
    expect(decodeRequest(frame).type).toBe('checkTx')
    expect(decodeRequest(Request.encode({ flush: {} }).finish()).type).toBe('flush')
    expect(() => decodeRequest(new Uint8Array())).toThrow(expect.objectContaining({ code: 'ABCI_MALFORMED_FRAME' }))
    expect(() => decodeRequest(Uint8Array.of(0x0a, 0x05, 1))).toThrow(expect.objectContaining({ code: 'ABCI_MALFORMED_FRAME' }))
    expect(() => decodeRequest(Uint8Array.of(0xf8, 0x07, 0x01))).toThrow(expect.objectContaining({ code: 'ABCI_MALFORMED_FRAME' })) // only an unknown field
    expect(() => decodeRequest(Request.encode({ echo: { message: '' }, flush: {} }).finish())).toThrow(/both/)
  })
})
