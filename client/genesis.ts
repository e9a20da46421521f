/**
 * The pinned genesis (DESIGN §8): a light node trusts a genesis by the sha256 of its exact bytes,
 * and the first header only if its validators are the genesis validators (in CometBFT's order).
 * Parsed here rather than with fullnode/genesis.ts so the core stays free of full-node code.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { base64ToBytes, sortValidators, validatorAddress, validatorSetHash, type Validator } from '../protocol/chain/index.js'
import { fromHex, toHex, equalBytes } from '../protocol/bytes.js'
import { GenesisMismatchError, InvalidGenesisError } from './errors.js'

/** What the light node needs from a genesis. */
export interface PinnedGenesis {
  chainId: string
  /** 0x-hex sha256 of the genesis bytes. */
  hash: string
  /** The genesis validators in CometBFT order (power desc, then address). */
  validators: Validator[]
  /** validatorSetHash(validators): header 1's validatorsHash must equal it. */
  validatorsHash: Uint8Array
  /** The chain's DA sampling window in blocks (genesis `params.daWindowBlocks`), when the genesis sets one. */
  daWindowBlocks?: number
}

/**
 * Checks genesis bytes against a pinned hash and extracts the chain id and validator set.
 * Throws GenesisMismatchError or InvalidGenesisError.
 * @example const g = pinGenesis({ bytes: await rpc.genesis(), hash: '0x1f…' }); g.chainId // 'glowmesh-devnet'
 */
export function pinGenesis (genesis: { bytes: Uint8Array, hash: string }): PinnedGenesis {
  if (!(genesis?.bytes instanceof Uint8Array)) throw new InvalidGenesisError('genesis.bytes must be a Uint8Array')
  let pinned: Uint8Array
  try { pinned = fromHex(genesis.hash, 32) } catch (cause) { throw new InvalidGenesisError('genesis.hash must be 0x + 64 hex digits', { cause }) }
  const got = sha256(genesis.bytes)
  if (!equalBytes(got, pinned)) throw new GenesisMismatchError(toHex(pinned), toHex(got))
  let doc: any
  try { doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(genesis.bytes)) } catch (cause) {
    throw new InvalidGenesisError('genesis is not UTF-8 JSON', { cause })
  }
  if (typeof doc?.chainId !== 'string' || doc.chainId.length === 0 || doc.chainId.length > 50) throw new InvalidGenesisError('genesis: chainId must be a string of 1..50 characters')
  if (!Array.isArray(doc.validators) || doc.validators.length === 0) throw new InvalidGenesisError('genesis: no validators')
  const validators = sortValidators(doc.validators.map((v: any, i: number): Validator => {
    let pubKey: Uint8Array
    try { pubKey = base64ToBytes(v?.publicKey) } catch (cause) { throw new InvalidGenesisError(`genesis: validator ${i} publicKey is not base64`, { cause }) }
    if (pubKey.length !== 32) throw new InvalidGenesisError(`genesis: validator ${i} publicKey is not 32 bytes`)
    if (!Number.isSafeInteger(v.power) || v.power <= 0) throw new InvalidGenesisError(`genesis: validator ${i} power must be a positive integer`)
    return { address: validatorAddress(pubKey), pubKey, votingPower: BigInt(v.power) }
  }))
  const window = doc.params?.daWindowBlocks
  return { chainId: doc.chainId, hash: toHex(got), validators, validatorsHash: validatorSetHash(validators), ...(Number.isSafeInteger(window) && window > 0 ? { daWindowBlocks: window } : {}) }
}
