/**
 * glowmesh's genesis file (`devnet/genesis.json`, or any network's): the one document every full
 * node starts from. CometBFT's own genesis is generated from it (fullnode/engine), with this whole file (its exact bytes) as
 * CometBFT's `app_state` (InitChain's `appStateBytes`). A light node trusts a genesis by its hash:
 * `genesisHash` = sha256 of the file's exact bytes.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { InvalidInputError } from '../protocol/errors.js'
import { toHex } from '../protocol/bytes.js'

export interface GenesisValidator {
  /** ed25519 public key, base64 (as in key.json). */
  publicKey: string
  /** Voting power (also the validator's bonded stake in the ledger). */
  power: number
  moniker: string
}

export interface GenesisAccount {
  /** `0x` + 40 hex: the first 20 bytes of sha256(ed25519 public key). */
  address: string
  /** Balance in the smallest token unit, as a decimal string (bigint-safe). */
  balance: string
}

/** Ledger parameters fixed at genesis (the ledger documents each one). */
export interface GenesisParams {
  /** Smallest fee a transaction may pay. */
  minFee: string
  /** Storage price per byte per epoch. */
  storagePricePerByteEpoch: string
  /** Blocks per epoch (storage durations and inflation are counted in epochs). */
  epochBlocks: number
  /** DA price per payload byte. */
  daPricePerByte: string
  /** Blocks a DA blob's cells are kept (the sampling window). */
  daWindowBlocks: number
  /** Smallest pledge a light node may register, in bytes. */
  minPledgeBytes: number
  /** Tokens bonded per pledged GiB (stake scales rewards, DESIGN §4). */
  bondPerGiB: string
  /** Annual inflation in basis points, paid to validators and light nodes (ledger README). */
  inflationBps: number
  /** Fraction of stake slashed for double signing, in basis points. */
  slashDoubleSignBps: number
  /** Share of each block's inflation paid to validators (the rest to light nodes), basis points. */
  validatorShareBps?: number
  /** Reward per GiB of pledge for a fast valid PoRA answer. */
  poraRewardPerGiB?: string
  /** Blocks a bond stays locked after `registry.unregister`. */
  unbondDelayBlocks?: number
  /** Blocks per year, for the inflation schedule (1 s blocks: 31,536,000). */
  blocksPerYear?: number
  /** Largest file a storage submission may declare. */
  maxFileBytes?: number
  /** PoRA seal parameters (protocol/pora SealParams); absent = production DEFAULT_SEAL_PARAMS (64 MiB sectors, 32 layers). */
  seal?: { sectorChunks: number, layers: number, baseParents: number, expanderParents: number }
}

export interface Genesis {
  chainId: string
  /** RFC 3339 time of block 1. */
  genesisTime: string
  validators: GenesisValidator[]
  accounts: GenesisAccount[]
  /** Devnets only: the faucet's key (key.json format). Absent on real networks. */
  faucet?: { address: string, publicKey: string, privateKey: string, dripAmount: string }
  params: GenesisParams
}

/** Parses and checks a genesis document (bytes or text). */
export function parseGenesis (input: Uint8Array | string): Genesis {
  const text = typeof input === 'string' ? input : new TextDecoder().decode(input)
  let g: any
  try { g = JSON.parse(text) } catch (err) { throw new InvalidInputError('genesis: not JSON', { cause: err }) }
  if (typeof g?.chainId !== 'string' || g.chainId.length === 0 || g.chainId.length > 50) throw new InvalidInputError('genesis: chainId must be a string of 1..50 characters')
  if (typeof g.genesisTime !== 'string') throw new InvalidInputError('genesis: genesisTime missing')
  if (!Array.isArray(g.validators) || g.validators.length === 0) throw new InvalidInputError('genesis: at least one validator')
  for (const v of g.validators) {
    if (typeof v.publicKey !== 'string' || !Number.isSafeInteger(v.power) || v.power <= 0) throw new InvalidInputError('genesis: validators need publicKey and a positive power')
  }
  if (!Array.isArray(g.accounts)) throw new InvalidInputError('genesis: accounts must be an array')
  for (const a of g.accounts) {
    if (typeof a.address !== 'string' || !/^0x[0-9a-f]{40}$/.test(a.address) || !/^[0-9]+$/.test(a.balance)) throw new InvalidInputError(`genesis: bad account ${JSON.stringify(a)}`)
  }
  if (typeof g.params !== 'object' || g.params === null) throw new InvalidInputError('genesis: params missing')
  return g as Genesis
}

/** sha256 of the genesis file's exact bytes, 0x-hex: what light nodes pin. */
export function genesisHash (bytes: Uint8Array): string {
  return toHex(sha256(bytes))
}

/**
 * The devnet's seal: 1 MiB sectors (4096 chunks), 16 layers, the production graph's 6 + 8 parents.
 * A sector seals in ~0.3 s in JS and its spot-check proof (~0.9 MB) fits one `pora.prove` tx; no
 * security claim (an on-demand sealer beats a 500 ms deadline at this size: see fullnode/pora/README.md).
 */
export const DEVNET_SEAL_PARAMS = Object.freeze({ sectorChunks: 4096, layers: 16, baseParents: 6, expanderParents: 8 })

/** Devnet defaults for the ledger parameters (each documented in fullnode/ledger/README.md). */
export function defaultParams (): GenesisParams {
  return {
    minFee: '1000',
    storagePricePerByteEpoch: '1',
    epochBlocks: 100,
    daPricePerByte: '1',
    daWindowBlocks: 600,
    minPledgeBytes: 4 * 1024 * 1024,
    bondPerGiB: '1000000000',
    inflationBps: 500,
    slashDoubleSignBps: 500,
    validatorShareBps: 5000,
    poraRewardPerGiB: '1000',
    unbondDelayBlocks: 200,
    blocksPerYear: 31_536_000,
    maxFileBytes: 4 * 1024 * 1024 * 1024,
    seal: { ...DEVNET_SEAL_PARAMS }
  }
}
