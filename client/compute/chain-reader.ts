/**
 * The compute market's chain records as verifyInference needs them — a registered model
 * (`model/<root>`) and a job (`job/<id>`) — read through a *verified* state query: every value comes
 * with an MPT proof checked against the app hash of a header the light node verified itself
 * (client/storage createVerifiedQuery / createVerifiedAccess). Pure: no Node or DOM imports.
 */
import { decodeRecord } from '../../protocol/chain/state-proof.js'
import type { JobRecord, ModelRecord } from '../../protocol/chain/compute.js'
import { InvalidInputError } from '../../protocol/errors.js'
import type { WaitOptions } from '../types.js'

/** A verified state read: `model/0x…`, `job/0x…` → the proven record bytes, or null when proven absent. */
export type VerifiedQuery = (path: string, options?: WaitOptions) => Promise<Uint8Array | null>

/** What verifyInference reads from the chain; every answer must be proven against a verified header. */
export interface ChainReader {
  /** The chain this reader verifies (its pinned genesis); when set, a document for another chain fails the `job` check. */
  chainId?: string
  /** The registered model with this 0G root (0x + 64 hex), or null when none is registered. */
  model: (root: string, options?: WaitOptions) => Promise<ModelRecord | null>
  /** The job with this id (0x + 64 hex), or null when there is none. */
  job: (jobId: string, options?: WaitOptions) => Promise<JobRecord | null>
}

/** Options of createVerifiedChainReader. */
export interface VerifiedChainReaderOptions {
  /** The light node's verified query (createVerifiedAccess(...).query, or createVerifiedQuery). */
  query: VerifiedQuery
  /** The pinned genesis's chain id (pinGenesis(...).chainId). */
  chainId?: string
}

const HASH = /^0x[0-9a-f]{64}$/

/**
 * A ChainReader over a verified query: decodes the proven `model/…` and `job/…` records.
 * @example
 * const { query } = createVerifiedAccess({ transport, node, fetchState })
 * const chain = createVerifiedChainReader({ query, chainId: genesis.chainId })
 * await chain.model('0x…') // ModelRecord | null
 */
export function createVerifiedChainReader (o: VerifiedChainReaderOptions): ChainReader {
  if (o === null || typeof o !== 'object' || typeof o.query !== 'function') throw new InvalidInputError('createVerifiedChainReader: expected { query }')
  const read = async <K extends 'model' | 'job'>(kind: K, id: string, options?: WaitOptions): Promise<ReturnType<typeof decodeRecord<K>> | null> => {
    if (typeof id !== 'string' || !HASH.test(id)) throw new InvalidInputError(`${kind}: expected 0x + 64 lowercase hex digits`)
    const bytes = await o.query(`${kind}/${id}`, options)
    return bytes === null ? null : decodeRecord(kind, bytes)
  }
  return {
    chainId: o.chainId,
    model: async (root, options) => await read('model', root, options),
    job: async (jobId, options) => await read('job', jobId, options)
  }
}
