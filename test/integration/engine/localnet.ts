// A 4-validator CometBFT network on loopback for engine tests: each node is a folder with
// config.json, key.json and the engine home written by writeEngineHome, an in-process ABCI server
// running the counter app, and a real `cometbft` child supervised by startEngine.
import { createServer } from 'node:net'
import type { Server } from 'node:net'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKey, keyToFile } from '../../../protocol/chain/keyfile.js'
import type { KeyFile } from '../../../protocol/chain/keyfile.js'
import type { Genesis } from '../../../fullnode/genesis.js'
import type { NodeConfig } from '../../../fullnode/config.js'
import { writeEngineHome } from '../../../fullnode/engine/home.js'
import { startEngine } from '../../../fullnode/engine/supervisor.js'
import type { Engine } from '../../../fullnode/engine/supervisor.js'
import { createCometRpc } from '../../../fullnode/engine/rpc-client.js'
import type { CometRpc } from '../../../fullnode/engine/rpc-client.js'
import { startAbciServer } from '../../../fullnode/app/abci-server.js'
import type { AbciServer } from '../../../fullnode/app/abci-server.js'
import type { AbciFatalError } from '../../../fullnode/engine/errors.js'
import { createCounterApp } from '../../helpers/counter-app.js'
import type { CounterApp } from '../../helpers/counter-app.js'
import { waitFor } from '../../helpers/wait.js'

/** Free loopback TCP ports, all distinct (held open together while probing). @example const [rpc, p2p] = await freePorts(2) */
export async function freePorts (n: number): Promise<number[]> {
  const servers: Server[] = []
  const ports: number[] = []
  for (let i = 0; i < n; i++) {
    const s = createServer()
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
    servers.push(s)
    ports.push((s.address() as { port: number }).port)
  }
  await Promise.all(servers.map(async (s) => await new Promise((resolve) => s.close(resolve))))
  return ports
}

export interface LocalNode {
  index: number
  dir: string
  cometHome: string
  key: KeyFile
  config: NodeConfig
  app: CounterApp
  abci: AbciServer
  engine?: Engine
  rpc: CometRpc
  exits: Array<{ code: number | null, signal: string | null, expected: boolean }>
}

export interface Localnet {
  chainId: string
  genesisText: string
  nodes: LocalNode[]
  fatal: AbciFatalError[]
  startEngineOf: (i: number) => Promise<Engine>
  close: () => Promise<void>
}

/** Writes and starts an n-validator network under `dir`. @example const net = await startLocalnet({ dir, n: 4, blockTimeMs: 100 }) */
export async function startLocalnet (o: { dir: string, n?: number, blockTimeMs?: number }): Promise<Localnet> {
  const n = o.n ?? 4
  const chainId = 'glowmesh-enginetest'
  const keys = Array.from({ length: n }, () => keyToFile(generateKey()))
  const ports = await freePorts(2 * n)
  const genesis: Genesis = {
    chainId,
    genesisTime: new Date().toISOString(),
    validators: keys.map((k, i) => ({ publicKey: k.publicKey, power: 10, moniker: `node${i}` })),
    accounts: keys.map((k) => ({ address: k.address, balance: '1000000' })),
    params: { minFee: '1', storagePricePerByteEpoch: '1', epochBlocks: 100, daPricePerByte: '1', daWindowBlocks: 100, minPledgeBytes: 1, bondPerGiB: '1', inflationBps: 0, slashDoubleSignBps: 500 }
  }
  const genesisText = JSON.stringify(genesis, null, 2)
  await writeFile(join(o.dir, 'genesis.json'), genesisText)
  const fatal: AbciFatalError[] = []
  const nodes: LocalNode[] = []
  const peers = keys.map((k, i) => ({ publicKey: k.publicKey, host: '127.0.0.1', p2pPort: ports[2 * i + 1] }))
  for (let i = 0; i < n; i++) {
    const dir = join(o.dir, `node${i}`)
    await mkdir(dir, { recursive: true })
    const app = createCounterApp({ dir })
    const abci = await startAbciServer({ app, port: 0, onFatal: (e) => { fatal.push(e) }, logger: { error: () => {} } })
    const config: NodeConfig = {
      chainId, moniker: `node${i}`, rpc: { host: '127.0.0.1', port: 1 }, p2p: { host: '127.0.0.1', tcp: 1, ws: 1, webrtcDirect: 1 },
      gateway: { port: 1 }, cometbft: { rpcPort: ports[2 * i], p2pPort: ports[2 * i + 1], abciPort: abci.port }, dataDir: 'data', blockTimeMs: o.blockTimeMs ?? 100
    }
    await writeFile(join(dir, 'config.json'), JSON.stringify(config, null, 2))
    await writeFile(join(dir, 'key.json'), JSON.stringify(keys[i], null, 2))
    const cometHome = join(dir, 'cometbft')
    await writeEngineHome({ cometHome, genesis: genesisText, config, key: keys[i], peers })
    nodes.push({ index: i, dir, cometHome, key: keys[i], config, app, abci, rpc: createCometRpc({ url: `http://127.0.0.1:${ports[2 * i]}` }), exits: [] })
  }
  const startEngineOf = async (i: number): Promise<Engine> => {
    const node = nodes[i]
    node.engine = await startEngine({ home: node.dir, cometHome: node.cometHome, onExit: (e) => { node.exits.push(e) } })
    return node.engine
  }
  await Promise.all(nodes.map(async (_, i) => await startEngineOf(i)))
  return {
    chainId,
    genesisText,
    nodes,
    fatal,
    startEngineOf,
    async close () {
      await Promise.allSettled(nodes.map(async (node) => await node.engine?.stop({ timeoutMs: 5_000 })))
      await Promise.allSettled(nodes.map(async (node) => await node.abci.close()))
    }
  }
}

/** Polls `check` every 50 ms until it returns true or `limitMs` passes. @example await until(async () => (await rpc.status()).latestBlockHeight > 5n, 'height 5') */
export async function until (check: () => Promise<boolean> | boolean, what: string, limitMs = 30_000): Promise<void> {
  await waitFor(what, check, { timeoutMs: limitMs, everyMs: 50 })
}
