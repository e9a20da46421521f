// The alignment monitor on a real 4-validator devnet (nodes from dist/, monitor options in their
// config.json; node3's monitor is off). Two real worker loops (cli/compute runWorker: claims,
// stored traces, signed result documents, result txs) answer a stream of MNIST jobs: an honest
// CPU worker, and a drifting one whose engine runs a perturbed copy of the registered model (the
// last layer's bias of class 1 raised) and posts self-consistent traces. The monitors re-execute a
// seeded share of the jobs, dispute the drifted results (slashed), and report the drifting worker
// on chain (compute.report: reputation down, flagged) — never the honest one.
// Run under the lock: flock /tmp/gm-heavy.lock npx vitest run --project integration test/integration/compute/monitor.test.ts
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { setMaxListeners } from 'node:events'
import { join } from 'node:path'
import { ensureBuilt, freeBasePort } from '../../helpers/devnet.js'
import { runDevnet, type RunningDevnet } from '../../../fullnode/devnet-run.js'
import { ensureDevnetHome, linkDevnetPeers } from '../../../fullnode/devnet.js'
import { createRpcClient, type RpcClient } from '../../../fullnode/rpc/client.js'
import { generateKey, keyFromFile, type Ed25519Key } from '../../../protocol/chain/index.js'
import { fromHex } from '../../../protocol/bytes.js'
import { decodeModel, runModel, type Model } from '../../../protocol/compute/index.js'
import { ensureFunded } from '../../../client/storage/faucet.js'
import { defaultModelPath, heldOutDigit, HELD_OUT_SIZE, referenceDistribution } from '../../../cli/compute/mnist.js'
import { ensureModelRegistered } from '../../../cli/compute/publish.js'
import { computeApi, sendTx } from '../../../client/compute/market.js'
import { runWorker } from '../../../cli/compute/worker-loop.js'
import { openEngine, type Engine } from '../../../cli/compute/engine.js'
import type { NodeMonitorOptions } from '../../../fullnode/compute/index.js'
import { waitFor } from '../../helpers/wait.js'

const MONITOR: NodeMonitorOptions = { share: 0.5, intervalMs: 400, window: 12, minSamples: 40, driftTvd: 0.3, driftAlpha: 0.001, minReexecuted: 2, disagreementRate: 0.5 }
const BATCH = 8
const JOBS = 28
const DRIFT_CLASS = 1

/** The perturbed copy a drifting worker runs: the last layer's bias of one class raised by 2^20. */
function drifted (model: Model): Model {
  const last = model.layers.length - 1
  return { ...model, layers: model.layers.map((L, l) => l !== last ? L : { ...L, bias: L.bias.map((b, o) => o === DRIFT_CLASS ? b + (1 << 20) : b) }) }
}

const until = async <T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 180_000): Promise<T> => await waitFor(what, f, { timeoutMs, everyMs: 500 })

const getJson = async (url: string): Promise<any> => { const r = await fetch(url); if (!r.ok) throw new Error(`GET ${url}: ${r.status}`); return await r.json() }

