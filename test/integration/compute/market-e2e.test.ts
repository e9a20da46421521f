// The compute market end to end on a real 4-validator devnet, through the built CLI: an honest
// `glowmesh worker --backend cpu` answers `glowmesh infer --sample 0 --batch 4 --json` (predictions =
// the integer reference, signature valid), and is paid after the challenge window; a
// `--dishonest 1` worker's result is disputed with `glowmesh dispute` and slashed, the requester
// refunded. Run under the lock: flock /tmp/gm-heavy.lock npx vitest run --project integration test/integration/compute/market-e2e.test.ts
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureBuilt, freeBasePort } from '../../helpers/devnet.js'
import { runDevnet, type RunningDevnet } from '../../../fullnode/devnet-run.js'
import { ensureDevnetHome, linkDevnetPeers } from '../../../fullnode/devnet.js'
import { createRpcClient, type RpcClient } from '../../../fullnode/rpc/client.js'
import { LAUNCHER, spawnCli } from '../../helpers/cli.js'
import { decodeModel, runModel } from '../../../protocol/compute/index.js'
import { parseInferenceResult, verifyInferenceSignature, type InferenceResult } from '../../../protocol/compute/result.js'
import { keyFromFile } from '../../../protocol/chain/index.js'
import { defaultModelPath, heldOutDigit } from '../../../cli/compute/mnist.js'
import { computeApi, type JobView } from '../../../client/compute/market.js'
import { waitFor } from '../../helpers/wait.js'

const CHALLENGE_BLOCKS = 75

/**
 * A 4-validator devnet (challenge window CHALLENGE_BLOCKS) whose alignment monitors don't dispute (they still watch and report): the
 * dispute under test is the CLI's, and a monitor that re-executes the job first would race it.
 */
async function startMarketDevnet (): Promise<RunningDevnet & { home: string, rpc: (i?: number) => RpcClient, cleanup: () => Promise<void> }> {
  ensureBuilt()
  const home = mkdtempSync(join(tmpdir(), 'glowmesh-market-'))
  const options = { home, validators: 4, blockTimeMs: 200, basePort: await freeBasePort(4) }
  const { nodes, genesisPath } = await ensureDevnetHome(options)
  await linkDevnetPeers(home)
  // 75 blocks (~15 s) of challenge window: room for the test's CLI processes to start on a busy machine.
  const genesis = JSON.parse(readFileSync(genesisPath, 'utf8'))
  writeFileSync(genesisPath, JSON.stringify({ ...genesis, params: { ...genesis.params, computeChallengeBlocks: CHALLENGE_BLOCKS } }, null, 2) + '\n')
  for (const dir of nodes) {
    const path = join(dir, 'config.json')
    writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(path, 'utf8')), monitor: { dispute: false } }, null, 2) + '\n')
  }
  const devnet = await runDevnet({ ...options, log: () => {} })
  return {
    ...devnet,
    home,
    rpc: (i = 0) => createRpcClient({ url: devnet.nodes[i].rpcUrl, timeoutMs: 10_000 }),
    async cleanup () { await devnet.stop(); rmSync(home, { recursive: true, force: true }) }
  }
}

interface Worker { child: ChildProcess, lines: string[], stderr: () => string, exited: Promise<number> }

function startWorker (args: string[]): Worker {
  const child = spawn(process.execPath, ['--experimental-websocket', LAUNCHER, 'worker', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: string[] = []
  let out = ''
  let err = ''
  child.stdout!.on('data', (d) => { out += d; const parts = out.split('\n'); out = parts.pop()!; lines.push(...parts.filter(l => l !== '')) })
  child.stderr!.on('data', (d) => { err += d })
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)))
  return { child, lines, stderr: () => err, exited }
}

const until = async <T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> => await waitFor(what, f, { timeoutMs })

