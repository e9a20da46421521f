/**
 * The ledger: executes glowmesh transactions and the per-block bookkeeping (epochs, expiry,
 * unbonding, DA window, misbehaviour, inflation) over an Overlay. Deterministic by construction:
 * bigint arithmetic only, no clocks, no iteration over unordered maps, every list stored sorted.
 * The rules (fees, rewards, slashing, inflation) are documented in README.md.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import type { Event, ValidatorUpdate, Misbehavior } from 'cosmjs-types/tendermint/abci/types'
import { decodeTx, verifyTx, addressFromPublicKey, txHash, MAX_TX_BYTES, type SignedTx } from '../../protocol/chain/tx.js'
import { decodeBody, isLedgerKind, type LedgerTxKind, type TxBodies } from '../../protocol/chain/bodies.js'
import { MAX_TOTAL_VOTING_POWER } from '../../protocol/chain/validators.js'
import { decodeReceipt, verifyReceipt, receiptReward, type Receipt } from '../../protocol/pora/receipt.js'
import { fileLayout } from '../../protocol/storage/layout.js'
import { toHex, fromHex, concatBytes, equalBytes } from '../../protocol/bytes.js'
import { base64ToBytes } from '../../protocol/chain/json.js'
import type { Genesis } from '../genesis.js'
import { Overlay } from './overlay.js'
import { Records, ledgerKeys, type ValidatorEntry } from './records.js'
import { encodeParams, type LedgerParams } from './params.js'
import { encodeRecord, stateKeys, BLOCK_HASH_WINDOW, type NodeRecord } from '../../protocol/chain/state-proof.js'
import { assignRanges, sectorStarts } from '../../protocol/pora/assign.js'
import { decodeSectorCommitment, decodeSealingProof } from '../../protocol/pora/commit-codec.js'
import { verifySealingSpotChecks } from '../../protocol/pora/spotcheck.js'
import { createWasmHasher } from '../../wasm/keccak/index.js'
import { computeTx, settleCompute } from './compute.js'

/** CheckTx / ExecTxResult codes (codespace `glowmesh`). 0 is success. */
export enum TxCode {
  OK = 0,
  MALFORMED_TX = 1,
  TX_TOO_LARGE = 2,
  WRONG_CHAIN = 3,
  BAD_SIGNATURE = 4,
  UNKNOWN_KIND = 5,
  MALFORMED_BODY = 6,
  FEE_TOO_LOW = 7,
  NONCE_TOO_LOW = 8,
  NONCE_TOO_HIGH = 9,
  INSUFFICIENT_FUNDS = 10,
  UNAUTHORIZED = 11,
  FILE_EXISTS = 12,
  FILE_NOT_FOUND = 13,
  FILE_EXPIRED = 14,
  FILE_TOO_LARGE = 15,
  NODE_EXISTS = 16,
  NODE_NOT_FOUND = 17,
  PLEDGE_TOO_SMALL = 18,
  BAD_RECEIPT = 19,
  NOT_A_VALIDATOR = 20,
  RECEIPT_REPLAYED = 21,
  INVALID_VALIDATOR_UPDATE = 22,
  /** `pora.commit` not matching the node's assignment, epoch or flow. */
  BAD_COMMITMENT = 23,
  /** `pora.prove` whose spot checks fail (or whose sector / seed is unknown). */
  SEAL_PROOF_INVALID = 24,
  /** `da.submit` that would put more than MAX_BLOBS_PER_BLOCK blobs in one block (a sample answer carries ≤ 64). */
  BLOCK_BLOB_LIMIT = 25,
  /** Compute market (./compute.ts): a job names a model that is not registered. */
  MODEL_NOT_FOUND = 26,
  /** `compute.model.register` of a root already registered. */
  MODEL_EXISTS = 27,
  /** No such job (never posted, or pruned computeJobRetentionBlocks after it ended). */
  JOB_NOT_FOUND = 28,
  /** `compute.job.claim` of a job that is not open. */
  JOB_NOT_OPEN = 29,
  /** A claim or result after the job's deadline height. */
  JOB_EXPIRED = 30,
  /** A result from someone other than the worker who claimed the job. */
  NOT_CLAIMANT = 31,
  /** A result for a job that is not claimed (still open, or already answered). */
  JOB_NOT_CLAIMED = 32,
  /** A dispute of a job with no result or after its challenge window. */
  WINDOW_CLOSED = 33,
  /** Dispute evidence that proves nothing (layer or trace entries not under the committed roots, wrong shapes). */
  BAD_EVIDENCE = 34,
  /** A job input of the wrong size for its model, over `maxJobInputBytes`, or a deadline over `maxJobDeadlineBlocks`; a register whose CID differs from its file's. */
  BAD_INPUT = 35,
  /** A result whose predictions don't match the batch or the model's outputs. */
  BAD_RESULT = 36,
  INTERNAL = 99
}
/** Most blobs one block may carry: what one sample answer can prove (protocol/wire MAX blobs). */
export const MAX_BLOBS_PER_BLOCK = 64
/** The codespace of every non-zero code. */
export const TX_CODESPACE = 'glowmesh'

