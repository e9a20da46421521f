/**
 * The light node's storage contribution (DESIGN §4), platform-free: register a pledge, learn the
 * assigned sectors from chain state, fetch them from two full nodes (they must agree), seal them
 * (`seal` is injected so Node and browsers can run it in a worker), keep the sealed segments in the
 * LightStore, post `pora.commit` and each sector's `pora.prove`, answer challenges from the store,
 * and re-fetch + re-seal whatever the store lost (found by a challenge or the periodic check).
 *
 * Store layout (values ≤ 256 KiB): `pora/seg/<sectorStart>/<segment>` = the sealed segment;
 * `pora/sector/<sectorStart>` = the commitment (`encodeSectorCommitment`) ‖ the sealed segment
 * roots (32 B each) — all `SealedSector` needs besides the bytes.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { encodeBody, type LedgerTxKind, type TxBodies } from '../../protocol/chain/bodies.js'
import { decodeRecord, type NodeRecord } from '../../protocol/chain/state-proof.js'
import { encodeTx, signTx, addressFromPublicKey } from '../../protocol/chain/tx.js'
import { hashHeader } from '../../protocol/chain/header.js'
import { equalBytes, toHex } from '../../protocol/bytes.js'
import { GlowmeshError } from '../../protocol/errors.js'
import { type ChunkHasher, CHUNK_SIZE, SegmentTree, chunkProof, fileLayout, nobleHasher, segmentRoot, verifyChunkProof } from '../../protocol/storage/index.js'
import { type SealParams, type SectorCommitment, type ChallengeSpec, type Answer, sealSector, proveSealing, verifyChallengeSignature } from '../../protocol/pora/index.js'
import { assignRanges, sectorStarts } from '../../protocol/pora/assign.js'
import { decodeSectorCommitment, encodeSectorCommitment, encodeSealingProof } from '../../protocol/pora/commit-codec.js'
import { answerToWire, challengeFromWire } from '../../protocol/pora/wire.js'
import { ChallengeStatus, type Challenge as WireChallenge, type ChallengeAnswer } from '../../protocol/wire/index.js'
import type { ChallengeEvent, LightStore, LightTransport, PeerRef, WaitOptions } from '../types.js'
import { sleep } from '../../protocol/sleep.js'

const SEGMENT_CHUNKS = 1024
const SEGMENT_BYTES = SEGMENT_CHUNKS * CHUNK_SIZE
const hex16 = (n: number): string => n.toString(16).padStart(16, '0')
const segKey = (sector: number, seg: number): string => `pora/seg/${hex16(sector)}/${hex16(seg)}`
const sectorKey = (sector: number): string => `pora/sector/${hex16(sector)}`

/** Storage contribution failed in a way the caller should see (registration refused, no data…). */
export class StorageContributorError extends GlowmeshError {
  override name = 'StorageContributorError'
  constructor (message: string, options?: { cause?: unknown }) { super('STORAGE_CONTRIBUTOR', message, options) }
}

/**
 * Seals one sector; `sealSector` by default, a worker-backed one in browsers (worker/client.ts). An
 * implementation that transferred `data` away (detaching the caller's view) hands it back as `data`.
 */
export type SealFn = (input: { data: Uint8Array, nodeId: Uint8Array, sectorStart: number, params: SealParams, signal?: AbortSignal }) => Promise<{ sealed: Uint8Array, commitment: SectorCommitment, data?: Uint8Array }>
/** Builds one sector's spot-check proof (`proveSealing`), worker-backed where it can be; must leave `data` intact. */
export type ProveFn = (input: { data: Uint8Array, commitment: SectorCommitment, params: SealParams, seed: Uint8Array, signal?: AbortSignal }) => Promise<Uint8Array>

/** What the light node hands the contributor. */
export interface StorageHost {
  transport: LightTransport
  store: LightStore
  /**
   * Reads a state entry by ABCI path (`node/0x…`, `epoch`, `flow`, `params`, `account/0x…`),
   * checked against a verified app hash by the light node core; null when absent. Default: the
   * transport's `queryState` value from the first peer, unverified.
   */
  query?: (path: string, options?: WaitOptions) => Promise<Uint8Array | null>
  /** The hash of the block at `height` once verified; default: a peer's light block, hashed (hashHeader). */
  blockHash?: (height: number, options?: WaitOptions) => Promise<Uint8Array | undefined>
  /** The light node's `challenge` event (client/types.ts StorageContext passes it). */
  emitChallenge?: (event: ChallengeEvent) => void
  log?: (message: string) => void
}

