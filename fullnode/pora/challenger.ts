/**
 * The PoRA challenger every validator's full node runs (DESIGN §4). Per committed block it
 * challenges the registered nodes that hash to it — node n goes to validator
 * sha256(blockHash ‖ n)[0..4] mod |active validators| (sorted by key), so every node is challenged
 * once per block by one validator and the work is spread — at `deriveChallenges(blockHash, n,
 * proven sectors)` positions, with id `blockChallengeId(blockHash, n)`. It also sends challenges at
 * random times (random id and positions, `randomEveryMs` on average). Each challenge is signed
 * (`createChallenge`) with the validator's key and carries its deadline; the challenger opens a
 * `/glowmesh/challenge/1.0.0` stream to the node's libp2p peer (its peer id is its ed25519 node id),
 * measures the round trip, checks the answer with `verifyAnswer` against the node's on-chain
 * commitments, judges it (`judgeReceipt`: valid / late / invalid / missing — no answer within
 * `missingAfterMs`), signs the receipt and submits `pora.receipt` txs (the validator pays the fees).
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import { encodeBody } from '../../protocol/chain/bodies.js'
import { encodeTx, signTx, addressFromPublicKey } from '../../protocol/chain/tx.js'
import { decodeRecord, stateKeys, type NodeRecord } from '../../protocol/chain/state-proof.js'
import { equalBytes, toHex } from '../../protocol/bytes.js'
import type { ChunkHasher } from '../../protocol/storage/index.js'
import {
  type Challenge, type ChunkRange, type Receipt, type SealParams, type SectorCommitment,
  answerHash, blockChallengeId, createChallenge, deriveChallenges, judgeReceipt, signReceipt, verifyAnswer, encodeReceipt
} from '../../protocol/pora/index.js'
import { decodeSectorCommitment } from '../../protocol/pora/commit-codec.js'
import { WIRE_MAX_POSITIONS, answerFromWire, challengeToWire } from '../../protocol/pora/wire.js'
import type { Challenge as WireChallenge, ChallengeAnswer } from '../../protocol/wire/index.js'
import type { KvReader } from '../ledger/state.js'
import { Records } from '../ledger/records.js'
import { pause } from '../../protocol/sleep.js'

/** What the challenger needs from the node (components passed in, js-libp2p style). */
export interface ChallengerComponents {
  /** The validator's ed25519 secret key (32 B). */
  secretKey: Uint8Array
  chainId: string
  minFee: bigint
  seal: SealParams
  /** The last committed state and its height. */
  state: () => { height: number, reader: KvReader }
  /** Sends a challenge to the node's libp2p peer; rejects when unreachable or past `timeoutMs`. */
  send: (nodeId: Uint8Array, challenge: WireChallenge, options: { signal: AbortSignal, timeoutMs: number }) => Promise<ChallengeAnswer>
  /** broadcast_tx_sync. */
  submitTx: (tx: Uint8Array, options: { signal: AbortSignal }) => Promise<{ code: number, log: string }>
  hasher?: ChunkHasher
  log?: (line: string) => void
}

/** Tunables; the devnet's come from its node config. */
export interface ChallengerOptions {
  /** Stated answer deadline, ms (default 500: protocol/pora's proposal). */
  deadlineMs?: number
  /** No answer after this long = MISSING (default max(3 × deadline, 2000)). */
  missingAfterMs?: number
  /** Positions per challenge (1..16, default 4). */
  positions?: number
  /** Mean gap between random-time challenges, ms; 0 disables them (default 10 000). */
  randomEveryMs?: number
  /** Poll period for new committed heights, ms (default 200). */
  pollMs?: number
  signal?: AbortSignal
}

/** One challenge's outcome (for logs, tests and benches). */
export interface ChallengeOutcome { nodeId: string, kind: 'block' | 'random', height: number, receipt: Receipt, latencyMs: number, reason?: string }

/** A running challenger. */
export interface Challenger {
  /** Challenges one node now (tests, benches); the receipt is queued for submission. */
  challenge: (nodeId: Uint8Array, options?: { kind?: 'block' | 'random', deadlineMs?: number }) => Promise<ChallengeOutcome | undefined>
  /** Every outcome so far (newest last, bounded). */
  outcomes: () => ChallengeOutcome[]
  on: (listener: (o: ChallengeOutcome) => void) => () => void
  stop: () => Promise<void>
}

const td = new TextDecoder()

