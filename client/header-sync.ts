/**
 * Header sync (DESIGN §5). Header 1 is trusted only if its validators are the genesis validators
 * and more than 2/3 of them signed it (or, with a checkpoint, the header at its height is trusted if
 * it hashes to the operator's hash and > 2/3 of its own validators signed it); from the newest trusted header, the heads that several peers
 * serve are verified with skipping verification (bisection built in) and the highest that verifies
 * wins. Headers in between are accepted backwards by hash links (each header's lastBlockId names
 * its parent), so the sampler gets every height's data_hash without checking more signatures.
 */
import {
  formatRfc3339, hashHeader, isHeaderExpired, validateSignedHeaderBasic, validatorSetHash, verify, verifyCommitLight, verifySkipping,
  InvalidHeaderError, InvalidValidatorSetError, TrustExpiredError, validateValidatorSet, type Header, type LightBlock, type TraceEntry
} from '../protocol/chain/index.js'
import { equalBytes, toHex } from '../protocol/bytes.js'
import { ForkDetectedError, GenesisHeaderError, NoPeersError } from './errors.js'
import { CheckpointMismatchError, InvalidCheckpointError, type Checkpoint } from './checkpoint.js'
import type { Emitter } from './events.js'
import type { PinnedGenesis } from './genesis.js'
import type { HeaderLog } from './header-log.js'
import type { PeerBook } from './peers.js'
import type { AcceptedHeader, LightTransport, PeerOffence, PeerRef } from './types.js'
import { withTimeout } from '../protocol/signals.js'

/** Tunables of header sync (defaults in createLightNode). */
export interface HeaderSyncOptions {
  trustingPeriodMs: number
  maxClockDriftMs: number
  /** Peers asked for their head each round (at least 2 when there are 2). */
  headPeers: number
  /** How far below a new head the gap is filled backwards (the DA sampling window). */
  backfillBlocks: number
  requestTimeoutMs: number
  now: () => number
  /** Anchor here instead of header 1 when nothing (unexpired) is stored; nothing below it is fetched. */
  checkpoint?: Checkpoint
}

/** Components header sync uses. */
export interface HeaderSyncComponents {
  transport: LightTransport
  genesis: PinnedGenesis
  log: HeaderLog
  peers: PeerBook
  emitter: Emitter
  debug: (m: string) => void
  /** Called with newly accepted headers, ascending (the sampler queues them). */
  onAccepted: (accepted: Array<{ entry: AcceptedHeader, header: Header }>) => void
}

/** Which offence a verification failure is: a lie about signatures, or a forged/malformed header. */
export function offenceOf (err: unknown): PeerOffence | undefined {
  const name = (err as Error)?.name
  if (name === 'InsufficientSignaturesError' || name === 'NotEnoughTrustError') return 'insufficient-commit'
  if (['InvalidHeaderError', 'InvalidCommitError', 'InvalidSignatureError', 'InvalidValidatorSetError', 'BadLightBlockError', 'GenesisHeaderError', 'ForkDetectedError'].includes(name)) return 'forged-header'
  if (name === 'MalformedMessageError' || name === 'InvalidResponseError' || name === 'MessageTooLargeError') return 'malformed'
  if (name === 'RequestTimeoutError' || (err as any)?.code === 'TIMEOUT') return 'timeout'
  return undefined
}

function isAbort (err: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (err as Error)?.name === 'AbortError'
}

/**
 * The header-sync state machine; every method runs under the node's one sync queue.
 * @example const sync = new HeaderSync(components, options); await sync.restore(); await sync.syncOnce(signal)
 */
export class HeaderSync {
  trusted: LightBlock | undefined
  constructor (private readonly c: HeaderSyncComponents, private readonly o: HeaderSyncOptions) {}

  get height (): bigint { return this.trusted?.signedHeader.header.height ?? 0n }

