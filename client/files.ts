/**
 * fetchFile (DESIGN §2, issue 10 item 6): a stored file's bytes, every 256 KiB segment checked
 * against the file's 0G root before it is yielded, as a ReadableStream of exactly `size` bytes.
 * The file's size (and, for a CID, that the CID belongs to the root) comes from a FileResolver —
 * createFileResolver checks the on-chain file record with an MPT proof against a verified app hash
 * when it is given `query`. Segments come from the segment cache (re-verified), else from full
 * nodes and light peers in turn; a segment that fails its proof is reported 'bad-segment' and asked
 * elsewhere; verified segments are kept in the cache (and so served to peers). Pure: no Node/DOM.
 */
import { fromHex, toHex, equalBytes } from '../protocol/bytes.js'
import { decodeRecord } from '../protocol/chain/state-proof.js'
import { cidToSubmission, canonicalCid, parseCid } from '../protocol/cid/index.js'
import { GlowmeshError } from '../protocol/errors.js'
import { fileLayout, SEGMENT_SIZE } from '../protocol/storage/layout.js'
import { verifySegmentProof } from '../protocol/storage/proofs.js'
import { AbortError } from '../protocol/wire/index.js'
import { shuffle } from './peers.js'
import type { SegmentCache } from './segment-cache.js'
import type { LightTransport, PeerOffence, PeerRef, WaitOptions } from './types.js'
import { withTimeout } from '../protocol/signals.js'

/** No file with that root or CID is on chain. */
export class FileNotFoundError extends GlowmeshError {
  override name = 'FileNotFoundError'
  constructor (ref: string) { super('FILE_NOT_FOUND', `no stored file ${ref}`) }
}
/** The file's storage expired and its bytes were pruned. */
export class FileExpiredError extends GlowmeshError {
  override name = 'FileExpiredError'
  constructor (ref: string) { super('FILE_EXPIRED', `file ${ref} expired; its bytes were pruned`) }
}
/** Not a 0x root (32 bytes) nor a CID. */
export class InvalidFileRefError extends GlowmeshError {
  override name = 'InvalidFileRefError'
  constructor (message: string) { super('INVALID_FILE_REF', message, { exitCode: 2 }) }
}
/** The CID's on-chain record names another CID, or a peer's root lookup was wrong. */
export class FileRecordMismatchError extends GlowmeshError {
  override name = 'FileRecordMismatchError'
  constructor (message: string) { super('FILE_RECORD_MISMATCH', message) }
}
/** No peer served segment `index` with a valid proof. */
export class SegmentUnavailableError extends GlowmeshError {
  override name = 'SegmentUnavailableError'
  readonly index: number
  constructor (index: number, detail: string) { super('SEGMENT_UNAVAILABLE', `segment ${index}: no peer served it with a valid proof (${detail})`); this.index = index }
}

/** A parsed file reference. */
export type FileRef = { root: Uint8Array, cid?: undefined } | { cid: string, root?: undefined }

/** What a resolver found: the root and size; `verified` = both proven from chain state. */
export interface ResolvedFile { root: Uint8Array, size: number, cid?: string, verified: boolean }
/** Finds a file's root and size. */
export type FileResolver = (ref: FileRef, options?: WaitOptions) => Promise<ResolvedFile>

/**
 * Parses `0x<64 hex>` (a 0G root) or CID text.
 * @example parseFileRef('bafkrei…') // { cid: 'bafkrei…' }
 */
export function parseFileRef (rootOrCid: string | Uint8Array): FileRef {
  if (rootOrCid instanceof Uint8Array) {
    if (rootOrCid.length !== 32) throw new InvalidFileRefError('a root must be 32 bytes')
    return { root: rootOrCid }
  }
  if (typeof rootOrCid !== 'string') throw new InvalidFileRefError('expected a 0x root or a CID')
  if (/^0x[0-9a-fA-F]{64}$/.test(rootOrCid)) return { root: fromHex(rootOrCid.toLowerCase(), 32) }
  try { return { cid: canonicalCid(parseCid(rootOrCid)) } } catch (err) {
    throw new InvalidFileRefError(`'${String(rootOrCid).slice(0, 80)}' is neither a 0x root nor a CID: ${(err as Error).message}`)
  }
}

