/** Typed errors of protocol/pora; each has a stable `name` and `code` (see protocol/errors.ts). */
import { GlowmeshError } from '../errors.js'

/** Bytes that are not a well-formed PoRA message (answer, challenge, receipt): truncated, oversized, bad tag. */
export class MalformedPoraMessageError extends GlowmeshError {
  override name = 'MalformedPoraMessageError'
  constructor (message: string) {
    super('PORA_MALFORMED', message, { exitCode: 2 })
  }
}

/** Sealing parameters or sector inputs that are out of range. */
export class InvalidSealParamsError extends GlowmeshError {
  override name = 'InvalidSealParamsError'
  constructor (message: string) {
    super('PORA_INVALID_PARAMS', message, { exitCode: 2 })
  }
}
