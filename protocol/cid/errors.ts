import { GlowmeshError } from '../errors.js'

/** A string or byte string that is not a CID, or not a CID glowmesh can hold (exit status 2). */
export class InvalidCidError extends GlowmeshError {
  override name = 'InvalidCidError'
  constructor (message: string, options?: { cause?: unknown }) {
    super('INVALID_CID', message, { ...options, exitCode: 2 })
  }
}

/** A UnixfsCidBuilder used out of order: `update` after `digest`, `digest` twice. */
export class CidBuilderStateError extends GlowmeshError {
  override name = 'CidBuilderStateError'
  constructor (message: string) {
    super('CID_BUILDER_STATE', message)
  }
}
