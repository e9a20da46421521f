/**
 * The ledger's parameters: genesis `params` (fullnode/genesis.ts) plus a few the genesis format
 * does not carry yet, with defaults (documented in README.md). Stored in the state as canonical
 * JSON (fixed key order, bigints as decimal strings) under `param/ledger`.
 */
import type { Genesis } from '../genesis.js'
import { InvalidInputError } from '../../protocol/errors.js'
import { type SealParams, DEFAULT_SEAL_PARAMS, checkSealParams } from '../../protocol/pora/params.js'
import { MAX_JOB_INPUT_BYTES } from '../../protocol/chain/compute.js'

export interface LedgerParams {
  chainId: string
  minFee: bigint
  storagePricePerByteEpoch: bigint
  epochBlocks: number
  daPricePerByte: bigint
  daWindowBlocks: number
  minPledgeBytes: number
  bondPerGiB: bigint
  inflationBps: number
  slashDoubleSignBps: number
  /** Share of each block's mint paid to validators (by power); the rest feeds the PoRA pool. Default 5000. */
  validatorShareBps: number
  /** PoRA base reward per fully bonded GiB per valid receipt (protocol/pora `receiptReward`'s base). Default 1000. */
  poraRewardPerGiB: bigint
  /** Blocks before an unregistered node's bond returns. Default 2 epochs. */
  unbondDelayBlocks: number
  /** Blocks per year for the inflation rate (1 s blocks). Default 31_536_000. */
  blocksPerYear: number
  /** Largest file one storage submission may declare. Default 2^40 (1 TiB). */
  maxFileBytes: number
  /** The account allowed to send `validator.update` (devnet governance): the faucet's address, else none. */
  authority: string
  /**
   * PoRA seal parameters (genesis `params.seal`). Default: protocol/pora's production
   * DEFAULT_SEAL_PARAMS (64 MiB sectors, 32 layers, 6 + 8 parents); the devnet genesis sets small
   * ones (fullnode/genesis.ts `DEVNET_SEAL_PARAMS`) so a test seals in a fraction of a second.
   */
  seal: SealParams
  /** Compute market (./compute.ts): what a worker bonds when it claims a job. Default 1,000,000. */
  computeStake: bigint
  /** What a disputer bonds; paid to the worker when the disputed layer was right. Default 500,000. */
  disputeBond: bigint
  /** Blocks after a result during which a dispute may land; then the worker is paid. Default 20. */
  computeChallengeBlocks: number
  /** Largest job input (batch × inputSize int8 bytes). Default 65,536 (64 KiB). */
  maxJobInputBytes: number
  /** Share (basis points) of a slashed stake paid to the disputer who proved it wrong; the rest is burned. Default 5000. */
  disputeRewardShareBps: number
  /** Blocks a finished job stays in the state (queryable) before it is pruned. Default 1000. */
  computeJobRetentionBlocks: number
  /** Longest deadline a job may ask for. Default 10,000 blocks. */
  maxJobDeadlineBlocks: number
}

const BIG = ['minFee', 'storagePricePerByteEpoch', 'daPricePerByte', 'bondPerGiB', 'poraRewardPerGiB', 'computeStake', 'disputeBond'] as const
const NUM = ['epochBlocks', 'daWindowBlocks', 'minPledgeBytes', 'inflationBps', 'slashDoubleSignBps', 'validatorShareBps', 'unbondDelayBlocks', 'blocksPerYear', 'maxFileBytes', 'computeChallengeBlocks', 'maxJobInputBytes', 'disputeRewardShareBps', 'computeJobRetentionBlocks', 'maxJobDeadlineBlocks'] as const
const ORDER = ['chainId', 'minFee', 'storagePricePerByteEpoch', 'epochBlocks', 'daPricePerByte', 'daWindowBlocks', 'minPledgeBytes', 'bondPerGiB', 'inflationBps', 'slashDoubleSignBps', 'validatorShareBps', 'poraRewardPerGiB', 'unbondDelayBlocks', 'blocksPerYear', 'maxFileBytes', 'authority', 'computeStake', 'disputeBond', 'computeChallengeBlocks', 'maxJobInputBytes', 'disputeRewardShareBps', 'computeJobRetentionBlocks', 'maxJobDeadlineBlocks'] as const

function big (v: unknown, name: string): bigint {
  if (typeof v === 'bigint' && v >= 0n) return v
  if (typeof v === 'string' && /^[0-9]+$/.test(v)) return BigInt(v)
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v)
  throw new InvalidInputError(`params.${name}: expected a non-negative integer (decimal string)`)
}

function num (v: unknown, name: string, min: number): number {
  if (!Number.isSafeInteger(v) || (v as number) < min) throw new InvalidInputError(`params.${name}: expected an integer ≥ ${min}`)
  return v as number
}

function sealParams (v: unknown): SealParams {
  if (v === undefined) return { ...DEFAULT_SEAL_PARAMS }
  const o = v as Record<string, unknown>
  if (o === null || typeof o !== 'object') throw new InvalidInputError('params.seal: expected an object')
  const s = { sectorChunks: o.sectorChunks, layers: o.layers, baseParents: o.baseParents, expanderParents: o.expanderParents } as SealParams
  try { return { ...checkSealParams(s) } } catch (err) { throw new InvalidInputError(`params.seal: ${(err as Error).message}`) }
}

