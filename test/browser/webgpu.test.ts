// worker/gpu's WGSL kernels in real headless Chromium (--enable-unsafe-webgpu; SwiftShader's Vulkan
// here), run in the dedicated Worker through createLightWorker() (`infer`, `matmul`), bit-exact
// against protocol/compute's CPU reference on the shared seeded cases (odd sizes, extremes,
// |acc| near 2^31, every shift 17..40, a requant sweep, argmax ties, an MNIST-shaped model), and the
// extractBits path on the page too. No adapter → the test FAILS saying so (it never skips).
// Run: flock /tmp/gm-heavy.lock npx vitest run --project browser test/browser/webgpu.test.ts
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildPage, serveDir, type StaticServer } from '../helpers/page.js'
import { launchChromium } from '../helpers/chromium.js'

const fixture = fileURLToPath(new URL('./fixtures/webgpu/', import.meta.url))
const SEED = 0x6c3
/** Chromium exposes WebGPU headless only with this flag (and only to secure contexts: 127.0.0.1 is one). */
const WEBGPU_FLAGS = ['--enable-unsafe-webgpu']

let outDir = ''
let server: StaticServer | undefined
let browser: Browser | undefined
let page: Page

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'glowmesh-webgpu-page-'))
  const [b] = await Promise.all([launchChromium({ extraArgs: WEBGPU_FLAGS }), buildPage(fixture, outDir)])
  browser = b
  server = await serveDir(outDir)
  page = await browser.newPage()
  page.on('pageerror', (e) => { console.log(`[page error] ${e.message}`) })
  page.setDefaultTimeout(170_000)
  await page.goto(server.url)
  await page.waitForFunction(() => window.webgpuTest !== undefined)
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
  if (outDir !== '') rmSync(outDir, { recursive: true, force: true })
})

describe('WebGPU kernels in Chromium', () => {
  it('has a WebGPU adapter on the page and in the dedicated Worker (fails, never skips, without one)', async () => {
    const { page: p, worker: w } = await page.evaluate(async () => await window.webgpuTest.info())
    expect('dot' in p, `no WebGPU adapter on the page: ${JSON.stringify(p)} — Chromium needs ${WEBGPU_FLAGS.join(' ')} and a Vulkan driver (SwiftShader ships with Debian's chromium)`).toBe(true)
    expect('dot' in w, `no WebGPU adapter in the dedicated Worker: ${JSON.stringify(w)}`).toBe(true)
    console.log(`[bench] Chromium WebGPU adapter: page ${JSON.stringify(p)}; worker ${JSON.stringify(w)}`)
  })

  it('kernels in the dedicated Worker (createLightWorker infer/matmul) are bit-exact with the CPU reference', async () => {
    const results = await page.evaluate(async (seed) => await window.webgpuTest.run('worker', seed), SEED)
    expect(results.length).toBeGreaterThanOrEqual(8 + 24 + 3 + 6 + 3) // matmuls, shifts 17..40, big acc, requant sweeps, models
    expect(results.filter(r => !r.ok)).toEqual([])
    expect(results.find(r => r.name.startsWith('argmax ties'))?.detail).toMatch(/predictions 2,2,2$/)
  })

  it('the extractBits path on the page is bit-exact too', async () => {
    const results = await page.evaluate(async (seed) => await window.webgpuTest.run('page-extract', seed), SEED + 10)
    expect(results.length).toBeGreaterThanOrEqual(44)
    expect(results.filter(r => !r.ok)).toEqual([])
  })

  it('the Worker: typed errors cross the boundary, an aborted GPU call ends its worker, the CPU backend agrees', async () => {
    const b = await page.evaluate(async () => await window.webgpuTest.behaviour())
    expect(b.badModel).toMatchObject({ name: 'InvalidModelError', code: 'INVALID_MODEL' })
    expect(b.badBackend).toMatchObject({ name: 'InvalidInputError', code: 'INVALID_INPUT' })
    expect(b.aborted).toMatchObject({ name: 'WorkerAbortedError', code: 'WORKER_ABORTED' })
    expect(b.respawnedAfterAbort).toBe(1)
    expect(b).toMatchObject({ cpuBackend: 'cpu', gpuBackend: 'webgpu', cpuEqualsGpu: true, inputKept: true })
  })

  it('times an MNIST-shaped model (784→128→64→10, batch 16) in the Worker: webgpu vs cpu', async () => {
    const t = await page.evaluate(async () => await window.webgpuTest.timing(5))
    expect(t.webgpuMs).toBeGreaterThan(0)
    expect(t.cpuMs).toBeGreaterThan(0)
    console.log(`[bench] Chromium Worker, MNIST-shaped int8 model batch 16: webgpu ${t.webgpuMs.toFixed(1)} ms, cpu ${t.cpuMs.toFixed(1)} ms per run (median of 5; SwiftShader here)`)
  })
})