/** Components of createFileResolver. */
export interface FileResolverOptions {
  /** Verified state read (client/storage createVerifiedQuery): `file/0x<root>` → the record, or null. */
  query?: (path: string, options?: WaitOptions) => Promise<Uint8Array | null>
  /** CID → root (e.g. the RPC's `GET /cids/{cid}`); only a hint: the proven record must name the CID. */
  lookupCid?: (cid: string, options?: WaitOptions) => Promise<Uint8Array | undefined>
  /** Unverified root → { size, cid } (the RPC's `GET /files/{root}`), used only without `query`. */
  lookupFile?: (root: Uint8Array, options?: WaitOptions) => Promise<{ size: number, cid?: string } | undefined>
}

/**
 * A resolver that proves the file record from chain state when it can (`query`), else asks `lookupFile`.
 * @example const resolve = createFileResolver({ query: verifiedQuery, lookupCid: (cid) => rpcRootOfCid(cid) })
 */
export function createFileResolver (o: FileResolverOptions): FileResolver {
  return async (ref, options) => {
    let root = ref.root
    const name = ref.cid ?? toHex(ref.root!)
    if (root === undefined) {
      if (o.lookupCid === undefined) throw new InvalidFileRefError('this node cannot look up CIDs (no lookupCid)')
      root = await o.lookupCid(ref.cid!, options)
      if (root === undefined) throw new FileNotFoundError(name)
    }
    if (o.query !== undefined) {
      const bytes = await o.query(`file/${toHex(root)}`, options)
      if (bytes === null) throw new FileNotFoundError(name)
      const record = decodeRecord('file', bytes)
      if (record.expired !== 0) throw new FileExpiredError(name)
      if (ref.cid !== undefined && !equalBytes(record.cid, cidToSubmission(ref.cid))) {
        throw new FileRecordMismatchError(`the proven record of root ${toHex(root)} does not declare CID ${ref.cid}`)
      }
      return { root, size: record.size, cid: ref.cid, verified: true }
    }
    if (o.lookupFile === undefined) throw new InvalidFileRefError('this node cannot resolve files (no query, no lookupFile)')
    const info = await o.lookupFile(root, options)
    if (info === undefined) throw new FileNotFoundError(name)
    if (ref.cid !== undefined && info.cid !== undefined && canonicalCid(info.cid) !== ref.cid) throw new FileRecordMismatchError(`root ${toHex(root)} is recorded with another CID`)
    return { root, size: info.size, cid: ref.cid ?? info.cid, verified: false }
  }
}

/** Components of fetchFile. */
export interface FetchFileComponents {
  transport: LightTransport
  resolve: FileResolver
  /** Where verified segments are kept and served from; none = not kept. */
  segments?: SegmentCache
  /** Reports a peer (default transport.reportPeer); the light node passes its peer book's. */
  report?: (peer: PeerRef, offence: PeerOffence, detail: string) => void
  /** Per-segment request timeout, ms; default 30 s. */
  timeoutMs?: number
}

/** Options of fetchFile. */
export interface FetchFileOptions extends WaitOptions {
  /** Ask only these peers (e.g. one browser peer); default full nodes (shuffled), then light peers. */
  peers?: PeerRef[]
  /** Skip the segment cache when reading (still fills it); default false. */
  noCache?: boolean
}

/**
 * One verified segment: from the cache, else from the first peer whose answer verifies against the root.
 * @example const { bytes } = await fetchSegment(c, { root, size }, 0, { signal })
 */
