// A raw WebSocket client for fuzzing the full node's `/glowmesh/ws` endpoint: it writes whatever
// frames it is given (unmasked, reserved bits, lying lengths, broken fragmentation) on a real TCP
// socket, and parses what the server sends back.
import { connect, type Socket } from 'node:net'
import { randomBytes } from 'node:crypto'

/** One frame the server sent (opcode -1: a masked frame, which a server must never send). */
export interface ServerFrame { opcode: number, fin: boolean, payload: Buffer }

/** Options of {@link wsFrame}. */
export interface FrameOptions { fin?: boolean, mask?: boolean, rsv?: number, declaredLength?: bigint }

/**
 * Builds one client frame; `declaredLength` may lie about the payload's length.
 * @example sock.write(wsFrame(0x2, envelopeBytes))
 */
export function wsFrame (opcode: number, payload: Uint8Array, o: FrameOptions = {}): Buffer {
  const len = o.declaredLength ?? BigInt(payload.length)
  const head: number[] = [((o.fin ?? true) ? 0x80 : 0) | ((o.rsv ?? 0) & 0x7) << 4 | (opcode & 0xf)]
  const maskBit = (o.mask ?? true) ? 0x80 : 0
  if (len < 126n) head.push(maskBit | Number(len))
  else if (len < 65536n) head.push(maskBit | 126, Number(len >> 8n) & 0xff, Number(len) & 0xff)
  else { head.push(maskBit | 127); for (let i = 7; i >= 0; i--) head.push(Number((len >> BigInt(8 * i)) & 0xffn)) }
  if (maskBit === 0) return Buffer.concat([Buffer.from(head), payload])
  const mask = randomBytes(4)
  const body = Buffer.from(payload)
  for (let i = 0; i < body.length; i++) body[i] ^= mask[i & 3]
  return Buffer.concat([Buffer.from(head), mask, body])
}

/** An open raw connection. */
export interface RawWs {
  socket: Socket
  /** Frames received so far, in order. */
  frames: ServerFrame[]
  /** True once the server ended or closed the TCP connection. */
  ended: () => boolean
  /** Resolves when a new frame arrives or the connection ends. */
  next: () => Promise<void>
}

/**
 * Upgrades a TCP connection at `url` (ws://host:port/path); rejects unless the answer is 101.
 * @example const ws = await openRawWs(`ws://127.0.0.1:${port}/glowmesh/ws`)
 */
export async function openRawWs (url: string, signal?: AbortSignal): Promise<RawWs> {
  const { hostname, port, pathname, search } = new URL(url)
  const socket = connect(Number(port), hostname)
  let buf = Buffer.alloc(0)
  let upgraded = false
  let ended = false
  const frames: ServerFrame[] = []
  let wake: (() => void) | undefined
  const poke = (): void => { const w = wake; wake = undefined; w?.() }
  const onAbort = (): void => { socket.destroy() }
  signal?.addEventListener('abort', onAbort, { once: true })
  const opened = new Promise<void>((resolve, reject) => {
    socket.on('error', (err) => { if (!upgraded) reject(err) })
    socket.on('close', () => { ended = true; signal?.removeEventListener('abort', onAbort); poke(); if (!upgraded) reject(new Error('closed before the upgrade')) })
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk])
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n')
        if (end === -1) return
        const status = buf.subarray(0, end).toString('latin1').split(' ')[1]
        if (status !== '101') { reject(new Error(`upgrade answered ${status}`)); socket.destroy(); return }
        upgraded = true
        buf = buf.subarray(end + 4)
        resolve()
      }
      for (;;) {
        if (buf.length < 2) break
        let len = buf[1] & 0x7f
        let off = 2
        if (len === 126) { if (buf.length < 4) break; len = buf.readUInt16BE(2); off = 4 } else if (len === 127) { if (buf.length < 10) break; len = Number(buf.readBigUInt64BE(2)); off = 10 }
        // a server must not mask (RFC 6455 §5.1): recorded as opcode -1, which no check accepts
        const masked = (buf[1] & 0x80) !== 0
        if (masked) off += 4
        if (buf.length < off + len) break
        frames.push({ opcode: masked ? -1 : buf[0] & 0xf, fin: (buf[0] & 0x80) !== 0, payload: Buffer.from(buf.subarray(off, off + len)) })
        buf = buf.subarray(off + len)
        poke()
      }
    })
  })
  socket.write(`GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`)
  await opened
  return { socket, frames, ended: () => ended, next: async () => { if (!ended) await new Promise<void>((resolve) => { wake = resolve }) } }
}
