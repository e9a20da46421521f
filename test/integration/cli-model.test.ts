// The built `glowmesh model` commands (dist/ layout: the committed model is found from dist/cli),
// and the model artifact's reproducibility: scripts/train-mnist.mjs writes models/mnist-mlp.gmm's
// exact bytes again (needs `npm run build`; ~30–60 s of CPU).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { spawnCli } from '../helpers/cli.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const MODEL = join(ROOT, 'models', 'mnist-mlp.gmm')
let dir: string
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'glowmesh-train-')) })
afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

describe('glowmesh model (built CLI)', () => {
  it('model eval --json scores the committed model at ≥ 95 % on 2,000 held-out digits', async () => {
    const r = await spawnCli(['model', 'eval', '--json'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.model).toBe(MODEL)
    expect(out.samples).toBe(2000)
    expect(out.accuracy).toBeGreaterThanOrEqual(0.95)
    console.log(`[bench] built CLI: model eval accuracy ${out.accuracy} in ${out.ms} ms`)
  })

  it('model info --json agrees with `glowmesh root` and `glowmesh cid`', async () => {
    const [info, root, cid] = await Promise.all([spawnCli(['model', 'info', '--json']), spawnCli(['root', MODEL]), spawnCli(['cid', MODEL])])
    expect(info.code).toBe(0)
    const parsed = JSON.parse(info.stdout)
    expect(parsed.root + '\n').toBe(root.stdout)
    expect(parsed.cid + '\n').toBe(cid.stdout)
    expect(parsed.size).toBe(readFileSync(MODEL).length)
  })
})

describe('scripts/train-mnist.mjs', () => {
  it('reproduces the committed model byte for byte', async () => {
    const out = join(dir, 'again.gmm')
    const r = await new Promise<{ code: number, stdout: string, stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [join(ROOT, 'scripts', 'train-mnist.mjs'), '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (d) => { stdout += d })
      child.stderr.on('data', (d) => { stderr += d })
      child.on('error', reject)
      child.on('close', (code) => { resolve({ code: code ?? -1, stdout, stderr }) })
    })
    expect(r.code, r.stderr).toBe(0)
    const summary = JSON.parse(r.stdout)
    console.log(`[bench] train-mnist: int8 held-out ${summary.int8Accuracy.heldOut}, float ${summary.floatAccuracy.heldOut}, trained in ${summary.trainSeconds} s`)
    expect(summary.int8Accuracy.heldOut).toBeGreaterThanOrEqual(0.95)
    expect(new Uint8Array(readFileSync(out))).toEqual(new Uint8Array(readFileSync(MODEL)))
  })
})
