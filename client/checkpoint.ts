/**
 * Checkpoints (DESIGN §5, issue 13 item 3): a light node joining a long-running chain anchors at a
 * recent header the operator trusts (height + header hash) instead of header 1, within the trusting
 * period. This file holds the value, its parser and its typed errors; header-sync.ts does the checks.
 */
import { GlowmeshError } from '../protocol/errors.js'

/** A header the operator trusts: its height and its header hash (0x + 64 hex); optionally its chain. */
export interface Checkpoint {
  height: bigint
  /** 0x-hex sha256 header hash, lower case after validateCheckpoint. */
  hash: string
  /** When given, must be the pinned genesis's chain id. */
  chainId?: string
}

/** A checkpoint that is malformed (height, hash) or names another chain. Exit status 2. */
export class InvalidCheckpointError extends GlowmeshError {
  override name = 'InvalidCheckpointError'
  constructor (message: string) { super('INVALID_CHECKPOINT', message, { exitCode: 2 }) }
}

/** No peer served a validly signed header with the checkpoint's hash at its height. */
export class CheckpointMismatchError extends GlowmeshError {
  override name = 'CheckpointMismatchError'
  constructor (message: string) { super('CHECKPOINT_MISMATCH', message) }
}

/**
 * Checks and normalises a checkpoint given as an object (height as number, bigint or decimal string).
 * @example validateCheckpoint({ height: 120n, hash: '0xAB…' }) // { height: 120n, hash: '0xab…' }
 */
export function validateCheckpoint (c: unknown): Checkpoint {
  if (c === null || typeof c !== 'object') throw new InvalidCheckpointError('checkpoint must be { height, hash }')
  const { height, hash, chainId } = c as Record<string, unknown>
  let h: bigint
  try {
    if (typeof height === 'bigint') h = height
    else if (typeof height === 'number' && Number.isSafeInteger(height)) h = BigInt(height)
    else if (typeof height === 'string' && /^\d{1,19}$/.test(height)) h = BigInt(height)
    else throw new Error()
  } catch { throw new InvalidCheckpointError(`checkpoint height must be a positive integer, got ${String(height)}`) }
  if (h < 1n || h > 0x7fffffffffffffffn) throw new InvalidCheckpointError(`checkpoint height must be a positive integer, got ${h}`)
  if (typeof hash !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(hash)) throw new InvalidCheckpointError(`checkpoint hash must be 0x + 64 hex digits, got '${String(hash)}'`)
  if (chainId !== undefined && (typeof chainId !== 'string' || chainId === '')) throw new InvalidCheckpointError('checkpoint chainId must be a non-empty string')
  return { height: h, hash: hash.toLowerCase(), ...(chainId === undefined ? {} : { chainId }) }
}

/**
 * Parses `HEIGHT:0xHASH` (what `glowmesh light --checkpoint` takes).
 * @example parseCheckpoint('1234:0x9f…') // { height: 1234n, hash: '0x9f…' }
 */
export function parseCheckpoint (s: string): Checkpoint {
  const m = /^\s*(\d+):(0x[0-9a-fA-F]+)\s*$/.exec(s)
  if (m === null) throw new InvalidCheckpointError(`checkpoint must be HEIGHT:0xHASH (the header hash at that height), got '${s}'`)
  return validateCheckpoint({ height: m[1], hash: m[2] })
}