  /** Resumes from the stored trusted block when it is of our chain and still within the trusting period. */
  async restore (): Promise<void> {
    const lb = await this.c.log.loadTrusted().catch((error) => { this.c.emitter.emit('error', { error, during: 'store' }); return undefined })
    if (lb === undefined) return
    const h = lb.signedHeader.header
    if (h.chainId !== this.c.genesis.chainId) return
    if (isHeaderExpired(h.time, this.o.trustingPeriodMs, this.o.now())) {
      this.c.debug(`stored trusted header ${h.height} is past the trusting period: starting again from ${this.o.checkpoint === undefined ? 'genesis' : `checkpoint ${this.o.checkpoint.height}`}`)
      return
    }
    // the log and the trusted block are written separately: resume only if they agree
    const logged = this.c.log.get(Number(h.height))
    if (logged !== undefined && logged.hash !== toHex(hashHeader(h))) return
    this.trusted = lb
  }

  /** One round: anchor at genesis if needed, then ask several peers for their head and verify the highest. */
  async syncOnce (signal: AbortSignal): Promise<void> {
    if (this.trusted === undefined) {
      if (this.o.checkpoint !== undefined) await this.anchorAtCheckpoint(this.o.checkpoint, signal)
      else await this.anchorAtGenesis(signal)
    }
    const peers = this.c.peers.usable().slice(0, Math.max(2, this.o.headPeers))
    if (peers.length === 0) throw new NoPeersError()
    const heads = await Promise.all(peers.map(async (peer) => {
      try {
        return { peer, lb: await withTimeout(signal, this.o.requestTimeoutMs, async (s) => await this.c.transport.lightBlock(peer, 'latest', { signal: s })) }
      } catch (err) {
        if (signal.aborted) throw err
        this.blame(peer, err, 'head request')
        return undefined
      }
    }))
    const candidates = heads.filter((x): x is { peer: PeerRef, lb: LightBlock } => x !== undefined && x.lb?.signedHeader?.header !== undefined)
      .sort((a, b) => Number(b.lb.signedHeader.header.height - a.lb.signedHeader.header.height))
    const rest: typeof candidates = []
    let won = false
    for (const cand of candidates) {
      if (won || cand.lb.signedHeader.header.height <= this.height) { rest.push(cand); continue }
      won = await this.verifyHead(cand.peer, cand.lb, signal)
    }
    // A lower head than ours must be the very header we accepted at that height, and carry a
    // commit that really has > 2/3 of its validators' power (the set is authenticated by the
    // header's validators_hash): a peer serving a genuine header with too few signatures is lying
    // too, even when we don't need its head (a few signature checks per round).
    for (const { peer, lb } of rest) {
      const e = this.c.log.get(Number(lb.signedHeader.header.height))
      if (e === undefined) continue
      let hash: string
      try { hash = toHex(validateSignedHeaderBasic(lb.signedHeader, this.c.genesis.chainId)) } catch (err) { this.blame(peer, err, 'head'); continue }
      if (hash !== e.hash) { this.c.peers.report(peer, 'forged-header', `serves ${hash} at height ${e.height}, which we verified as ${e.hash}`); continue }
      try {
        const { header, commit } = lb.signedHeader
        if (!equalBytes(validatorSetHash(lb.validators), header.validatorsHash)) throw new InvalidValidatorSetError(`validators served with head ${e.height} are not the header's validators_hash`)
        verifyCommitLight(this.c.genesis.chainId, lb.validators, commit.blockId, header.height, commit)
      } catch (err) { this.blame(peer, err, `head ${e.height}`) }
    }
  }

  /** A gossiped header: verified directly when it is the next height, else a hint to sync. Returns true if accepted. */
  async offer (lb: LightBlock, from: PeerRef, signal: AbortSignal): Promise<boolean> {
    const trusted = this.trusted
    if (trusted === undefined || lb?.signedHeader?.header?.height !== trusted.signedHeader.header.height + 1n) return false
    try {
      verify({ trusted, untrusted: lb.signedHeader, untrustedVals: lb.validators, trustingPeriodMs: this.o.trustingPeriodMs, now: this.o.now(), maxClockDriftMs: this.o.maxClockDriftMs })
    } catch (err) {
      if (err instanceof TrustExpiredError) throw err
      this.blame(from, err, 'gossiped header')
      return false
    }
    signal.throwIfAborted()
    await this.accept([{ height: lb.signedHeader.header.height, hash: lb.signedHeader.commit.blockId.hash, verifiedBy: 'adjacent', from: trusted.signedHeader.header.height }], lb, new Map(), from, signal)
    return true
  }