/** The outcome of one transaction. `feeCharged`: the fee and nonce were taken although the tx failed. */
export interface TxOutcome { code: TxCode, log: string, events: Event[], feeCharged: boolean, sender?: string, kind?: string }

/** What a block's execution needs to know. */
export interface BlockContext {
  height: number
  /** 'check': CheckTx/PrepareProposal (a failed tx changes nothing); 'deliver': FinalizeBlock. */
  mode: 'check' | 'deliver'
  /** Account receiving tx and DA fees (the block's proposer); null in CheckTx. */
  proposer: string | null
  /** Validator updates this block returns, by public key (later updates replace earlier ones). */
  validatorUpdates: Map<string, ValidatorUpdate>
  /** Next DA blob index at this height. */
  blobIndex: number
  /** Blobs (commitments) already in this block; capped at MAX_BLOBS_PER_BLOCK. */
  blobs?: number
  /** Validators (public key hex) with power > 0 when the block began: set by beginBlock, used by endBlock. */
  activeAtStart?: Set<string>
}

interface Decoded { tx: SignedTx, kind: LedgerTxKind, body: any, sender: string, hash: Uint8Array, receipt?: Receipt }

const GIB = 1n << 30n
const utf8 = new TextEncoder()
const td = new TextDecoder()
const k = (b: Uint8Array): string => td.decode(b)

/** Builds an ABCI event. @example ev('transfer', { from, to, amount: '5' }) */
export function ev (type: string, attrs: Record<string, string | number | bigint>): Event {
  return { type, attributes: Object.entries(attrs).map(([key, value]) => ({ key, value: String(value), index: true })) }
}

/** A tx failure with its code (thrown inside execution; ./compute.ts throws it too). */
export class TxFail extends Error { constructor (readonly code: TxCode, message: string) { super(message) } }
const fail = (code: TxCode, message: string): never => { throw new TxFail(code, message) }

/** Set bits of a proven-sectors bitmap. */
export function countProven (bitmap: Uint8Array): number {
  let c = 0
  for (const x of bitmap) for (let v = x; v !== 0; v &= v - 1) c++
  return c
}

/** Epoch number of a height (heights start at 1). @example epochOf(1, 100) // 0 */
export function epochOf (height: number, epochBlocks: number): number {
  return Math.floor(Math.max(0, height - 1) / epochBlocks)
}

/**
 * Executes transactions and block bookkeeping under fixed parameters.
 * @example const ledger = new Ledger(params); const out = await ledger.executeTx(overlay, txBytes, ctx)
 */
export class Ledger {
  /** ed25519 results by tx hash: CheckTx, ProcessProposal and FinalizeBlock verify each tx once. */
  private readonly sigCache = new Map<string, boolean>()
  constructor (readonly params: LedgerParams) {}

  /** Clears per-height caches (bounded memory). */
  trimCaches (): void { if (this.sigCache.size > 200_000) this.sigCache.clear() }

  private verifySig (tx: SignedTx, hash: Uint8Array): boolean {
    const h = toHex(hash)
    let ok = this.sigCache.get(h)
    if (ok === undefined) { ok = verifyTx(tx); this.sigCache.set(h, ok) }
    return ok
  }

  /**
   * Checks that need no state: size, encoding, chain id, signature, kind, body (incl. a receipt's
   * own signature). ProcessProposal rejects a block holding any tx that fails here.
   * @example const d = ledger.stateless(bytes); if ('code' in d) reject(d.code)
   */
  stateless (bytes: Uint8Array): Decoded | { code: TxCode, log: string } {
    if (bytes.length > MAX_TX_BYTES) return { code: TxCode.TX_TOO_LARGE, log: `tx is ${bytes.length} bytes, limit ${MAX_TX_BYTES}` }
    let tx: SignedTx
    try { tx = decodeTx(bytes) } catch (err) { return { code: TxCode.MALFORMED_TX, log: (err as Error).message } }
    if (tx.chainId !== this.params.chainId) return { code: TxCode.WRONG_CHAIN, log: `chain id '${tx.chainId}', expected '${this.params.chainId}'` }
    if (!isLedgerKind(tx.kind)) return { code: TxCode.UNKNOWN_KIND, log: `unknown tx kind '${tx.kind}'` }
    let body: any
    try { body = decodeBody(tx.kind, tx.body) } catch (err) { return { code: TxCode.MALFORMED_BODY, log: (err as Error).message } }
    let receipt: Receipt | undefined
    if (tx.kind === 'pora.receipt') {
      try { receipt = decodeReceipt(body.receipt) } catch (err) { return { code: TxCode.MALFORMED_BODY, log: (err as Error).message } }
      if (!verifyReceipt(receipt)) return { code: TxCode.BAD_RECEIPT, log: 'receipt signature or verdict does not verify' }
    }
    const hash = txHash(bytes)
    if (!this.verifySig(tx, hash)) return { code: TxCode.BAD_SIGNATURE, log: 'signature does not verify' }
    return { tx, kind: tx.kind, body, sender: addressFromPublicKey(tx.publicKey), hash, receipt }
  }

