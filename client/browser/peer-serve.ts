/**
 * Serving what a browser light node holds, to anyone connected (other browsers over WebRTC, full
 * nodes): `/glowmesh/sample/1.0.0` from the verified cells in its CellCache (columns it doesn't
 * hold → NOT_AVAILABLE) and `/glowmesh/segment/1.0.0` from the verified segments in its
 * SegmentCache (NOT_FOUND otherwise). The request server, handlers, wire codecs, size limits, rate
 * limits and peer scoring are fullnode/net's, the same a full node runs.
 */
import type { Libp2p } from '@libp2p/interface'
import { NotFoundError } from '../../fullnode/net/errors.js'
import { sampleHandler } from '../../fullnode/net/handlers/sample.js'
import { segmentHandler } from '../../fullnode/net/handlers/segment.js'
import { PeerScores } from '../../fullnode/net/peer-score.js'
import { RateLimiter } from '../../fullnode/net/rate-limit.js'
import { DEFAULT_SERVER_LIMITS, RequestServer } from '../../fullnode/net/server.js'
import type { NetServices } from '../../fullnode/net/services.js'
import { CellsNotHeldError, type CellCache } from '../cell-cache.js'
import type { SegmentCache } from '../segment-cache.js'

/** Options of servePeerRequests. */
export interface PeerServeOptions {
  cells?: CellCache
  segments?: SegmentCache
  /** Aborting it fails in-flight answers (the libp2p node's stop removes the handlers). */
  signal: AbortSignal
}

/**
 * Registers the sample and segment handlers on the page's libp2p; resolves once registered.
 * @example await servePeerRequests(transport.libp2p, { cells, segments, signal })
 */
export async function servePeerRequests (libp2p: Libp2p, options: PeerServeOptions): Promise<void> {
  const refuse = async (): Promise<never> => { throw new NotFoundError('a light node serves only samples and segments') }
  const services: NetServices = {
    lightBlock: refuse,
    submitTx: refuse,
    async segment (root, index) {
      if (options.segments === undefined) throw new NotFoundError('this node keeps no segments')
      return await options.segments.answer(root, index)
    },
    async sample (height, columns) {
      if (options.cells === undefined) throw new CellsNotHeldError('this node keeps no cells')
      return await options.cells.answer(height, columns)
    }
  }
  const server = new RequestServer({
    libp2p,
    services,
    scores: new PeerScores(),
    limiter: new RateLimiter({ sweepAt: 1_000 }),
    signal: options.signal,
    log: libp2p.logger.forComponent('glowmesh:peer-serve')
  }, { ...DEFAULT_SERVER_LIMITS, maxStreamsPerPeer: 8 })
  await server.register(sampleHandler)
  await server.register(segmentHandler)
}
