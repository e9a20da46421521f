/** Typed errors of the browser adapters (GlowmeshError: stable `name` and `code`). */
import { GlowmeshError } from '../../protocol/errors.js'

/** A full node's RPC answered with an error status, or not at all, while the page was starting. */
export class RpcFetchError extends GlowmeshError {
  override name = 'RpcFetchError'
  constructor (message: string, options?: { cause?: unknown }) { super('RPC_FETCH', message, options) }
}

/** IndexedDB is missing, blocked, or failed to open (private mode, quota, a newer schema…). */
export class IndexedDbError extends GlowmeshError {
  override name = 'IndexedDbError'
  constructor (message: string, options?: { cause?: unknown }) { super('INDEXED_DB', message, options) }
}