  /**
   * Runs one transaction against `block`. Stateless failures, a fee below the minimum, a wrong
   * nonce or a balance below the fee change nothing; a tx that fails after that (deliver mode)
   * still pays its fee and uses its nonce; in check mode any failure changes nothing.
   * @example const out = await ledger.executeTx(blockOverlay, bytes, ctx) // { code: TxCode.OK, events, … }
   */
  async executeTx (block: Overlay, bytes: Uint8Array, ctx: BlockContext): Promise<TxOutcome> {
    const d = this.stateless(bytes)
    if ('code' in d) return { code: d.code, log: d.log, events: [], feeCharged: false }
    const { tx, sender } = d
    const base = { sender, kind: d.kind }
    if (tx.fee < this.params.minFee) return { ...base, code: TxCode.FEE_TOO_LOW, log: `fee ${tx.fee} below minimum ${this.params.minFee}`, events: [], feeCharged: false }
    const records = new Records(block)
    const acct = await records.account(sender)
    if (tx.nonce < acct.nonce) return { ...base, code: TxCode.NONCE_TOO_LOW, log: `nonce ${tx.nonce}, expected ${acct.nonce}`, events: [], feeCharged: false }
    if (tx.nonce > acct.nonce) return { ...base, code: TxCode.NONCE_TOO_HIGH, log: `nonce ${tx.nonce}, expected ${acct.nonce}`, events: [], feeCharged: false }
    if (acct.balance < tx.fee) return { ...base, code: TxCode.INSUFFICIENT_FUNDS, log: `balance ${acct.balance} below fee ${tx.fee}`, events: [], feeCharged: false }

    const feeView = block.child()
    const fr = new Records(feeView)
    fr.setAccount(sender, { balance: acct.balance - tx.fee, nonce: acct.nonce + 1n })
    await this.payFee(fr, ctx, tx.fee)
    const exec = feeView.child()
    const events = [ev('tx', { sender, kind: d.kind, fee: tx.fee, nonce: tx.nonce })]
    try {
      events.push(...await this.run(new Records(exec), d, ctx))
    } catch (err) {
      if (!(err instanceof TxFail)) throw err
      if (ctx.mode === 'deliver') feeView.mergeIntoParent()
      return { ...base, code: err.code, log: err.message, events: ctx.mode === 'deliver' ? events : [], feeCharged: ctx.mode === 'deliver' }
    }
    exec.mergeIntoParent()
    feeView.mergeIntoParent()
    return { ...base, code: TxCode.OK, log: '', events, feeCharged: false }
  }

  private async payFee (r: Records, ctx: BlockContext, amount: bigint): Promise<void> {
    // Fees go to the block's proposer; in CheckTx there is none, and the check state is thrown away.
    if (ctx.proposer !== null) await r.credit(ctx.proposer, amount)
  }

  private async debit (r: Records, address: string, amount: bigint, what: string): Promise<void> {
    const a = await r.account(address)
    if (a.balance < amount) fail(TxCode.INSUFFICIENT_FUNDS, `balance ${a.balance} cannot pay ${what} ${amount}`)
    r.setAccount(address, { ...a, balance: a.balance - amount })
  }

