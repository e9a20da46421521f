/**
 * State reads for the storage contributor that don't trust the full node: every value comes with
 * an MPT proof at height H, checked (verifyStateProof) against the app hash of header H + 1 — a
 * header the light node verified itself. A full node that lies about the epoch seed, the flow
 * length, the registry entry or the account is caught here, and the next peer is asked.
 */
import { stateKeys, verifyStateProof } from '../../protocol/chain/state-proof.js'
import { equalBytes } from '../../protocol/bytes.js'
import { GlowmeshError } from '../../protocol/errors.js'
import type { PeerRef, WaitOptions } from '../types.js'

/** No peer gave a state value whose proof matches a verified app hash. */
export class UnverifiedStateError extends GlowmeshError {
  override name = 'UnverifiedStateError'
  constructor (message: string, options?: { cause?: unknown }) { super('UNVERIFIED_STATE', message, options) }
}

/** The state key behind a contributor path (`params`, `epoch`, `flow`, `node/0x…`, `file/0x…`, `account/0x…`, `model/0x…`, `job/0x…`, `worker/0x…`). @example stateKeyOf('epoch') */
export function stateKeyOf (path: string): Uint8Array {
  const [kind, arg] = path.split('/')
  switch (kind) {
    case 'params': return stateKeys.params()
    case 'epoch': return stateKeys.epoch()
    case 'flow': return stateKeys.flow()
    case 'node': return stateKeys.node(arg ?? '')
    case 'file': return stateKeys.file(arg ?? '')
    case 'account': return stateKeys.account(arg ?? '')
    case 'model': return stateKeys.model(arg ?? '')
    case 'job': return stateKeys.job(arg ?? '')
    case 'worker': return stateKeys.worker(arg ?? '')
    default: throw new UnverifiedStateError(`no state key for path '${path}'`)
  }
}

/** Options of createVerifiedQuery. */
export interface VerifiedQueryOptions {
  /** Peers to ask, in order (the first whose answer verifies wins). */
  peers: () => PeerRef[]
  /** One peer's unverified answer: the value (empty = absent) and its proof at committed `height`. */
  fetch: (peer: PeerRef, path: string, options?: WaitOptions) => Promise<{ height: number, value: Uint8Array, proof: Uint8Array }>
  /** The app hash in the *verified* header at `height` (waits for it). */
  appHashAt: (height: number, options?: WaitOptions) => Promise<Uint8Array>
  /** A peer whose proof failed (the light node scores it down). */
  onLie?: (peer: PeerRef, detail: string) => void
}

/**
 * A `StorageHost.query` that checks every answer against a verified app hash.
 * @example const query = createVerifiedQuery({ peers: () => transport.peers(), fetch, appHashAt }); await query('epoch')
 */
export function createVerifiedQuery (o: VerifiedQueryOptions): (path: string, options?: WaitOptions) => Promise<Uint8Array | null> {
  return async (path, options) => {
    const key = stateKeyOf(path)
    let last: unknown
    for (const peer of o.peers()) {
      options?.signal?.throwIfAborted()
      let got
      try { got = await o.fetch(peer, path, options) } catch (err) { last = err; continue }
      const appHash = await o.appHashAt(got.height + 1, options)
      let proven: Uint8Array | null
      try { proven = await verifyStateProof({ appHash, key, proof: got.proof }) } catch (err) {
        last = err
        o.onLie?.(peer, `state ${path} at ${got.height}: ${(err as Error).message}`)
        continue
      }
      const claimed = got.value.length === 0 ? null : got.value
      if ((proven === null) !== (claimed === null) || (proven !== null && !equalBytes(proven, claimed!))) {
        last = new UnverifiedStateError(`state ${path}: value differs from the proven one`)
        o.onLie?.(peer, `state ${path} at ${got.height}: value differs from its proof`)
        continue
      }
      return proven
    }
    throw new UnverifiedStateError(`no peer proved state ${path}`, { cause: last })
  }
}
