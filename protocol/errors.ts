/**
 * Typed errors shared by every protocol module. Each has a stable `name` (for `instanceof`-free
 * checks across realms, workers and the wire) and a `code` (for JSON error bodies).
 */
export class GlowmeshError extends Error {
  override name = 'GlowmeshError'
  /** Machine-readable code, e.g. `EMPTY_FILE`. */
  readonly code: string
  /** Process exit status the CLI uses for it: 2 for bad input, 1 otherwise. */
  readonly exitCode: number
  constructor (code: string, message: string, options?: { cause?: unknown, exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.exitCode = options?.exitCode ?? 1
  }
}

/** Input that is malformed, out of range or otherwise unusable (exit status 2). */
export class InvalidInputError extends GlowmeshError {
  override name = 'InvalidInputError'
  constructor (message: string, options?: { cause?: unknown }) {
    super('INVALID_INPUT', message, { ...options, exitCode: 2 })
  }
}