  private async run (r: Records, d: Decoded, ctx: BlockContext): Promise<Event[]> {
    const p = this.params
    switch (d.kind) {
      case 'transfer': {
        const b = d.body as TxBodies['transfer']
        const to = toHex(b.to)
        await this.debit(r, d.sender, b.amount, 'amount')
        await r.credit(to, b.amount)
        return [ev('transfer', { from: d.sender, to, amount: b.amount })]
      }
      case 'storage.submit': {
        const b = d.body as TxBodies['storage.submit']
        if (b.size > p.maxFileBytes) fail(TxCode.FILE_TOO_LARGE, `file of ${b.size} bytes exceeds ${p.maxFileBytes}`)
        const root = toHex(b.root)
        const existing = await r.file(root)
        if (existing !== null && existing.expired === 0) fail(TxCode.FILE_EXISTS, `file ${root} is already stored until epoch ${existing.expiryEpoch}; renew it instead`)
        const fee = p.storagePricePerByteEpoch * BigInt(b.size) * BigInt(b.durationEpochs)
        await this.debit(r, d.sender, fee, 'storage fee')
        r.setAmount(ledgerKeys.poraPool, await r.amount(ledgerKeys.poraPool) + fee)
        const layout = fileLayout(b.size)
        const flow = await r.flow()
        const epoch = epochOf(ctx.height, p.epochBlocks)
        const expiryEpoch = epoch + b.durationEpochs
        r.setFile(root, {
          owner: fromHex(d.sender, 20), cid: b.cid, size: b.size, flowStart: flow.length, paddedChunks: layout.paddedChunks,
          submittedHeight: ctx.height, expiryEpoch, expired: 0
        })
        r.setFlow({ length: flow.length + layout.paddedChunks, submissions: flow.submissions + 1 })
        const list = await r.roots(ledgerKeys.expiry(expiryEpoch))
        r.setRoots(ledgerKeys.expiry(expiryEpoch), [...list, b.root])
        return [ev('storage.submit', {
          root, cid: toHex(b.cid), size: b.size, flowStart: flow.length, paddedChunks: layout.paddedChunks, expiryEpoch, owner: d.sender, fee
        })]
      }
      case 'storage.renew': {
        const b = d.body as TxBodies['storage.renew']
        const root = toHex(b.root)
        const f = await r.file(root)
        if (f === null) fail(TxCode.FILE_NOT_FOUND, `no file ${root}`)
        if (f!.expired !== 0) fail(TxCode.FILE_EXPIRED, `file ${root} expired at epoch ${f!.expiryEpoch} and was pruned`)
        const fee = p.storagePricePerByteEpoch * BigInt(f!.size) * BigInt(b.extraEpochs)
        await this.debit(r, d.sender, fee, 'storage fee')
        r.setAmount(ledgerKeys.poraPool, await r.amount(ledgerKeys.poraPool) + fee)
        const old = f!.expiryEpoch
        const expiryEpoch = old + b.extraEpochs
        r.setRoots(ledgerKeys.expiry(old), (await r.roots(ledgerKeys.expiry(old))).filter((x) => !equalBytes(x, b.root)))
        r.setRoots(ledgerKeys.expiry(expiryEpoch), [...await r.roots(ledgerKeys.expiry(expiryEpoch)), b.root])
        r.setFile(root, { ...f!, expiryEpoch })
        return [ev('storage.renew', { root, expiryEpoch, fee })]
      }
      case 'da.submit': {
        const b = d.body as TxBodies['da.submit']
        // The sampling protocol answers at most 64 blobs per block (protocol/wire), so a block may hold no more.
        const inBlock = ctx.blobs ?? 0
        if (inBlock + b.commitments.length > MAX_BLOBS_PER_BLOCK) fail(TxCode.BLOCK_BLOB_LIMIT, `block ${ctx.height} already holds ${inBlock} blobs; ${b.commitments.length} more exceed ${MAX_BLOBS_PER_BLOCK}`)
        const fee = p.daPricePerByte * BigInt(b.size)
        await this.debit(r, d.sender, fee, 'DA fee')
        await this.payFee(r, ctx, fee)
        ctx.blobs = inBlock + b.commitments.length
        const index = ctx.blobIndex
        const w = r.kv as Overlay
        w.set(k(stateKeys.blob(ctx.height, index)), encodeRecord('blob', { sender: fromHex(d.sender, 20), size: b.size, txHash: d.hash, commitments: b.commitments }))
        r.setCount(ledgerKeys.blobCount(ctx.height), index + 1)
        ctx.blobIndex = index + 1
        return [ev('da.submit', {
          height: ctx.height, index, size: b.size, blobs: b.commitments.length, txHash: toHex(d.hash), sender: d.sender, fee,
          commitments: b.commitments.map(toHex).join(',')
        })]
      }
      case 'registry.register': {
        const b = d.body as TxBodies['registry.register']
        const nodeId = toHex(d.tx.publicKey)
        if (await r.node(nodeId) !== null) fail(TxCode.NODE_EXISTS, `node ${nodeId} is already registered`)
        if (b.pledgeBytes < p.minPledgeBytes) fail(TxCode.PLEDGE_TOO_SMALL, `pledge ${b.pledgeBytes} below minimum ${p.minPledgeBytes}`)
        const bond = (p.bondPerGiB * BigInt(b.pledgeBytes) + GIB - 1n) / GIB
        await this.debit(r, d.sender, bond, 'bond')
        r.setNode(nodeId, { owner: fromHex(d.sender, 20), pledgeBytes: b.pledgeBytes, bond, registeredHeight: ctx.height, commR: b.commR, rewards: 0n, penalties: 0n, receipts: 0 })
        r.setNodeIds([...await r.nodeIds(), d.tx.publicKey])
        return [ev('registry.register', { nodeId, owner: d.sender, pledgeBytes: b.pledgeBytes, bond })]
      }
      case 'registry.unregister': {
        const nodeId = toHex(d.tx.publicKey)
        const n = await r.node(nodeId)
        if (n === null) fail(TxCode.NODE_NOT_FOUND, `node ${nodeId} is not registered`)
        r.delNode(nodeId)
        r.setNodeIds((await r.nodeIds()).filter((x) => !equalBytes(x, d.tx.publicKey)))
        const release = ctx.height + p.unbondDelayBlocks
        if (n!.bond > 0n) {
          const list = await r.payouts(ledgerKeys.unbond(release))
          r.setPayouts(ledgerKeys.unbond(release), [...list, { address: n!.owner, amount: n!.bond }])
        }
        return [ev('registry.unregister', { nodeId, bond: n!.bond, releaseHeight: release })]
      }
      case 'pora.receipt': return await this.receipt(r, d.receipt!)
      case 'pora.commit': return await this.commit(r, d, ctx)
      case 'pora.prove': return await this.prove(r, d, ctx)
      case 'validator.update': return await this.validatorUpdate(r, d, ctx)
      default: return await computeTx(r, { kind: d.kind, body: d.body, sender: d.sender, nonce: d.tx.nonce, publicKey: d.tx.publicKey }, ctx, p)
    }
  }

