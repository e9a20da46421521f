/**
 * The library calls a web app makes (issue 10 item 6): `verifyHeader(height)` and
 * `checkAvailability(height)`, on top of the light node's own state. Nothing here takes one peer's
 * word: a header above the trusted head is verified by the light-client verifier (skipping, with
 * bisection) from the trusted light block; one below it is the logged header, or one reached by
 * hash links down from a logged one; availability comes from KZG-verified samples. Pure: no Node or
 * DOM imports. createLightNode wires it in; see README.md "A library web apps can use".
 */
import {
  hashHeader, validateSignedHeaderBasic, verifySkipping, formatRfc3339, TrustExpiredError, type Header, type LightBlock
} from '../protocol/chain/index.js'
import { equalBytes, fromHex, toHex } from '../protocol/bytes.js'
import { SampleResponse } from '../protocol/wire/index.js'
import { GlowmeshError } from '../protocol/errors.js'
import type { HeaderLog } from './header-log.js'
import { offenceOf } from './header-sync.js'
import { Sampler, type SamplerComponents, type SamplerOptions } from './sampler.js'
import { EMPTY_DATA_HASH } from './sample-check.js'
import type { AcceptedHeader, LightTransport, PeerRef, WaitOptions } from './types.js'
import { withTimeout } from '../protocol/signals.js'

/** A height that is not a positive safe integer. */
export class InvalidHeightError extends GlowmeshError {
  override name = 'InvalidHeightError'
  constructor (height: unknown) { super('INVALID_HEIGHT', `height must be a positive integer, got ${String(height)}`, { exitCode: 2 }) }
}

/** The height is above every peer's newest block: the chain doesn't have it (yet). */
export class HeightNotAvailableError extends GlowmeshError {
  override name = 'HeightNotAvailableError'
  constructor (readonly height: number, readonly chainHeight: number) {
    super('HEIGHT_NOT_AVAILABLE', `height ${height} is above the chain's newest block (${chainHeight} by the peers asked)`)
  }
}

/** No peer served a header at that height that verifies (each one that lied was reported). */
export class HeaderVerificationError extends GlowmeshError {
  override name = 'HeaderVerificationError'
  constructor (readonly height: number, message: string, options?: { cause?: unknown }) { super('HEADER_VERIFICATION', `height ${height}: ${message}`, options) }
}

/** The caller's AbortSignal fired; `cause` is the signal's reason. */
export class QueryAbortedError extends GlowmeshError {
  override name = 'QueryAbortedError'
  constructor (what: string, options?: { cause?: unknown }) { super('QUERY_ABORTED', `${what} aborted`, options) }
}

/** What checkAvailability resolves with. An unavailable block is a report with `available: false`, not an error. */
export interface AvailabilityReport {
  height: number
  /** True when every sampled column verified (or the block carries no blobs: `outcome: 'empty'`). */
  available: boolean
  /** 'sampled': blobs, all columns verified; 'empty': no DA blobs in the block; 'unavailable': columns withheld or wrong. */
  outcome: 'sampled' | 'empty' | 'unavailable'
  /** 1 − C(63,k)/C(128,k) for a sampled block; 1 for an empty one; 0 for an unavailable one. */
  confidence: number
  sampledColumns: number[]
  blobs: number
  /** Peers whose columns verified. */
  peers: string[]
  /** What sampling this block cost: wall time, sample-response bytes received, cells received. */
  cost: { ms: number, bytes: number, cells: number }
  /** The hash of the verified header whose data_hash the samples were checked against. */
  verifiedHeader: string
  /** True when the node's sampler had already sampled this height (its result is reused; cost is that sampling's). */
  reused: boolean
  /** Unavailable only: the columns no peer served correctly, and the last reason. */
  missing?: number[]
  reason?: string
}

/** Components of the queries (the light node's own): the sampler's (sampling done here fills its `cells` too), plus the header log. */
export interface QueryComponents extends SamplerComponents {
  log: HeaderLog
  chainId: string
  trusted: () => LightBlock | undefined
  /** Resolves once the node has a verified header at or above `height`. */
  waitForHeight: (height: number, options?: WaitOptions) => Promise<void>
}

/** Tunables (createLightNode passes its own). */
export interface QueryOptions {
  trustingPeriodMs: number
  maxClockDriftMs: number
  requestTimeoutMs: number
  now: () => number
  sampler: SamplerOptions
  /** How far below the lowest logged header verifyHeader walks hash links; default 4096. */
  maxBackwardsBlocks?: number
  /** Reports and headers remembered; default 1024 each. */
  cacheSize?: number
}