  private blame (peer: PeerRef, err: unknown, what: string): void {
    const offence = offenceOf(err)
    const detail = `${what}: ${(err as Error)?.name ?? 'Error'}: ${(err as Error)?.message ?? String(err)}`
    if (offence === undefined) this.c.debug(`peer ${peer}: ${detail}`)
    else this.c.peers.report(peer, offence, detail)
  }

  private async anchorAtGenesis (signal: AbortSignal): Promise<void> {
    const peers = this.c.peers.usable()
    if (peers.length === 0) throw new NoPeersError()
    const { chainId, validators, validatorsHash } = this.c.genesis
    for (const peer of peers) {
      let lb: LightBlock
      try {
        lb = await withTimeout(signal, this.o.requestTimeoutMs, async (s) => await this.c.transport.lightBlock(peer, 1n, { signal: s }))
      } catch (err) {
        if (isAbort(err, signal)) throw err
        this.blame(peer, err, 'header 1')
        continue
      }
      try {
        const sh = lb?.signedHeader
        if (sh?.header?.height !== 1n) throw new GenesisHeaderError(`asked for header 1, got ${String(sh?.header?.height)}`)
        const hash = validateSignedHeaderBasic(sh, chainId)
        if (!equalBytes(sh.header.validatorsHash, validatorsHash)) {
          throw new GenesisHeaderError(`header 1 validators ${toHex(sh.header.validatorsHash)} are not the genesis validators ${toHex(validatorsHash)}`)
        }
        if (isHeaderExpired(sh.header.time, this.o.trustingPeriodMs, this.o.now())) {
          throw new TrustExpiredError(1n, 'header 1 is older than the trusting period: anchor at a recent checkpoint instead')
        }
        verifyCommitLight(chainId, validators, sh.commit.blockId, 1n, sh.commit)
        const trusted: LightBlock = { signedHeader: sh, validators }
        this.trusted = trusted
        await this.c.log.saveTrusted(trusted)
        await this.record([{ entry: entryOf(sh.header, hash, 'genesis', 0n), header: sh.header }])
        return
      } catch (err) {
        if (err instanceof TrustExpiredError) throw err
        this.blame(peer, err, 'header 1')
      }
    }
    throw new NoPeersError('no peer served a header 1 signed by the genesis validators')
  }

