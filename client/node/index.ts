/** client/node: the Node adapters of the light node (libp2p through Helia, files, key). See README.md. */
export { createNodeTransport, type NodeTransport, type NodeTransportOptions } from './transport.js'
export { createFileStore, keyToFileName, fileNameToKey, MAX_STORE_VALUE_BYTES, MAX_STORE_KEY_LENGTH } from './file-store.js'
export { loadOrCreateKey } from './key.js'
export { requestSample, type SampleRequestOptions } from './sample-client.js'