/** `status()` of the contributor, merged into the light node's status object (DESIGN §8). */
export interface StorageStatus { cachedBytes: number, challengesAnswered: number, challengesFailed: number }

/** A running contributor. */
export interface StorageContributor {
  start: (host: StorageHost) => Promise<void>
  stop: () => Promise<void>
  status: () => StorageStatus
  /** One pass of the maintenance loop (register, seal, commit, prove, repair); resolves when done. */
  sync: (options?: WaitOptions) => Promise<void>
  /** Answers one challenge from the store (what the transport's challenge handler calls). */
  answer: (challenge: WireChallenge, from?: PeerRef) => Promise<ChallengeAnswer>
  /** Events for a dashboard / logs. */
  on: (listener: (event: StorageEvent) => void) => () => void
}

/** Everything the contributor reports. */
export type StorageEvent =
  | { type: 'registered', pledgeBytes: number }
  | { type: 'sealed', sectorStart: number, ms: number }
  | { type: 'committed', sectors: number[] }
  | { type: 'proven', sectorStart: number }
  | { type: 'challenge', id: string, ok: boolean, reason?: string }
  | { type: 'lost', sectorStart: number }
  | { type: 'error', message: string }

export interface StorageContributorOptions {
  /** The node's ed25519 secret key (32 B); its public key is the node id and the libp2p identity. */
  secretKey: Uint8Array
  pledgeBytes: number
  seal?: SealFn
  prove?: ProveFn
  hasher?: ChunkHasher
  /** Maintenance period, ms (default 3000). */
  checkIntervalMs?: number
  /** Full nodes whose flow bytes must agree before sealing (default 2, fewer if fewer peers). */
  agreeingPeers?: number
  /** Verified state reads (createVerifiedQuery); overrides the host's. */
  query?: StorageHost['query']
  /** Verified block hashes; overrides the host's. */
  blockHash?: StorageHost['blockHash']
  /** Debug lines (default: none). */
  log?: (message: string) => void
}

const defaultSeal: SealFn = async (i) => sealSector(i)
const defaultProve: ProveFn = async (i) => encodeSealingProof(proveSealing(i))

/**
 * A storage contributor for `createLightNode({ storage })`.
 * @example const storage = createStorageContributor({ secretKey, pledgeBytes: 4 << 20 }); await storage.start({ transport, store })
 */
