/** Every request/response protocol a full node serves. Add sample.ts / challenge.ts here. */
import type { ProtocolHandler } from '../handler.js'
import { sampleHandler } from './sample.js'
import { segmentHandler } from './segment.js'
import { syncHandler } from './sync.js'
import { txHandler } from './tx.js'
import { flowHandler } from './flow.js'

export { syncHandler, segmentHandler, txHandler, sampleHandler, flowHandler }
export { TX_RELAY_FAILED_CODE } from './tx.js'

/** The handlers createNetNode registers by default. */
export const DEFAULT_HANDLERS: readonly ProtocolHandler<any>[] = Object.freeze([syncHandler, segmentHandler, txHandler, sampleHandler, flowHandler])
