// fullnode/ipfs — every stored file is also an IPFS object (DESIGN §2b): the blockstore over the
// flow log, the DAG index, the bitswap guard and the trustless gateway. Node only, except
// light-blockstore.ts (pure; light nodes everywhere).
export { FlowBlockstore, indexFileDag, parseCid, type FlowBlockstoreOptions, type IndexedFile, type Placement } from './blockstore.js'
export { GatewayError } from '../../protocol/http/index.js'
export { startGateway, pickFormat, DEFAULT_GATEWAY_LIMITS, type Gateway, type GatewayLimits, type GatewayOptions } from './gateway.js'
export { guardBitswap, DEFAULT_BITSWAP_LIMITS, type BitswapGuard, type BitswapGuardOptions, type BitswapGuardStats, type BitswapLimits } from './guard.js'
export { startDagIndexer, type DagIndexer, type DagIndexerOptions } from './indexer.js'
export { lightStoreBlockstore, MAX_LIGHT_BLOCK_BYTES } from './light-blockstore.js'
export {
  BlockNotFoundError, InvalidCidError, CorruptBlockError, CidMismatchError, FileNotReadyError, BlockstoreReadOnlyError, BlockTooLargeError, BitswapGuardError
} from './errors.js'