/** The compute market's parameters (defaults in LedgerParams' docs); also fills them in for states written before they existed. */
function computeParams (p: any): Pick<LedgerParams, 'computeStake' | 'disputeBond' | 'computeChallengeBlocks' | 'maxJobInputBytes' | 'disputeRewardShareBps' | 'computeJobRetentionBlocks' | 'maxJobDeadlineBlocks'> {
  const maxJobInputBytes = num(p.maxJobInputBytes ?? MAX_JOB_INPUT_BYTES, 'maxJobInputBytes', 1)
  if (maxJobInputBytes > MAX_JOB_INPUT_BYTES) throw new InvalidInputError(`params.maxJobInputBytes: at most ${MAX_JOB_INPUT_BYTES}`)
  return {
    computeStake: big(p.computeStake ?? '1000000', 'computeStake'),
    disputeBond: big(p.disputeBond ?? '500000', 'disputeBond'),
    computeChallengeBlocks: num(p.computeChallengeBlocks ?? 20, 'computeChallengeBlocks', 1),
    maxJobInputBytes,
    disputeRewardShareBps: num(p.disputeRewardShareBps ?? 5000, 'disputeRewardShareBps', 0),
    computeJobRetentionBlocks: num(p.computeJobRetentionBlocks ?? 1000, 'computeJobRetentionBlocks', 1),
    maxJobDeadlineBlocks: num(p.maxJobDeadlineBlocks ?? 10_000, 'maxJobDeadlineBlocks', 1)
  }
}

/**
 * The ledger parameters of a genesis, defaults filled in; throws InvalidInputError on bad values.
 * @example const p = ledgerParams(parseGenesis(text))
 */
export function ledgerParams (g: Genesis): LedgerParams {
  const p: any = g.params ?? {}
  const epochBlocks = num(p.epochBlocks, 'epochBlocks', 1)
  const out: LedgerParams = {
    chainId: g.chainId,
    minFee: big(p.minFee, 'minFee'),
    storagePricePerByteEpoch: big(p.storagePricePerByteEpoch, 'storagePricePerByteEpoch'),
    epochBlocks,
    daPricePerByte: big(p.daPricePerByte, 'daPricePerByte'),
    daWindowBlocks: num(p.daWindowBlocks, 'daWindowBlocks', 1),
    minPledgeBytes: num(p.minPledgeBytes, 'minPledgeBytes', 1),
    bondPerGiB: big(p.bondPerGiB, 'bondPerGiB'),
    inflationBps: num(p.inflationBps, 'inflationBps', 0),
    slashDoubleSignBps: num(p.slashDoubleSignBps, 'slashDoubleSignBps', 0),
    validatorShareBps: num(p.validatorShareBps ?? 5000, 'validatorShareBps', 0),
    poraRewardPerGiB: big(p.poraRewardPerGiB ?? '1000', 'poraRewardPerGiB'),
    unbondDelayBlocks: num(p.unbondDelayBlocks ?? 2 * epochBlocks, 'unbondDelayBlocks', 1),
    blocksPerYear: num(p.blocksPerYear ?? 31_536_000, 'blocksPerYear', 1),
    maxFileBytes: num(p.maxFileBytes ?? 2 ** 40, 'maxFileBytes', 1),
    authority: g.faucet?.address ?? '',
    seal: sealParams(p.seal),
    ...computeParams(p)
  }
  for (const k of ['inflationBps', 'slashDoubleSignBps', 'validatorShareBps', 'disputeRewardShareBps'] as const) {
    if (out[k] > 10_000) throw new InvalidInputError(`params.${k}: at most 10000 basis points`)
  }
  return out
}

/** Canonical JSON of the parameters (what `param/ledger` holds and `/params` returns). @example encodeParams(p) */
export function encodeParams (p: LedgerParams): Uint8Array {
  const o: Record<string, unknown> = {}
  for (const k of ORDER) o[k] = typeof p[k] === 'bigint' ? p[k].toString() : p[k]
  o.seal = { sectorChunks: p.seal.sectorChunks, layers: p.seal.layers, baseParents: p.seal.baseParents, expanderParents: p.seal.expanderParents }
  return new TextEncoder().encode(JSON.stringify(o))
}

/** Parses `encodeParams` output. @example decodeParams(await state.get('param/ledger')) */
export function decodeParams (bytes: Uint8Array): LedgerParams {
  const o = JSON.parse(new TextDecoder().decode(bytes))
  const p: any = { chainId: o.chainId, authority: o.authority }
  for (const k of BIG) if (o[k] !== undefined) p[k] = BigInt(o[k]) // compute params may be absent (older states): computeParams fills them
  for (const k of NUM) p[k] = o[k]
  p.seal = o.seal ?? { ...DEFAULT_SEAL_PARAMS }
  return { ...p, ...computeParams(o) } as LedgerParams
}
