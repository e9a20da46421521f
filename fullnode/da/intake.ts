/**
 * Where DA data enters a full node (DESIGN §3): off the consensus path, before the tx is relayed.
 *
 * - `submit(body)`: the submitter encoded. The body (submission.ts) is decoded, the tx checked
 *   statelessly, the blobs matched to its commitments and payload size, and **all cells of all
 *   blobs batch-verified natively** by the cell store, which keeps them pending; then the tx goes
 *   to CometBFT. Any failure keeps nothing.
 * - `encode(payload)` then `submitRaw(token, tx)`: the node encodes. Step one packs and encodes
 *   natively, keeps the cells pending and answers `{ token, size, commitments }`; the submitter
 *   signs a `da.submit` over exactly those and step two relays it. The token binds the two steps,
 *   so a tx can only be relayed through this path for cells this node holds.
 */
import { randomBytes } from 'node:crypto'
import { blobCount, EmptyPayloadError, packBlob, PAYLOAD_BYTES_PER_BLOB, type KzgCellBackend } from '../../protocol/da/index.js'
import { equalBytes, toHex } from '../../protocol/bytes.js'
import { GlowmeshError } from '../../protocol/errors.js'
import type { CellStore } from './cell-store.js'
import { checkBlobsMatch, checkDaTx, decodeSubmission, MAX_SUBMISSION_BLOBS } from './submission.js'
import { CommitmentMismatchError, DaBusyError, SubmissionTooLargeError, UnknownTokenError } from './errors.js'

/** CometBFT refused the tx (CheckTx code ≠ 0): nothing was kept. */
export class TxRejectedError extends GlowmeshError {
  override name = 'TxRejectedError'
  constructor (readonly txCode: number, readonly log: string, readonly txHash: string) { super('TX_REJECTED', `da.submit ${txHash} refused by CheckTx (code ${txCode}): ${log}`, { exitCode: 2 }) }
}

/** The answer to a relayed submission. */
export interface SubmitResult { txHash: string, code: number, log: string, size: number, commitments: string[] }

/** The answer to `encode`: what the submitter signs. */
export interface EncodeResult { token: string, size: number, commitments: string[], expiresAt: string }

/** Largest raw payload: 64 blobs of 126,976 payload bytes. */
export const MAX_RAW_PAYLOAD_BYTES = MAX_SUBMISSION_BLOBS * PAYLOAD_BYTES_PER_BLOB

export interface IntakeOptions {
  store: CellStore
  chainId: string
  /** Relays a tx to CometBFT's mempool (broadcast_tx_sync). */
  relay: (tx: Uint8Array, options: { signal?: AbortSignal }) => Promise<{ txHash: string, code: number, log: string }>
  /** The encoder for raw payloads (native, with precomputed tables), created on first use. */
  encoder: () => Promise<KzgCellBackend>
  /** How long an encode token lives (default 10 min). */
  tokenTtlMs?: number
  /** Raw payloads encoded at once (default 2): each uses the libuv pool for ≈ 155 ms per blob. */
  maxConcurrentEncodes?: number
}

export interface Intake {
  submit: (body: Uint8Array, options?: { signal?: AbortSignal }) => Promise<SubmitResult>
  encode: (payload: Uint8Array, options?: { signal?: AbortSignal }) => Promise<EncodeResult>
  submitRaw: (token: string, tx: Uint8Array, options?: { signal?: AbortSignal }) => Promise<SubmitResult>
}

/**
 * Creates the intake over a cell store and a relay.
 * @example const intake = createIntake({ store, chainId, relay, encoder: async () => await createNativeKzg() })
 */
export function createIntake (options: IntakeOptions): Intake {
  const { store, chainId } = options
  const ttl = options.tokenTtlMs ?? 600_000
  const tokens = new Map<string, { size: number, commitments: Uint8Array[], expires: number }>()
  let encoding = 0
  const maxEncodes = options.maxConcurrentEncodes ?? 2

  // `release`: drop the pending cells when the tx is refused. The raw path keeps them (and the
  // token) until expiry, so a submitter can re-sign, e.g. with the right nonce.
  const relay = async (tx: Uint8Array, size: number, commitments: Uint8Array[], txHashHex: string, release: boolean, signal?: AbortSignal): Promise<SubmitResult> => {
    let res
    try {
      res = await options.relay(tx, { signal })
    } catch (err) {
      if (release) await store.release(commitments)
      throw err
    }
    if (res.code !== 0) {
      if (release) await store.release(commitments)
      throw new TxRejectedError(res.code, res.log, txHashHex)
    }
    return { txHash: txHashHex, code: 0, log: res.log, size, commitments: commitments.map(toHex) }
  }

  const sweep = (): void => {
    const now = Date.now()
    for (const [t, v] of tokens) if (v.expires <= now) tokens.delete(t)
  }

  return {
    async submit (body, { signal } = {}) {
      const { tx, blobs } = decodeSubmission(body)
      const checked = checkDaTx(tx, { chainId })
      checkBlobsMatch(checked.body, blobs)
      await store.put(blobs.map((b, i) => ({ commitment: checked.body.commitments[i], cells: b.cells, proofs: b.proofs })), { signal })
      return await relay(tx, checked.body.size, checked.body.commitments, checked.txHashHex, true, signal)
    },

    async encode (payload, { signal } = {}) {
      if (payload.length === 0) throw new EmptyPayloadError('empty payload: there is nothing to make available')
      if (payload.length > MAX_RAW_PAYLOAD_BYTES) throw new SubmissionTooLargeError(`payload of ${payload.length} bytes; at most ${MAX_RAW_PAYLOAD_BYTES} (${MAX_SUBMISSION_BLOBS} blobs) per submission`)
      sweep()
      if (encoding >= maxEncodes) throw new DaBusyError(`${encoding} payloads are being encoded already; retry shortly`)
      if (tokens.size >= 1024) throw new DaBusyError('too many unsigned encodings outstanding; retry later')
      encoding++
      try {
        const kzg = await options.encoder()
        const n = blobCount(payload.length)
        const encoded = await Promise.all(Array.from({ length: n }, async (_, i) => await kzg.encodeBlob(packBlob(payload, i), { signal })))
        // Computed here from the payload: nothing to verify.
        await store.put(encoded, { verified: true, signal })
        const token = randomBytes(16).toString('hex')
        const expires = Date.now() + ttl
        tokens.set(token, { size: payload.length, commitments: encoded.map((e) => e.commitment), expires })
        return { token, size: payload.length, commitments: encoded.map((e) => toHex(e.commitment)), expiresAt: new Date(expires).toISOString() }
      } finally {
        encoding--
      }
    },

    async submitRaw (token, tx, { signal } = {}) {
      sweep()
      const t = tokens.get(token)
      if (t === undefined) throw new UnknownTokenError('unknown or expired encode token: POST /da/encode again')
      const checked = checkDaTx(tx, { chainId })
      const b = checked.body
      if (b.size !== t.size || b.commitments.length !== t.commitments.length || !b.commitments.every((c, i) => equalBytes(c, t.commitments[i]))) {
        throw new CommitmentMismatchError('the tx does not commit to the size and commitments this token encoded')
      }
      const res = await relay(tx, b.size, b.commitments, checked.txHashHex, false, signal)
      tokens.delete(token)
      return res
    }
  }
}
