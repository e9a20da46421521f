// A glowmesh network on real hosts (test/helpers/netns.ts): 4 validators, each a `glowmesh node`
// in its own namespace with its own 10.x address, and `glowmesh light` nodes that reach only one
// full node over a private link. Homes come from one genesis: `ensureDevnetHome` makes the genesis
// and keys, `glowmesh init --host IP --peer … --libp2p-peer …` each host's home (fullnode/devnet.ts,
// cli/commands/node.ts). Faults: cut/heal a host's link, kill -9 a host, restart it.
import { mkdtempSync, readFileSync, rmSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createNetnsNetwork, type NetnsNetwork, type HostProcess } from '../helpers/netns.js'
import { ensureBuilt } from '../helpers/devnet.js'
import { LAUNCHER, runCli } from '../helpers/cli.js'
import { ensureDevnetHome, devnetPorts, peerIdOfPublicKey } from '../../fullnode/devnet.js'
import { genesisHash, parseGenesis } from '../../fullnode/genesis.js'
import { createRpcClient, type RpcClient } from '../../fullnode/rpc/client.js'
import { createCometRpc, type CometRpc } from '../../fullnode/engine/rpc-client.js'
import { keyFromFile, validatorAddress, type Ed25519Key } from '../../protocol/chain/index.js'
import { GlowmeshError } from '../../protocol/errors.js'
import type { AcceptedHeader, LightStatus } from '../../client/types.js'

/** A wait that ran out, with what was seen (heights, last light status, log tails) in the message. */
export class PartitionWaitError extends GlowmeshError {
  override name = 'PartitionWaitError'
  constructor (what: string, diagnostics: string) { super('PARTITION_WAIT_TIMEOUT', `timed out waiting for ${what}\n${diagnostics}`) }
}

/** Every host uses the same ports (each has its own address): devnet node 0's. */
export const HOST_PORTS = devnetPorts(26650, 0)

/** One validator host: its address, home, key, URLs and running node. */
export interface ValidatorHost {
  index: number
  /** Host name in the network (`v0` …). */
  name: string
  address: string
  home: string
  key: Ed25519Key
  /** CometBFT validator address, upper-case hex. */
  validatorAddress: string
  rpcUrl: string
  cometUrl: string
  libp2p: string
  logFile: string
  proc?: HostProcess
}

/** One light host (no hub link: a private link to its only full node) and the status lines it printed. */
export interface LightHost {
  name: string
  home: string
  /** Index of its only full node. */
  fullNode: number
  logFile: string
  statuses: LightStatus[]
  proc?: HostProcess
}

/** A running cluster: what `startPartitionCluster` returns. */
export interface PartitionCluster {
  net: NetnsNetwork
  runDir: string
  chainId: string
  genesisHash: string
  blockTimeMs: number
  validators: ValidatorHost[]
  lights: LightHost[]
  rpc: (i: number) => RpcClient
  comet: (i: number) => CometRpc
  /** Each validator's committed height, or undefined where its RPC doesn't answer. */
  heights: (signal?: AbortSignal) => Promise<Array<number | undefined>>
  /** Polls `cond` every 250 ms until true; on timeout throws PartitionWaitError with diagnostics. */
  waitUntil: (cond: () => boolean | Promise<boolean>, what: string, options?: { timeoutMs?: number, signal?: AbortSignal }) => Promise<void>
  cut: (i: number) => Promise<void>
  heal: (i: number) => Promise<void>
  /** SIGKILLs every process on validator i's host; `midRound` waits for a propose/prevote/precommit step first. Returns the step it hit. */
  kill9: (i: number, options?: { midRound?: boolean, signal?: AbortSignal }) => Promise<string>
  /** Starts validator i's node again (after kill9). */
  restart: (i: number) => void
  /** The proposer of the round in progress, by validator index, as a reachable node sees it. */
  proposer: (signal?: AbortSignal) => Promise<{ index: number, height: number, round: number }>
  startLight: (j: number) => void
  /** Stops light j (SIGINT, then SIGKILL after 15 s). */
  stopLight: (j: number) => Promise<void>
  /** Light j's accepted-header log (`glowmesh light --headers`); the light must be stopped. */
  lightHeaders: (j: number) => Promise<AcceptedHeader[]>
  /** Last lines of a host's log. */
  tail: (name: string, lines?: number) => string
  /** Stops everything and removes the network; keeps the run folder when `keep` (for a failed run's logs). */
  stop: (options?: { keep?: boolean }) => Promise<void>
}

const sleep = async (ms: number, signal?: AbortSignal): Promise<void> => await new Promise((resolve, reject) => {
  const t = setTimeout(resolve, ms)
  signal?.addEventListener('abort', () => { clearTimeout(t); reject(signal.reason) }, { once: true })
})

function tailOf (file: string, lines = 15): string {
  try { return readFileSync(file, 'utf8').split('\n').slice(-lines - 1).join('\n') } catch { return '(no log)' }
}

