/**
 * Write coalescing for TCP connections (issue 13, fan-out). js-libp2p writes every Yamux frame and
 * Noise message to the socket as soon as it is produced — a stream open, its request, its answer,
 * its FIN and each window update are separate `write(2)` calls, and on a busy node the syscalls
 * (plus, on loopback, the receiver's wake-up inside them) were the largest cost per light client
 * (bench/fanout.mjs's profile: ~30 % of a full node's CPU per light client was `writeBuffer`).
 * `coalesceWrites(noise())` corks the raw socket on its first write in a turn of the event loop and
 * uncorks it in `setImmediate`, so everything one turn produced for a peer leaves in one `writev`.
 * Only the bytes' grouping changes: their order, the encryption and libp2p's backpressure (a full
 * socket still answers `false` and is drained) are untouched. It also decodes each inbound chunk
 * without stack capture (see onData below). Non-TCP connections (WebSockets, WebRTC) pass through
 * as they are.
 */
import type { ConnectionEncrypter, MessageStream } from '@libp2p/interface'

/** The parts of @libp2p/tcp's connection we touch: its net.Socket and its sendData. */
interface SocketConnection {
  socket: { cork: () => void, uncork: () => void, destroyed: boolean }
  sendData: (data: unknown) => unknown
  onData?: (data: unknown) => unknown
}

function isSocketConnection (c: unknown): c is SocketConnection {
  const s = (c as { socket?: { cork?: unknown, uncork?: unknown } }).socket
  return typeof s?.cork === 'function' && typeof s.uncork === 'function' && typeof (c as { sendData?: unknown }).sendData === 'function'
}

/**
 * Makes `connection` (a raw TCP MessageStream from @libp2p/tcp) send what one event-loop turn
 * writes in one syscall; returns it. Anything that is not a TCP connection is returned untouched.
 * @example coalesceConnection(maConn) // before handing it to the encrypter
 */
export function coalesceConnection<T> (connection: T): T {
  if (!isSocketConnection(connection)) return connection
  const { socket } = connection
  const send = connection.sendData.bind(connection)
  let corked = false
  const flush = (): void => {
    corked = false
    if (!socket.destroyed) socket.uncork()
  }
  // js-libp2p's length-prefixed decoders (Noise's, multistream-select's) end every inbound chunk by
  // throwing and catching a RangeError ("not enough bytes for the next length"): one error, and one
  // captured stack, per chunk (~5 % of a full node's CPU per light client in bench/fanout.mjs's
  // profile). The chunk's synchronous decoding (Noise, Yamux, stream events) runs without stack
  // capture; handlers continue in later microtasks and keep their stacks.
  const onData = connection.onData?.bind(connection)
  if (onData !== undefined) {
    connection.onData = (data) => {
      const limit = Error.stackTraceLimit
      Error.stackTraceLimit = 0
      try { return onData(data) } finally { Error.stackTraceLimit = limit }
    }
  }
  connection.sendData = (data) => {
    if (!corked && !socket.destroyed) {
      corked = true
      socket.cork()
      setImmediate(flush)
    }
    return send(data)
  }
  return connection
}

/**
 * Wraps a connection-encrypter factory (`noise()`) so that every TCP connection it secures
 * coalesces its writes (coalesceConnection).
 * @example createLibp2p({ connectionEncrypters: [coalesceWrites(noise())], … })
 */
export function coalesceWrites<C> (factory: (components: C) => ConnectionEncrypter): (components: C) => ConnectionEncrypter {
  return (components) => {
    const encrypter = factory(components)
    const inbound = encrypter.secureInbound.bind(encrypter)
    const outbound = encrypter.secureOutbound.bind(encrypter)
    encrypter.secureInbound = async (connection: MessageStream, options) => await inbound(coalesceConnection(connection), options)
    encrypter.secureOutbound = async (connection: MessageStream, options) => await outbound(coalesceConnection(connection), options)
    return encrypter
  }
}
