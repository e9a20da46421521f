/** /glowmesh/tx/1.0.0: a signed transaction relayed to CometBFT's mempool; the answer is CheckTx's. */
import { sha256 } from '@noble/hashes/sha2.js'
import { MAX_TX_LOG_BYTES, TX_PROTOCOL } from '../../../protocol/wire/index.js'
import { defineHandler, truncateUtf8 } from '../handler.js'

/**
 * CheckTx code we answer when the relay itself failed (engine down, internal error). TxResponse has
 * no status field, so the ledger must never use this code for its own results.
 */
export const TX_RELAY_FAILED_CODE = 0xffff

export const txHandler = defineHandler({
  protocol: TX_PROTOCOL,
  rate: { burst: 20, perSecond: 5 },
  async handle (req, { services, signal }) {
    const r = await services.submitTx(req.tx, { signal })
    return { txHash: r.txHash, code: r.code, log: truncateUtf8(r.log, MAX_TX_LOG_BYTES) }
  },
  // without the tx there is no hash to answer with: reset the stream instead
  refuse: (refusal, message, req) => req === undefined
    ? undefined
    : { txHash: sha256(req.tx), code: TX_RELAY_FAILED_CODE, log: `${refusal}: ${message}` }
})
