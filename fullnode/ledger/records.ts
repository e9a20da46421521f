/**
 * Typed access to the ledger's state entries through an Overlay. The entries a light node proves
 * (accounts, files, nodes, flow, epoch, blobs) are encoded as protocol/chain/state-proof.ts says;
 * the ledger's own bookkeeping (validator set, expiry and unbonding queues, pools, supply, seen
 * receipts) uses the schemas below. Every value is a canonical protobuf-shaped encoding.
 */
import { decodeFields, encodeFields, type FieldSpec } from '../../protocol/chain/bodies.js'
import {
  decodeRecord, encodeRecord, stateKeys, type AccountRecord, type FileRecord, type NodeRecord, type FlowRecord, type EpochRecord
} from '../../protocol/chain/state-proof.js'
import { InvalidInputError } from '../../protocol/errors.js'
import type { Overlay } from './overlay.js'
import type { KvReader } from './state.js'

const td = new TextDecoder()
const key = (b: Uint8Array): string => td.decode(b)
function fail (m: string): never { throw new InvalidInputError(`ledger record: ${m}`) }

/** A validator as the ledger tracks it: `stake` is slashable, `power` is its CometBFT voting power (0 when removed or jailed). */
export interface ValidatorEntry { publicKey: Uint8Array, power: bigint, stake: bigint, jailed: number }
/** An amount owed to an address at some height (unbonding). */
export interface Payout { address: Uint8Array, amount: bigint }

const VALIDATOR: FieldSpec[] = [{ n: 1, name: 'publicKey', type: 'bytes', len: 32 }, { n: 2, name: 'power', type: 'u64' }, { n: 3, name: 'stake', type: 'big' }, { n: 4, name: 'jailed', type: 'num' }]
const LIST: FieldSpec[] = [{ n: 1, name: 'items', type: 'bytes', repeated: true }]
const PAYOUT: FieldSpec[] = [{ n: 1, name: 'address', type: 'bytes', len: 20 }, { n: 2, name: 'amount', type: 'big' }]
const AMOUNT: FieldSpec[] = [{ n: 1, name: 'amount', type: 'big' }]
const COUNT: FieldSpec[] = [{ n: 1, name: 'n', type: 'num' }]

const encList = (items: Uint8Array[]): Uint8Array => encodeFields(LIST, { items }, fail)
const decList = (b: Uint8Array | null): Uint8Array[] => b === null ? [] : decodeFields<{ items: Uint8Array[] }>(LIST, b, fail).items

/** Ledger-internal keys. */
export const ledgerKeys = {
  validators: 'vals',
  supply: 'supply',
  poraPool: 'pool/pora',
  expiry: (epoch: number) => `expiry/${epoch}`,
  unbond: (height: number) => `unbond/${height}`,
  blobCount: (height: number) => `blobs/${height}`,
  receipt: (idHex: string) => `rcpt/${idHex}`,
  slashed: (addressHex: string, height: bigint) => `slashed/${addressHex}/${height}`,
  /** Compute jobs with a deadline or challenge window ending just before `height` (settled in its beginBlock). */
  computeDue: (height: number) => `cdue/${height}`,
  /** Finished compute jobs deleted at `height` (computeJobRetentionBlocks after they ended). */
  computePrune: (height: number) => `cprune/${height}`,
  /** Job ids by status group (`open`, `claimed`, `resulted`, `done`), oldest first: the RPC's listings. */
  computeIndex: (group: string) => `cidx/${group}`,
  /** Registered model roots, in registration order. */
  computeModels: 'cmodels'
}

/**
 * Typed reads and writes of ledger entries over one overlay.
 * @example const acct = await new Records(overlay).account('0x…')
 */
export class Records {
  constructor (readonly kv: Overlay | KvReader) {}
  private w (): Overlay { return this.kv as Overlay }

  async account (address: string): Promise<AccountRecord> {
    const v = await this.kv.get(key(stateKeys.account(address)))
    return v === null ? { balance: 0n, nonce: 0n } : decodeRecord('account', v)
  }

  setAccount (address: string, a: AccountRecord): void {
    // An account back at zero is deleted, so the trie holds only live accounts.
    if (a.balance === 0n && a.nonce === 0n) this.w().del(key(stateKeys.account(address)))
    else this.w().set(key(stateKeys.account(address)), encodeRecord('account', a))
  }

