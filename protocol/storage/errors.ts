import { GlowmeshError } from '../errors.js'

/** An empty file has no 0G root: 0G rejects empty submissions (exit status 2 in the CLI). */
export class EmptyFileError extends GlowmeshError {
  override name = 'EmptyFileError'
  constructor () {
    super('EMPTY_FILE', 'the file is empty: 0G Storage has no root for empty data and rejects empty submissions', { exitCode: 2 })
  }
}

/** A merkle proof that is malformed (wrong sibling count, index out of range, bad hash length). */
export class InvalidProofError extends GlowmeshError {
  override name = 'InvalidProofError'
  constructor (message: string) {
    super('INVALID_PROOF', message, { exitCode: 2 })
  }
}