describe('compute market end to end (devnet, CLI worker + infer + dispute)', () => {
  let devnet: Awaited<ReturnType<typeof startMarketDevnet>>
  const homes: string[] = []
  const workers: Worker[] = []
  const model = decodeModel(new Uint8Array(readFileSync(defaultModelPath())))
  const reference = (sample: number, K: number): { predictions: number[], labels: number[] } => {
    const digits = Array.from({ length: K }, (_, k) => heldOutDigit(sample + k))
    const input = new Int8Array(K * 784)
    digits.forEach((d, k) => input.set(d.pixels, k * 784))
    return { predictions: runModel(model, input, K).predictions, labels: digits.map(d => d.label) }
  }
  const balance = async (address: string): Promise<bigint> => BigInt((await devnet.rpc(0).account(address)).balance)
  const workerHome = (): string => { const h = mkdtempSync(join(tmpdir(), 'glowmesh-worker-')); homes.push(h); return h }

  beforeAll(async () => { devnet = await startMarketDevnet() })
  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGTERM')
    await devnet?.cleanup()
    for (const h of homes) rmSync(h, { recursive: true, force: true })
  })

  it('an honest CPU worker answers infer --sample 0 --batch 4, and is paid after the window', async () => {
    const home = workerHome()
    const worker = startWorker(['--backend', 'cpu', '--once', '--json', '--rpc', devnet.nodes[0].rpcUrl, '--home', home])
    workers.push(worker)
    const t0 = performance.now()
    const infer = await spawnCli(['infer', '--sample', '0', '--batch', '4', '--json', '--timeout', '180', '--home', devnet.home], { timeoutMs: 240_000 })
    const ms = performance.now() - t0
    expect(infer.code, infer.stderr + '\n--- worker ---\n' + worker.stderr()).toBe(0)
    const outLines = infer.stdout.trim().split('\n')
    expect(outLines).toHaveLength(1) // exactly one JSON document
    const doc: InferenceResult = parseInferenceResult(outLines[0])
    expect(verifyInferenceSignature(doc)).toBe(true)
    const ref = reference(0, 4)
    expect(doc.output.predictions).toEqual(ref.predictions)
    expect(doc.input.batch).toBe(4)
    expect(doc.backend).toBe('cpu')
    expect(infer.stderr).toContain(`labels ${ref.labels.join(',')}`)
    console.log(`[bench] infer --sample 0 --batch 4 (cpu worker, 200 ms blocks): ${Math.round(ms)} ms from spawn to verified document; ${infer.stderr.match(/\[bench\][^\n]*/)?.[0] ?? ''}; ${infer.stderr.match(/signature from [a-z-]+/)?.[0] ?? ''}`)

    // The document a requester got verifies client-side (`glowmesh verify-inference`, exit 0).
    const verify = await spawnCli(['verify-inference', '-', '--json', '--home', devnet.home], { input: new TextEncoder().encode(outLines[0]), timeoutMs: 120_000 })
    expect(verify.code, verify.stdout + verify.stderr).toBe(0)

    expect(await worker.exited).toBe(0)
    const report = JSON.parse(worker.lines[0])
    expect(report).toMatchObject({ jobId: doc.jobId, status: 'resulted', predictions: ref.predictions, traceRoot: doc.trace.root, backend: 'cpu' })
    const workerAddress = keyFromFile(readFileSync(join(home, 'worker', 'key.json'), 'utf8')).address
    expect(doc.worker.address).toBe(workerAddress)

    const api = computeApi(devnet.rpc(0))
    const resulted = (await api.job(doc.jobId))!
    expect(resulted.worker).toBe(workerAddress)
    const before = await balance(workerAddress)
    const paid = await until<JobView>('the job to be paid', async () => { const j = await api.job(doc.jobId); return j?.status === 'paid' ? j : undefined })
    const after = await balance(workerAddress)
    expect(after - before).toBe(BigInt(paid.fee) + BigInt(resulted.stake)) // fee earned, stake back
    expect(BigInt(paid.fee)).toBeGreaterThan(0n)
  })

  it('a --backend webgpu worker (Dawn, SwiftShader here) gives the CPU reference bit for bit', async () => {
    const worker = startWorker(['--backend', 'webgpu', '--once', '--json', '--rpc', devnet.nodes[0].rpcUrl, '--home', workerHome()])
    workers.push(worker)
    const infer = await spawnCli(['infer', '--sample', '1000', '--batch', '8', '--json', '--timeout', '180', '--home', devnet.home], { timeoutMs: 240_000 })
    expect(infer.code, infer.stderr + '\n--- worker ---\n' + worker.stderr()).toBe(0)
    const doc = parseInferenceResult(infer.stdout.trim())
    expect(doc.backend).toBe('webgpu')
    expect(verifyInferenceSignature(doc)).toBe(true)
    expect(doc.output.predictions).toEqual(reference(1000, 8).predictions)
    expect(await worker.exited).toBe(0)
    const report = JSON.parse(worker.lines[0])
    expect(report).toMatchObject({ jobId: doc.jobId, backend: 'webgpu' })
    console.log(`[bench] webgpu worker (Dawn): batch 8 in ${report.computeMs as number} ms compute, ${report.totalMs as number} ms claim→result; ${worker.stderr().match(/backend webgpu \([^)]*\)/)?.[0] ?? ''}`)
  })

  it('a --dishonest 1 worker is disputed with `glowmesh dispute`, slashed, and the requester refunded', async () => {
    const home = workerHome()
    const worker = startWorker(['--backend', 'cpu', '--once', '--json', '--dishonest', '1', '--rpc', devnet.nodes[0].rpcUrl, '--home', home])
    workers.push(worker)
    const infer = await spawnCli(['infer', '--sample', '40', '--batch', '4', '--json', '--timeout', '180', '--home', devnet.home], { timeoutMs: 240_000 })
    expect(infer.code, infer.stderr + '\n--- worker ---\n' + worker.stderr()).toBe(0)
    const doc = parseInferenceResult(infer.stdout.trim())
    expect(verifyInferenceSignature(doc)).toBe(true) // a signed lie is still signed
    expect(await worker.exited).toBe(0)
    expect(JSON.parse(worker.lines[0])).toMatchObject({ jobId: doc.jobId, dishonestLayer: 1 })

    const requester = keyFromFile(readFileSync(join(devnet.home, 'requester', 'key.json'), 'utf8')).address
    const api = computeApi(devnet.rpc(0))
    const job = (await api.job(doc.jobId))!
    expect(job.status).toBe('resulted')
    const before = await balance(requester)
    const dispute = await spawnCli(['dispute', doc.jobId, '--layer', '1', '--json', '--home', devnet.home], { timeoutMs: 120_000 })
    expect(dispute.code, dispute.stderr).toBe(0)
    expect(JSON.parse(dispute.stdout)).toMatchObject({ jobId: doc.jobId, layer: 1, status: 'slashed', disputer: requester })
    const after = await balance(requester)
    const slashed = (await api.job(doc.jobId))!
    expect(slashed.status).toBe('slashed')
    expect(slashed.disputer).toBe(requester)
    // fee refunded + its share of the worker's stake (bond back), minus the dispute tx's fee
    expect(after - before).toBe(BigInt(job.fee) + BigInt(job.stake) / 2n - 1000n)
    expect(await api.worker(doc.worker.address)).toMatchObject({ disputesLost: 1 })
    // Client-side verification rejects the lie too (exit 1).
    const verify = await spawnCli(['verify-inference', '-', '--json', '--home', devnet.home], { input: new TextEncoder().encode(infer.stdout.trim()), timeoutMs: 120_000 })
    expect(verify.code, verify.stdout + verify.stderr).toBe(1)


    // A finished job can't be disputed: the CLI refuses before sending anything.
    const paid = await api.jobs('paid')
    expect(paid.length).toBeGreaterThan(0)
    const refused = await spawnCli(['dispute', paid[0].id, '--json', '--home', devnet.home], { timeoutMs: 60_000 })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/not 'resulted'/)
  })
})
