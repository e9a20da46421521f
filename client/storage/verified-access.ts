/**
 * The storage contributor's verified chain access, for any platform: state reads whose MPT proofs
 * are checked against app hashes of headers this light node verified (createVerifiedQuery), and
 * block hashes (PoRA spot-check seeds) from its accepted-header log. Used by `glowmesh light`
 * (cli/commands/light.ts) and by browsers (client/browser/storage.ts, client/browser/files.ts).
 */
import { hashHeader } from '../../protocol/chain/header.js'
import { fromHex, toHex } from '../../protocol/bytes.js'
import type { AcceptedHeader, LightTransport, PeerRef, WaitOptions } from '../types.js'
import { createVerifiedQuery, UnverifiedStateError } from './verified-query.js'
import type { StorageHost } from './contributor.js'
import { sleep } from '../../protocol/sleep.js'

/** What verified access needs from the light node. */
export interface VerifiedAccessNode {
  waitForHeight: (height: number, options?: { signal?: AbortSignal }) => Promise<void>
  headers: () => AcceptedHeader[]
}

/** Options of createVerifiedAccess. */
export interface VerifiedAccessOptions {
  transport: Pick<LightTransport, 'peers' | 'lightBlock' | 'reportPeer'>
  node: VerifiedAccessNode
  /** One peer's unverified proven-state answer (e.g. fullnode/pora/state-service.ts requestProvenState). */
  fetchState: (peer: PeerRef, path: string, options?: WaitOptions) => Promise<{ height: number, value: Uint8Array, proof: Uint8Array }>
}

/**
 * `query` and `blockHash` for createStorageContributor, both checked against this light node's verified headers.
 * @example const access = createVerifiedAccess({ transport, node, fetchState }); createStorageContributor({ secretKey, pledgeBytes, ...access })
 */
export function createVerifiedAccess (o: VerifiedAccessOptions): { query: NonNullable<StorageHost['query']>, blockHash: NonNullable<StorageHost['blockHash']> } {
  const { transport, node } = o
  const appHashes = new Map<number, Uint8Array>()
  const verifiedHash = async (height: number, signal?: AbortSignal): Promise<string> => {
    await node.waitForHeight(height, { signal })
    // A skipping step can accept a newer header first; the log fills the heights below it backwards.
    for (let i = 0; i < 100; i++) {
      const h = node.headers().findLast((x) => x.height === height)
      if (h !== undefined) return h.hash
      await sleep(100, signal)
    }
    throw new UnverifiedStateError(`header ${height} is not in the accepted-header log`)
  }
  const appHashAt = async (height: number, w?: WaitOptions): Promise<Uint8Array> => {
    const known = appHashes.get(height)
    if (known !== undefined) return known
    const want = await verifiedHash(height, w?.signal)
    for (const peer of transport.peers()) {
      try {
        const lb = await transport.lightBlock(peer, BigInt(height), w)
        if (toHex(hashHeader(lb.signedHeader.header)) !== want) { transport.reportPeer(peer, 'forged-header', `header ${height} differs from the verified one`); continue }
        const appHash = lb.signedHeader.header.appHash
        appHashes.set(height, appHash)
        if (appHashes.size > 256) appHashes.delete(appHashes.keys().next().value!)
        return appHash
      } catch {}
    }
    throw new UnverifiedStateError(`no peer served header ${height}`)
  }
  const query = createVerifiedQuery({
    peers: () => transport.peers(),
    fetch: o.fetchState,
    appHashAt,
    onLie: (peer, detail) => { transport.reportPeer(peer, 'malformed', detail) }
  })
  return { query, blockHash: async (height, w) => fromHex(await verifiedHash(height, w?.signal), 32) }
}
