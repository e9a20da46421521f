/**
 * ABCI socket framing (CometBFT v0.38, `libs/protoio` delimited writer/reader): every message is a
 * protobuf `Request`/`Response` prefixed by its byte length as an **unsigned** varint (old js-abci
 * used a signed zigzag varint: wrong for v0.38). Bytes arrive in arbitrary TCP pieces, so the
 * decoder buffers and yields only whole frames.
 */
import { Uint8ArrayList } from 'uint8arraylist'
import { Request, Response } from 'cosmjs-types/tendermint/abci/types'
import { AbciFrameError } from '../engine/errors.js'

/** Default frame cap: a block's transactions (4 MiB) with a wide margin. */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024

/** The request kinds (the oneof field names of `Request`). */
export type AbciRequestType = keyof Request

const REQUEST_TYPES: AbciRequestType[] = ['echo', 'flush', 'info', 'initChain', 'query', 'checkTx', 'commit', 'listSnapshots',
  'offerSnapshot', 'loadSnapshotChunk', 'applySnapshotChunk', 'prepareProposal', 'processProposal', 'extendVote',
  'verifyVoteExtension', 'finalizeBlock']

/**
 * Unsigned varint of n (protobuf / Go `binary.PutUvarint`).
 * @example encodeUvarint(300) // Uint8Array [0xac, 0x02]
 */
export function encodeUvarint (n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError('uvarint: a non-negative safe integer')
  const out: number[] = []
  while (n >= 0x80) { out.push((n % 0x80) | 0x80); n = Math.floor(n / 0x80) }
  out.push(n)
  return Uint8Array.from(out)
}

/**
 * One frame: uvarint(length) ‖ message.
 * @example socket.write(encodeFrame(Response.encode(res).finish()))
 */
export function encodeFrame (message: Uint8Array): Uint8Array {
  const prefix = encodeUvarint(message.length)
  const out = new Uint8Array(prefix.length + message.length)
  out.set(prefix, 0)
  out.set(message, prefix.length)
  return out
}

/**
 * Splits a byte stream into frames. `push` returns every frame completed by the new bytes, in
 * order; a bad length prefix or one above `maxFrameBytes` throws `AbciFrameError` (the caller
 * closes the connection: the stream can't be resynchronised).
 * @example const d = new FrameDecoder(); socket.on('data', (b) => { for (const f of d.push(b)) handle(f) })
 */
export class FrameDecoder {
  private readonly buf = new Uint8ArrayList()
  private readonly maxFrameBytes: number
  /** Bytes still needed for the frame whose length is known (so big frames aren't rescanned). */
  private need = -1
  private headerLen = 0

  constructor (options: { maxFrameBytes?: number } = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES
  }

  /** Bytes buffered but not yet returned as frames. */
  get buffered (): number { return this.buf.byteLength }

  push (chunk: Uint8Array): Uint8Array[] {
    if (chunk.length > 0) this.buf.append(chunk)
    const frames: Uint8Array[] = []
    for (;;) {
      if (this.need < 0 && !this.readHeader()) break
      if (this.buf.byteLength < this.headerLen + this.need) break
      frames.push(this.buf.subarray(this.headerLen, this.headerLen + this.need))
      this.buf.consume(this.headerLen + this.need)
      this.need = -1
    }
    return frames
  }

  // Reads the uvarint at the buffer's start; false when it is still incomplete.
  private readHeader (): boolean {
    let value = 0
    let mul = 1
    const avail = this.buf.byteLength
    for (let i = 0; i < 10; i++) {
      if (i >= avail) return false
      const b = this.buf.get(i)
      value += (b & 0x7f) * mul
      mul *= 128
      if ((b & 0x80) === 0) {
        if (i > 0 && b === 0) throw new AbciFrameError('ABCI_MALFORMED_FRAME', 'ABCI frame: over-long length varint')
        if (value > this.maxFrameBytes) throw new AbciFrameError('ABCI_FRAME_TOO_LARGE', `ABCI frame of ${value} bytes exceeds the ${this.maxFrameBytes}-byte cap`)
        this.need = value
        this.headerLen = i + 1
        return true
      }
      // Any varint longer than the cap's width is over the cap; stop before it overflows.
      if (value > this.maxFrameBytes) throw new AbciFrameError('ABCI_FRAME_TOO_LARGE', `ABCI frame length exceeds the ${this.maxFrameBytes}-byte cap`)
    }
    throw new AbciFrameError('ABCI_MALFORMED_FRAME', 'ABCI frame: length varint longer than 10 bytes')
  }
}

/**
 * Decodes a Request frame and names its kind; exactly one oneof field must be set.
 * @example const { type, request } = decodeRequest(frame); type // 'checkTx'
 */
export function decodeRequest (frame: Uint8Array): { type: AbciRequestType, request: Request } {
  let request: Request
  try {
    request = Request.decode(frame)
  } catch (cause) {
    throw new AbciFrameError('ABCI_MALFORMED_FRAME', `ABCI request does not decode: ${(cause as Error).message}`, { cause })
  }
  let type: AbciRequestType | undefined
  for (const t of REQUEST_TYPES) {
    if (request[t] === undefined) continue
    if (type !== undefined) throw new AbciFrameError('ABCI_MALFORMED_FRAME', `ABCI request sets both ${type} and ${t}`)
    type = t
  }
  if (type === undefined) throw new AbciFrameError('ABCI_MALFORMED_FRAME', 'ABCI request has no known type')
  return { type, request }
}

/**
 * A Response as one frame.
 * @example socket.write(encodeResponse({ flush: {} }))
 */
export function encodeResponse (response: Response): Uint8Array {
  return encodeFrame(Response.encode(response).finish())
}

/**
 * A Request as one frame (what CometBFT sends; used by tests and benchmarks that play the engine).
 * @example socket.write(encodeRequest({ echo: { message: 'hi' } }))
 */
export function encodeRequest (request: Request): Uint8Array {
  return encodeFrame(Request.encode(request).finish())
}

/**
 * Splits a Response stream the same way (for clients that play the engine).
 * @example decodeResponse(frame).flush // {}
 */
export function decodeResponse (frame: Uint8Array): Response {
  try {
    return Response.decode(frame)
  } catch (cause) {
    throw new AbciFrameError('ABCI_MALFORMED_FRAME', `ABCI response does not decode: ${(cause as Error).message}`, { cause })
  }
}