export function createStorageContributor (options: StorageContributorOptions): StorageContributor {
  const nodeId = ed25519.getPublicKey(options.secretKey)
  const nodeHex = toHex(nodeId)
  const seal = options.seal ?? defaultSeal
  const prove = options.prove ?? defaultProve
  const hasher = options.hasher ?? nobleHasher
  const listeners = new Set<(e: StorageEvent) => void>()
  const emit = (e: StorageEvent): void => {
    for (const l of listeners) try { l(e) } catch {}
    try { options.log?.(`storage: ${JSON.stringify(e)}`) } catch {}
  }
  const stats: StorageStatus = { cachedBytes: 0, challengesAnswered: 0, challengesFailed: 0 }
  let host: StorageHost | undefined
  let params: { chainId: string, minFee: bigint, seal: SealParams } | undefined
  let controller: AbortController | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  let running: Promise<void> | undefined
  // Sector data kept until its spot check is on chain (proveSealing needs it).
  const pendingData = new Map<number, Uint8Array>()
  const lost = new Set<number>()
  let nextNonce = 0n
  // One maintenance pass at a time (the loop, a challenge's repair kick and callers of sync()).
  let passes: Promise<void> = Promise.resolve()
  const serialSync = async (o?: WaitOptions): Promise<void> => { const p = passes.then(async () => await sync(o)); passes = p.catch(() => {}); await p }

  const peers = (): PeerRef[] => host!.transport.peers()
  async function query (path: string, o?: WaitOptions): Promise<Uint8Array | null> {
    if (host!.query !== undefined) return await host!.query(path, o)
    const q = host!.transport.queryState
    if (q === undefined) throw new StorageContributorError('the transport cannot query chain state')
    let last: unknown
    for (const p of peers()) {
      try { const r = await q(p, path, o); return r.value.length === 0 ? null : r.value } catch (err) { last = err }
    }
    throw new StorageContributorError(`no peer answered the state query ${path}`, { cause: last })
  }
  async function loadParams (o?: WaitOptions): Promise<NonNullable<typeof params>> {
    if (params !== undefined) return params
    const v = await query('params', o)
    if (v === null) throw new StorageContributorError('chain has no ledger parameters')
    const j = JSON.parse(new TextDecoder().decode(v))
    params = { chainId: j.chainId, minFee: BigInt(j.minFee), seal: j.seal }
    return params
  }
  async function nodeRecord (o?: WaitOptions): Promise<NodeRecord | null> {
    const v = await query(`node/${nodeHex}`, o)
    return v === null ? null : decodeRecord('node', v)
  }
  async function sendTxs (txs: Array<{ kind: LedgerTxKind, body: any }>, o?: WaitOptions): Promise<void> {
    const p = await loadParams(o)
    const acct = await query(`account/${addressOf()}`, o)
    // The state shows committed nonces; txs of ours may still sit in the mempool.
    let nonce = acct === null ? 0n : decodeRecord('account', acct).nonce
    if (nonce < nextNonce) nonce = nextNonce
    for (const t of txs) {
      const bytes = encodeTx(signTx({ chainId: p.chainId, nonce, fee: p.minFee, kind: t.kind, body: encodeBody(t.kind as any, t.body as TxBodies[typeof t.kind]) }, options.secretKey))
      let res: { code: number, log: string } | undefined
      let last: unknown
      for (const peer of peers()) {
        try { res = await host!.transport.submitTx(peer, bytes, o); break } catch (err) { last = err }
      }
      if (res === undefined) throw new StorageContributorError(`no peer relayed ${t.kind}`, { cause: last })
      if (res.code !== 0) { nextNonce = 0n; throw new StorageContributorError(`${t.kind} refused (code ${res.code}): ${res.log}`) }
      nonce++
      nextNonce = nonce
    }
  }
  let address: string | undefined
  function addressOf (): string {
    if (address !== undefined) return address
    // address = first 20 bytes of sha256(public key) (CometBFT's rule), as protocol/chain computes it
    address = addressFromPublicKey(nodeId)
    return address
  }
  async function waitFor<T> (what: string, probe: () => Promise<T | undefined>, o?: WaitOptions, tries = 60): Promise<T> {
    for (let i = 0; i < tries; i++) {
      o?.signal?.throwIfAborted()
      const v = await probe()
      if (v !== undefined) return v
      await sleep(500, o?.signal)
    }
    throw new StorageContributorError(`timed out waiting for ${what}`)
  }

  /** 256 KiB of flow from `agreeingPeers` full nodes that agree byte for byte. */
  async function fetchSegment (position: number, o?: WaitOptions): Promise<Uint8Array> {
    const fetch = host!.transport.flowSegment
    if (fetch === undefined) throw new StorageContributorError('the transport cannot fetch flow segments')
    const want = Math.min(options.agreeingPeers ?? 2, Math.max(1, peers().length))
    const got: Uint8Array[] = []
    for (const p of peers()) {
      try {
        const { bytes } = await fetch(p, position, o)
        if (bytes.length !== SEGMENT_BYTES) { host!.transport.reportPeer(p, 'bad-segment', `flow ${position}: ${bytes.length} bytes`); continue }
        if (got.length > 0 && !equalBytes(got[0], bytes)) throw new StorageContributorError(`full nodes disagree on flow segment at ${position}`)
        got.push(bytes)
        if (got.length >= want) return bytes
      } catch (err) {
        if (err instanceof StorageContributorError) throw err
      }
    }
    throw new StorageContributorError(`flow segment at ${position}: ${got.length} of ${want} full nodes answered`)
  }

  async function sealOne (sectorStart: number, sp: SealParams, o?: WaitOptions): Promise<SectorCommitment> {
    const data = new Uint8Array(sp.sectorChunks * CHUNK_SIZE)
    for (let off = 0; off < sp.sectorChunks; off += SEGMENT_CHUNKS) data.set(await fetchSegment(sectorStart + off, o), off * CHUNK_SIZE)
    const t0 = Date.now()
    const sealedOut = await seal({ data, nodeId, sectorStart, params: sp, signal: o?.signal })
    const { sealed, commitment } = sealedOut
    emit({ type: 'sealed', sectorStart, ms: Date.now() - t0 })
    await putSealedSector(host!.store, { sealed, commitment, hasher })
    pendingData.set(sectorStart, sealedOut.data ?? data)
    lost.delete(sectorStart)
    stats.cachedBytes = await countCached()
    return commitment
  }

  async function loadSector (sectorStart: number): Promise<{ commitment: SectorCommitment, roots: Uint8Array[] } | undefined> {
    const v = await host!.store.get(sectorKey(sectorStart))
    if (v === undefined) return undefined
    const sp = params!.seal
    const segs = Math.max(1, sp.sectorChunks / SEGMENT_CHUNKS)
    const clen = v.length - 32 * segs
    return { commitment: decodeSectorCommitment(v.subarray(0, clen), nodeId), roots: Array.from({ length: segs }, (_, i) => v.slice(clen + 32 * i, clen + 32 * (i + 1))) }
  }

  async function countCached (): Promise<number> {
    return (await host!.store.keys('pora/seg/')).length * SEGMENT_BYTES
  }

  /** One maintenance pass. */
  async function sync (o?: WaitOptions): Promise<void> {
    const p = await loadParams(o)
    const sp = p.seal
    let node = await nodeRecord(o)
    if (node === null) {
      // NODE_EXISTS (16): our registration is already pending in the mempool — just wait for it.
      await sendTxs([{ kind: 'registry.register', body: { pledgeBytes: options.pledgeBytes, commR: new Uint8Array() } }], o).catch((err) => {
        if (!/code 16\b/.test((err as Error).message)) throw err
      })
      node = await waitFor('registration', async () => (await nodeRecord(o)) ?? undefined, o)
      emit({ type: 'registered', pledgeBytes: options.pledgeBytes })
    }
    // What is on chain vs what the store holds.
    const committed = (node.sectors ?? []).map((b) => decodeSectorCommitment(b, nodeId))
    const stored = new Map<number, SectorCommitment>()
    for (const c of committed) {
      const s = await loadSector(c.sectorStart)
      const complete = s !== undefined && equalBytes(s.commitment.commR, c.commR) && await hasAllSegments(c.sectorStart, sp)
      if (complete) stored.set(c.sectorStart, c)
      else if (!lost.has(c.sectorStart)) { lost.add(c.sectorStart); emit({ type: 'lost', sectorStart: c.sectorStart }) }
    }
    if (committed.length === 0 || lost.size > 0) {
      // (Re)build the whole commitment from the current assignment.
      const epochV = await query('epoch', o); const flowV = await query('flow', o)
      if (epochV === null || flowV === null) return
      const epoch = decodeRecord('epoch', epochV); const flow = decodeRecord('flow', flowV)
      const starts = sectorStarts(assignRanges({ nodeId, pledgeBytes: node.pledgeBytes, flowLength: flow.length, epochSeed: epoch.seed, sectorChunks: sp.sectorChunks }), sp.sectorChunks)
      if (starts.length === 0) return // no whole sector in the flow yet
      const out: SectorCommitment[] = []
      for (const s of starts) {
        const have = stored.get(s)
        if (have !== undefined && !lost.has(s)) { out.push(have); continue }
        // Re-sealing the same data for the same id gives the same commitment: a repaired sector stays proven.
        out.push(await sealOne(s, sp, o))
      }
      const same = out.length === committed.length && out.every((c, i) => equalBytes(c.commR, committed[i].commR) && c.sectorStart === committed[i].sectorStart)
      lost.clear()
      if (!same) {
        await sendTxs([{ kind: 'pora.commit', body: { epoch: epoch.epoch, flowLength: flow.length, sectors: out.map(encodeSectorCommitment) } }], o)
        node = await waitFor('pora.commit', async () => {
          const n = await nodeRecord(o)
          return n !== null && (n.sectors?.length ?? 0) === out.length && (n.commitHeight ?? 0) > (node!.commitHeight ?? 0) ? n : undefined
        }, o)
        emit({ type: 'committed', sectors: out.map((c) => c.sectorStart) })
      }
    }
    // Spot checks for sectors not proven yet (seed: block commitHeight + 1's hash).
    const sectors = (node.sectors ?? []).map((b) => decodeSectorCommitment(b, nodeId))
    const unproven = sectors.map((c, i) => ({ c, i })).filter(({ i }) => ((node!.proven?.[i >> 3] ?? 0) & (1 << (i & 7))) === 0)
    if (unproven.length > 0) {
      const seedHeight = (node.commitHeight ?? 0) + 1
      const seed = await waitFor('the seed block', async () => {
        if (host!.blockHash !== undefined) return await host!.blockHash(seedHeight, o)
        for (const peer of peers()) {
          try { const lb = await host!.transport.lightBlock(peer, BigInt(seedHeight), o); return hashHeader(lb.signedHeader.header) } catch {}
        }
        return undefined
      }, o)
      const txs: Array<{ kind: LedgerTxKind, body: any }> = []
      for (const { c } of unproven) {
        let data = pendingData.get(c.sectorStart)
        if (data === undefined) {
          data = new Uint8Array(sp.sectorChunks * CHUNK_SIZE)
          for (let off = 0; off < sp.sectorChunks; off += SEGMENT_CHUNKS) data.set(await fetchSegment(c.sectorStart + off, o), off * CHUNK_SIZE)
        }
        txs.push({ kind: 'pora.prove', body: { sectorStart: c.sectorStart, proof: await prove({ data, commitment: c, params: sp, seed, signal: o?.signal }) } })
      }
      await sendTxs(txs, o)
      await waitFor('pora.prove', async () => {
        const n = await nodeRecord(o)
        const bits = n?.proven ?? new Uint8Array()
        return unproven.every(({ i }) => ((bits[i >> 3] ?? 0) & (1 << (i & 7))) !== 0) ? true : undefined
      }, o)
      for (const { c } of unproven) { pendingData.delete(c.sectorStart); emit({ type: 'proven', sectorStart: c.sectorStart }) }
    }
    stats.cachedBytes = await countCached()
  }

  async function hasAllSegments (sectorStart: number, sp: SealParams): Promise<boolean> {
    const keys = await host!.store.keys(`pora/seg/${hex16(sectorStart)}/`)
    return keys.length === Math.max(1, sp.sectorChunks / SEGMENT_CHUNKS)
  }

  const refuse = (c: WireChallenge, status: ChallengeStatus, message: string): ChallengeAnswer => {
    host?.emitChallenge?.({ challengeId: toHex(c.id), outcome: 'failed', detail: message })
    stats.challengesFailed++
    emit({ type: 'challenge', id: toHex(c.id), ok: false, reason: message })
    return { status, message, challengeId: c.id, nodeId, chunks: [] }
  }

  /**
   * After answering: re-hash each answered segment against the root kept at sealing time. A
   * segment the disk corrupted has already produced a wrong answer (penalised); this finds it so
   * the next pass re-fetches and re-seals it instead of failing every later challenge too.
   */
  function scrub (segments: Array<{ sectorStart: number, seg: number, bytes: Uint8Array, root: Uint8Array }>): void {
    setTimeout(() => {
      for (const s of segments) {
        if (equalBytes(segmentRoot(s.bytes, SEGMENT_CHUNKS, hasher), s.root)) continue
        if (!lost.has(s.sectorStart)) { lost.add(s.sectorStart); emit({ type: 'lost', sectorStart: s.sectorStart }) }
        emit({ type: 'error', message: `sealed segment ${s.seg} of sector ${s.sectorStart} is corrupt: re-sealing` })
        kick()
      }
    }, 0)
  }

  async function answer (w: WireChallenge): Promise<ChallengeAnswer> {
    const t0 = Date.now()
    if (host === undefined || params === undefined) return refuse(w, ChallengeStatus.INTERNAL, 'not started')
    const sp = params.seal
    const c = challengeFromWire(w)
    if (!equalBytes(c.nodeId, nodeId)) return refuse(w, ChallengeStatus.BAD_CHALLENGE, 'challenge is for another node')
    if (!verifyChallengeSignature(c)) return refuse(w, ChallengeStatus.BAD_CHALLENGE, 'bad challenge signature')
    const items: Answer['items'] = []
    const answered: Parameters<typeof scrub>[0] = []
    for (const position of c.positions) {
      const sectorStart = position - (position % sp.sectorChunks)
      const index = position - sectorStart
      const seg = Math.floor(index / SEGMENT_CHUNKS)
      let sector: Awaited<ReturnType<typeof loadSector>>
      try { sector = await loadSector(sectorStart) } catch { sector = undefined } // an unreadable record is a lost one
      const bytes = sector === undefined ? undefined : await host.store.get(segKey(sectorStart, seg))
      if (sector === undefined || bytes === undefined || bytes.length !== SEGMENT_BYTES) {
        // Lost: say so fast (cheaper than a miss), and repair on the next pass.
        if (!lost.has(sectorStart)) { lost.add(sectorStart); emit({ type: 'lost', sectorStart }) }
        kick()
        return refuse(w, ChallengeStatus.NOT_HELD, `sector ${sectorStart} is not held`)
      }
      const layout = fileLayout(sp.sectorChunks * CHUNK_SIZE)
      const tree = SegmentTree.fromDataSegmentRoots(layout, sector.roots, hasher)
      const proof = chunkProof(layout, bytes, index, tree.proof(seg), hasher)
      const inSeg = (index % SEGMENT_CHUNKS) * CHUNK_SIZE
      const chunk = bytes.slice(inSeg, inSeg + CHUNK_SIZE)
      // Never answer with wrong data: the proof must lead to the sealed root we committed (log n hashes;
      // the segment's leaves were hashed for the proof anyway). A record the store corrupted or replaced is lost.
      if (!verifyChunkProof(sector.commitment.commR, chunk, proof, hasher)) {
        if (!lost.has(sectorStart)) { lost.add(sectorStart); emit({ type: 'lost', sectorStart }) }
        emit({ type: 'error', message: `sealed segment ${seg} of sector ${sectorStart} is corrupt: re-sealing` })
        kick()
        return refuse(w, ChallengeStatus.NOT_HELD, `sector ${sectorStart}: stored segment ${seg} does not match its commitment`)
      }
      items.push({ position, sealedChunk: chunk, proof: proof.siblings })
      if (!answered.some((a) => a.sectorStart === sectorStart && a.seg === seg)) answered.push({ sectorStart, seg, bytes, root: sector.roots[seg] })
    }
    stats.challengesAnswered++
    host.emitChallenge?.({ challengeId: toHex(c.id), outcome: 'answered', latencyMs: Date.now() - t0 })
    emit({ type: 'challenge', id: toHex(c.id), ok: true })
    scrub(answered)
    return answerToWire({ challengeId: c.id, nodeId, items }, sp.sectorChunks)
  }

  function kick (): void {
    if (controller === undefined || controller.signal.aborted) return
    if (running !== undefined) return
    if (timer !== undefined) clearTimeout(timer)
    timer = setTimeout(loop, 0)
  }
  function loop (): void {
    timer = undefined
    if (controller === undefined || controller.signal.aborted) return
    running = serialSync({ signal: controller.signal })
      .catch((err) => { if (!controller!.signal.aborted) emit({ type: 'error', message: (err as Error).message }) })
      .finally(() => {
        running = undefined
        if (!controller!.signal.aborted) timer = setTimeout(loop, options.checkIntervalMs ?? 3000)
      })
  }

  return {
    async start (h: StorageHost) {
      host = { ...h, query: options.query ?? h.query, blockHash: options.blockHash ?? h.blockHash }
      controller = new AbortController()
      await loadParams({ signal: controller.signal })
      h.transport.handleChallenges?.(async (c, from) => await answer(c))
      stats.cachedBytes = await countCached()
      loop()
    },
    async stop () {
      controller?.abort()
      if (timer !== undefined) clearTimeout(timer)
      await running?.catch(() => {})
    },
    status: () => ({ ...stats }),
    sync: serialSync,
    answer: async (c) => await answer(c),
    on (listener) { listeners.add(listener); return () => { listeners.delete(listener) } }
  }
}

