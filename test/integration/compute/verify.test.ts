// verifyInference on a real 4-validator devnet: a `glowmesh worker --backend cpu` answers
// `glowmesh infer`, and the document is verified by `glowmesh verify-inference` (the built CLI: a
// short-lived light node over the full nodes' WebSocket endpoints, state proven against verified
// headers, weights and trace fetched by 0G root) — exit 0, every check passed; a tampered copy
// exits 1; --reexecute 3 --gpu re-executes every layer on Dawn WebGPU. The edge's POST /v1/verify-inference (edge/verify.ts createEdgeVerifier, the Durable
// Object's code path, here on a light node in this process) answers the same report. A
// `--dishonest 1` worker's consistent lie is caught by freivalds[1] (or, once the validators'
// monitor has disputed it, by `job`: status slashed).
// Run under the lock: flock /tmp/gm-heavy.lock npx vitest run --project integration test/integration/compute/verify.test.ts
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestDevnet, type TestDevnet } from '../../helpers/devnet.js'
import { LAUNCHER, spawnCli } from '../../helpers/cli.js'
import { parseInferenceResult, type InferenceResult } from '../../../protocol/compute/result.js'
import { createLightNodeVerification, verifyInference, type InferenceReport } from '../../../client/compute/index.js'
import { createLightNode, type LightNode } from '../../../client/index.js'
import { createWebSocketTransport, type WebSocketTransport } from '../../../client/ws/transport.js'
import { JobState } from '../../../protocol/chain/compute.js'
import { handleGateway, type GatewayContext } from '../../../edge/gateway.js'
import { createEdgeVerifier } from '../../../edge/verify.js'
import { genesisHash } from '../../../fullnode/genesis.js'

interface Worker { child: ChildProcess, stderr: () => string, exited: Promise<number> }

function startWorker (args: string[]): Worker {
  const child = spawn(process.execPath, ['--experimental-websocket', LAUNCHER, 'worker', ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
  let err = ''
  child.stderr!.on('data', (d) => { err += d })
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)))
  return { child, stderr: () => err, exited }
}

