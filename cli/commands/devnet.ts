import { type Command, UsageError } from '../command.js'
import { parseFlags, takeHome } from '../home.js'
import { runDevnet } from '../../fullnode/devnet-run.js'
import { createRpcClient } from '../../fullnode/rpc/client.js'

/** Parses `100ms`, `1s`, `250` (ms). */
export function parseDuration (text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text)
  if (m === null) throw new UsageError(`bad duration '${text}' (e.g. 1s, 100ms)`)
  return Math.round(Number(m[1]) * (m[2] === 's' ? 1000 : 1))
}

/** `glowmesh devnet`: 4 validators on loopback, resumed if the home has one; Ctrl-C stops cleanly. */
export const devnetCommand: Command = {
  path: ['devnet'],
  summary: 'run a local devnet of 4 validators (resumes an existing one); Ctrl-C stops it',
  usage: 'glowmesh devnet [--validators N] [--block-time 1s|100ms] [--base-port N] [--chain-id ID] [--home DIR]',
  async run (argv, io) {
    const { home, rest } = takeHome(argv)
    const { flags } = parseFlags(rest, ['validators', 'block-time', 'base-port', 'chain-id'])
    const validators = flags.validators === undefined ? 4 : Number(flags.validators)
    if (!Number.isInteger(validators) || validators < 1 || validators > 16) throw new UsageError('--validators takes 1..16')
    const devnet = await runDevnet({
      home,
      validators,
      blockTimeMs: flags['block-time'] === undefined ? 1000 : parseDuration(flags['block-time'] as string),
      basePort: flags['base-port'] === undefined ? undefined : Number(flags['base-port']),
      chainId: typeof flags['chain-id'] === 'string' ? flags['chain-id'] : undefined,
      log: (l) => io.stderr(l + '\n')
    })
    io.stderr(`devnet ${devnet.created ? 'created' : 'resumed'} in ${home}/devnet (genesis ${devnet.genesisPath})\n`)
    for (const n of devnet.nodes) {
      const st = await createRpcClient({ url: n.rpcUrl }).status()
      io.stdout(`node${n.index}  rpc ${n.rpcUrl}  height ${st.height}\n`)
      for (const a of st.multiaddrs) io.stdout(`       ${a}\n`)
    }
    io.stderr('devnet running; Ctrl-C stops it\n')
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
    io.stderr('stopping devnet…\n')
    await devnet.stop()
    return 0
  }
}