describe('alignment monitor on a devnet: an honest and a drifting worker', () => {
  let devnet: RunningDevnet
  let home: string
  let rpc: RpcClient
  const stop = new AbortController()
  setMaxListeners(100, stop.signal) // two worker loops wait on it
  const loops: Array<Promise<unknown>> = []
  const honest = generateKey()
  const drifter = generateKey()

  beforeAll(async () => {
    ensureBuilt()
    home = mkdtempSync(join(tmpdir(), 'glowmesh-monitor-'))
    const basePort = await freeBasePort(4)
    const { nodes } = await ensureDevnetHome({ home, validators: 4, blockTimeMs: 200, basePort })
    await linkDevnetPeers(home)
    for (const [i, dir] of nodes.entries()) {
      const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'))
      config.monitor = i === 3 ? false : MONITOR
      await writeFile(join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n')
    }
    devnet = await runDevnet({ home, validators: 4, blockTimeMs: 200, basePort, log: () => {} })
    rpc = createRpcClient({ url: devnet.nodes[0].rpcUrl, timeoutMs: 10_000 })
  })
  afterAll(async () => {
    stop.abort()
    await Promise.allSettled(loops)
    await devnet?.stop()
    if (home !== undefined) rmSync(home, { recursive: true, force: true })
  })

  it('flags the drifting worker on chain (report, reputation down, flagged), disputes its results, and leaves the honest one alone', async () => {
    const modelBytes = new Uint8Array(readFileSync(defaultModelPath()))
    const model = decodeModel(modelBytes)
    const requester: Ed25519Key = generateKey()
    await ensureFunded({ rpcUrl: rpc.url, address: requester.address })
    const registered = await ensureModelRegistered({ rpc, key: requester, modelBytes, referenceDistribution })
    const chainId = (await rpc.status()).chainId

    // two real worker loops, posting real txs through node0's RPC
    const cpu = await openEngine('cpu')
    const drifting: Engine = { backend: 'cpu', device: 'drifted copy', run: async (_m, input, batch) => runModel(drifted(model), input, batch), close: () => {} }
    const errors: string[] = []
    for (const [key, engine] of [[honest, cpu], [drifter, drifting]] as const) {
      loops.push(runWorker({ rpc, key, engine, pollMs: 300, signal: stop.signal, log: (l) => { errors.push(l) } }).catch(() => {}))
    }

    // a stream of jobs: random held-out digits (seeded), batch 8
    let rnd = 7
    const next = (): number => { rnd = (rnd * 1103515245 + 12345) % 2 ** 31; return rnd % HELD_OUT_SIZE }
    for (let j = 0; j < JOBS; j++) {
      const input = new Int8Array(BATCH * 784)
      for (let k = 0; k < BATCH; k++) input.set(heldOutDigit(next()).pixels, k * 784)
      await sendTx(rpc, requester, chainId, 'compute.job.post', { modelRoot: fromHex(registered.root, 32), input: new Uint8Array(input.buffer), batch: BATCH, fee: 10_000n, deadlineBlocks: 600, verification: 'freivalds' })
    }

    const api = computeApi(rpc)
    const flagged = await until('the drifting worker to be flagged with a drift report', async () => {
      const w = await api.worker(drifter.address)
      if (w?.flagged !== true) return undefined
      const snaps = await Promise.all(devnet.nodes.slice(0, 3).map(async (n) => await getJson(`${n.rpcUrl}/compute/monitor`)))
      const drift = snaps.flatMap((s) => s.anomalies).find((a: any) => a.worker === drifter.address && a.kind === 'drift' && a.status === 'committed')
      return drift === undefined ? undefined : w
    }, 240_000)
    expect(flagged.reputation as number).toBeLessThan(0)
    expect(flagged.reports as number).toBeGreaterThanOrEqual(1)

    // the monitors disputed drifted results: slashed, with a validator as the disputer
    const validators = devnet.nodes.map((n) => keyFromFile(readFileSync(join(n.dir, 'key.json'), 'utf8')).address)
    const slashed = await until('a drifted job slashed by a monitor', async () => {
      const s = (await api.jobs('slashed')).filter((j) => j.worker === drifter.address && validators.includes(j.disputer ?? ''))
      return s.length > 0 ? s : undefined
    })
    expect(slashed[0].status).toBe('slashed')
    expect((await api.worker(drifter.address))?.disputesLost as number).toBeGreaterThanOrEqual(1)

    // wait until the honest worker has been watched enough (its window filled, some of its jobs re-executed)
    const snaps = await until('the honest worker to be observed and re-executed', async () => {
      const all = await Promise.all(devnet.nodes.slice(0, 3).map(async (n) => await getJson(`${n.rpcUrl}/compute/monitor`)))
      const rows = all.flatMap((s) => s.workers).filter((w: any) => w.address === honest.address)
      return rows.length === 3 && rows.every((w: any) => w.models[0]?.samples >= MONITOR.minSamples!) && rows.some((w: any) => w.reexecuted > 0) ? all : undefined
    })
    for (const s of snaps) {
      expect(s).toMatchObject({ enabled: true, validator: true, options: { share: 0.5, window: 12 } })
      expect(s.anomalies.filter((a: any) => a.worker === honest.address)).toEqual([])
      const h = s.workers.find((w: any) => w.address === honest.address)
      expect(h).toMatchObject({ disagreements: 0, disagreement: false })
      expect(h.models[0].drift).toBe(false)
      const d = s.workers.find((w: any) => w.address === drifter.address)
      expect(d.models[0].tvd).toBeGreaterThan(MONITOR.driftTvd!)
      expect(d.models[0].counts[DRIFT_CLASS]).toBeGreaterThan(0.9 * d.models[0].samples) // the drifted predictions pile up on the raised class
    }
    const honestRecord = await api.worker(honest.address)
    expect(honestRecord).toMatchObject({ flagged: false, reports: 0, disputesLost: 0 })
    expect(honestRecord?.reputation as number).toBeGreaterThanOrEqual(0)
    expect(await getJson(`${devnet.nodes[3].rpcUrl}/compute/monitor`)).toEqual({ enabled: false })

    const kinds = new Set(snaps.flatMap((s) => s.anomalies).filter((a: any) => a.worker === drifter.address && a.status === 'committed').map((a: any) => a.kind))
    const re = snaps.map((s) => s.reexecution)
    const jobsSeen = snaps.map((s) => s.observedJobs)
    console.log(`[bench] monitor: re-execution of a batch-${BATCH} MNIST job on the CPU: mean ${re.map((r) => r.msMean).join(' / ')} ms, p50 ${re.map((r) => r.msP50).join(' / ')} ms, max ${re.map((r) => r.msMax).join(' / ')} ms (nodes 0/1/2; ${re.map((r) => r.jobs).join('/')} of ${jobsSeen.join('/')} jobs re-executed, share ${MONITOR.share})`)
    console.log(`[bench] monitor: drifting worker reported for ${[...kinds].join(' + ')}, reputation ${String(flagged.reputation)}, ${slashed.length} of its jobs slashed by monitor disputes; honest worker reputation ${String(honestRecord?.reputation)}, drift tvd ${snaps.map((s) => s.workers.find((w: any) => w.address === honest.address).models[0].tvd).join(' / ')}`)
    if (errors.some((l) => /Error/.test(l) && !/claim refused/.test(l))) console.log(`worker log: ${errors.join('\n')}`)
  })
})
