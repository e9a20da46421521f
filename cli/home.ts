// Where the CLI keeps things (DESIGN §8): --home DIR, else $GLOWMESH_HOME, else .glowmesh/ here.
import { resolve, join } from 'node:path'
import { UsageError } from './command.js'

/** Parsed common options: the home folder, plus everything not consumed. */
export interface CommonOptions {
  home: string
  rest: string[]
}

/** Takes `--home DIR` out of args and resolves the home folder. */
export function takeHome (args: string[]): CommonOptions {
  const rest: string[] = []
  let home: string | undefined
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--home') {
      home = args[++i]
      if (home === undefined) throw new UsageError('--home needs a folder')
    } else if (args[i].startsWith('--home=')) home = args[i].slice(7)
    else rest.push(args[i])
  }
  return { home: resolve(home ?? process.env.GLOWMESH_HOME ?? '.glowmesh'), rest }
}

/** Path of a named account key in the home folder. */
export function keyPath (home: string, name: string): string {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name) || name.startsWith('.')) throw new UsageError(`bad key name '${name}'`)
  return join(home, 'keys', `${name}.json`)
}

/** Small flag parser: `--flag value` and `--flag=value` for the names given, booleans for `bools`. */
export function parseFlags (args: string[], valued: string[], bools: string[] = []): { flags: Record<string, string | true>, positional: string[] } {
  const flags: Record<string, string | true> = {}
  const positional: string[] = []
  for (let i = 0; i < args.length; i++) {
    const a = args[i]
    if (!a.startsWith('--') || a === '-') { positional.push(a); continue }
    const eq = a.indexOf('=')
    const name = a.slice(2, eq === -1 ? undefined : eq)
    if (valued.includes(name)) {
      const v = eq === -1 ? args[++i] : a.slice(eq + 1)
      if (v === undefined) throw new UsageError(`--${name} needs a value`)
      flags[name] = v
    } else if (bools.includes(name) && eq === -1) flags[name] = true
    else throw new UsageError(`unknown option --${name}`)
  }
  return { flags, positional }
}