/** The queries createLightNode exposes. */
export interface LightQueries {
  verifyHeader: (height: number, options?: WaitOptions) => Promise<AcceptedHeader>
  checkAvailability: (height: number, options?: WaitOptions) => Promise<AvailabilityReport>
  /** Availability reports of the newest sampled (or unavailable) heights, newest last. */
  recentAvailability: (limit?: number) => AvailabilityReport[]
  /** The transport the node's sampler should use: sample() is metered (bytes, cells, time per height). */
  meteredTransport: LightTransport
}

interface Meter { start: number, bytes: number, cells: number }

/** A map that forgets its oldest entries past `max`. */
class Bounded<K, V> extends Map<K, V> {
  constructor (private readonly max: number) { super() }
  override set (k: K, v: V): this {
    this.delete(k)
    super.set(k, v)
    while (this.size > this.max) this.delete(this.keys().next().value as K)
    return this
  }
}

const abortErr = (what: string, signal: AbortSignal): QueryAbortedError => new QueryAbortedError(what, { cause: signal.reason })

/**
 * Builds the library queries over a light node's components (createLightNode calls this in start()).
 * @example
 * const q = createQueries(components, options)
 * const h = await q.verifyHeader(120, { signal: AbortSignal.timeout(10_000) }) // { height: 120, hash, verifiedBy, from, time }
 */
