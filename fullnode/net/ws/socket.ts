/**
 * A small RFC 6455 WebSocket server connection over a Node socket (Node 20 has a WebSocket client
 * but no server). Only what the edge envelope needs: binary messages (fragmented or not), ping →
 * pong, close. Hostile input is bounded: a message's size is checked from each frame header before
 * any payload byte is buffered, client frames must be masked, text frames and reserved bits close
 * the connection with a protocol-error code.
 */
import { createHash } from 'node:crypto'
import type { Duplex } from 'node:stream'
import { GlowmeshError } from '../../../protocol/errors.js'

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'

/** Close codes we send (RFC 6455 §7.4.1). */
export const CloseCode = Object.freeze({ NORMAL: 1000, GOING_AWAY: 1001, PROTOCOL: 1002, UNSUPPORTED: 1003, POLICY: 1008, TOO_BIG: 1009, INTERNAL: 1011 })

/**
 * Whether an endpoint may put `code` in a close frame (RFC 6455 §7.4): 1000–1003, 1007–1014 and the
 * registered/private 3000–4999; never 1004–1006, 1015 or the unassigned rest.
 * @example isSendableCloseCode(1008) // true
 */
export function isSendableCloseCode (code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999)
}

/** The peer broke the WebSocket framing rules (or sent more than allowed). @example err.closeCode // 1009 */
export class WebSocketProtocolError extends GlowmeshError {
  override name = 'WebSocketProtocolError'
  readonly closeCode: number
  constructor (message: string, closeCode: number) { super('WS_PROTOCOL', message); this.closeCode = closeCode }
}

/**
 * The Sec-WebSocket-Accept value for a client's key.
 * @example acceptKey('dGhlIHNhbXBsZSBub25jZQ==') // 's3pPLMBiTxaQ9kYGzzhZRbK+xOo='
 */
export function acceptKey (key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64')
}

/** Options of a WsConnection. */
export interface WsConnectionOptions {
  /** Largest message (all fragments together) accepted, bytes. */
  maxMessageBytes: number
  onMessage: (bytes: Uint8Array) => void
  /** Called once when the connection is gone (closed by either side, or broken). */
  onClose: (code: number, reason: string) => void
}

/**
 * One accepted WebSocket connection (after the HTTP 101 answer was written).
 * @example const ws = new WsConnection(socket, { maxMessageBytes: 1 << 20, onMessage, onClose }); ws.send(bytes)
 */
export class WsConnection {
  private buffer: Buffer = Buffer.alloc(0)
  private fragments: Buffer[] = []
  private fragmentBytes = 0
  private closed = false
  private closeSent = false

  constructor (private readonly socket: Duplex, private readonly options: WsConnectionOptions) {
    socket.on('data', (chunk: Buffer) => { this.onData(chunk) })
    socket.on('error', () => { this.finish(CloseCode.GOING_AWAY, 'socket error') })
    socket.on('close', () => { this.finish(CloseCode.GOING_AWAY, 'socket closed') })
  }

  /** True while messages can be sent. */
  get open (): boolean { return !this.closed && !this.closeSent }

  /** Bytes queued in the socket but not yet written (back-pressure). */
  get buffered (): number { return (this.socket as { writableLength?: number }).writableLength ?? 0 }

  /** Sends one binary message (unfragmented). @example ws.send(packEnvelope(env)) */
  send (bytes: Uint8Array): void {
    if (!this.open) return
    this.socket.write(Buffer.concat([header(0x2, bytes.length), bytes]))
  }

  /** Sends a close frame and ends the socket shortly after. @example ws.close(CloseCode.POLICY, 'bad envelope') */
  close (code: number = CloseCode.NORMAL, reason = ''): void {
    if (this.closed || this.closeSent) return
    this.closeSent = true
    const r = Buffer.from(reason.slice(0, 100))
    const payload = Buffer.alloc(2 + r.length)
    payload.writeUInt16BE(code, 0)
    r.copy(payload, 2)
    this.socket.write(Buffer.concat([header(0x8, payload.length), payload]))
    const t = setTimeout(() => { this.socket.destroy() }, 1000)
    t.unref?.()
    this.socket.end()
    this.finish(code, reason)
  }

  private finish (code: number, reason: string): void {
    if (this.closed) return
    this.closed = true
    this.buffer = Buffer.alloc(0)
    this.fragments = []
    this.options.onClose(code, reason)
  }

