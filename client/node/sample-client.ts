/**
 * The client side of `/glowmesh/sample/1.0.0` (fullnode/net has sync, segment and tx clients; this
 * adds sample on its generic `request`): one stream per request, the wire's limits, a timeout and
 * an AbortSignal. Non-OK statuses become typed errors like fullnode/net's other clients.
 */
import type { Libp2p } from '@libp2p/interface'
import { request, type Peer, type RequestOptions } from '../../fullnode/net/client.js'
import { NotFoundError, RateLimitedError, RemoteError, InvalidResponseError } from '../../fullnode/net/errors.js'
import { SAMPLE_PROTOCOL, SampleStatus, type SampleResponse } from '../../protocol/wire/index.js'

/** Options of requestSample. */
export interface SampleRequestOptions extends RequestOptions {
  height: bigint
  /** Distinct columns in [0, 128). */
  columns: number[]
}

/**
 * Columns of a block from `peer`: the decoded, wire-validated SampleResponse (status OK). Whether it
 * proves anything is the sampler's check (client/sample-check.ts). NotFoundError for NOT_FOUND,
 * RateLimitedError, RemoteError for any other status (NOT_AVAILABLE: `status` says so).
 * @example const res = await requestSample(libp2p, peerId, { height: 42n, columns: [3, 77], signal })
 */
export async function requestSample (libp2p: Libp2p, peer: Peer, options: SampleRequestOptions): Promise<SampleResponse> {
  const res = await request(libp2p, peer, SAMPLE_PROTOCOL, { height: options.height, columns: options.columns }, options)
  if (res.status === SampleStatus.OK) {
    if (res.height !== options.height) throw new InvalidResponseError(`asked for height ${options.height}, got ${res.height}`)
    return res
  }
  const message = res.message === '' ? res.status : res.message
  if (res.status === SampleStatus.NOT_FOUND) throw new NotFoundError(message)
  if (res.status === SampleStatus.RATE_LIMITED) throw new RateLimitedError(message)
  throw new RemoteError(res.status, message)
}
