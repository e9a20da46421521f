/**
 * client/storage — the light node's storage contribution (PoRA, DESIGN §4). Pure: no Node or DOM
 * imports; sealing is injected (`seal`, `prove`) so a platform can run it in a worker.
 * Plugs into `createLightNode({ storage })` as `{ start(host), stop(), status() }`.
 */
export { createStorageContributor, putSealedSector, StorageContributorError, type StorageContributor, type StorageContributorOptions, type StorageHost, type StorageStatus, type StorageEvent, type SealFn, type ProveFn } from './contributor.js'
export { createVerifiedQuery, stateKeyOf, UnverifiedStateError, type VerifiedQueryOptions } from './verified-query.js'
export { createVerifiedAccess, type VerifiedAccessOptions, type VerifiedAccessNode } from './verified-access.js'
export { ensureFunded, FaucetError, type EnsureFundedOptions } from './faucet.js'