  private onData (chunk: Buffer): void {
    if (this.closed) return
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk])
    try {
      while (!this.closed && this.readFrame()) {}
    } catch (err) {
      // close frame + FIN; what the peer still sends is ignored, the socket is destroyed 1 s later
      const e = err instanceof WebSocketProtocolError ? err : new WebSocketProtocolError(String(err), CloseCode.PROTOCOL)
      this.close(e.closeCode, e.message)
    }
  }

  /** Parses one frame from the buffer; false when more bytes are needed. */
  private readFrame (): boolean {
    const b = this.buffer
    if (b.length < 2) return false
    const fin = (b[0] & 0x80) !== 0
    if ((b[0] & 0x70) !== 0) throw new WebSocketProtocolError('reserved bits set (no extensions were negotiated)', CloseCode.PROTOCOL)
    const opcode = b[0] & 0x0f
    if ((b[1] & 0x80) === 0) throw new WebSocketProtocolError('client frames must be masked', CloseCode.PROTOCOL)
    let len = b[1] & 0x7f
    let offset = 2
    if (len === 126) {
      if (b.length < 4) return false
      len = b.readUInt16BE(2); offset = 4
    } else if (len === 127) {
      if (b.length < 10) return false
      const big = b.readBigUInt64BE(2)
      if (big > BigInt(this.options.maxMessageBytes)) throw new WebSocketProtocolError(`frame of ${big} bytes is over the ${this.options.maxMessageBytes}-byte limit`, CloseCode.TOO_BIG)
      len = Number(big); offset = 10
    }
    const control = (opcode & 0x8) !== 0
    if (control && (len > 125 || !fin)) throw new WebSocketProtocolError('control frames must be final and ≤ 125 bytes', CloseCode.PROTOCOL)
    if (!control && this.fragmentBytes + len > this.options.maxMessageBytes) {
      throw new WebSocketProtocolError(`message over the ${this.options.maxMessageBytes}-byte limit`, CloseCode.TOO_BIG)
    }
    if (b.length < offset + 4 + len) return false
    const mask = b.subarray(offset, offset + 4)
    const payload = Buffer.from(b.subarray(offset + 4, offset + 4 + len))
    for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3]
    this.buffer = b.subarray(offset + 4 + len)
    switch (opcode) {
      case 0x0: // continuation
        if (this.fragments.length === 0) throw new WebSocketProtocolError('continuation without a first fragment', CloseCode.PROTOCOL)
        this.push(payload, fin)
        return true
      case 0x1: throw new WebSocketProtocolError('text messages are not accepted: send binary envelopes', CloseCode.UNSUPPORTED)
      case 0x2:
        if (this.fragments.length > 0) throw new WebSocketProtocolError('new message before the last one ended', CloseCode.PROTOCOL)
        this.push(payload, fin)
        return true
      case 0x8: {
        // RFC 6455 §5.5.1, §7.4: a close body is empty or a status code (+ reason); the code is echoed
        // only when an endpoint may send it (an invalid one was echoed until the /glowmesh/ws fuzzer saw it)
        if (payload.length === 1) throw new WebSocketProtocolError('a close frame body of 1 byte', CloseCode.PROTOCOL)
        const code = payload.length >= 2 ? payload.readUInt16BE(0) : CloseCode.NORMAL
        if (!isSendableCloseCode(code)) throw new WebSocketProtocolError(`close code ${code} is not one an endpoint may send`, CloseCode.PROTOCOL)
        if (!this.closeSent) this.close(code, '')
        this.finish(code, payload.subarray(2).toString('utf8'))
        return false
      }
      case 0x9: this.socket.write(Buffer.concat([header(0xa, payload.length), payload])); return true
      case 0xa: return true
      default: throw new WebSocketProtocolError(`unknown opcode ${opcode}`, CloseCode.PROTOCOL)
    }
  }

  private push (payload: Buffer, fin: boolean): void {
    this.fragments.push(payload)
    this.fragmentBytes += payload.length
    if (!fin) return
    const message = this.fragments.length === 1 ? this.fragments[0] : Buffer.concat(this.fragments)
    this.fragments = []
    this.fragmentBytes = 0
    this.options.onMessage(new Uint8Array(message.buffer, message.byteOffset, message.length))
  }
}

/** A server frame header (never masked). */
function header (opcode: number, len: number): Buffer {
  if (len < 126) return Buffer.from([0x80 | opcode, len])
  if (len < 65536) { const h = Buffer.alloc(4); h[0] = 0x80 | opcode; h[1] = 126; h.writeUInt16BE(len, 2); return h }
  const h = Buffer.alloc(10); h[0] = 0x80 | opcode; h[1] = 127; h.writeBigUInt64BE(BigInt(len), 2); return h
}