/**
 * Builds the homes, the network and its hosts, starts every node and light node, and resolves when
 * every validator has committed height 2. Fails (never skips) where namespaces can't be made.
 * @example const c = await startPartitionCluster({ blockTimeMs: 500 }); await c.cut(1); await c.heal(1); await c.stop()
 */
export async function startPartitionCluster (options: { validators?: number, lights?: number, blockTimeMs?: number, log?: (l: string) => void, signal?: AbortSignal } = {}): Promise<PartitionCluster> {
  const log = options.log ?? (() => {})
  const n = options.validators ?? 4
  const blockTimeMs = options.blockTimeMs ?? 500
  ensureBuilt()
  const net = await createNetnsNetwork({ log })
  const runDir = mkdtempSync(join(tmpdir(), `gm${net.runId}-partition-`))
  const validators: ValidatorHost[] = []
  const lights: LightHost[] = []
  const cluster = {} as PartitionCluster
  try {
    // one genesis and the validator keys, as the devnet makes them; then one home per host
    const seed = await ensureDevnetHome({ home: join(runDir, 'seed'), validators: n, blockTimeMs, chainId: `glowmesh-partition-${net.runId}` })
    const genesisBytes = readFileSync(seed.genesisPath)
    const genesis = parseGenesis(genesisBytes)
    for (let i = 0; i < n; i++) {
      const h = await net.addHost(`v${i}`)
      const key = keyFromFile(readFileSync(join(seed.nodes[i], 'key.json'), 'utf8'))
      const peerId = await peerIdOfPublicKey(genesis.validators[i].publicKey)
      validators.push({
        index: i,
        name: h.name,
        address: h.address,
        home: join(runDir, h.name),
        key,
        validatorAddress: Buffer.from(validatorAddress(key.publicKey)).toString('hex').toUpperCase(),
        rpcUrl: `http://${h.address}:${HOST_PORTS.rpc.port}`,
        cometUrl: `http://${h.address}:${HOST_PORTS.cometbft.rpcPort}`,
        libp2p: `/ip4/${h.address}/tcp/${HOST_PORTS.p2p.tcp}/p2p/${peerId}`,
        logFile: join(runDir, `${h.name}.log`)
      })
    }
    for (const v of validators) {
      const args = ['init', '--home', v.home, '--genesis', seed.genesisPath, '--host', v.address, '--key', join(seed.nodes[v.index], 'key.json'),
        '--moniker', `node${v.index}`, '--block-time', String(blockTimeMs)]
      for (const o of validators) {
        if (o === v) continue
        args.push('--peer', `${genesis.validators[o.index].publicKey}@${o.address}:${HOST_PORTS.cometbft.p2pPort}`, '--libp2p-peer', o.libp2p)
      }
      const r = await runCli(...args)
      if (r.code !== 0) throw new GlowmeshError('PARTITION_INIT', `glowmesh ${args.join(' ')} exited ${r.code}: ${r.stderr}`)
    }
    for (let j = 0; j < (options.lights ?? 1); j++) {
      const fullNode = n - 1 - (j % n)
      const name = `l${j}`
      await net.addHost(name, { hub: false })
      await net.privateLink(name, validators[fullNode].name)
      const home = join(runDir, name)
      mkdirSync(home, { recursive: true })
      lights.push({ name, home, fullNode, logFile: join(runDir, `${name}.log`), statuses: [] })
    }

    const rpcs = validators.map((v) => createRpcClient({ url: v.rpcUrl, timeoutMs: 5000 }))
    const comets = validators.map((v) => createCometRpc({ url: v.cometUrl, timeoutMs: 5000 }))
    const startNode = (i: number): void => {
      const v = validators[i]
      v.proc = net.spawn(v.name, process.execPath, ['--experimental-websocket', LAUNCHER, 'node', '--home', v.home], { logFile: v.logFile })
    }
    const startLight = (j: number): void => {
      const l = lights[j]
      const v = validators[l.fullNode]
      const proc = net.spawn(l.name, process.execPath, ['--experimental-websocket', LAUNCHER, 'light', '--json', '--home', l.home,
        '--rpc', v.rpcUrl, '--genesis-hash', genesisHash(genesisBytes), '--peer', v.libp2p], { logFile: l.logFile, pipeStdout: true })
      let buf = ''
      proc.child.stdout?.on('data', (d) => {
        buf += String(d)
        let k
        while ((k = buf.indexOf('\n')) >= 0) {
          try { l.statuses.push(JSON.parse(buf.slice(0, k))) } catch {}
          buf = buf.slice(k + 1)
        }
      })
      l.proc = proc
    }
    const heights = async (signal?: AbortSignal): Promise<Array<number | undefined>> =>
      await Promise.all(rpcs.map(async (r, i) => net.isUp(validators[i].name) ? await r.status(signal).then((s) => s.height, () => undefined) : undefined))
    const diagnostics = async (): Promise<string> => {
      const hs = await heights()
      const lightLines = lights.map((l) => `${l.name}: ${JSON.stringify(l.statuses.at(-1) ?? null)}\n${tailOf(l.logFile, 8)}`)
      return `heights ${JSON.stringify(hs)}; links ${validators.map((v) => `${v.name}:${net.isUp(v.name) ? 'up' : 'CUT'}`).join(' ')}\n` +
        validators.map((v) => `--- ${v.name} (${v.logFile})\n${tailOf(v.logFile, 8)}`).join('\n') + '\n' + lightLines.join('\n')
    }

    Object.assign(cluster, {
      net,
      runDir,
      chainId: genesis.chainId,
      genesisHash: genesisHash(genesisBytes),
      blockTimeMs,
      validators,
      lights,
      rpc: (i: number) => rpcs[i],
      comet: (i: number) => comets[i],
      heights,
      async waitUntil (cond: () => boolean | Promise<boolean>, what: string, o: { timeoutMs?: number, signal?: AbortSignal } = {}) {
        const deadline = Date.now() + (o.timeoutMs ?? 120_000)
        for (;;) {
          o.signal?.throwIfAborted()
          try { if (await cond()) return } catch {}
          if (Date.now() > deadline) throw new PartitionWaitError(what, await diagnostics())
          await sleep(250, o.signal)
        }
      },
      cut: async (i: number) => { await net.cut(validators[i].name) },
      heal: async (i: number) => { await net.heal(validators[i].name) },
      async kill9 (i: number, o: { midRound?: boolean, signal?: AbortSignal } = {}) {
        let step = 'unknown'
        if (o.midRound === true) {
          // a step inside a round (RoundStepPropose 3 … RoundStepPrecommitWait 7), not the commit pause
          const deadline = Date.now() + 30_000
          while (Date.now() < deadline) {
            o.signal?.throwIfAborted()
            try {
              const hrs: string = (await comets[i].call('consensus_state', {}, { timeoutMs: 2000 })).round_state['height/round/step']
              step = hrs
              const s = Number(hrs.split('/')[2])
              if (s >= 3 && s <= 7) break
            } catch {}
            await sleep(5, o.signal)
          }
        }
        await net.killAll(validators[i].name)
        await validators[i].proc?.exited
        return step
      },
      restart: startNode,
      async proposer (signal?: AbortSignal) {
        for (let i = 0; i < n; i++) {
          if (!net.isUp(validators[i].name)) continue
          try {
            const rs = (await comets[i].call('consensus_state', {}, { signal, timeoutMs: 3000 })).round_state
            const [height, round] = String(rs['height/round/step']).split('/').map(Number)
            const index = validators.findIndex((v) => v.validatorAddress === String(rs.proposer.address).toUpperCase())
            if (index >= 0) return { index, height, round }
          } catch {}
        }
        throw new GlowmeshError('PARTITION_NO_PROPOSER', 'no reachable validator reported the round\'s proposer')
      },
      startLight,
      async stopLight (j: number) {
        const p = lights[j].proc
        if (p === undefined || p.child.exitCode !== null || p.child.signalCode !== null) return
        p.child.kill('SIGINT')
        const t = setTimeout(() => { p.child.kill('SIGKILL') }, 15_000)
        await p.exited
        clearTimeout(t)
      },
      async lightHeaders (j: number) {
        const r = await runCli('light', '--headers', '--home', lights[j].home)
        if (r.code !== 0) throw new GlowmeshError('PARTITION_LIGHT_LOG', `glowmesh light --headers exited ${r.code}: ${r.stderr}`)
        return r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as AcceptedHeader)
      },
      tail: (name: string, lines?: number) => tailOf(join(runDir, `${name}.log`), lines),
      async stop (o: { keep?: boolean } = {}) {
        await Promise.all(lights.map(async (_, j) => await cluster.stopLight(j).catch(() => {})))
        await Promise.all(validators.map(async (v) => {
          const p = v.proc
          if (p === undefined || p.child.exitCode !== null || p.child.signalCode !== null) return
          p.child.kill('SIGTERM')
          const t = setTimeout(() => { p.child.kill('SIGKILL') }, 10_000)
          await p.exited
          clearTimeout(t)
        }))
        await net.destroy()
        if (o.keep !== true) rmSync(runDir, { recursive: true, force: true })
      }
    } satisfies PartitionCluster)

    for (let i = 0; i < n; i++) startNode(i)
    await cluster.waitUntil(async () => (await heights(options.signal)).every((h) => h !== undefined && h >= 2), 'every validator at height 2', { timeoutMs: 180_000, signal: options.signal })
    for (let j = 0; j < lights.length; j++) startLight(j)
    return cluster
  } catch (err) {
    if (cluster.stop !== undefined) await cluster.stop({ keep: true }).catch(() => {})
    else await net.destroy()
    throw err
  }
}
