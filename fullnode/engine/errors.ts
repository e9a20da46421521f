/**
 * Typed errors of the engine layer (CometBFT child process, its home folder, its RPC) and of the
 * ABCI socket server. Each has a stable `name` and `code` (protocol/errors.ts).
 */
import { GlowmeshError } from '../../protocol/errors.js'

/** The cometbft binary is missing or is not the pinned version. */
export class EngineBinaryError extends GlowmeshError {
  override name = 'EngineBinaryError'
  constructor (message: string, options?: { cause?: unknown }) { super('ENGINE_BINARY', message, options) }
}

/** A key file, genesis or peer list that can't make an engine home. */
export class EngineConfigError extends GlowmeshError {
  override name = 'EngineConfigError'
  constructor (message: string, options?: { cause?: unknown }) { super('ENGINE_CONFIG', message, { ...options, exitCode: 2 }) }
}

/** The engine did not come up (exited early, or its RPC never answered in time). */
export class EngineStartError extends GlowmeshError {
  override name = 'EngineStartError'
  constructor (message: string, options?: { cause?: unknown }) { super('ENGINE_START', message, options) }
}

/** A CometBFT JSON-RPC call failed: transport, HTTP status, JSON-RPC error or timeout. */
export class CometRpcError extends GlowmeshError {
  override name = 'CometRpcError'
  /** The JSON-RPC error object or HTTP status, when there was one. */
  readonly detail?: unknown
  constructor (message: string, options?: { cause?: unknown, detail?: unknown }) {
    super('COMET_RPC', message, options)
    this.detail = options?.detail
  }
}

/** An ABCI frame that can't be read: bad varint, over the size cap, or not a valid Request. */
export class AbciFrameError extends GlowmeshError {
  override name = 'AbciFrameError'
  constructor (code: 'ABCI_FRAME_TOO_LARGE' | 'ABCI_MALFORMED_FRAME', message: string, options?: { cause?: unknown }) {
    super(code, message, options)
  }
}

/** A consensus-critical ABCI handler threw: a bug the node must not paper over. */
export class AbciFatalError extends GlowmeshError {
  override name = 'AbciFatalError'
  /** The request type whose handler threw (e.g. `finalizeBlock`). */
  readonly method: string
  constructor (method: string, options?: { cause?: unknown }) {
    super('ABCI_FATAL', `ABCI ${method} handler threw; consensus methods must not fail`, options)
    this.method = method
  }
}
