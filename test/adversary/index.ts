/**
 * test/adversary: a full node that lies (DESIGN §9) — forges headers and commits, corrupts and
 * withholds segments and DA cells, answers late or stale — over HTTP (startAdversaryRpc) and libp2p
 * (startAdversaryNet). See README.md.
 */
export { createAdversary, ADVERSARY_MODES, AdversaryConfigError, WithheldError, type Adversary, type AdversaryBehaviour, type AdversaryMode, type LieCounts } from './adversary.js'
export { startAdversaryRpc, type AdversaryRpc, type AdversaryRpcOptions } from './rpc.js'
export { startAdversaryNet, type AdversaryNet, type AdversaryNetOptions } from './p2p.js'
export { forgeHeader, forgeCommit, insufficientCommit, corruptSegment, wrongProof, corruptCells, withheldSample, fakeValidatorKeys, type ForgeField } from './lies.js'
export { headerToJson, commitToJson, signedHeaderToJson, validatorsToJson } from './json.js'
