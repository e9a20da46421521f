import { type Command } from '../command.js'
import { parseFlags, takeHome } from '../home.js'
import { runDevnet } from '../../fullnode/devnet-run.js'
import { createRpcClient } from '../../fullnode/rpc/client.js'
import { parseDuration } from './devnet.js'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { sha256 } from '@noble/hashes/sha2.js'
import { toHex } from '../../protocol/bytes.js'
import { buildDemo, serveDemo, type DemoServer } from '../demo-server.js'

/** The dashboard's default port (vite's usual one); taken → any free port. */
export const DEFAULT_DEMO_PORT = 5173

/**
 * `glowmesh start` (`npm start`): the main job — the 4-validator devnet under the home folder
 * (created or resumed) with the demo traffic source, so a fresh dashboard has something to verify,
 * and the demo dashboard (demo/, bundled with vite into `<home>/demo`) served on loopback;
 * its URL, with `?rpc=…&genesis=…` filled in, is printed on its own line.
 * @example glowmesh start --block-time 500ms --demo-port 8080
 */
export const startCommand: Command = {
  path: ['start'],
  summary: 'npm start: run the devnet with demo traffic (blobs and files) and serve the dashboard until Ctrl-C',
  usage: 'glowmesh start [--block-time 1s] [--base-port N] [--no-traffic] [--no-compute] [--demo-port 5173 | --no-demo] [--home DIR]\n' +
    '  Starts (or resumes) 4 validators under HOME/devnet, sends demo traffic (a DA blob every few blocks, a file now and then),\n' +
    '  bundles demo/ with vite into HOME/demo (only when its sources changed) and serves it on 127.0.0.1:PORT\n' +
    '  (default 5173; taken → any free port; 0 → any). The dashboard URL, pinned to node0\'s RPC and the genesis hash,\n' +
    '  is printed on its own line: open it in a browser; every tab of it is a light node (one leader per origin).',
  async run (argv, io) {
    const { home, rest } = takeHome(argv)
    const { flags } = parseFlags(rest, ['block-time', 'base-port', 'demo-port'], ['no-traffic', 'no-demo', 'no-compute'])
    const demoPort = flags['demo-port'] === undefined ? DEFAULT_DEMO_PORT : Number(flags['demo-port'])
    if (!Number.isInteger(demoPort) || demoPort < 0 || demoPort > 65535) { io.stderr(`--demo-port must be a port number (0–65535), got ${String(flags['demo-port'])}\n`); return 2 }
    const demoDir = join(home, 'demo')
    // the bundle builds while the nodes start
    const built = flags['no-demo'] === true ? undefined : buildDemo({ outDir: demoDir }).catch((err: Error) => err)
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
    if (flags['no-compute'] !== true) {
      // the dashboard's compute panels need the demo model on chain: store and register it (idempotent)
      void registerDemoModel({ home, rpcUrl: devnet.nodes[0].rpcUrl, signal: controller.signal })
        .then((m) => io.stderr(`compute: MNIST model ${m.root} ${m.registered ? 'registered' : 'already registered'}\n`))
        .catch((err: Error) => { if (!controller.signal.aborted) io.stderr(`compute: could not register the demo model: ${err.message}\n`) })
      io.stdout('  compute: registering the MNIST demo model (stderr says when); answer jobs with `npx glowmesh worker` or the dashboard\'s Contribute GPU switch\n')
    }
    let demo: DemoServer | undefined
    const b = await built
    if (b instanceof Error) io.stderr(`demo: ${b.name}: ${b.message} (the devnet runs without the dashboard)\n`)
    else if (b !== undefined) {
      if (b.built) io.stderr(`demo: bundled demo/ into ${demoDir} in ${b.ms} ms\n`)
      const genesisHash = toHex(sha256(readFileSync(devnet.genesisPath)))
      const serve = async (port: number): Promise<DemoServer> => await serveDemo({ dir: demoDir, port, rpcUrl: devnet.nodes[0].rpcUrl, genesisHash })
      try { demo = await serve(demoPort) } catch (err) {
        io.stderr(`demo: ${(err as Error).message}${demoPort === 0 ? '' : '; trying a free port'}\n`)
        if (demoPort !== 0) demo = await serve(0).catch((e: Error) => { io.stderr(`demo: ${e.message} (the devnet runs without the dashboard)\n`); return undefined })
      }
      if (demo !== undefined) {
        io.stdout('  dashboard (open in a browser; each tab is a light node):\n')
        io.stdout(`${demo.pageUrl}\n`)
      }
    }
    io.stdout('try: npx glowmesh status · npx glowmesh light --json · Ctrl-C stops everything\n')
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
    controller.abort()
    io.stderr('stopping…\n')
    await demo?.close()
    await devnet.stop()
    return 0
  }
}

/** Stores and registers the MNIST demo model with the requester key `glowmesh infer` uses (funded by the faucet). */
async function registerDemoModel (o: { home: string, rpcUrl: string, signal: AbortSignal }): Promise<{ root: string, registered: boolean }> {
  const [{ requesterKey }, { ensureFunded }, { defaultModelPath, referenceDistribution }, { ensureModelRegistered }, { readFile }] = await Promise.all([
    import('./infer.js'), import('../../client/storage/faucet.js'), import('../compute/mnist.js'), import('../compute/publish.js'), import('node:fs/promises')
  ])
  const rpc = createRpcClient({ url: o.rpcUrl })
  const key = await requesterKey(o.home, undefined)
  await ensureFunded({ rpcUrl: o.rpcUrl, address: key.address, signal: o.signal })
  const m = await ensureModelRegistered({ rpc, key, modelBytes: new Uint8Array(await readFile(defaultModelPath())), referenceDistribution, signal: o.signal })
  return { root: m.root, registered: m.registered }
}
