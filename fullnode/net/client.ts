/**
 * The client side of the request/response protocols: one stream per request, the same frame
 * limits as the server, an AbortSignal and a timeout on every call. Used by tests now and by the
 * Node light node (`glowmesh light`) later; it needs only a libp2p node that can dial.
 */
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { sha256 } from '@noble/hashes/sha2.js'
import type { LightBlock } from '../../protocol/chain/index.js'
import { equalBytes } from '../../protocol/bytes.js'
import { fileLayout } from '../../protocol/storage/layout.js'
import type { MerkleProof } from '../../protocol/storage/merkle.js'
import { verifySegmentProof } from '../../protocol/storage/proofs.js'
import {
  AbortError, FLOW_PROTOCOL, FlowStatus, SEGMENT_PROTOCOL, SYNC_PROTOCOL, SegmentStatus, SyncStatus, TX_PROTOCOL, TruncatedMessageError,
  decodeResponse, encodeRequest, getProtocol
} from '../../protocol/wire/index.js'
import type { ProtocolId, RequestOf, ResponseOf } from '../../protocol/wire/index.js'
import { InvalidResponseError, NotFoundError, PrunedError, RateLimitedError, RemoteError, RequestTimeoutError, StreamRefusedError } from './errors.js'
import { lightBlockFromWire } from './lightblock.js'
import type { SegmentWithProof, TxResult } from './services.js'
import { readFrame, writeFrame } from './stream.js'
import { linkSignals } from '../../protocol/signals.js'

/** Whom to ask: a connected peer's id, or addresses to dial. */
export type Peer = PeerId | Multiaddr | Multiaddr[]

/** Options of every client call. */
export interface RequestOptions {
  signal?: AbortSignal
  /** Whole request (dial, send, answer), ms; default 10 s (30 s for segments and txs). */
  timeoutMs?: number
}

/**
 * Sends one request on a new stream and returns the decoded, validated response.
 * @example const res = await request(libp2p, peer, SYNC_PROTOCOL, { fromHeight: 1n, count: 8, latest: false })
 */
export async function request<P extends ProtocolId> (libp2p: Libp2p, peer: Peer, protocol: P, req: RequestOf<P>, options: RequestOptions = {}): Promise<ResponseOf<P>> {
  const timeoutMs = options.timeoutMs ?? 10_000
  const timeout = AbortSignal.timeout(timeoutMs)
  const linked = options.signal === undefined ? undefined : linkSignals(options.signal, timeout)
  const signal = linked ?? timeout
  try {
    const body = encodeRequest(protocol, req)
    let stream
    try {
      stream = await libp2p.dialProtocol(peer, protocol, { signal })
    } catch (err) {
      throw mapAbort(err, options.signal, timeout, protocol, timeoutMs)
    }
    try {
      await writeFrame(stream, body, { signal })
      // half-close: the server knows the request is complete
      await stream.close({ signal })
      const res = await readFrame(stream, { maxBytes: getProtocol(protocol).maxResponseBytes, signal })
      return decodeResponse(protocol, res)
    } catch (err) {
      stream.abort(err as Error)
      if (err instanceof TruncatedMessageError) throw new StreamRefusedError(`${protocol}: the peer closed the stream without an answer`, { cause: err })
      throw mapAbort(err, options.signal, timeout, protocol, timeoutMs)
    }
  } finally {
    linked?.clear()
  }
}

function mapAbort (err: unknown, caller: AbortSignal | undefined, timeout: AbortSignal, what: string, timeoutMs: number): unknown {
  if (caller?.aborted === true) return err instanceof AbortError ? err : new AbortError(undefined, { cause: caller.reason })
  if (timeout.aborted) return new RequestTimeoutError(what, timeoutMs)
  if ((err as Error)?.name === 'StreamResetError' || (err as Error)?.name === 'StreamAbortedError') {
    return new StreamRefusedError(`${what}: the peer reset the stream`, { cause: err })
  }
  return err
}

function statusError (status: string, message: string): Error {
  if (status === 'NOT_FOUND') return new NotFoundError(message === '' ? 'not found' : message)
  if (status === 'PRUNED') return new PrunedError(message === '' ? 'pruned' : message)
  if (status === 'RATE_LIMITED') return new RateLimitedError(message === '' ? 'rate limited' : message)
  return new RemoteError(status, message)
}

/** Options of requestLightBlocks. */
export interface LightBlocksRequest extends RequestOptions {
  /** First height, or 'latest' for the newest block (count is then 1). */
  from: bigint | 'latest'
  /** 1..32 blocks; default 1. The answer may hold fewer when the peer's head is reached. */
  count?: number
}

