/**
 * CometBFT's `broadcast_tx_sync` refuses some txs with a JSON-RPC error instead of a CheckTx code:
 * a tx already in its mempool cache (a resubmission), a full mempool, a tx over its size limit.
 * Those are answers about the request, not failures of the node: this maps them onto 4xx/503
 * `HttpError`s (found by test/unit/fuzz/live.test.ts: resending a relayed `POST /da/submit` got 500).
 */
import { HttpError } from './http.js'

/**
 * Rethrows a relay error, as a typed HttpError when it is one of CometBFT's mempool refusals.
 * @example await rpc.broadcastTxSync(tx).catch(mempoolRefusal)
 */
export function mempoolRefusal (err: unknown): never {
  const e = err as { code?: unknown, message?: unknown }
  const message = String(e?.message ?? err)
  if (e?.code === 'COMET_RPC') {
    if (/tx already exists in cache/i.test(message)) throw new HttpError(409, 'TX_ALREADY_KNOWN', `this transaction is already in the mempool or was committed recently: ${message}`)
    if (/mempool is full/i.test(message)) throw new HttpError(503, 'MEMPOOL_FULL', `the mempool is full; retry later: ${message}`)
    if (/tx too large/i.test(message)) throw new HttpError(413, 'TX_TOO_LARGE', message)
  }
  throw err
}
