/**
 * `/glowmesh/pora-state/1.0.0`: the chain state a PoRA light node needs (ledger params, epoch,
 * flow length, its registry entry, its account; a file's record for `fetchFile`), each with its MPT proof, all at one committed
 * height H. The light node checks every proof against the app hash in header H + 1, which it has
 * verified itself (client/storage/verified-query.ts), so a full node can't lie about assignments,
 * commitments or nonces. Served by every full node next to the challenger; the request is one
 * small JSON frame, the answer one JSON frame (proofs are a few KiB).
 */
import type { Libp2p, PeerId } from '@libp2p/interface'
import { GlowmeshError } from '../../protocol/errors.js'
import { fromHex, toHex } from '../../protocol/bytes.js'
import { readFrame, writeFrame } from '../net/stream.js'
import { PORA_STATE_PROTOCOL } from '../../protocol/wire/protocols.js'
import { PORA_STATE_PATH } from '../../protocol/wire/messages/pora-state.js'
import { linkSignals } from '../../protocol/signals.js'

export { PORA_STATE_PROTOCOL }
/** Paths one request may ask for. */
export const MAX_STATE_PATHS = 8
const MAX_REQUEST_BYTES = 2048
const MAX_RESPONSE_BYTES = 256 * 1024
// one list of readable paths for libp2p and the WebSocket envelope (incl. the compute market's model/job/worker)
const PATH_RE = PORA_STATE_PATH

/** A state request was malformed or the answer could not be used. */
export class PoraStateError extends GlowmeshError {
  override name = 'PoraStateError'
  constructor (message: string, options?: { cause?: unknown }) { super('PORA_STATE', message, options) }
}

/** One proven entry: `value` empty = absent (the proof then shows absence). */
export interface ProvenEntry { path: string, value: Uint8Array, proof: Uint8Array }
/** The answer: every entry at committed height `height` (proofs against header height + 1's app hash). */
export interface ProvenState { height: number, entries: ProvenEntry[] }

/** What the service reads: an ABCI-style query on the app's committed state. */
export interface StateSource {
  height: () => number
  query: (path: string, height: number) => Promise<{ value: Uint8Array, proof: Uint8Array }>
}

/**
 * Checks a request body; returns its paths or throws PoraStateError.
 * @example parseStateRequest(new TextEncoder().encode('{"paths":["epoch"]}')) // ['epoch']
 */
export function parseStateRequest (body: Uint8Array): string[] {
  let j: any
  try { j = JSON.parse(new TextDecoder().decode(body)) } catch (cause) { throw new PoraStateError('request is not JSON', { cause }) }
  const paths = j?.paths
  if (!Array.isArray(paths) || paths.length === 0 || paths.length > MAX_STATE_PATHS) throw new PoraStateError(`request needs 1..${MAX_STATE_PATHS} paths`)
  for (const p of paths) if (typeof p !== 'string' || !PATH_RE.test(p)) throw new PoraStateError(`unknown state path '${String(p).slice(0, 100)}'`)
  return paths
}

/**
 * Reads `paths` from `source` at its current committed height, or says why not (`{ error }`); what
 * both the libp2p service below and the WebSocket endpoint's handler (fullnode/net/ws/pora-state.ts) answer.
 * @example const r = await readProvenState(source, ['epoch']); if ('error' in r) throw new Error(r.error)
 */
export async function readProvenState (source: StateSource, paths: string[]): Promise<ProvenState | { error: string }> {
  const height = source.height()
  if (height < 1) return { error: 'no committed state yet' }
  const entries: ProvenEntry[] = []
  for (const path of paths) entries.push({ path, ...await source.query(path, height) })
  return { height, entries }
}

/**
 * Serves PORA_STATE_PROTOCOL on `libp2p` from `source`; resolves once registered.
 * @example await serveProvenState(libp2p, { height: () => app.state.height - 1, query })
 */
export async function serveProvenState (libp2p: Libp2p, source: StateSource, log: (l: string) => void = () => {}): Promise<void> {
  await libp2p.handle(PORA_STATE_PROTOCOL, async (stream) => {
    const signal = AbortSignal.timeout(10_000)
    try {
      const paths = parseStateRequest(await readFrame(stream, { maxBytes: MAX_REQUEST_BYTES, signal }))
      const r = await readProvenState(source, paths)
      const out = 'error' in r ? r : { height: r.height, entries: r.entries.map((e) => ({ path: e.path, value: toHex(e.value), proof: toHex(e.proof) })) }
      await writeFrame(stream, new TextEncoder().encode(JSON.stringify(out)), { signal })
      await stream.close({ signal })
    } catch (err) {
      log(`pora-state: ${(err as Error).message}`)
      stream.abort(err as Error)
    }
  }, { maxInboundStreams: 8 })
}

/**
 * Asks a full node for proven state entries (unverified here: check them with client/storage's verifiedQuery).
 * @example const { height, entries } = await requestProvenState(libp2p, peerId, ['epoch', 'flow'], { signal })
 */
export async function requestProvenState (libp2p: Libp2p, peer: PeerId, paths: string[], options: { signal?: AbortSignal, timeoutMs?: number } = {}): Promise<ProvenState> {
  parseStateRequest(new TextEncoder().encode(JSON.stringify({ paths })))
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 10_000)
  const linked = options.signal === undefined ? undefined : linkSignals(options.signal, timeout)
  const signal = linked ?? timeout
  try {
    const stream = await libp2p.dialProtocol(peer, PORA_STATE_PROTOCOL, { signal })
    try {
      await writeFrame(stream, new TextEncoder().encode(JSON.stringify({ paths })), { signal })
      await stream.close({ signal })
      const body = await readFrame(stream, { maxBytes: MAX_RESPONSE_BYTES, signal })
      let j: any
      try { j = JSON.parse(new TextDecoder().decode(body)) } catch (cause) { throw new PoraStateError('answer is not JSON', { cause }) }
      if (typeof j?.error === 'string') throw new PoraStateError(`peer refused: ${j.error}`)
      if (!Number.isSafeInteger(j?.height) || j.height < 1 || !Array.isArray(j.entries) || j.entries.length !== paths.length) throw new PoraStateError('malformed answer')
      const entries: ProvenEntry[] = j.entries.map((e: any, i: number) => {
        if (e?.path !== paths[i] || typeof e.value !== 'string' || typeof e.proof !== 'string') throw new PoraStateError('malformed answer entry')
        return { path: e.path, value: fromHex(e.value), proof: fromHex(e.proof) }
      })
      return { height: j.height, entries }
    } catch (err) {
      stream.abort(err as Error)
      throw err
    }
  } finally {
    linked?.clear()
  }
}