export function createQueries (c: QueryComponents, o: QueryOptions): LightQueries {
  const cacheSize = o.cacheSize ?? 1024
  const maxBack = o.maxBackwardsBlocks ?? 4096
  const headers = new Bounded<number, { entry: AcceptedHeader, header: Header }>(cacheSize)
  const reports = new Bounded<number, AvailabilityReport>(cacheSize)
  const meters = new Bounded<number, Meter>(cacheSize)
  const hashes = new Bounded<number, string>(cacheSize)

  const transport = c.transport
  const meteredSample: LightTransport['sample'] = async (peer, height, columns, options) => {
    const h = Number(height)
    let m = meters.get(h)
    if (m === undefined) { m = { start: o.now(), bytes: 0, cells: 0 }; meters.set(h, m) }
    const res = await transport.sample(peer, height, columns, options)
    try { m.bytes += SampleResponse.encode(res).length } catch {}
    for (const col of res?.columns ?? []) m.cells += col.cells?.length ?? 0
    return res
  }
  const meteredTransport = new Proxy(transport, {
    get (t, key) {
      if (key === 'sample') return meteredSample
      const v = Reflect.get(t, key, t)
      return typeof v === 'function' ? v.bind(t) : v
    }
  })
  const cost = (h: number): AvailabilityReport['cost'] => {
    const m = meters.get(h)
    return m === undefined ? { ms: 0, bytes: 0, cells: 0 } : { ms: Math.max(0, o.now() - m.start), bytes: m.bytes, cells: m.cells }
  }
  // the node's own sampler's results, reused by checkAvailability
  c.emitter.on('header', (e) => { hashes.set(e.height, e.hash) })
  c.emitter.on('sampled', (s) => {
    reports.set(s.height, { height: s.height, available: true, outcome: 'sampled', confidence: s.confidence, sampledColumns: s.columns, blobs: s.blobs, peers: s.peers, cost: cost(s.height), verifiedHeader: c.log.get(s.height)?.hash ?? hashes.get(s.height) ?? '', reused: true })
  })
  c.emitter.on('unavailable', (u) => {
    reports.set(u.height, { height: u.height, available: false, outcome: 'unavailable', confidence: 0, sampledColumns: [], blobs: 0, peers: [], cost: cost(u.height), verifiedHeader: c.log.get(u.height)?.hash ?? hashes.get(u.height) ?? '', reused: true, missing: u.missing, reason: u.reason })
  })

  const blame = (peer: PeerRef, err: unknown, what: string): void => {
    const offence = offenceOf(err)
    const detail = `${what}: ${(err as Error)?.name ?? 'Error'}: ${(err as Error)?.message ?? String(err)}`
    if (offence === undefined) c.debug(`peer ${peer}: ${detail}`)
    else c.peers.report(peer, offence, detail)
  }
  const usable = (height: number): PeerRef[] => {
    const p = c.peers.usable()
    if (p.length === 0) throw new HeaderVerificationError(height, 'no usable full-node peers')
    return p
  }

  // A logged header's full Header: fetched from peers until one serves the header with the logged hash.
  async function fetchLogged (entry: AcceptedHeader, signal: AbortSignal): Promise<Header> {
    for (const peer of usable(entry.height)) {
      try {
        const lb = await withTimeout(signal, o.requestTimeoutMs, async (s) => await transport.lightBlock(peer, BigInt(entry.height), { signal: s }))
        const header = lb?.signedHeader?.header
        if (header?.height === BigInt(entry.height) && toHex(hashHeader(header)) === entry.hash) return header
        c.peers.report(peer, 'forged-header', `serves a header at ${entry.height} that is not the verified ${entry.hash}`)
      } catch (err) {
        if (signal.aborted) throw abortErr(`header ${entry.height}`, signal)
        blame(peer, err, `header ${entry.height}`)
      }
    }
    throw new HeaderVerificationError(entry.height, 'no peer served the verified header')
  }

  // Above the trusted head: skipping verification from the trusted block, peer by peer.
  async function verifyAbove (height: number, trusted: LightBlock, signal: AbortSignal): Promise<{ entry: AcceptedHeader, header: Header }> {
    const peers = usable(height).slice(0, 3)
    const heads = await Promise.all(peers.map(async (peer) => {
      try { return { peer, h: Number((await withTimeout(signal, o.requestTimeoutMs, async (s) => await transport.lightBlock(peer, 'latest', { signal: s })))?.signedHeader?.header?.height ?? 0n) } } catch (err) {
        if (signal.aborted) throw abortErr(`header ${height}`, signal)
        blame(peer, err, 'head request')
        return { peer, h: 0 }
      }
    }))
    const top = Math.max(Number(trusted.signedHeader.header.height), ...heads.map(x => x.h))
    const have = heads.filter(x => x.h >= height)
    if (have.length === 0) throw new HeightNotAvailableError(height, top)
    let last: unknown
    for (const { peer } of have) {
      try {
        const lb = await withTimeout(signal, o.requestTimeoutMs, async (s) => await transport.lightBlock(peer, BigInt(height), { signal: s }))
        if (lb?.signedHeader?.header?.height !== BigInt(height)) throw new HeaderVerificationError(height, `${peer} served height ${String(lb?.signedHeader?.header?.height)}`)
        const { trace } = await verifySkipping({
          trusted,
          untrusted: lb.signedHeader,
          untrustedVals: lb.validators,
          trustingPeriodMs: o.trustingPeriodMs,
          now: o.now(),
          maxClockDriftMs: o.maxClockDriftMs,
          fetchLightBlock: async (h, fo) => await withTimeout(fo.signal ?? signal, o.requestTimeoutMs, async (s) => await transport.lightBlock(peer, h, { signal: s })),
          signal
        })
        const t = trace[trace.length - 1]
        const header = lb.signedHeader.header
        return { entry: { height, hash: toHex(t.hash), verifiedBy: t.verifiedBy, from: Number(t.from), time: formatRfc3339(header.time) }, header }
      } catch (err) {
        if (signal.aborted) throw abortErr(`header ${height}`, signal)
        if (err instanceof TrustExpiredError) throw new HeaderVerificationError(height, 'the trusted header is past its trusting period', { cause: err })
        last = err
        blame(peer, err, `header ${height}`)
      }
    }
    throw new HeaderVerificationError(height, `no peer served a header that verifies (last: ${(last as Error)?.message ?? String(last)})`, { cause: last })
  }

  // Below the trusted head and not logged: hash links down from the nearest logged header above it.
  async function verifyBelow (height: number, signal: AbortSignal): Promise<{ entry: AcceptedHeader, header: Header }> {
    const anchorEntry = c.log.all().find(e => e.height > height)
    if (anchorEntry === undefined) throw new HeaderVerificationError(height, 'no verified header above it to link down from')
    if (anchorEntry.height - height > maxBack) throw new HeaderVerificationError(height, `${anchorEntry.height - height} blocks below the nearest verified header (${anchorEntry.height}); the limit is ${maxBack}`)
    let last: unknown
    for (const peer of usable(height)) {
      try {
        let anchor = await fetchLogged(anchorEntry, signal)
        let hash = fromHex(anchorEntry.hash)
        for (let h = anchorEntry.height - 1; h >= height;) {
          const from = Math.max(height, h - 31)
          const lightBlocks = transport.lightBlocks?.bind(transport)
          const blocks = lightBlocks !== undefined
            ? await withTimeout(signal, o.requestTimeoutMs, async (s) => await lightBlocks(peer, BigInt(from), h - from + 1, { signal: s }))
            : [await withTimeout(signal, o.requestTimeoutMs, async (s) => await transport.lightBlock(peer, BigInt(h), { signal: s }))]
          const byHeight = new Map(blocks.map(b => [Number(b?.signedHeader?.header?.height ?? -1), b]))
          const lowest = transport.lightBlocks !== undefined ? from : h
          for (; h >= lowest; h--) {
            const lb = byHeight.get(h)
            if (lb === undefined) throw new HeaderVerificationError(h, `${peer} did not serve it`)
            validateSignedHeaderBasic(lb.signedHeader, c.chainId)
            const hh = hashHeader(lb.signedHeader.header)
            if (!equalBytes(hh, anchor.lastBlockId.hash)) { c.peers.report(peer, 'forged-header', `header ${h} is not the parent of verified header ${h + 1}`); throw new HeaderVerificationError(h, `${peer}: not the parent of ${h + 1}`) }
            const header = lb.signedHeader.header
            hash = hh
            if (h === height) return { entry: { height, hash: toHex(hash), verifiedBy: 'backwards', from: height + 1, time: formatRfc3339(header.time) }, header }
            anchor = header
          }
        }
      } catch (err) {
        if (signal.aborted) throw abortErr(`header ${height}`, signal)
        if (err instanceof HeaderVerificationError && err.height === anchorEntry.height) throw err
        last = err
        blame(peer, err, `header ${height} (backwards)`)
      }
    }
    throw new HeaderVerificationError(height, `no peer served hash-linked headers down to it (last: ${(last as Error)?.message ?? String(last)})`, { cause: last })
  }

  async function resolve (height: number, signal: AbortSignal, needHeader: boolean): Promise<{ entry: AcceptedHeader, header?: Header }> {
    if (!Number.isSafeInteger(height) || height < 1) throw new InvalidHeightError(height)
    if (signal.aborted) throw abortErr(`header ${height}`, signal)
    const cached = headers.get(height)
    if (cached !== undefined) return cached
    try { await c.waitForHeight(1, { signal }) } catch (err) { if (signal.aborted) throw abortErr(`header ${height}`, signal); throw err }
    const logged = c.log.get(height)
    if (logged !== undefined) {
      if (!needHeader) return { entry: logged }
      const r = { entry: logged, header: await fetchLogged(logged, signal) }
      headers.set(height, r)
      return r
    }
    const trusted = c.trusted()
    if (trusted === undefined) throw new HeaderVerificationError(height, 'the node has no trusted header')
    const r = height > Number(trusted.signedHeader.header.height) ? await verifyAbove(height, trusted, signal) : await verifyBelow(height, signal)
    headers.set(height, r)
    return r
  }

  return {
    meteredTransport,
    async verifyHeader (height, options = {}) {
      return (await resolve(height, options.signal ?? new AbortController().signal, false)).entry
    },
    async checkAvailability (height, options = {}) {
      const signal = options.signal ?? new AbortController().signal
      if (!Number.isSafeInteger(height) || height < 1) throw new InvalidHeightError(height)
      if (signal.aborted) throw abortErr(`availability of ${height}`, signal)
      // the sampler's report: its height's header was verified before it was sampled
      const reused = reports.get(height)
      if (reused !== undefined) return reused
      const { entry, header } = await resolve(height, signal, true)
      if (equalBytes(header!.dataHash, EMPTY_DATA_HASH)) {
        return { height, available: true, outcome: 'empty', confidence: 1, sampledColumns: [], blobs: 0, peers: [], cost: { ms: 0, bytes: 0, cells: 0 }, verifiedHeader: entry.hash, reused: false }
      }
      meters.delete(height)
      const sampler = new Sampler({ transport: meteredTransport, kzg: c.kzg, peers: c.peers, emitter: c.emitter, debug: c.debug, nodeId: c.nodeId, cells: c.cells }, o.sampler)
      let out
      try { out = await sampler.sampleBlock(header!, signal) } catch (err) {
        if (signal.aborted) throw abortErr(`availability of ${height}`, signal)
        throw err
      }
      const base = { height, cost: cost(height), verifiedHeader: entry.hash, reused: false }
      let report: AvailabilityReport
      if (out.kind === 'sampled') report = { ...base, available: true, outcome: 'sampled', confidence: out.confidence, sampledColumns: out.columns, blobs: out.blobs, peers: out.peers }
      else if (out.kind === 'empty') report = { ...base, available: true, outcome: 'empty', confidence: 1, sampledColumns: [], blobs: 0, peers: [] }
      else report = { ...base, available: false, outcome: 'unavailable', confidence: 0, sampledColumns: [], blobs: 0, peers: [], missing: out.missing, reason: out.reason }
      if (out.kind !== 'empty') reports.set(height, report)
      return report
    },
    recentAvailability (limit = 32) {
      return [...reports.values()].sort((a, b) => a.height - b.height).slice(-Math.max(0, limit))
    }
  }
}
