// protocol/cid — every file is also an IPFS object (DESIGN §2b): the CID @helia/unixfs gives it,
// streamed; leaves ↔ 0G segments; CID text and submission bytes. Pure and isomorphic.
export { CID } from 'multiformats/cid'
export {
  CID_LEAF_SIZE, CID_MAX_LINKS, RAW_CODE, DAG_PB_CODE, SHA2_256_CODE, type Sha256, type DagBlockInfo, type OnBlock, type UnixfsCidOptions,
  UnixfsCidBuilder, fileCid, fileCidOfStream, rawLeafCid
} from './unixfs.js'
export { SEGMENTS_PER_LEAF, cidLeafCount, leafSegments, segmentLeaf, leafByteRange } from './mapping.js'
export { MAX_CID_TEXT, parseCid, canonicalCid, isFileCid, cidToSubmission, cidFromSubmission } from './text.js'
export { InvalidCidError, CidBuilderStateError } from './errors.js'
export { IPLD_RAW, IPLD_CAR, negotiateIpfsFormat, type IpfsFormat, type IpfsFormatRefusal } from './negotiate.js'
