/**
 * client/compute: verifyInference — check an AI output (an inference result document) against the
 * chain, the stored weights and the committed trace, in well under a second. Pure core (no Node or
 * DOM imports); the browser adapter is ./browser.ts (imported separately: it pulls in libp2p).
 */
export { verifyInference, pickLayers, type VerifyInferenceOptions, type InferenceReport, type InferenceCheck, type FetchFileBytes, type LayerRunner } from './verify-inference.js'
export { createVerifiedChainReader, type ChainReader, type VerifiedChainReaderOptions, type VerifiedQuery } from './chain-reader.js'
export { fileBytes, createLightNodeVerification, createVerifiedStateQuery, FileTooLargeError, DEFAULT_MAX_FILE_BYTES, type StreamingFetchFile, type LightNodeVerificationOptions, type VerifiedStateNode } from './adapters.js'