  // The light block at the checkpoint height: its hash is the operator's, its validators are the
  // header's validators_hash, > 2/3 of them signed it, and it is within the trusting period.
  private async anchorAtCheckpoint (cp: Checkpoint, signal: AbortSignal): Promise<void> {
    const { chainId } = this.c.genesis
    if (cp.chainId !== undefined && cp.chainId !== chainId) throw new InvalidCheckpointError(`checkpoint is of chain '${cp.chainId}', the pinned genesis is '${chainId}'`)
    const peers = this.c.peers.usable()
    if (peers.length === 0) throw new NoPeersError()
    const others: Array<{ peer: PeerRef, hash: string }> = []
    for (const peer of peers) {
      let lb: LightBlock
      try {
        lb = await withTimeout(signal, this.o.requestTimeoutMs, async (s) => await this.c.transport.lightBlock(peer, cp.height, { signal: s }))
      } catch (err) {
        if (isAbort(err, signal)) throw err
        this.blame(peer, err, `checkpoint ${cp.height}`)
        continue
      }
      let hash: Uint8Array
      try {
        const sh = lb?.signedHeader
        if (sh?.header?.height !== cp.height) throw new InvalidHeaderError(`asked for header ${cp.height}, got ${String(sh?.header?.height)}`)
        hash = validateSignedHeaderBasic(sh, chainId)
        validateValidatorSet(lb.validators)
        if (!equalBytes(validatorSetHash(lb.validators), sh.header.validatorsHash)) throw new InvalidValidatorSetError(`validators served with checkpoint ${cp.height} are not the header's validators_hash`)
        verifyCommitLight(chainId, lb.validators, sh.commit.blockId, cp.height, sh.commit)
      } catch (err) {
        this.blame(peer, err, `checkpoint ${cp.height}`)
        continue
      }
      const sh = lb.signedHeader
      if (toHex(hash) !== cp.hash) { others.push({ peer, hash: toHex(hash) }); continue }
      if (isHeaderExpired(sh.header.time, this.o.trustingPeriodMs, this.o.now())) {
        throw new TrustExpiredError(cp.height, `checkpoint ${cp.height} (${formatRfc3339(sh.header.time)}) is older than the trusting period of ${this.o.trustingPeriodMs} ms: take a more recent checkpoint`)
      }
      // a peer serving another validly signed header at this height is on a fork (ours is the operator's)
      for (const o of others) this.c.peers.report(o.peer, 'forged-header', `serves ${o.hash} at checkpoint height ${cp.height}, the checkpoint is ${cp.hash}`)
      const trusted: LightBlock = { signedHeader: sh, validators: lb.validators }
      this.trusted = trusted
      await this.c.log.saveTrusted(trusted)
      await this.record([{ entry: entryOf(sh.header, hash, 'checkpoint', 0n), header: sh.header }])
      return
    }
    if (others.length > 0) {
      throw new CheckpointMismatchError(`checkpoint ${cp.height}:${cp.hash} does not match the chain: ${others.length} peer(s) serve header ${cp.height} signed by > 2/3 of its validators with hash ${others[0].hash}; check the checkpoint's hash`)
    }
    throw new NoPeersError(`no peer served a validly signed header ${cp.height} for the checkpoint`)
  }

  private async verifyHead (peer: PeerRef, lb: LightBlock, signal: AbortSignal): Promise<boolean> {
    const trusted = this.trusted!
    const fetched = new Map<bigint, LightBlock>()
    let trace: TraceEntry[]
    try {
      ({ trace } = await verifySkipping({
        trusted,
        untrusted: lb.signedHeader,
        untrustedVals: lb.validators,
        trustingPeriodMs: this.o.trustingPeriodMs,
        now: this.o.now(),
        maxClockDriftMs: this.o.maxClockDriftMs,
        fetchLightBlock: async (h, o) => {
          const b = await withTimeout(o.signal ?? signal, this.o.requestTimeoutMs, async (s) => await this.c.transport.lightBlock(peer, h, { signal: s }))
          fetched.set(h, b)
          return b
        },
        signal
      }))
    } catch (err) {
      if (isAbort(err, signal)) throw err
      if (err instanceof TrustExpiredError) {
        // our anchor is too old: start again from genesis next round (or stay stuck, reported)
        this.trusted = undefined
        throw err
      }
      this.blame(peer, err, `head ${lb.signedHeader.header.height}`)
      return false
    }
    await this.accept(trace, lb, fetched, peer, signal)
    return true
  }

  // Records the verifier's trace, makes the target trusted, then fills the gap below it backwards.
  private async accept (trace: TraceEntry[], target: LightBlock, fetched: Map<bigint, LightBlock>, peer: PeerRef, signal: AbortSignal): Promise<void> {
    const prev = this.height
    const headerOf = (h: bigint): Header => h === target.signedHeader.header.height ? target.signedHeader.header : fetched.get(h)!.signedHeader.header
    const accepted = new Map<bigint, { entry: AcceptedHeader, header: Header }>()
    for (const t of trace) {
      const header = headerOf(t.height)
      accepted.set(t.height, { entry: entryOf(header, t.hash, t.verifiedBy, t.from), header })
    }
    // Fork check: a verified header at a height we already hold must be the same header.
    for (const [h, a] of accepted) {
      const old = this.c.log.get(Number(h))
      if (old !== undefined && old.hash !== a.entry.hash) {
        const err = new ForkDetectedError(h, `height ${h}: verified ${a.entry.hash}, but ${old.hash} was verified before`)
        this.c.emitter.emit('error', { error: err, during: 'sync' })
        throw err
      }
    }
    this.trusted = target
    const low = BigInt(Math.max(Number(prev) + 1, Number(target.signedHeader.header.height) - this.o.backfillBlocks))
    await this.backfill(target.signedHeader.header, low, accepted, fetched, peer, signal)
    await this.record([...accepted.values()].sort((a, b) => Number(a.header.height - b.header.height)))
    // persisted only once its headers are logged: a node stopped in between resumes from the older
    // trusted block instead of from one the log doesn't reach (which left a permanent gap in the log)
    await this.c.log.saveTrusted(target)
  }

