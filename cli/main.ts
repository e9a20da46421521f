// The `glowmesh` command: a table of subcommands, each in cli/commands/. The launcher
// (cli/glowmesh.js) sets Node 20's flags and polyfills and calls run().
import { type Command, type Io, EXIT_BAD_INPUT, UsageError } from './command.js'
import { commands } from './commands/index.js'

const defaultIo: Io = {
  stdout: (t) => { process.stdout.write(t) },
  stderr: (t) => { process.stderr.write(t) },
  stdoutBytes: async (bytes) => { await new Promise<void>((resolve, reject) => process.stdout.write(bytes, (err) => err == null ? resolve() : reject(err))) }
}

function find (argv: string[]): { command: Command, rest: string[] } | undefined {
  let best: { command: Command, rest: string[] } | undefined
  for (const command of commands) {
    const n = command.path.length
    if (argv.length >= n && command.path.every((w, i) => argv[i] === w) && (best === undefined || n > best.command.path.length)) {
      best = { command, rest: argv.slice(n) }
    }
  }
  return best
}

function help (io: Io): void {
  const width = Math.max(...commands.map((c) => c.path.join(' ').length))
  io.stdout('usage: glowmesh <command> [options]\n\ncommands:\n')
  for (const c of commands) io.stdout(`  ${c.path.join(' ').padEnd(width)}  ${c.summary}\n`)
}

/** Runs the CLI with `argv` (without node and script) and resolves to the exit status. */
export async function run (argv: string[], io: Io = defaultIo): Promise<number> {
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    help(io)
    return argv.length === 0 ? EXIT_BAD_INPUT : 0
  }
  const found = find(argv)
  if (found === undefined) {
    io.stderr(`glowmesh: unknown command '${argv.join(' ')}'; see 'glowmesh help'\n`)
    return EXIT_BAD_INPUT
  }
  const { command, rest } = found
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`usage: ${command.usage}\n`)
    return 0
  }
  try {
    return await command.run(rest, io)
  } catch (err: any) {
    if (err instanceof UsageError) {
      io.stderr(`glowmesh ${command.path.join(' ')}: ${err.message}\nusage: ${command.usage}\n`)
      return EXIT_BAD_INPUT
    }
    // Typed input errors from protocol/ carry `exitCode` (e.g. EmptyFileError → 2).
    const code = typeof err?.exitCode === 'number' ? err.exitCode : 1
    io.stderr(`glowmesh ${command.path.join(' ')}: ${err?.name ?? 'Error'}: ${err?.message ?? String(err)}\n`)
    return code
  }
}