export async function fetchSegment (c: FetchFileComponents, file: { root: Uint8Array, size: number }, index: number, options: FetchFileOptions = {}): Promise<Uint8Array> {
  const layout = fileLayout(file.size)
  if (!Number.isInteger(index) || index < 0 || index >= layout.dataSegments) throw new InvalidFileRefError(`segment ${index} out of range [0, ${layout.dataSegments})`)
  const signal = options.signal
  const verifies = (bytes: Uint8Array, proof: { index: number, leafCount: number, siblings: Uint8Array[] }): boolean => {
    if (proof.index !== index) return false
    try { return verifySegmentProof(file.root, layout, bytes, proof) } catch { return false }
  }
  if (options.noCache !== true) {
    const held = await c.segments?.get(file.root, index)
    if (held !== undefined && verifies(held.bytes, held.proof)) return held.bytes
  }
  const segment = c.transport.segment
  if (segment === undefined) throw new SegmentUnavailableError(index, 'the transport cannot fetch segments')
  const report = c.report ?? ((p, o, d) => { c.transport.reportPeer(p, o, d) })
  const peers = options.peers ?? [...shuffle(c.transport.peers()), ...(c.transport.lightPeers?.() ?? [])]
  const why: string[] = []
  for (const peer of peers) {
    signal?.throwIfAborted()
    let got
    try {
      got = await withTimeout(signal, c.timeoutMs ?? 30_000, async (s) => await segment(peer, file.root, index, { signal: s }))
    } catch (err) {
      if (signal?.aborted === true) throw new AbortError(undefined, { cause: signal.reason })
      const name = (err as Error)?.name
      if (name === 'InvalidResponseError' || name === 'MalformedMessageError') report(peer, 'bad-segment', `segment ${index} of ${toHex(file.root)}: ${(err as Error).message}`)
      else if (name === 'RequestTimeoutError') report(peer, 'timeout', `segment ${index}`)
      why.push(`${peer.slice(-8)}: ${(err as Error)?.message ?? String(err)}`)
      continue
    }
    if (!verifies(got.bytes, got.proof)) {
      report(peer, 'bad-segment', `segment ${index} of ${toHex(file.root)} does not verify against the root`)
      why.push(`${peer.slice(-8)}: bad proof`)
      continue
    }
    await c.segments?.put(file.root, index, got).catch(() => {})
    return got.bytes
  }
  throw new SegmentUnavailableError(index, why.length === 0 ? 'no peers' : why.slice(0, 4).join('; '))
}

/**
 * Resolves the file, then streams its bytes (exactly `size`), each segment verified before it is
 * enqueued. Throws (from the promise) InvalidFileRefError, FileNotFoundError, FileExpiredError,
 * FileRecordMismatchError; the stream errors with SegmentUnavailableError or AbortError.
 * @example
 * const stream = await fetchFile({ transport, resolve, segments }, 'bafkrei…', { signal })
 * const bytes = new Uint8Array(await new Response(stream).arrayBuffer())
 */
export async function fetchFile (c: FetchFileComponents, rootOrCid: string | Uint8Array, options: FetchFileOptions = {}): Promise<ReadableStream<Uint8Array> & { file: ResolvedFile }> {
  const ref = parseFileRef(rootOrCid)
  options.signal?.throwIfAborted()
  const file = await c.resolve(ref, { signal: options.signal })
  const segments = fileLayout(file.size).dataSegments
  const local = new AbortController()
  const signal = options.signal === undefined ? local.signal : AbortSignal.any([options.signal, local.signal])
  let next = 0
  const stream = new ReadableStream<Uint8Array>({
    async pull (controller) {
      if (next >= segments) { controller.close(); return }
      const bytes = await fetchSegment(c, file, next, { ...options, signal })
      if (bytes.length !== Math.min(SEGMENT_SIZE, file.size - next * SEGMENT_SIZE)) throw new SegmentUnavailableError(next, 'wrong length')
      next++
      controller.enqueue(bytes)
      if (next >= segments) controller.close()
    },
    cancel (reason) { local.abort(reason) }
  }, { highWaterMark: 1 })
  return Object.assign(stream, { file })
}