  /** `pora.commit`: the node's sealed sectors for its current assignment (README: PoRA). */
  private async commit (r: Records, d: Decoded, ctx: BlockContext): Promise<Event[]> {
    const b = d.body as TxBodies['pora.commit']
    const nodeId = toHex(d.tx.publicKey)
    const n = await r.node(nodeId)
    if (n === null) fail(TxCode.NODE_NOT_FOUND, `node ${nodeId} is not registered`)
    const epoch = await r.epoch()
    const flow = await r.flow()
    if (epoch === null || b.epoch !== epoch.epoch) fail(TxCode.BAD_COMMITMENT, `commitment for epoch ${b.epoch}, current is ${epoch?.epoch}`)
    // The assignment is computed against a flow length the node chose between the epoch's start
    // and now: stable while the flow grows under an in-flight seal, and not freely grindable.
    if (b.flowLength > flow.length || b.flowLength < (epoch!.flowLength ?? 0)) fail(TxCode.BAD_COMMITMENT, `flowLength ${b.flowLength} outside [${epoch!.flowLength ?? 0}, ${flow.length}]`)
    const seal = this.params.seal
    const assigned = new Set(sectorStarts(assignRanges({ nodeId: d.tx.publicKey, pledgeBytes: n!.pledgeBytes, flowLength: b.flowLength, epochSeed: epoch!.seed, sectorChunks: seal.sectorChunks }), seal.sectorChunks))
    let last = -1
    for (const bytes of b.sectors) {
      let c
      try { c = decodeSectorCommitment(bytes, d.tx.publicKey) } catch (err) { fail(TxCode.BAD_COMMITMENT, (err as Error).message) }
      if (c!.sectorStart <= last) fail(TxCode.BAD_COMMITMENT, 'sectors must be sorted by sectorStart, without repeats')
      last = c!.sectorStart
      if (!assigned.has(c!.sectorStart)) fail(TxCode.BAD_COMMITMENT, `sector ${c!.sectorStart} is not assigned to ${nodeId}`)
      if (c!.layerRoots.length !== seal.layers) fail(TxCode.BAD_COMMITMENT, `sector ${c!.sectorStart}: ${c!.layerRoots.length} layer roots, params say ${seal.layers}`)
    }
    r.setNode(nodeId, { ...n!, sectors: b.sectors, commitHeight: ctx.height, proven: new Uint8Array(Math.ceil(b.sectors.length / 8)) })
    return [ev('pora.commit', { nodeId, sectors: b.sectors.length, epoch: b.epoch, flowLength: b.flowLength, seedHeight: ctx.height + 1 })]
  }