  async credit (address: string, amount: bigint): Promise<void> {
    if (amount === 0n) return
    const a = await this.account(address)
    this.setAccount(address, { ...a, balance: a.balance + amount })
  }

  async file (root: string): Promise<FileRecord | null> {
    const v = await this.kv.get(key(stateKeys.file(root)))
    return v === null ? null : decodeRecord('file', v)
  }

  setFile (root: string, f: FileRecord): void { this.w().set(key(stateKeys.file(root)), encodeRecord('file', f)) }

  async node (nodeId: string): Promise<NodeRecord | null> {
    const v = await this.kv.get(key(stateKeys.node(nodeId)))
    return v === null ? null : decodeRecord('node', v)
  }

  setNode (nodeId: string, n: NodeRecord): void { this.w().set(key(stateKeys.node(nodeId)), encodeRecord('node', n)) }
  delNode (nodeId: string): void { this.w().del(key(stateKeys.node(nodeId))) }

  async flow (): Promise<FlowRecord> {
    const v = await this.kv.get(key(stateKeys.flow()))
    return v === null ? { length: 0, submissions: 0 } : decodeRecord('flow', v)
  }

  setFlow (f: FlowRecord): void { this.w().set(key(stateKeys.flow()), encodeRecord('flow', f)) }

  async epoch (): Promise<EpochRecord | null> {
    const v = await this.kv.get(key(stateKeys.epoch()))
    return v === null ? null : decodeRecord('epoch', v)
  }

  setEpoch (e: EpochRecord): void { this.w().set(key(stateKeys.epoch()), encodeRecord('epoch', e)) }

  async validators (): Promise<ValidatorEntry[]> {
    return decList(await this.kv.get(ledgerKeys.validators)).map((b) => decodeFields<ValidatorEntry>(VALIDATOR, b, fail))
  }

  /** Stores the set sorted by public key, so its encoding is canonical. */
  setValidators (vals: ValidatorEntry[]): void {
    const sorted = [...vals].sort((a, b) => Buffer.compare(a.publicKey, b.publicKey))
    this.w().set(ledgerKeys.validators, encList(sorted.map((v) => encodeFields(VALIDATOR, v as any, fail))))
  }

  async amount (k: string): Promise<bigint> {
    const v = await this.kv.get(k)
    return v === null ? 0n : decodeFields<{ amount: bigint }>(AMOUNT, v, fail).amount
  }

  setAmount (k: string, amount: bigint): void {
    if (amount === 0n) this.w().del(k)
    else this.w().set(k, encodeFields(AMOUNT, { amount }, fail))
  }

  async count (k: string): Promise<number> {
    const v = await this.kv.get(k)
    return v === null ? 0 : decodeFields<{ n: number }>(COUNT, v, fail).n
  }

  setCount (k: string, n: number): void {
    if (n === 0) this.w().del(k)
    else this.w().set(k, encodeFields(COUNT, { n }, fail))
  }

  async roots (k: string): Promise<Uint8Array[]> { return decList(await this.kv.get(k)) }
  setRoots (k: string, roots: Uint8Array[]): void {
    if (roots.length === 0) this.w().del(k)
    else this.w().set(k, encList(roots))
  }

  async payouts (k: string): Promise<Payout[]> {
    return decList(await this.kv.get(k)).map((b) => decodeFields<Payout>(PAYOUT, b, fail))
  }

  setPayouts (k: string, p: Payout[]): void {
    if (p.length === 0) this.w().del(k)
    else this.w().set(k, encList(p.map((x) => encodeFields(PAYOUT, x as any, fail))))
  }

  /** Registered node ids, sorted (the `nodes` index challengers walk). */
  async nodeIds (): Promise<Uint8Array[]> { return decList(await this.kv.get(key(stateKeys.nodes()))) }
  setNodeIds (ids: Uint8Array[]): void {
    const sorted = [...ids].sort((a, b) => Buffer.compare(a, b))
    if (sorted.length === 0) this.w().del(key(stateKeys.nodes()))
    else this.w().set(key(stateKeys.nodes()), encList(sorted))
  }

  async has (k: string): Promise<boolean> { return (await this.kv.get(k)) !== null }
  mark (k: string, height: number): void { this.w().set(k, encodeFields(COUNT, { n: height }, fail)) }
}
