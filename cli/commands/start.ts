import { type Command } from '../command.js'
import { parseFlags, takeHome } from '../home.js'
import { runDevnet } from '../../fullnode/devnet-run.js'
import { createRpcClient } from '../../fullnode/rpc/client.js'
import { parseDuration } from './devnet.js'

/**
 * `glowmesh start` (`npm start`): the main job — the 4-validator devnet under the home folder
 * (created or resumed) with the demo traffic source, so a fresh dashboard has something to verify.
 */
export const startCommand: Command = {
  path: ['start'],
  summary: 'npm start: run the devnet with demo traffic (blobs and files) until Ctrl-C',
  usage: 'glowmesh start [--block-time 1s] [--no-traffic] [--home DIR]',
  async run (argv, io) {
    const { home, rest } = takeHome(argv)
    const { flags } = parseFlags(rest, ['block-time', 'base-port'], ['no-traffic'])
    const devnet = await runDevnet({
      home,
      blockTimeMs: flags['block-time'] === undefined ? 1000 : parseDuration(flags['block-time'] as string),
      basePort: flags['base-port'] === undefined ? undefined : Number(flags['base-port']),
      log: (l) => io.stderr(l + '\n')
    })
    io.stdout(`glowmesh devnet ${devnet.created ? 'created' : 'resumed'} in ${home}/devnet\n`)
    for (const n of devnet.nodes) {
      const st = await createRpcClient({ url: n.rpcUrl }).status()
      io.stdout(`  node${n.index}  rpc ${n.rpcUrl}/status  height ${st.height}\n`)
    }
    const controller = new AbortController()
    if (flags['no-traffic'] !== true) {
      const { startDemoTraffic } = await import('../../fullnode/traffic.js')
      void startDemoTraffic({ rpcUrl: devnet.nodes[0].rpcUrl, home, signal: controller.signal, log: (l: string) => io.stderr(l + '\n') })
      io.stdout('  demo traffic: a blob every few blocks, a file now and then\n')
    }
    io.stdout('try: npx glowmesh status · npx glowmesh light --json · Ctrl-C stops everything\n')
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
    controller.abort()
    io.stderr('stopping…\n')
    await devnet.stop()
    return 0
  }
}
