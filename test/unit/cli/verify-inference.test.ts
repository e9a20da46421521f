// `glowmesh verify-inference` without a devnet: usage errors exit 2; a file that is not a document
// exits 1 with a report (and starts no light node); an unreachable chain fails the chain checks
// (exit 1), never exit 0; the human report ticks and times each check. The devnet run is
// test/integration/compute/verify.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '../../helpers/cli.js'
import { formatReport } from '../../../cli/commands/verify-inference.js'
import { verifyInference, type InferenceReport } from '../../../client/compute/index.js'
import { buildWorld } from '../client/inference-world.js'

let dir: string
const GENESIS = '0x' + '11'.repeat(32)
const DEAD_RPC = 'http://127.0.0.1:9' // nothing listens: connection refused at once
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'glowmesh-verify-')) })
afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

describe('glowmesh verify-inference', () => {
  it('usage errors exit 2', async () => {
    const doc = join(dir, 'doc.json')
    writeFileSync(doc, '{}')
    const home = join(dir, 'empty-home')
    for (const args of [[], [doc, doc], [join(dir, 'missing.json')], [doc, '--reexecute', 'x'], [doc, '--target-bits', '0'], [doc, '--timeout', '0'], [doc, '--genesis-hash', '0x12']]) {
      const r = await runCli('verify-inference', ...args, '--home', home, '--rpc', DEAD_RPC)
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr).toContain('usage: glowmesh verify-inference')
    }
    const noGenesis = await runCli('verify-inference', doc, '--home', home)
    expect(noGenesis.code).toBe(2)
    expect(noGenesis.stderr).toMatch(/no genesis to pin/)
  })

  it('a file that is not a result document exits 1 with a report (format failed, the rest skipped)', async () => {
    const path = join(dir, 'bad.json')
    writeFileSync(path, '{"version": 1, "type": "glowmesh.inference"}')
    const r = await runCli('verify-inference', path, '--json', '--genesis-hash', GENESIS, '--rpc', DEAD_RPC)
    expect(r.code).toBe(1)
    const report = JSON.parse(r.stdout) as InferenceReport
    expect(report.ok).toBe(false)
    expect(report.checks.map(c => [c.name, c.ok])).toEqual([['format', false]])
    expect(report.skipped).toContain('signature')
    const human = await runCli('verify-inference', path, '--genesis-hash', GENESIS, '--rpc', DEAD_RPC)
    expect(human.stdout).toMatch(/✗ format .* ms {2}InvalidResultError \(INVALID_RESULT\): result: missing field 'chainId'/)
    expect(human.stdout).toMatch(/NOT VERIFIED: format failed/)
  })

  it('a real document with an unreachable chain fails the chain checks (exit 1), it is never taken on trust', async () => {
    const w = await buildWorld()
    const path = join(dir, 'doc.json')
    writeFileSync(path, JSON.stringify(w.doc))
    const r = await runCli('verify-inference', path, '--json', '--genesis-hash', GENESIS, '--rpc', DEAD_RPC, '--timeout', '20')
    expect(r.code).toBe(1)
    const report = JSON.parse(r.stdout) as InferenceReport
    expect(report.checks.filter(c => !c.ok).map(c => c.name)).toEqual(['model-registered', 'job'])
    expect(report.checks.find(c => c.name === 'signature')!.ok).toBe(true)
    expect(report.checks.find(c => c.name === 'job')!.detail).toMatch(/UNREACHABLE/)
  })

  it('formats the report: each check ticked and timed, then the verdict with the error bound', async () => {
    const w = await buildWorld()
    const text = formatReport(await verifyInference(w.doc, w))
    expect(text).toMatch(/^✓ format +\d+\.\d ms {2}v1 inference/m)
    expect(text).toMatch(/^✓ freivalds\[2\] +\d+\.\d ms/m)
    expect(text).toMatch(/^VERIFIED: confidence 0\.9999999999\d* \(error ≤ 2\^-4\d\), .* re-execution on cpu$/m)
    const all = formatReport(await verifyInference(w.doc, { ...w, reexecute: 3 }))
    expect(all).toMatch(/VERIFIED: confidence 1 \(error ≤ 0 \(every layer re-executed\)\)/)
    const bad = formatReport(await verifyInference({ ...w.doc, signature: w.doc.signature.replace(/^./, (c) => c === 'A' ? 'B' : 'A') }, w))
    expect(bad).toMatch(/^✗ signature/m)
    expect(bad).toMatch(/^- skipped: model-available, trace-available/m)
  })
})
