// POST /v1/verify-inference in real workerd (`glowmesh edge`, miniflare) on a real 4-validator
// devnet: a CLI worker answers `glowmesh infer`; the edge's Durable Object light node verifies the
// document — model and job records proven over its WebSocket pora-state reads, weights and trace
// fetched segment by segment and re-hashed — and answers 200 ok true; a tampered copy 200 ok false;
// malformed JSON 400; a body over 1 MiB 413.
// Run: flock /tmp/gm-heavy.lock npx vitest run --project edge test/edge/verify.test.ts
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestDevnet, type TestDevnet } from '../helpers/devnet.js'
import { LAUNCHER, spawnCli } from '../helpers/cli.js'
import { startEdgeCli } from '../helpers/edge.js'
import { parseInferenceResult, type InferenceResult } from '../../protocol/compute/result.js'
import type { InferenceReport } from '../../client/compute/index.js'

let devnet: TestDevnet
let edge: { url: string, close: () => Promise<void> }
let home: string
let doc: InferenceResult

beforeAll(async () => {
  devnet = await startTestDevnet()
  home = mkdtempSync(join(tmpdir(), 'glowmesh-edge-verify-'))
  edge = await startEdgeCli(devnet.home)
  const worker = spawn(process.execPath, ['--experimental-websocket', LAUNCHER, 'worker', '--backend', 'cpu', '--once', '--json', '--rpc', devnet.nodes[0].rpcUrl, '--home', home], { stdio: ['ignore', 'ignore', 'pipe'] })
  let err = ''
  worker.stderr!.on('data', (d) => { err += d })
  const exited = new Promise<number>((resolve) => worker.on('close', (code) => resolve(code ?? -1)))
  const infer = await spawnCli(['infer', '--sample', '7', '--batch', '2', '--json', '--timeout', '180', '--home', devnet.home], { timeoutMs: 240_000 })
  expect(infer.code, infer.stderr + '\n--- worker ---\n' + err).toBe(0)
  expect(await exited).toBe(0)
  doc = parseInferenceResult(infer.stdout.trim())
}, 300_000)

afterAll(async () => {
  await edge?.close()
  await devnet?.cleanup()
  if (home !== undefined) rmSync(home, { recursive: true, force: true })
})

const post = async (body: BodyInit, query = ''): Promise<Response> =>
  await fetch(`${edge.url}/v1/verify-inference${query}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } })

describe('POST /v1/verify-inference in workerd', () => {
  it('an honest document: 200, ok true, every check passed; again with the model cached; a tampered copy: 200, ok false', async () => {
    const t0 = performance.now()
    const res = await post(JSON.stringify(doc), '?reexecute=1')
    const ms = performance.now() - t0
    const report = await res.json() as InferenceReport
    expect(res.status, JSON.stringify(report)).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(report.checks.filter(c => !c.ok), JSON.stringify(report.checks)).toEqual([])
    expect(report.ok).toBe(true)
    expect(report.confidence).toBeGreaterThan(1 - 2 ** -39)
    expect(report.checks.filter(c => c.name.startsWith('reexecute['))).toHaveLength(1)
    const again = await (await post(JSON.stringify(doc))).json() as InferenceReport
    expect(again.ok).toBe(true)
    expect(again.checks.find(c => c.name === 'model-available')!.detail).toContain('cached')
    console.log(`[bench] edge (workerd) POST /v1/verify-inference, MNIST batch 2: ${Math.round(ms)} ms round trip (report ${report.ms.toFixed(0)} ms: ${report.checks.map(c => `${c.name} ${c.ms.toFixed(1)}`).join(', ')}); model cached: ${again.ms.toFixed(0)} ms`)

    const tampered = structuredClone(doc)
    tampered.output.logits[1][0] += 1
    const bad = await post(JSON.stringify(tampered))
    expect(bad.status).toBe(200)
    const badReport = await bad.json() as InferenceReport
    expect(badReport.ok).toBe(false)
    expect(badReport.confidence).toBe(0)
    expect(badReport.checks.filter(c => !c.ok).map(c => c.name)).toEqual(['signature', 'job'])
  })

  it('malformed JSON → 400 BAD_JSON, over 1 MiB → 413 BODY_TOO_LARGE; the edge keeps serving', async () => {
    const malformed = await post('{"version": 1,')
    expect(malformed.status).toBe(400)
    expect(await malformed.json()).toMatchObject({ code: 'BAD_JSON' })
    const big = await post(new Uint8Array((1 << 20) + 10).fill(0x20))
    expect(big.status).toBe(413)
    expect(await big.json()).toMatchObject({ code: 'BODY_TOO_LARGE' })
    const ok = await post(JSON.stringify(doc))
    expect(ok.status).toBe(200)
    expect((await ok.json() as InferenceReport).ok).toBe(true)
  })
})