  /** `pora.prove`: the spot check of one committed sector, seeded by block commitHeight + 1's hash. */
  private async prove (r: Records, d: Decoded, ctx: BlockContext): Promise<Event[]> {
    const b = d.body as TxBodies['pora.prove']
    const nodeId = toHex(d.tx.publicKey)
    const n = await r.node(nodeId)
    if (n === null) fail(TxCode.NODE_NOT_FOUND, `node ${nodeId} is not registered`)
    const sectors = n!.sectors ?? []
    const i = sectors.findIndex((x) => decodeSectorCommitment(x, d.tx.publicKey).sectorStart === b.sectorStart)
    if (i < 0) fail(TxCode.SEAL_PROOF_INVALID, `no committed sector at ${b.sectorStart}`)
    const seedHeight = (n!.commitHeight ?? 0) + 1
    const seed = await (r.kv as Overlay).get(k(stateKeys.blockHash(seedHeight)))
    if (seed === null || seedHeight >= ctx.height + 1) fail(TxCode.SEAL_PROOF_INVALID, `seed block ${seedHeight} is not in the state (window ${BLOCK_HASH_WINDOW} blocks)`)
    let proof
    try { proof = decodeSealingProof(b.proof) } catch (err) { fail(TxCode.SEAL_PROOF_INVALID, (err as Error).message) }
    const commitment = decodeSectorCommitment(sectors[i], d.tx.publicKey)
    const v = verifySealingSpotChecks({ commitment, params: this.params.seal, seed: seed!, proof: proof!, hasher: this.hasher() })
    if (!v.ok) fail(TxCode.SEAL_PROOF_INVALID, `sector ${b.sectorStart}: ${v.reason}`)
    const proven = Uint8Array.from(n!.proven ?? new Uint8Array(Math.ceil(sectors.length / 8)))
    proven[i >> 3] |= 1 << (i & 7)
    r.setNode(nodeId, { ...n!, proven })
    return [ev('pora.prove', { nodeId, sectorStart: b.sectorStart, proven: countProven(proven), sectors: sectors.length })]
  }

  private wasm: ReturnType<typeof createWasmHasher> | undefined
  private hasher (): ReturnType<typeof createWasmHasher> { return (this.wasm ??= createWasmHasher()) }

  private async receipt (r: Records, rc: Receipt): Promise<Event[]> {
    const p = this.params
    const challenger = addressFromPublicKey(rc.challenger)
    const vals = await r.validators()
    const v = vals.find((x) => equalBytes(x.publicKey, rc.challenger))
    if (v === undefined || v.power === 0n) fail(TxCode.NOT_A_VALIDATOR, `challenger ${challenger} is not an active validator`)
    const nodeId = toHex(rc.nodeId)
    const n = await r.node(nodeId)
    if (n === null) fail(TxCode.NODE_NOT_FOUND, `node ${nodeId} is not registered`)
    const id = toHex(sha256(concatBytes(rc.challengeId, rc.nodeId)))
    if (await r.has(ledgerKeys.receipt(id))) fail(TxCode.RECEIPT_REPLAYED, `receipt for challenge ${toHex(rc.challengeId)} already counted`)
    // Weight = pledge capped by what the bond covers (protocol/pora rewardWeight): splitting stake over identities gains nothing.
    const covered = p.bondPerGiB === 0n ? BigInt(n!.pledgeBytes) : n!.bond * GIB / p.bondPerGiB
    const weight = BigInt(n!.pledgeBytes) < covered ? BigInt(n!.pledgeBytes) : covered
    // Rewards count only sectors whose sealing was proven (pora.prove); penalties use the whole
    // pledge, so committing nothing or failing the spot check never shields a node from them.
    const provenBytes = BigInt(countProven(n!.proven ?? new Uint8Array()) * p.seal.sectorChunks * 256)
    const earning = weight < provenBytes ? weight : provenBytes
    const amount = rc.verdict === 'valid' || rc.verdict === 'late'
      ? receiptReward(rc, { base: p.poraRewardPerGiB * earning / GIB })
      : receiptReward(rc, { base: p.poraRewardPerGiB * weight / GIB })
    const node = { ...n!, receipts: n!.receipts + 1 }
    let paid = 0n
    if (amount > 0n) {
      const pool = await r.amount(ledgerKeys.poraPool)
      paid = amount < pool ? amount : pool
      r.setAmount(ledgerKeys.poraPool, pool - paid)
      await r.credit(toHex(n!.owner), paid)
      node.rewards += paid
    } else if (amount < 0n) {
      paid = -amount < node.bond ? amount : -node.bond
      node.bond += paid
      node.penalties -= paid
      r.setAmount(ledgerKeys.supply, await r.amount(ledgerKeys.supply) + paid) // the penalty is burned
    }
    r.setNode(nodeId, node)
    r.mark(ledgerKeys.receipt(id), 1)
    return [ev('pora.receipt', { nodeId, challenger, challengeId: toHex(rc.challengeId), verdict: rc.verdict, latencyMs: rc.latencyMs, deadlineMs: rc.deadlineMs, amount: paid })]
  }

