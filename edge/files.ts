/**
 * Verified file reads for the gateway: every 256 KiB segment is checked against the file's 0G root
 * (its merkle proof, protocol/storage) before a byte of it is passed on. A full node whose segment
 * fails is reported (the transport drops it) and the segment is asked of the next one; when no full
 * node has a good copy the read fails with a clear error — never with unverified bytes. Segments
 * are spread over the full nodes and prefetched a few ahead.
 */
import type { PeerRef, WaitOptions } from '../client/types.js'
import type { MerkleProof } from '../protocol/storage/merkle.js'
import { fileLayout, SEGMENT_SIZE, type FileLayout } from '../protocol/storage/layout.js'
import { verifySegmentProof } from '../protocol/storage/proofs.js'
import { nobleHasher, type ChunkHasher } from '../protocol/storage/hasher.js'
import { GatewayError, type ByteRange } from './http.js'

/** Where segments come from (the WebSocket transport fits). */
export interface SegmentSource {
  peers: () => PeerRef[]
  segment: (peer: PeerRef, root: Uint8Array, index: number, options?: WaitOptions) => Promise<{ bytes: Uint8Array, proof: MerkleProof }>
  reportPeer: (peer: PeerRef, offence: 'bad-segment', detail?: string) => void
}

/** Options of openVerifiedFile. */
export interface VerifiedFileOptions {
  source: SegmentSource
  root: Uint8Array
  /** The file's size in bytes (its on-chain storage record). */
  size: number
  range?: ByteRange
  /** Segments fetched ahead of the reader; default 4. */
  prefetch?: number
  hasher?: ChunkHasher
  signal?: AbortSignal
  /** Tries per segment while no full node has a good copy (default 3: retried after 0.5 s and 1 s). */
  attempts?: number
  /** Called for every segment a full node got wrong (tests, logs). */
  onBadSegment?: (peer: PeerRef, index: number, why: string) => void
}

/** A verified file read: the body streams only verified bytes. */
export interface VerifiedFile { size: number, start: number, end: number, body: ReadableStream<Uint8Array> }

/**
 * Segment `index`, verified against `root`; tries each full node (starting at `index mod n`).
 * @example const bytes = await verifiedSegment({ source, root, layout: fileLayout(size), index: 0 })
 */
export async function verifiedSegment (o: { source: SegmentSource, root: Uint8Array, layout: FileLayout, index: number, hasher?: ChunkHasher, signal?: AbortSignal, onBadSegment?: VerifiedFileOptions['onBadSegment'] }): Promise<Uint8Array> {
  const peers = o.source.peers()
  if (peers.length === 0) throw new GatewayError(503, 'NO_FULL_NODES', 'no full node is connected')
  const order = peers.map((_, i) => peers[(o.index + i) % peers.length])
  let notFound = 0
  const failures: string[] = []
  for (const peer of order) {
    o.signal?.throwIfAborted()
    let seg
    try {
      seg = await o.source.segment(peer, o.root, o.index, { signal: o.signal })
    } catch (err) {
      if ((err as { code?: string }).code === 'NOT_FOUND' || (err as { code?: string }).code === 'PRUNED') notFound++
      failures.push(`${peer}: ${(err as Error).message}`)
      continue
    }
    let ok = false
    let why = 'does not hash to the root'
    try { ok = verifySegmentProof(o.root, o.layout, seg.bytes, seg.proof, o.hasher ?? nobleHasher) } catch (err) { why = (err as Error).message }
    if (ok) return seg.bytes
    o.source.reportPeer(peer, 'bad-segment', `segment ${o.index}: ${why}`)
    o.onBadSegment?.(peer, o.index, why)
    failures.push(`${peer}: bad segment (${why})`)
  }
  if (notFound === order.length) throw new GatewayError(404, 'FILE_NOT_FOUND', `no full node holds segment ${o.index} of this file`)
  throw new GatewayError(502, 'SEGMENT_UNAVAILABLE', `no verified copy of segment ${o.index}: ${failures.join('; ').slice(0, 400)}`)
}

/**
 * Opens a verified read of `range` (default the whole file). The first segment is fetched and
 * verified before this resolves, so a failure there is an HTTP error, not a broken body; a later
 * failure errors the stream (the client sees a truncated transfer, never a wrong byte).
 * @example const f = await openVerifiedFile({ source: transport, root, size }); return new Response(f.body)
 */
export async function openVerifiedFile (o: VerifiedFileOptions): Promise<VerifiedFile> {
  const layout = fileLayout(o.size)
  const start = o.range?.start ?? 0
  const end = o.range?.end ?? o.size - 1
  const first = Math.floor(start / SEGMENT_SIZE)
  const last = Math.floor(end / SEGMENT_SIZE)
  const depth = Math.max(1, o.prefetch ?? 4)
  const controller = new AbortController()
  const signal = o.signal === undefined ? controller.signal : AbortSignal.any([o.signal, controller.signal])
  // a segment no full node has a good copy of *yet* (replication lag, a liar just dropped) is asked
  // again twice, 0.5 s then 1 s later, before the read fails
  const fetchOne = async (index: number): Promise<Uint8Array> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await verifiedSegment({ source: o.source, root: o.root, layout, index, hasher: o.hasher, signal, onBadSegment: o.onBadSegment })
      } catch (err) {
        const code = (err as { code?: string }).code
        if (attempt >= (o.attempts ?? 3) || signal.aborted || (code !== 'SEGMENT_UNAVAILABLE' && code !== 'NO_FULL_NODES')) throw err
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt))
      }
    }
  }
  const queue: Array<Promise<Uint8Array>> = []
  let next = first
  const fill = (): void => {
    while (queue.length < depth && next <= last) {
      const p = fetchOne(next++)
      p.catch(() => {}) // awaited in order below
      queue.push(p)
    }
  }
  let index = first
  const slice = (bytes: Uint8Array, i: number): Uint8Array => {
    const base = i * SEGMENT_SIZE
    return bytes.subarray(Math.max(0, start - base), Math.min(bytes.length, end - base + 1))
  }
  fill()
  const head = slice(await queue.shift()!, index++)
  fill()
  let sentHead = false
  const body = new ReadableStream<Uint8Array>({
    async pull (ctrl) {
      if (!sentHead) { sentHead = true; ctrl.enqueue(head); if (index > last) ctrl.close(); return }
      if (index > last) { ctrl.close(); return }
      const bytes = await queue.shift()!
      ctrl.enqueue(slice(bytes, index++))
      fill()
      if (index > last) ctrl.close()
    },
    cancel () { controller.abort() }
  }, { highWaterMark: 1 })
  return { size: o.size, start, end, body: withLength(body, end - start + 1) }
}

/**
 * workerd sends a streamed body chunked (dropping Content-Length) unless it comes from a
 * FixedLengthStream, which also cuts the transfer if fewer bytes arrive; elsewhere the body as is.
 */
function withLength (body: ReadableStream<Uint8Array>, length: number): ReadableStream<Uint8Array> {
  const Fixed = (globalThis as { FixedLengthStream?: new (length: number) => TransformStream<Uint8Array, Uint8Array> }).FixedLengthStream
  if (Fixed === undefined) return body
  const fixed = new Fixed(length)
  body.pipeTo(fixed.writable).catch(() => {})
  return fixed.readable
}
