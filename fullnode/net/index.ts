/**
 * fullnode/net: serving light clients over libp2p (Helia owns the node). See README.md.
 */
export { createNetNode, listenAddresses, type NetNode, type NetNodeOptions, type NetLibp2pServices } from './node.js'
export type { NetServices, SegmentWithProof, TxResult, SignalOptions } from './services.js'
export { requestLightBlocks, requestSegment, requestFlow, submitTxOverP2p, type RequestOptions, type Peer } from './client.js'
export { Gossip, headersTopic, txsTopic, MAX_GOSSIP_BYTES } from './gossip.js'
export { defineHandler, refusalOf, type ProtocolHandler, type HandlerContext, type Refusal } from './handler.js'
export { DEFAULT_HANDLERS, syncHandler, segmentHandler, txHandler, flowHandler, TX_RELAY_FAILED_CODE } from './handlers/index.js'
export { RequestServer, DEFAULT_SERVER_LIMITS, type ServerLimits } from './server.js'
export { PeerScores, DEFAULT_PENALTIES, type Offence, type PeerScoreOptions, type PenaltyResult } from './peer-score.js'
export { RateLimiter, TokenBucket, type RateLimit } from './rate-limit.js'
export { lightBlockToWire, lightBlockFromWire } from './lightblock.js'
export { libp2pKey, type NetKey } from './key.js'
export { readFrame, writeFrame } from './stream.js'
export * from './errors.js'
