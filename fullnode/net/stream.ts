/**
 * One length-prefixed frame in, one out, on a libp2p 3 stream. The reader listens to the
 * stream's `message` events and feeds protocol/wire's FrameDecoder, which rejects a declared
 * length over the limit as soon as the varint is complete — before any body byte is held.
 */
import type { Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'
import { AbortError, FrameDecoder, TruncatedMessageError, encodeFrame } from '../../protocol/wire/index.js'

/** Options of readFrame. */
export interface ReadFrameOptions {
  /** Largest body accepted (the protocol's limit). */
  maxBytes: number
  /** Cancels the wait; the promise then rejects with AbortError. */
  signal?: AbortSignal
}

/**
 * Resolves with the body of the first whole frame on `stream`. Rejects with MessageTooLargeError,
 * MalformedMessageError, TruncatedMessageError (stream ended first) or AbortError.
 * @example const body = await readFrame(stream, { maxBytes: MAX_SYNC_REQUEST_BYTES, signal })
 */
export async function readFrame (stream: Stream, options: ReadFrameOptions): Promise<Uint8Array> {
  const decoder = new FrameDecoder({ maxBytes: options.maxBytes })
  const { signal } = options
  if (signal?.aborted === true) throw new AbortError(undefined, { cause: signal.reason })
  return await new Promise<Uint8Array>((resolve, reject) => {
    let settled = false
    const finish = (err: Error | undefined, body?: Uint8Array): void => {
      if (settled) return
      settled = true
      stream.removeEventListener('message', onMessage)
      stream.removeEventListener('remoteCloseWrite', onEnd)
      stream.removeEventListener('close', onEnd)
      signal?.removeEventListener('abort', onAbort)
      if (err !== undefined) reject(err)
      else resolve(body!)
    }
    const onMessage = (evt: { data: Uint8Array | Uint8ArrayList }): void => {
      try {
        const frames = decoder.push(evt.data)
        if (frames.length > 0) finish(undefined, frames[0])
      } catch (err) {
        finish(err as Error)
      }
    }
    const onEnd = (): void => {
      // a message event may still be queued behind the close: give it a turn first
      queueMicrotask(() => finish(new TruncatedMessageError(decoder.bufferedBytes > 0
        ? `stream ended inside a frame (${decoder.bufferedBytes} bytes held)`
        : 'stream ended before a frame')))
    }
    const onAbort = (): void => finish(new AbortError(undefined, { cause: signal?.reason }))
    signal?.addEventListener('abort', onAbort, { once: true })
    stream.addEventListener('remoteCloseWrite', onEnd)
    stream.addEventListener('close', onEnd)
    // adding the listener flushes bytes that arrived before we listened
    stream.addEventListener('message', onMessage)
    if (!settled && (stream.status !== 'open' || (stream.remoteWriteStatus === 'closed' && stream.readBufferLength === 0))) onEnd()
  })
}

/**
 * Sends `body` as one frame, waiting for the write buffer to drain if it is full.
 * @example await writeFrame(stream, encodeResponse(TX_PROTOCOL, res), { signal })
 */
export async function writeFrame (stream: Stream, body: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<void> {
  if (!stream.send(encodeFrame(body))) await stream.onDrain(options)
}
