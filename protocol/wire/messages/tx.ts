/** /glowmesh/tx/1.0.0 messages: signed tx bytes in, CheckTx result out. */
import * as pb from '../pb/tx.js'
import { HASH_BYTES, MAX_TX_BYTES, MAX_TX_LOG_BYTES, MAX_TX_REQUEST_BYTES, MAX_TX_RESPONSE_BYTES } from '../limits.js'
import { bytesExact, bytesRange, stringMax, u32, UINT32_MAX } from '../check.js'
import { defineMessage } from '../message.js'

export const txRequest = defineMessage<pb.TxRequest>({
  name: 'TxRequest',
  maxBytes: MAX_TX_REQUEST_BYTES,
  codec: pb.TxRequest,
  validate (m) { bytesRange(m.tx, 1, MAX_TX_BYTES, 'TxRequest.tx') }
})

export const txResponse = defineMessage<pb.TxResponse>({
  name: 'TxResponse',
  maxBytes: MAX_TX_RESPONSE_BYTES,
  codec: pb.TxResponse,
  validate (m) {
    bytesExact(m.txHash, HASH_BYTES, 'TxResponse.txHash')
    u32(m.code, 0, UINT32_MAX, 'TxResponse.code')
    stringMax(m.log, MAX_TX_LOG_BYTES, 'TxResponse.log')
  }
})