describe('verifyInference on a devnet (CLI, edge route)', () => {
  let devnet: TestDevnet
  let dir: string
  const workers: Worker[] = []

  beforeAll(async () => {
    devnet = await startTestDevnet()
    dir = mkdtempSync(join(tmpdir(), 'glowmesh-verify-it-'))
  })
  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGTERM')
    await devnet?.cleanup()
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  })

  /** One job answered by a CLI worker; the document `glowmesh infer` prints. */
  async function inference (sample: number, workerArgs: string[] = []): Promise<InferenceResult> {
    const home = mkdtempSync(join(dir, 'worker-'))
    const worker = startWorker(['--backend', 'cpu', '--once', '--json', ...workerArgs, '--rpc', devnet.nodes[0].rpcUrl, '--home', home])
    workers.push(worker)
    const infer = await spawnCli(['infer', '--sample', String(sample), '--batch', '4', '--json', '--timeout', '180', '--home', devnet.home], { timeoutMs: 240_000 })
    expect(infer.code, infer.stderr + '\n--- worker ---\n' + worker.stderr()).toBe(0)
    expect(await worker.exited).toBe(0)
    return parseInferenceResult(infer.stdout.trim())
  }

  it('an honest result: glowmesh verify-inference exits 0 with every check passed; a tampered copy exits 1', async () => {
    const doc = await inference(0)
    const path = join(dir, 'honest.json')
    writeFileSync(path, JSON.stringify(doc))
    const t0 = performance.now()
    const r = await spawnCli(['verify-inference', path, '--json', '--reexecute', '1', '--home', devnet.home], { timeoutMs: 180_000 })
    const wall = performance.now() - t0
    expect(r.code, r.stdout + r.stderr).toBe(0)
    const report = JSON.parse(r.stdout) as InferenceReport
    expect(report.checks.filter(c => !c.ok), r.stdout).toEqual([])
    expect(report.ok).toBe(true)
    expect(report.checks.map(c => c.name).slice(0, 6)).toEqual(['format', 'signature', 'model-registered', 'model-available', 'job', 'trace-available'])
    expect(report.checks.filter(c => c.name.startsWith('freivalds['))).toHaveLength(doc.trace.layers)
    expect(report.checks.filter(c => c.name.startsWith('reexecute['))).toHaveLength(1)
    expect(report.confidence).toBeGreaterThan(1 - 2 ** -39)
    console.log(`[bench] glowmesh verify-inference (MNIST model, batch 4, --reexecute 1): report ${report.ms.toFixed(0)} ms, ${Math.round(wall)} ms wall incl. node start + light-node sync; ${report.checks.map(c => `${c.name} ${c.ms.toFixed(1)}`).join(', ')}`)

    // every layer re-executed on Dawn WebGPU (SwiftShader here): errorBound 0
    const gpu = await spawnCli(['verify-inference', path, '--json', '--reexecute', '3', '--gpu', '--home', devnet.home], { timeoutMs: 180_000 })
    expect(gpu.code, gpu.stdout + gpu.stderr).toBe(0)
    const gpuReport = JSON.parse(gpu.stdout) as InferenceReport
    expect(gpuReport.backend).toBe('webgpu')
    expect(gpuReport.checks.filter(c => c.name.startsWith('reexecute[')).map(c => c.detail.slice(0, 7))).toEqual(['webgpu:', 'webgpu:', 'webgpu:'])
    expect(gpuReport.confidence).toBe(1)
    console.log(`[bench] glowmesh verify-inference --reexecute 3 --gpu (Dawn/SwiftShader): ${gpuReport.checks.filter(c => c.name.startsWith('reexecute[')).map(c => `${c.name} ${c.ms.toFixed(1)} ms`).join(', ')}`)

    const human = await spawnCli(['verify-inference', path, '--home', devnet.home], { timeoutMs: 180_000 })
    expect(human.code).toBe(0)
    expect(human.stdout).toMatch(/^VERIFIED: confidence 0\.99999999999\d*/m)

    const tampered = structuredClone(doc)
    tampered.output.predictions[0] = (tampered.output.predictions[0] + 1) % 10
    writeFileSync(join(dir, 'tampered.json'), JSON.stringify(tampered))
    const bad = await spawnCli(['verify-inference', join(dir, 'tampered.json'), '--json', '--home', devnet.home], { timeoutMs: 180_000 })
    expect(bad.code).toBe(1)
    const badReport = JSON.parse(bad.stdout) as InferenceReport
    expect(badReport.checks.filter(c => !c.ok).map(c => c.name), JSON.stringify(badReport.checks.filter(c => !c.ok))).toEqual(['signature', 'job'])

    // the edge route, on the Durable Object's code path (WebSocket transport + light node + createEdgeVerifier)
    const { transport, node, chainId, close } = await lightNode()
    try {
      const ctx: GatewayContext = {
        status: () => node.status(), availability: async () => undefined, fileSize: async () => 0, source: transport,
        verify: createEdgeVerifier({ transport, node, chainId })
      }
      const e0 = performance.now()
      const res = await handleGateway(new Request('http://edge/v1/verify-inference', { method: 'POST', body: JSON.stringify(doc) }), ctx)
      const edgeMs = performance.now() - e0
      expect(res.status).toBe(200)
      const edgeReport = await res.json() as InferenceReport
      expect(edgeReport.checks.filter(c => !c.ok)).toEqual([])
      expect(edgeReport.ok).toBe(true)
      const again = await handleGateway(new Request('http://edge/v1/verify-inference', { method: 'POST', body: JSON.stringify(doc) }), ctx)
      const againReport = await again.json() as InferenceReport
      expect(againReport.ok).toBe(true)
      expect(againReport.checks.find(c => c.name === 'model-available')!.detail).toContain('cached')
      console.log(`[bench] POST /v1/verify-inference (edge code path in Node, MNIST batch 4): first ${Math.round(edgeMs)} ms (report ${edgeReport.ms.toFixed(0)} ms), cached model ${againReport.ms.toFixed(0)} ms`)
      const badRes = await handleGateway(new Request('http://edge/v1/verify-inference', { method: 'POST', body: JSON.stringify(tampered) }), ctx)
      expect(badRes.status).toBe(200)
      expect((await badRes.json() as InferenceReport).ok).toBe(false)
    } finally {
      await close()
    }
  })

  it('a --dishonest 1 worker\'s consistent lie (signed, on chain, trace committed) is caught by freivalds[1]', async () => {
    const doc = await inference(40, ['--dishonest', '1'])
    const path = join(dir, 'dishonest.json')
    writeFileSync(path, JSON.stringify(doc))
    const r = await spawnCli(['verify-inference', path, '--json', '--home', devnet.home], { timeoutMs: 180_000 })
    expect(r.code, r.stderr).toBe(1)
    const report = JSON.parse(r.stdout) as InferenceReport
    const failed = report.checks.filter(c => !c.ok)
    expect(report.confidence).toBe(0)
    // the validators' alignment monitor (fullnode/compute) may have disputed and slashed it already:
    // then `job` says so; before that lands, freivalds[1] is what catches it
    console.log(`[bench] glowmesh verify-inference on a --dishonest 1 result: caught by ${failed.map(c => `${c.name} (${c.detail.slice(0, 90)})`).join(', ')}`)
    if (failed.map(c => c.name).includes('job')) {
      expect(failed.map(c => c.name)).toEqual(['job'])
      expect(failed[0].detail).toContain('status slashed')
    } else expect(failed.map(c => c.name), JSON.stringify(failed)).toEqual(['freivalds[1]'])
    // the requester who verifies before any dispute lands: the same proven records, the job as it
    // was while 'resulted' (a slash only changes status and the disputer) — freivalds[1] catches the lie
    const { transport, node, chainId, close } = await lightNode()
    try {
      const { chain, fetchFile } = createLightNodeVerification({
        transport, node, chainId,
        fetchState: async (peer, p, w) => { const { height, entries } = await transport.provenState(peer, [p], w); return { height, value: entries[0].value, proof: entries[0].proof } }
      })
      const asPosted = { ...chain, job: async (id: string, o?: { signal?: AbortSignal }) => { const j = await chain.job(id, o); return j === null ? null : { ...j, status: j.status === JobState.slashed ? JobState.resulted : j.status } } }
      const before = await verifyInference(doc, { chain: asPosted, fetchFile, signal: AbortSignal.timeout(60_000) })
      expect(before.checks.filter(c => !c.ok).map(c => c.name), JSON.stringify(before.checks.filter(c => !c.ok))).toEqual(['freivalds[1]'])
      expect(before.checks.find(c => c.name === 'freivalds[1]')!.detail).toMatch(/differs/)
    } finally {
      await close()
    }
  })

  /** A light node in this process over the devnet's WebSocket endpoints (what the edge's Durable Object runs). */
  async function lightNode (): Promise<{ transport: WebSocketTransport, node: LightNode, chainId: string, close: () => Promise<void> }> {
    const genesisBytes = new Uint8Array(readFileSync(join(devnet.home, 'devnet', 'genesis.json')))
    const chainId = (await devnet.rpc(0).status()).chainId
    const transport = createWebSocketTransport({ urls: devnet.nodes.map(n => `${n.rpcUrl.replace(/^http/, 'ws')}/glowmesh/ws`), chainId })
    const node = createLightNode({ transport, store: memStore(), genesis: { bytes: genesisBytes, hash: genesisHash(genesisBytes) }, sampleCount: 1, backfillBlocks: 8 })
    await node.start()
    await transport.waitForPeers(1, { signal: AbortSignal.timeout(30_000) })
    return { transport, node, chainId, close: async () => { await node.stop(); await transport.close() } }
  }
})

function memStore (): Parameters<typeof createLightNode>[0]['store'] {
  const m = new Map<string, Uint8Array>()
  return {
    get: async (k) => m.get(k),
    put: async (k, v) => { m.set(k, v) },
    delete: async (k) => { m.delete(k) },
    keys: async (p) => [...m.keys()].filter(k => k.startsWith(p)).sort(),
    close: async () => {}
  }
}