  private async backfill (top: Header, low: bigint, accepted: Map<bigint, { entry: AcceptedHeader, header: Header }>, fetched: Map<bigint, LightBlock>, peer: PeerRef, signal: AbortSignal): Promise<void> {
    let anchor = top
    let h = top.height - 1n
    const cache = new Map(fetched)
    while (h >= low) {
      signal.throwIfAborted()
      const known = accepted.get(h)
      if (known === undefined && !cache.has(h)) {
        try {
          await this.fetchRange(peer, low, h, cache, signal)
        } catch (err) {
          if (isAbort(err, signal)) throw err
          this.blame(peer, err, `backfill at ${h}`)
          return
        }
      }
      const header = known?.header ?? cache.get(h)?.signedHeader?.header
      if (header === undefined) { this.c.debug(`backfill stopped at ${h}: not served`); return }
      let hash: Uint8Array
      try { hash = hashHeader(header) } catch (err) { this.blame(peer, err, `backfill at ${h}`); return }
      if (!equalBytes(hash, anchor.lastBlockId.hash)) {
        if (known !== undefined) {
          const err = new ForkDetectedError(h, `header ${h} verified by signatures is not the parent of header ${anchor.height}`)
          this.c.emitter.emit('error', { error: err, during: 'sync' })
          return
        }
        this.c.peers.report(peer, 'forged-header', `header ${h} is not the parent of verified header ${anchor.height}`)
        return
      }
      if (known === undefined && this.c.log.get(Number(h)) === undefined) {
        accepted.set(h, { entry: entryOf(header, hash, 'backwards', anchor.height), header })
      }
      anchor = header
      h--
    }
  }

  // Fetches blocks [max(low, h-31), h] into the cache, batched when the transport can.
  private async fetchRange (peer: PeerRef, low: bigint, h: bigint, cache: Map<bigint, LightBlock>, signal: AbortSignal): Promise<void> {
    const from = h - 31n > low ? h - 31n : low
    const lightBlocks = this.c.transport.lightBlocks?.bind(this.c.transport)
    if (lightBlocks !== undefined) {
      const blocks = await withTimeout(signal, this.o.requestTimeoutMs, async (s) => await lightBlocks(peer, from, Number(h - from + 1n), { signal: s }))
      for (const b of blocks) if (b?.signedHeader?.header !== undefined) cache.set(b.signedHeader.header.height, b)
      if (cache.has(h)) return
    }
    cache.set(h, await withTimeout(signal, this.o.requestTimeoutMs, async (s) => await this.c.transport.lightBlock(peer, h, { signal: s })))
  }

  private async record (items: Array<{ entry: AcceptedHeader, header: Header }>): Promise<void> {
    const fresh = items.filter(i => this.c.log.get(i.entry.height) === undefined)
    await this.c.log.append(fresh.map(i => i.entry))
    for (const i of fresh) this.c.emitter.emit('header', i.entry)
    this.c.onAccepted(fresh)
  }
}

function entryOf (header: Header, hash: Uint8Array, verifiedBy: AcceptedHeader['verifiedBy'], from: bigint): AcceptedHeader {
  return { height: Number(header.height), hash: toHex(hash), verifiedBy, from: Number(from), time: formatRfc3339(header.time) }
}