/** The node's proven sectors as challengeable ranges, with their commitments. */
export function provenSectors (node: NodeRecord, nodeId: Uint8Array, seal: SealParams): { commitments: SectorCommitment[], ranges: ChunkRange[] } {
  const commitments = (node.sectors ?? []).map((b) => decodeSectorCommitment(b, nodeId))
    .filter((_, i) => ((node.proven?.[i >> 3] ?? 0) & (1 << (i & 7))) !== 0)
  return { commitments, ranges: commitments.map((c) => ({ start: c.sectorStart, end: c.sectorStart + seal.sectorChunks })) }
}

/** Which active validator (index into the key-sorted list) challenges `nodeId` at `blockHash`. */
export function challengerIndex (blockHash: Uint8Array, nodeId: Uint8Array, validators: number): number {
  const h = sha256(new Uint8Array([...blockHash, ...nodeId]))
  return ((h[0] << 24 >>> 0) + (h[1] << 16) + (h[2] << 8) + h[3]) % validators
}

/**
 * Starts the challenger loop.
 * @example const ch = startChallenger({ secretKey, chainId, minFee, seal, state, send, submitTx }, { deadlineMs: 500 })
 */
export function startChallenger (c: ChallengerComponents, options: ChallengerOptions = {}): Challenger {
  const publicKey = ed25519.getPublicKey(c.secretKey)
  const address = addressFromPublicKey(publicKey)
  const deadlineMs = options.deadlineMs ?? 500
  const count = Math.min(WIRE_MAX_POSITIONS, Math.max(1, options.positions ?? 4))
  const log = c.log ?? (() => {})
  const controller = new AbortController()
  const signal = options.signal === undefined ? controller.signal : AbortSignal.any([options.signal, controller.signal])
  const listeners = new Set<(o: ChallengeOutcome) => void>()
  const history: ChallengeOutcome[] = []
  const queue: Receipt[] = []
  let nextNonce = -1n
  let lastHeight = c.state().height
  let flushing: Promise<void> | undefined
  const inflight = new Set<Promise<unknown>>()

  const track = <T>(p: Promise<T>): Promise<T> => { inflight.add(p); void p.finally(() => inflight.delete(p)).catch(() => {}); return p }

  async function run (nodeId: Uint8Array, spec: { id: Uint8Array, blockHash: Uint8Array, height: number, kind: 'block' | 'random', deadlineMs: number, reader: KvReader }): Promise<ChallengeOutcome | undefined> {
    const r = new Records(spec.reader)
    const node = await r.node(toHex(nodeId))
    if (node === null) return undefined
    const { commitments, ranges } = provenSectors(node, nodeId, c.seal)
    if (ranges.length === 0) return undefined // nothing proven yet: nothing to ask
    const total = ranges.length * c.seal.sectorChunks
    // Random challenges draw positions from a fresh random "block hash": same derivation, unpredictable.
    const positions = deriveChallenges({ blockHash: spec.kind === 'block' ? spec.blockHash : spec.id, nodeId, ranges, count: Math.min(count, total) })
    const challenge: Challenge = createChallenge({ id: spec.id, nodeId, positions, deadlineMs: spec.deadlineMs, issuedAtHeight: spec.height }, c.secretKey)
    const wire = challengeToWire(challenge, spec.blockHash)
    const missingAfter = options.missingAfterMs ?? Math.max(3 * spec.deadlineMs, 2000)
    const t0 = performance.now()
    let answer: ChallengeAnswer | undefined
    let reason: string | undefined
    try {
      answer = await c.send(nodeId, wire, { signal, timeoutMs: missingAfter })
    } catch (err) {
      reason = `no answer: ${(err as Error).message}`
    }
    const latencyMs = Math.min(2 ** 32 - 1, Math.max(0, Math.round(performance.now() - t0)))
    if (signal.aborted) return undefined
    const a = answer === undefined ? undefined : answerFromWire(answer)
    if (answer !== undefined && a === undefined) reason = `refused: ${answer.status} ${answer.message}`
    const verdict = a === undefined ? undefined : verifyAnswer({ answer: a, challenge, sectors: commitments, params: c.seal, hasher: c.hasher })
    if (verdict !== undefined && !verdict.ok) reason = verdict.reason
    const v = judgeReceipt({ answerVerdict: verdict, latencyMs, deadlineMs: spec.deadlineMs })
    const receipt = signReceipt({ challengeId: spec.id, nodeId, answerHash: a === undefined ? new Uint8Array(32) : answerHash(a), latencyMs: v === 'missing' ? Math.max(latencyMs, 1) : latencyMs, deadlineMs: spec.deadlineMs, verdict: v }, c.secretKey)
    const outcome: ChallengeOutcome = { nodeId: toHex(nodeId), kind: spec.kind, height: spec.height, receipt, latencyMs, reason }
    history.push(outcome); if (history.length > 1000) history.shift()
    for (const l of listeners) try { l(outcome) } catch {}
    log(`pora: ${spec.kind} challenge of ${toHex(nodeId).slice(0, 12)}… at ${spec.height}: ${v} in ${latencyMs} ms${reason === undefined ? '' : ` (${reason})`}`)
    queue.push(receipt)
    kickFlush()
    return outcome
  }

  function kickFlush (): void {
    if (flushing !== undefined) return
    flushing = flush().catch((err) => { log(`pora: receipt submission failed: ${(err as Error).message}`) }).finally(() => {
      flushing = undefined
      if (queue.length > 0 && !signal.aborted) kickFlush()
    })
  }

  /** Submits queued receipts with consecutive nonces (the mempool keeps pending ones). */
  async function flush (): Promise<void> {
    const { reader } = c.state()
    const acct = await new Records(reader).account(address)
    if (nextNonce < acct.nonce) nextNonce = acct.nonce
    while (queue.length > 0 && !signal.aborted) {
      const rc = queue.shift()!
      const tx = encodeTx(signTx({ chainId: c.chainId, nonce: nextNonce, fee: c.minFee, kind: 'pora.receipt', body: encodeBody('pora.receipt', { receipt: encodeReceipt(rc) }) }, c.secretKey))
      const res = await c.submitTx(tx, { signal })
      if (res.code === 0) { nextNonce++; continue }
      if (/nonce/i.test(res.log)) { nextNonce = (await new Records(c.state().reader).account(address)).nonce; queue.unshift(rc); await pause(300, signal); continue }
      log(`pora: receipt refused (${res.code}): ${res.log}`)
    }
  }

  async function onHeight (height: number, reader: KvReader): Promise<void> {
    const r = new Records(reader)
    const hash = await reader.get(td.decode(stateKeys.blockHash(height)))
    if (hash === null) return
    const vals = (await r.validators()).filter((v) => v.power > 0n)
    const me = vals.findIndex((v) => equalBytes(v.publicKey, publicKey))
    if (me < 0) return // not an active validator: receipts would be refused
    for (const nodeId of await r.nodeIds()) {
      if (challengerIndex(hash, nodeId, vals.length) !== me) continue
      void track(run(nodeId, { id: blockChallengeId(hash, nodeId), blockHash: hash, height, kind: 'block', deadlineMs, reader }).catch((err) => log(`pora: challenge failed: ${(err as Error).message}`)))
    }
  }

  const poll = setInterval(() => {
    const { height, reader } = c.state()
    if (height <= lastHeight) return
    lastHeight = height
    void onHeight(height, reader).catch((err) => log(`pora: block ${height}: ${(err as Error).message}`))
  }, options.pollMs ?? 200)

  let randomTimer: ReturnType<typeof setTimeout> | undefined
  const every = options.randomEveryMs ?? 10_000
  const scheduleRandom = (): void => {
    if (every <= 0 || signal.aborted) return
    randomTimer = setTimeout(() => {
      void (async () => {
        const { height, reader } = c.state()
        const r = new Records(reader)
        const vals = (await r.validators()).filter((v) => v.power > 0n)
        if (!vals.some((v) => equalBytes(v.publicKey, publicKey))) return
        const ids = await r.nodeIds()
        if (ids.length === 0) return
        const nodeId = ids[Math.floor(Math.random() * ids.length)]
        await track(challengeOne(nodeId, 'random', deadlineMs, height, reader))
      })().catch((err) => log(`pora: random challenge: ${(err as Error).message}`)).finally(scheduleRandom)
    }, Math.round(every * (0.5 + Math.random())))
  }
  scheduleRandom()

  async function challengeOne (nodeId: Uint8Array, kind: 'block' | 'random', dl: number, height: number, reader: KvReader): Promise<ChallengeOutcome | undefined> {
    const hash = (await reader.get(td.decode(stateKeys.blockHash(height)))) ?? new Uint8Array(32)
    const id = kind === 'random' ? crypto.getRandomValues(new Uint8Array(32)) : blockChallengeId(hash, nodeId)
    return await run(nodeId, { id, blockHash: hash, height, kind, deadlineMs: dl, reader })
  }

  return {
    async challenge (nodeId, o = {}) {
      const { height, reader } = c.state()
      return await track(challengeOne(nodeId, o.kind ?? 'random', o.deadlineMs ?? deadlineMs, height, reader))
    },
    outcomes: () => [...history],
    on (l) { listeners.add(l); return () => { listeners.delete(l) } },
    async stop () {
      clearInterval(poll)
      if (randomTimer !== undefined) clearTimeout(randomTimer)
      await Promise.allSettled([...inflight])
      await flushing
      controller.abort()
    }
  }
}


