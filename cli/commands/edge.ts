/**
 * `glowmesh edge`: runs the edge worker (edge/worker.ts) locally in real workerd through miniflare,
 * against the devnet found under the home folder (or `--full-node URL`… and `--genesis-hash`), and
 * prints its gateway URL `http://127.0.0.1:PORT` on its own line (stdout). Runs until SIGINT/SIGTERM.
 */
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { type Command, UsageError } from '../command.js'
import { parseFlags, takeHome } from '../home.js'
import { parseNodeConfig } from '../../fullnode/config.js'
import { genesisHash } from '../../fullnode/genesis.js'
import { EDGE_WS_PATH } from '../../fullnode/net/ws/endpoint.js'
import { startLocalEdge } from '../../edge/local.js'
import { parsePledge } from '../../edge/pora.js'

/** The WebSocket URLs of every devnet node under `home` (from their config.json). */
async function devnetWebSockets (home: string): Promise<string[]> {
  const dir = join(home, 'devnet')
  let names: string[] = []
  try { names = (await readdir(dir)).filter((n) => /^node\d+$/.test(n)).sort() } catch {}
  const urls: string[] = []
  for (const n of names) {
    try {
      const c = parseNodeConfig(await readFile(join(dir, n, 'config.json'), 'utf8'))
      const host = c.rpc.host === '0.0.0.0' ? '127.0.0.1' : c.rpc.host
      urls.push(`ws://${host}:${c.rpc.port}${EDGE_WS_PATH}`)
    } catch {}
  }
  return urls
}

export const edgeCommand: Command = {
  path: ['edge'],
  summary: 'run the edge light node + verified gateway locally in workerd (miniflare); prints its URL',
  usage: 'glowmesh edge [--port N] [--full-node ws://HOST:PORT/glowmesh/ws]… [--genesis-hash 0x…] [--sample-count K] [--pledge SIZE] [--persist DIR] [--verbose] [--home DIR]',
  async run (argv, io) {
    const { home, rest } = takeHome(argv)
    const fullNodes: string[] = []
    const others: string[] = []
    for (let i = 0; i < rest.length; i++) {
      if (rest[i] === '--full-node') { const u = rest[++i]; if (u === undefined || !/^wss?:\/\//.test(u)) throw new UsageError('--full-node needs a ws:// or wss:// URL'); fullNodes.push(u) } else others.push(rest[i])
    }
    const { flags } = parseFlags(others, ['port', 'genesis-hash', 'sample-count', 'persist', 'pledge'], ['verbose'])
    const port = flags.port === undefined ? 0 : Number(flags.port)
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port takes 0..65535')
    const sampleCount = flags['sample-count'] === undefined ? 16 : Number(flags['sample-count'])
    if (!Number.isInteger(sampleCount) || sampleCount < 1 || sampleCount > 128) throw new UsageError('--sample-count takes 1..128')
    let pledgeBytes: number | undefined
    try { pledgeBytes = typeof flags.pledge === 'string' ? parsePledge(flags.pledge) : undefined } catch (err) { throw new UsageError(`--pledge: ${(err as Error).message}`) }
    let pinned = typeof flags['genesis-hash'] === 'string' ? flags['genesis-hash'] : undefined
    if (pinned === undefined) {
      try { pinned = genesisHash(new Uint8Array(await readFile(join(home, 'devnet', 'genesis.json')))) } catch {
        throw new UsageError(`no genesis to pin: pass --genesis-hash 0x… or run in a devnet home (${join(home, 'devnet', 'genesis.json')} is missing)`)
      }
    }
    if (!/^0x[0-9a-fA-F]{64}$/.test(pinned)) throw new UsageError('--genesis-hash takes 0x + 64 hex digits')
    if (fullNodes.length === 0) fullNodes.push(...await devnetWebSockets(home))
    if (fullNodes.length === 0) throw new UsageError(`no full nodes: run in a devnet home (${join(home, 'devnet')}) or pass --full-node URL`)

    const verbose = flags.verbose === true
    const edge = await startLocalEdge({
      fullNodes,
      genesisHash: pinned,
      port,
      sampleCount,
      pledgeBytes,
      persistDir: typeof flags.persist === 'string' ? flags.persist : undefined,
      debug: verbose,
      log: verbose ? (line) => { io.stderr(line) } : undefined
    })
    io.stderr(`edge: workerd running the light node against ${fullNodes.length} full node(s); gateway:\n`)
    io.stdout(`${edge.url}\n`)
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => { resolve() })
      process.once('SIGTERM', () => { resolve() })
    })
    await edge.close()
    return 0
  }
}
