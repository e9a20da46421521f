/**
 * client/: the light node core (no Node or DOM imports). Platform adapters live beside it:
 * client/node/ (libp2p through Helia + files), later the browser and the edge. See README.md.
 */
export { createLightNode, DEFAULT_TRUSTING_PERIOD_MS, type LightNode, type LightNodeOptions } from './light-node.js'
export type { LightNodeEvents, LightNodeEventName, Listener } from './events.js'
export { pinGenesis, type PinnedGenesis } from './genesis.js'
export { readHeaderLog, headerKey } from './header-log.js'
export { checkSampleResponse, EMPTY_DATA_HASH, type CheckedSample, type ProvenBlob } from './sample-check.js'
export type { SamplerStats, SampleOutcome } from './sampler.js'
export { encodeRecord, decodeRecord } from './codec.js'
export * from './errors.js'
export type * from './types.js'
