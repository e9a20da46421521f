/**
 * Length-prefixed framing for libp2p streams: unsigned varint length, then the protobuf body.
 * The declared length is checked against the caller's limit as soon as the varint is complete,
 * before any body byte is buffered, so a peer can never make us hold more than the limit.
 */
import { Uint8ArrayList } from 'uint8arraylist'
import { InvalidInputError } from '../errors.js'
import { AbortError, MalformedMessageError, MessageTooLargeError, TruncatedMessageError } from './errors.js'
import { encodeVarintInto, readVarint, varintLength } from './varint.js'

/** Options of every frame decoder: the hard per-message limit. */
export interface FrameLimitOptions {
  /** Largest body accepted, in bytes (see the PROTOCOLS registry for each protocol's). */
  maxBytes: number
}

function checkLimit (maxBytes: number): void {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new InvalidInputError(`maxBytes must be a non-negative safe integer, got ${maxBytes}`)
}

/**
 * Prefixes `body` with its length as an unsigned varint.
 * @example encodeFrame(new Uint8Array([1, 2, 3])) // Uint8Array [3, 1, 2, 3]
 */
export function encodeFrame (body: Uint8Array, options?: Partial<FrameLimitOptions>): Uint8Array {
  if (!(body instanceof Uint8Array)) throw new InvalidInputError('encodeFrame: body must be a Uint8Array')
  if (options?.maxBytes !== undefined) {
    checkLimit(options.maxBytes)
    if (body.length > options.maxBytes) throw new MessageTooLargeError(body.length, options.maxBytes, 'frame')
  }
  const out = new Uint8Array(varintLength(body.length) + body.length)
  const n = encodeVarintInto(body.length, out, 0)
  out.set(body, n)
  return out
}

/**
 * Reads exactly one frame from `input` and returns its body; trailing bytes are malformed.
 * @example decodeFrame(encodeFrame(body), { maxBytes: 1024 }) // body
 */
export function decodeFrame (input: Uint8Array | Uint8ArrayList, options: FrameLimitOptions): Uint8Array {
  checkLimit(options.maxBytes)
  const list = input instanceof Uint8ArrayList ? input : new Uint8ArrayList(input)
  const head = readVarint((i) => list.get(i), list.byteLength)
  if (head === undefined) throw new TruncatedMessageError('input ends inside the length prefix')
  if (head.value > options.maxBytes) throw new MessageTooLargeError(head.value, options.maxBytes, 'frame')
  const end = head.bytes + head.value
  if (list.byteLength < end) throw new TruncatedMessageError(`frame announces ${head.value} bytes, ${list.byteLength - head.bytes} present`)
  if (list.byteLength > end) throw new MalformedMessageError(`${list.byteLength - end} trailing bytes after the frame`)
  return list.subarray(head.bytes, end)
}

/**
 * Streaming decoder: feed chunks of any size, get whole frame bodies back in order. After an
 * error it stays failed (the stream is out of sync and must be dropped).
 * @example
 * const dec = new FrameDecoder({ maxBytes: MAX_TX_REQUEST_BYTES })
 * for (const body of dec.push(chunk)) handle(body)
 * dec.end() // throws TruncatedMessageError if a frame was cut off
 */
export class FrameDecoder {
  readonly maxBytes: number
  private readonly buffer = new Uint8ArrayList()
  /** Body length of the frame being assembled, once its prefix is complete. */
  private pending: { headerBytes: number, bodyBytes: number } | undefined
  private failed: Error | undefined

  constructor (options: FrameLimitOptions) {
    checkLimit(options.maxBytes)
    this.maxBytes = options.maxBytes
  }

  /** Bytes held that do not yet form a whole frame. */
  get bufferedBytes (): number {
    return this.buffer.byteLength
  }

  /** Appends a chunk and returns every frame body it completes (possibly none). */
  push (chunk: Uint8Array | Uint8ArrayList): Uint8Array[] {
    if (this.failed !== undefined) throw this.failed
    if (!(chunk instanceof Uint8Array) && !(chunk instanceof Uint8ArrayList)) {
      throw new InvalidInputError('FrameDecoder.push: chunk must be a Uint8Array or Uint8ArrayList')
    }
    this.buffer.append(chunk)
    const out: Uint8Array[] = []
    try {
      for (;;) {
        if (this.pending === undefined) {
          const head = readVarint((i) => this.buffer.get(i), this.buffer.byteLength)
          if (head === undefined) break
          if (head.value > this.maxBytes) throw new MessageTooLargeError(head.value, this.maxBytes, 'frame')
          this.pending = { headerBytes: head.bytes, bodyBytes: head.value }
        }
        const { headerBytes, bodyBytes } = this.pending
        if (this.buffer.byteLength < headerBytes + bodyBytes) break
        out.push(this.buffer.subarray(headerBytes, headerBytes + bodyBytes))
        this.buffer.consume(headerBytes + bodyBytes)
        this.pending = undefined
      }
    } catch (err) {
      this.failed = err as Error
      this.buffer.consume(this.buffer.byteLength)
      throw err
    }
    return out
  }

  /** Declares the input finished; throws TruncatedMessageError if a partial frame is left. */
  end (): void {
    if (this.failed !== undefined) throw this.failed
    if (this.buffer.byteLength > 0) {
      this.failed = new TruncatedMessageError(`stream ended with ${this.buffer.byteLength} bytes of an unfinished frame`)
      throw this.failed
    }
  }
}

/** Options of decodeFrames. */
export interface DecodeFramesOptions extends FrameLimitOptions {
  /** Cancels the wait for the next chunk; the generator then throws AbortError. */
  signal?: AbortSignal
}

/**
 * Decodes frames from a byte stream (a libp2p stream, say) as they complete.
 * @example for await (const body of decodeFrames(stream, { maxBytes, signal })) handle(body)
 */
export async function * decodeFrames (
  source: AsyncIterable<Uint8Array | Uint8ArrayList> | Iterable<Uint8Array | Uint8ArrayList>,
  options: DecodeFramesOptions
): AsyncGenerator<Uint8Array, void, undefined> {
  const decoder = new FrameDecoder(options)
  const { signal } = options
  const it: AsyncIterator<Uint8Array | Uint8ArrayList> | Iterator<Uint8Array | Uint8ArrayList> =
    Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]()
  try {
    for (;;) {
      throwIfAborted(signal)
      const next = await raceAbort(Promise.resolve(it.next()), signal)
      if (next.done === true) break
      yield * decoder.push(next.value)
    }
    decoder.end()
  } finally {
    // release the source (closes a libp2p stream's read side) on abort, error or early return
    await Promise.resolve(it.return?.()).catch(() => {})
  }
}

function throwIfAborted (signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new AbortError(undefined, { cause: signal.reason })
}

/**
 * Settles with `p`, or rejects with AbortError as soon as `signal` fires.
 * @example const chunk = await raceAbort(reader.read(), AbortSignal.timeout(5_000))
 */
export async function raceAbort<T> (p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return await p
  throwIfAborted(signal)
  let onAbort: (() => void) | undefined
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(new AbortError(undefined, { cause: signal.reason }))
    signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([p, aborted])
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort)
  }
}