  private async validatorUpdate (r: Records, d: Decoded, ctx: BlockContext): Promise<Event[]> {
    const b = d.body as TxBodies['validator.update']
    if (this.params.authority === '' || d.sender !== this.params.authority) fail(TxCode.UNAUTHORIZED, 'only the genesis authority (devnet faucet) may update validators')
    const vals = await r.validators()
    const i = vals.findIndex((x) => equalBytes(x.publicKey, b.publicKey))
    if (b.power === 0n && (i < 0 || vals[i].power === 0n)) fail(TxCode.INVALID_VALIDATOR_UPDATE, 'cannot remove a validator that is not in the set')
    const entry: ValidatorEntry = { publicKey: b.publicKey, power: b.power, stake: b.power, jailed: 0 }
    const next = i < 0 ? [...vals, entry] : vals.map((x, j) => j === i ? entry : x)
    const total = next.reduce((s, x) => s + x.power, 0n)
    if (total === 0n) fail(TxCode.INVALID_VALIDATOR_UPDATE, 'the validator set may not become empty')
    if (total > MAX_TOTAL_VOTING_POWER) fail(TxCode.INVALID_VALIDATOR_UPDATE, `total power ${total} exceeds ${MAX_TOTAL_VOTING_POWER}`)
    r.setValidators(next)
    const supply = await r.amount(ledgerKeys.supply)
    r.setAmount(ledgerKeys.supply, supply + b.power - (i < 0 ? 0n : vals[i].stake))
    ctx.validatorUpdates.set(toHex(b.publicKey), { pubKey: { ed25519: b.publicKey }, power: b.power })
    return [ev('validator.update', { publicKey: toHex(b.publicKey), address: addressFromPublicKey(b.publicKey), power: b.power })]
  }

  /**
   * Block bookkeeping before the txs: a new epoch (seed, expiry), unbonding releases, the DA
   * window, misbehaviour slashing, then inflation.
   * @example const events = await ledger.beginBlock(overlay, ctx, { hash, misbehavior })
   */
  async beginBlock (block: Overlay, ctx: BlockContext, req: { hash: Uint8Array, misbehavior: Misbehavior[] }): Promise<Event[]> {
    const p = this.params
    const r = new Records(block)
    const events: Event[] = []
    ctx.activeAtStart = new Set((await r.validators()).filter((v) => v.power > 0n).map((v) => toHex(v.publicKey)))
    // Block hashes for PoRA spot-check seeds, kept for BLOCK_HASH_WINDOW blocks.
    block.set(k(stateKeys.blockHash(ctx.height)), req.hash)
    if (ctx.height > BLOCK_HASH_WINDOW) block.del(k(stateKeys.blockHash(ctx.height - BLOCK_HASH_WINDOW)))
    // Epochs: the seed chains through each epoch's first block hash (unpredictable before that block).
    const e = epochOf(ctx.height, p.epochBlocks)
    const cur = await r.epoch()
    if (cur !== null && e > cur.epoch) {
      const seed = sha256(concatBytes(cur.seed, req.hash))
      r.setEpoch({ epoch: e, seed, startHeight: ctx.height, flowLength: (await r.flow()).length })
      events.push(ev('epoch', { epoch: e, seed: toHex(seed) }))
      for (let x = cur.epoch + 1; x <= e; x++) {
        for (const root of await r.roots(ledgerKeys.expiry(x))) {
          const hex = toHex(root)
          const f = await r.file(hex)
          if (f !== null && f.expired === 0 && f.expiryEpoch === x) {
            r.setFile(hex, { ...f, expired: 1 })
            events.push(ev('storage.expire', { root: hex, flowStart: f.flowStart, paddedChunks: f.paddedChunks }))
          }
        }
        r.setRoots(ledgerKeys.expiry(x), [])
      }
    }
    // Unbonding: bonds of nodes that left unbondDelayBlocks ago come back.
    for (const pay of await r.payouts(ledgerKeys.unbond(ctx.height))) {
      await r.credit(toHex(pay.address), pay.amount)
      events.push(ev('unbond.release', { address: toHex(pay.address), amount: pay.amount }))
    }
    r.setPayouts(ledgerKeys.unbond(ctx.height), [])
    // DA window: blob records older than the sampling window leave the state.
    const old = ctx.height - p.daWindowBlocks
    if (old >= 1) {
      const n = await r.count(ledgerKeys.blobCount(old))
      for (let i = 0; i < n; i++) block.del(k(stateKeys.blob(old, i)))
      r.setCount(ledgerKeys.blobCount(old), 0)
    }
    events.push(...await settleCompute(r, ctx, p)) // compute jobs whose deadline or challenge window ended
    events.push(...await this.slash(r, ctx, req.misbehavior))
    events.push(...await this.mint(r))
    return events
  }