/**
 * Keeps one sealed sector in a LightStore in the contributor's layout (256 KiB segment records +
 * the commitment ‖ segment roots record), so `answer()` can serve it.
 * @example await putSealedSector(store, { ...sealSector({ data, nodeId, sectorStart, params }), hasher })
 */
export async function putSealedSector (store: LightStore, { sealed, commitment, hasher = nobleHasher }: { sealed: Uint8Array, commitment: SectorCommitment, hasher?: ChunkHasher }): Promise<void> {
  const segs = sealed.length / SEGMENT_BYTES
  if (!Number.isInteger(segs) || segs < 1) throw new StorageContributorError(`a sealed sector is whole 256 KiB segments, got ${sealed.length} bytes`)
  const roots: Uint8Array[] = []
  for (let s = 0; s < segs; s++) {
    const bytes = sealed.subarray(s * SEGMENT_BYTES, (s + 1) * SEGMENT_BYTES)
    roots.push(segmentRoot(bytes, SEGMENT_CHUNKS, hasher))
    await store.put(segKey(commitment.sectorStart, s), bytes.slice())
  }
  await store.put(sectorKey(commitment.sectorStart), concat([encodeSectorCommitment(commitment), ...roots]))
}

function concat (parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0))
  let o = 0
  for (const p of parts) { out.set(p, o); o += p.length }
  return out
}
