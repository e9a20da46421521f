import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { Uint8ArrayList } from 'uint8arraylist'
import {
  AbortError, decodeFrame, decodeFrames, decodeVarint, encodeFrame, FrameDecoder, MalformedMessageError,
  MessageTooLargeError, TruncatedMessageError, varintLength
} from '../../../protocol/wire/index.js'

const body = fc.uint8Array({ maxLength: 600 })

/** Splits `bytes` at the given cut points (any order, any count). */
function split (bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const out: Uint8Array[] = []
  let prev = 0
  for (const p of [...points, bytes.length]) { out.push(bytes.subarray(prev, p)); prev = p }
  return out
}
const concat = (parts: Uint8Array[]): Uint8Array => new Uint8ArrayList(...parts).subarray()

describe('encodeFrame / decodeFrame', () => {
  it('round-trips any body and prefixes the varint length', () => {
    fc.assert(fc.property(body, (b) => {
      const f = encodeFrame(b)
      expect(f.length).toBe(varintLength(b.length) + b.length)
      expect(decodeVarint(f.subarray(0, varintLength(b.length)))).toBe(b.length)
      expect(decodeFrame(f, { maxBytes: 600 })).toEqual(b)
      expect(decodeFrame(new Uint8ArrayList(...split(f, [1, 2, 3])), { maxBytes: 600 })).toEqual(b)
    }))
    expect([...encodeFrame(new Uint8Array(300))].slice(0, 2)).toEqual([0xac, 0x02])
  })

  it('rejects an oversized length from the prefix alone, before any body arrives', () => {
    // 2^40 bytes announced, none sent: a decoder that allocated first would die here
    const prefix = Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x20])
    expect(() => decodeFrame(prefix, { maxBytes: 1024 })).toThrow(MessageTooLargeError)
    const dec = new FrameDecoder({ maxBytes: 1024 })
    expect(() => dec.push(prefix)).toThrow(MessageTooLargeError)
    expect(dec.bufferedBytes).toBe(0)
    expect(() => dec.push(new Uint8Array(1))).toThrow(MessageTooLargeError) // stays failed
    expect(() => encodeFrame(new Uint8Array(1025), { maxBytes: 1024 })).toThrow(MessageTooLargeError)
    // exactly at the limit is fine
    expect(decodeFrame(encodeFrame(new Uint8Array(1024)), { maxBytes: 1024 }).length).toBe(1024)
  })

  it('types every broken prefix and body', () => {
    expect(() => decodeFrame(new Uint8Array(0), { maxBytes: 10 })).toThrow(TruncatedMessageError)
    expect(() => decodeFrame(Uint8Array.from([0x85]), { maxBytes: 10 })).toThrow(TruncatedMessageError)
    expect(() => decodeFrame(Uint8Array.from([5, 1, 2]), { maxBytes: 10 })).toThrow(TruncatedMessageError)
    expect(() => decodeFrame(Uint8Array.from([1, 1, 2]), { maxBytes: 10 })).toThrow(/trailing/)
    // 11 continuation bytes: longer than any uint64
    expect(() => decodeFrame(new Uint8Array(11).fill(0x80), { maxBytes: 10 })).toThrow(MalformedMessageError)
    // 10th byte above 1 overflows 64 bits
    expect(() => decodeFrame(Uint8Array.from([...new Array(9).fill(0xff), 0x02]), { maxBytes: 10 })).toThrow(/overflows/)
    expect(() => new FrameDecoder({ maxBytes: -1 })).toThrow(/maxBytes/)
  })
})

describe('FrameDecoder', () => {
  it('yields the same frames whatever the chunking', () => {
    fc.assert(fc.property(fc.array(body, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 20 }), (bodies, cuts) => {
      const stream = concat(bodies.map((b) => encodeFrame(b)))
      const dec = new FrameDecoder({ maxBytes: 600 })
      const got = split(stream, cuts).flatMap((c) => dec.push(c))
      dec.end()
      expect(got).toEqual(bodies)
      expect(dec.bufferedBytes).toBe(0)
    }))
  })

  it('reports a frame cut off by the end of the stream', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 100 }), fc.nat(), (b, cut) => {
      const f = encodeFrame(b)
      const dec = new FrameDecoder({ maxBytes: 100 })
      expect(dec.push(f.subarray(0, 1 + (cut % (f.length - 1))))).toEqual([])
      expect(() => dec.end()).toThrow(TruncatedMessageError)
    }))
  })
})

describe('decodeFrames', () => {
  it('decodes an async stream of chunks', async () => {
    const bodies = [Uint8Array.from([1]), new Uint8Array(0), new Uint8Array(300).fill(7)]
    async function * src (): AsyncGenerator<Uint8Array> { for (const c of split(concat(bodies.map((b) => encodeFrame(b))), [1, 5, 9, 200])) yield c }
    const got: Uint8Array[] = []
    for await (const f of decodeFrames(src(), { maxBytes: 300 })) got.push(f)
    expect(got).toEqual(bodies)
  })

  it('stops a wait with AbortError and releases the source', async () => {
    let released = false
    const never: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => ({
        next: async () => await new Promise<IteratorResult<Uint8Array>>(() => {}),
        return: async () => { released = true; return { done: true, value: undefined } }
      })
    }
    const ctl = new AbortController()
    const it = decodeFrames(never, { maxBytes: 10, signal: ctl.signal })[Symbol.asyncIterator]()
    const pending = it.next()
    ctl.abort(new Error('bye'))
    await expect(pending).rejects.toThrow(AbortError)
    expect(released).toBe(true)
    await expect(decodeFrames([encodeFrame(new Uint8Array(1))], { maxBytes: 10, signal: AbortSignal.abort() }).next()).rejects.toThrow(AbortError)
  })

  it('throws TruncatedMessageError when the stream ends mid-frame', async () => {
    await expect((async () => { for await (const _ of decodeFrames([Uint8Array.from([3, 1])], { maxBytes: 10 })) { /* none */ } })()).rejects.toThrow(TruncatedMessageError)
  })
})
