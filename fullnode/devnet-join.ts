/**
 * A new full node that joins a running devnet by state sync (issue 13): its home is made with the
 * real `glowmesh init --genesis … --state-sync RPC1,RPC2 --peer … --libp2p-peer …` and it runs as a
 * real `glowmesh node` process, exactly what an operator types on another machine. Used by
 * test/integration/join and scripts/long-chain.mjs.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { openSync, closeSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseNodeConfig } from './config.js'
import { peerIdOfPublicKey } from './devnet.js'
import { repoRoot } from './devnet-run.js'
import { freeBasePort } from './ports.js'
import { GlowmeshError } from '../protocol/errors.js'

/** A joining node could not be set up (init failed). */
export class JoinError extends GlowmeshError {
  override name = 'JoinError'
  constructor (message: string) { super('JOIN', message) }
}

export interface JoinOptions {
  /** The devnet's genesis file. */
  genesisPath: string
  /** The devnet's node folders (every validator becomes an engine and libp2p peer). */
  validatorDirs: string[]
  /** The new node's folder (must not hold a node yet). */
  dir: string
  /** Indices in validatorDirs whose CometBFT RPC serves light blocks to state sync (default [0, 1]). */
  stateSyncFrom?: number[]
  /** Extra `glowmesh init` flags (e.g. ['--discovery-time', '5s']). */
  initArgs?: string[]
  /** The new node's block time setting (match the devnet's). */
  blockTimeMs?: number
}

export interface JoinedNode {
  dir: string
  rpcUrl: string
  /** CometBFT's RPC of the new node. */
  engineUrl: string
  /** What `glowmesh init` printed on stderr (the trusted height and hash). */
  initLog: string
  /** The trust init wrote into config.json. */
  trust: { height: number, hash: string }
  process: ChildProcess
  /** SIGTERM, then SIGKILL after 15 s; resolves when the process is gone. */
  stop: () => Promise<void>
}

const LAUNCH = (): string[] => ['--experimental-websocket', join(repoRoot(), 'cli', 'glowmesh.js')]

async function runInit (args: string[]): Promise<{ code: number, stderr: string }> {
  return await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...LAUNCH(), 'init', ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d) => { stderr += String(d) })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code: code ?? -1, stderr }))
  })
}

/**
 * Makes the new node's home with `glowmesh init --state-sync` and starts `glowmesh node` (its log: `<dir>/node.log`).
 * @example const n = await joinByStateSync({ genesisPath: devnet.genesisPath, validatorDirs: devnet.nodes.map(n => n.dir), dir: '/tmp/joiner' })
 */
export async function joinByStateSync (o: JoinOptions): Promise<JoinedNode> {
  const validators = o.validatorDirs.map((d) => ({
    config: parseNodeConfig(readFileSync(join(d, 'config.json'), 'utf8')),
    publicKey: JSON.parse(readFileSync(join(d, 'key.json'), 'utf8')).publicKey as string
  }))
  const from = o.stateSyncFrom ?? [0, 1]
  const servers = from.map((i) => `http://${validators[i].config.rpc.host}:${validators[i].config.cometbft.rpcPort}`)
  const args = ['--genesis', o.genesisPath, '--home', o.dir, '--moniker', 'joiner', '--base-port', String(await freeBasePort(1)),
    '--block-time', String(o.blockTimeMs ?? 1000), '--state-sync', servers.join(',')]
  for (const v of validators) {
    args.push('--peer', `${v.publicKey}@${v.config.p2p.host}:${v.config.cometbft.p2pPort}`)
    args.push('--libp2p-peer', `/ip4/${v.config.p2p.host}/tcp/${v.config.p2p.tcp}/p2p/${await peerIdOfPublicKey(v.publicKey)}`)
  }
  args.push(...(o.initArgs ?? []))
  const init = await runInit(args)
  if (init.code !== 0) throw new JoinError(`glowmesh init --state-sync exited ${init.code}: ${init.stderr.trim()}`)
  const config = parseNodeConfig(readFileSync(join(o.dir, 'config.json'), 'utf8'))
  const out = openSync(join(o.dir, 'node.log'), 'a')
  const child = spawn(process.execPath, [...LAUNCH(), 'node', '--home', o.dir], { stdio: ['ignore', 'ignore', out] })
  closeSync(out)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return {
    dir: o.dir,
    rpcUrl: `http://${config.rpc.host}:${config.rpc.port}`,
    engineUrl: `http://${config.rpc.host}:${config.cometbft.rpcPort}`,
    initLog: init.stderr,
    trust: { height: config.stateSync!.trustHeight, hash: config.stateSync!.trustHash },
    process: child,
    async stop () {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000)
      await exited
      clearTimeout(t)
    }
  }
}