/**
 * Light blocks (signed header + validator set) from `peer`, consecutive from `from`. They are
 * well-formed but unverified: run them through protocol/chain's verifier.
 * @example const [head] = await requestLightBlocks(libp2p, peerId, { from: 'latest' })
 */
export async function requestLightBlocks (libp2p: Libp2p, peer: Peer, options: LightBlocksRequest): Promise<LightBlock[]> {
  const latest = options.from === 'latest'
  const req = latest ? { fromHeight: 0n, count: 0, latest: true } : { fromHeight: options.from as bigint, count: options.count ?? 1, latest: false }
  const res = await request(libp2p, peer, SYNC_PROTOCOL, req, options)
  if (res.status !== SyncStatus.OK) throw statusError(res.status, res.message)
  const blocks = res.lightBlocks.map(lightBlockFromWire)
  if (latest) {
    if (blocks.length !== 1) throw new InvalidResponseError(`asked for the latest block, got ${blocks.length}`)
  } else {
    if (blocks.length > req.count) throw new InvalidResponseError(`asked for ${req.count} blocks, got ${blocks.length}`)
    blocks.forEach((b, i) => {
      const want = req.fromHeight + BigInt(i)
      if (b.signedHeader.header.height !== want) throw new InvalidResponseError(`block ${i} has height ${b.signedHeader.header.height}, expected ${want}`)
    })
  }
  return blocks
}

/** Options of requestSegment. */
export interface SegmentRequestOptions extends RequestOptions {
  /** The file's 0G root (32 bytes). */
  root: Uint8Array
  index: bigint | number
  /** The file's size in bytes (from its on-chain submission): when given, the proof is verified. */
  size?: number
}

/**
 * Segment `index` of the file with `root`, with its proof; verified against the root when `size`
 * is given (InvalidResponseError otherwise). NotFoundError / PrunedError for the peer's refusals.
 * @example const { bytes, proof } = await requestSegment(libp2p, peer, { root, index: 0, size: file.size })
 */
export async function requestSegment (libp2p: Libp2p, peer: Peer, options: SegmentRequestOptions): Promise<SegmentWithProof> {
  const index = BigInt(options.index)
  const res = await request(libp2p, peer, SEGMENT_PROTOCOL, { root: options.root, index }, { ...options, timeoutMs: options.timeoutMs ?? 30_000 })
  if (res.status !== SegmentStatus.OK) throw statusError(res.status, res.message)
  const p = res.proof!
  if (p.leafIndex !== index) throw new InvalidResponseError(`asked for segment ${index}, got a proof for ${p.leafIndex}`)
  if (p.leafCount > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidResponseError('proof leaf count out of range')
  const proof: MerkleProof = { index: Number(p.leafIndex), leafCount: Number(p.leafCount), siblings: p.siblings }
  if (options.size !== undefined) {
    let ok = false
    try { ok = verifySegmentProof(options.root, fileLayout(options.size), res.data, proof) } catch (err) {
      throw new InvalidResponseError(`segment ${index}: ${(err as Error).message}`)
    }
    if (!ok) throw new InvalidResponseError(`segment ${index} does not verify against the root`)
  }
  return { bytes: res.data, proof }
}

/**
 * Submits a signed transaction through `peer` (relayed to its CometBFT mempool); resolves with
 * CheckTx's code (0 = accepted) and log.
 * @example const { code, txHash } = await submitTxOverP2p(libp2p, peer, encodeTx(signed))
 */
export async function submitTxOverP2p (libp2p: Libp2p, peer: Peer, tx: Uint8Array, options: RequestOptions = {}): Promise<TxResult> {
  const res = await request(libp2p, peer, TX_PROTOCOL, { tx }, { ...options, timeoutMs: options.timeoutMs ?? 30_000 })
  if (!equalBytes(res.txHash, sha256(tx))) throw new InvalidResponseError('txHash is not sha256 of the submitted tx')
  return { txHash: res.txHash, code: res.code, log: res.log }
}

/** Options of requestFlow. */
export interface FlowRequestOptions extends RequestOptions {
  /** Chunk position, a multiple of 1024 (one segment). */
  position: number
}

/**
 * 256 KiB of the raw flow log at `position` (PoRA sealing input). Unproven: compare two peers'
 * answers. NotFoundError past the flow; RemoteError('NOT_AVAILABLE') while the peer lacks the range.
 * @example const bytes = await requestFlow(libp2p, peer, { position: 4096 })
 */
export async function requestFlow (libp2p: Libp2p, peer: Peer, options: FlowRequestOptions): Promise<Uint8Array> {
  const res = await request(libp2p, peer, FLOW_PROTOCOL, { position: BigInt(options.position) }, { ...options, timeoutMs: options.timeoutMs ?? 30_000 })
  if (res.status !== FlowStatus.OK) throw statusError(res.status, res.message)
  return res.data
}
