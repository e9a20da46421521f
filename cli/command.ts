/** The shape every `glowmesh` subcommand has. Results go to stdout, logs and progress to stderr. */
export interface Io {
  stdout: (text: string) => void
  stderr: (text: string) => void
  /** Raw bytes for stdout (`get --out -`); resolves once written, so a slow pipe pushes back. */
  stdoutBytes: (bytes: Uint8Array) => Promise<void>
}

export interface Command {
  /** The words that select it, e.g. `['da', 'encode']`. */
  path: string[]
  /** One line for `glowmesh help`. */
  summary: string
  /** Usage line(s) shown on `--help` and on a usage error. */
  usage: string
  /** Runs the command; resolves to the process exit status. */
  run: (args: string[], io: Io) => Promise<number>
}

/** A usage mistake: reported with the command's usage and exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError'
}

/** Exit status for bad input (usage errors, empty files, malformed data). */
export const EXIT_BAD_INPUT = 2