  private async slash (r: Records, ctx: BlockContext, misbehavior: Misbehavior[]): Promise<Event[]> {
    const events: Event[] = []
    for (const m of misbehavior) {
      // Both DuplicateVote and LightClientAttack are equivocation by a signer; both are slashed alike.
      const address = toHex(m.validator.address)
      const mark = ledgerKeys.slashed(address, m.height)
      if (await r.has(mark)) continue
      const vals = await r.validators()
      const i = vals.findIndex((x) => addressFromPublicKey(x.publicKey) === address)
      if (i < 0) continue // not a validator we know: nothing to slash
      const v = vals[i]
      const cut = v.stake * BigInt(this.params.slashDoubleSignBps) / 10_000n
      const activeLeft = vals.reduce((s, x, j) => s + (j === i ? 0n : x.power), 0n)
      // Jail (power 0) unless that would empty the set, which CometBFT cannot accept.
      const jail = v.power > 0n && activeLeft > 0n
      vals[i] = { ...v, stake: v.stake - cut, power: jail ? 0n : v.power, jailed: jail ? 1 : v.jailed }
      r.setValidators(vals)
      r.setAmount(ledgerKeys.supply, await r.amount(ledgerKeys.supply) - cut)
      r.mark(mark, ctx.height)
      if (jail) ctx.validatorUpdates.set(toHex(v.publicKey), { pubKey: { ed25519: v.publicKey }, power: 0n })
      events.push(ev('slash', { validator: address, infractionHeight: m.height, kind: m.type, amount: cut, jailed: jail ? 1 : 0 }))
    }
    return events
  }

  private async mint (r: Records): Promise<Event[]> {
    const p = this.params
    const supply = await r.amount(ledgerKeys.supply)
    const minted = supply * BigInt(p.inflationBps) / (10_000n * BigInt(p.blocksPerYear))
    if (minted === 0n) return []
    const vals = (await r.validators()).filter((v) => v.power > 0n)
    const total = vals.reduce((s, v) => s + v.power, 0n)
    const share = minted * BigInt(p.validatorShareBps) / 10_000n
    let paid = 0n
    for (const v of vals) {
      const amount = share * v.power / total
      await r.credit(addressFromPublicKey(v.publicKey), amount)
      paid += amount
    }
    const toPool = minted - paid // the light nodes' share plus rounding dust
    r.setAmount(ledgerKeys.poraPool, await r.amount(ledgerKeys.poraPool) + toPool)
    r.setAmount(ledgerKeys.supply, supply + minted)
    return [ev('mint', { amount: minted, validators: paid, poraPool: toPool })]
  }

  /** The block's validator updates, one per key, in key order. @example ledger.endBlock(ctx) */
  endBlock (ctx: BlockContext): ValidatorUpdate[] {
    // Removing a key CometBFT does not have (added and removed within this block) would halt it: drop those.
    return [...ctx.validatorUpdates.entries()]
      .filter(([key, u]) => u.power > 0n || ctx.activeAtStart === undefined || ctx.activeAtStart.has(key))
      .sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0).map(([, u]) => u)
  }

  /**
   * Writes the genesis state: parameters, accounts, validators, supply, flow, epoch 0. Returns the
   * initial validator set (CometBFT's, from our genesis).
   * @example const validators = await ledger.initGenesis(overlay, genesis)
   */
  async initGenesis (block: Overlay, g: Genesis): Promise<ValidatorUpdate[]> {
    const r = new Records(block)
    block.set(k(stateKeys.params()), encodeParams(this.params))
    let supply = 0n
    for (const a of [...g.accounts].sort((x, y) => x.address < y.address ? -1 : 1)) {
      const bal = BigInt(a.balance)
      await r.credit(a.address, bal)
      supply += bal
    }
    const vals: ValidatorEntry[] = g.validators.map((v) => ({ publicKey: base64ToBytes(v.publicKey), power: BigInt(v.power), stake: BigInt(v.power), jailed: 0 }))
    for (const v of vals) if (v.publicKey.length !== 32) throw new TypeError('genesis: validator publicKey must be 32 bytes of ed25519')
    r.setValidators(vals)
    supply += vals.reduce((s, v) => s + v.stake, 0n)
    r.setAmount(ledgerKeys.supply, supply)
    r.setFlow({ length: 0, submissions: 0 })
    r.setEpoch({ epoch: 0, seed: sha256(utf8.encode(`glowmesh/epoch/v1/${g.chainId}`)), startHeight: 1 })
    return vals.map((v) => ({ pubKey: { ed25519: v.publicKey }, power: v.power }))
  }
}
