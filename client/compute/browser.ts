/**
 * verifyInference's inputs for the browser node handle (client/browser startBrowserLightNode):
 * chain records over `/glowmesh/pora-state/1.0.0` proven against the page's verified headers, files
 * through the handle's own verified fetchFile. Browser code (libp2p), no DOM imports needed.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import type { Libp2p } from '@libp2p/interface'
import { requestProvenState } from '../../fullnode/pora/state-service.js'
import type { LightTransport } from '../types.js'
import { createVerifiedStateQuery, fileBytes, type StreamingFetchFile, type VerifiedStateNode } from './adapters.js'
import { createVerifiedChainReader, type ChainReader } from './chain-reader.js'
import type { FetchFileBytes } from './verify-inference.js'

/** What the browser handle (BrowserLightNode) offers that verification needs. */
export interface BrowserNodeLike {
  node: VerifiedStateNode
  transport: Pick<LightTransport, 'peers' | 'lightBlock' | 'reportPeer'> & { libp2p: Libp2p }
  fetchFile: StreamingFetchFile
}

/**
 * `{ chain, fetchFile }` for verifyInference from a running browser node.
 * @example
 * const gm = await startBrowserLightNode({ rpcUrl, genesisHash })
 * const report = await verifyInference(doc, { ...createBrowserVerification(gm), reexecute: 1 })
 */
export function createBrowserVerification (gm: BrowserNodeLike, o: { chainId?: string, maxBytes?: number } = {}): { chain: ChainReader, fetchFile: FetchFileBytes } {
  const query = createVerifiedStateQuery({
    transport: gm.transport,
    node: gm.node,
    fetchState: async (peer, path, w) => {
      const { height, entries } = await requestProvenState(gm.transport.libp2p, peerIdFromString(peer), [path], { signal: w?.signal })
      return { height, value: entries[0].value, proof: entries[0].proof }
    }
  })
  return { chain: createVerifiedChainReader({ query, chainId: o.chainId }), fetchFile: fileBytes(gm.fetchFile, { maxBytes: o.maxBytes }) }
}
