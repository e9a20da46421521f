// The MNIST data split of DESIGN §6 and the committed int8 model (models/mnist-mlp.gmm): it decodes,
// validates, fits a dispute transaction layer by layer, and classifies the held-out digits at ≥ 95 %
// with protocol/compute's integer reference; `glowmesh model eval|info` in-process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { tmpdir } from 'node:os'
import {
  classCounts, defaultModelPath, evaluateModel, heldOut, heldOutDigit, quantizePixels, referenceDistribution, toPermille, trainingSet,
  HELD_OUT_SIZE, MNIST_PIXELS
} from '../../cli/compute/mnist.js'
import { decodeModel, encodeModel, runModel, validateModel, type Model } from '../../protocol/compute/index.js'
import { fileRoot } from '../../protocol/storage/index.js'
import { fileCid } from '../../protocol/cid/index.js'
import { toHex } from '../../protocol/bytes.js'
import { runCli } from '../helpers/cli.js'

let bytes: Uint8Array
let model: Model
let dir: string
beforeAll(() => {
  bytes = new Uint8Array(readFileSync(defaultModelPath()))
  model = decodeModel(bytes)
  dir = mkdtempSync(join(tmpdir(), 'glowmesh-model-'))
})
afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

describe('the MNIST split (DESIGN §6)', () => {
  it('holds out the last 200 digits of each class, class-major; trains on the rest', () => {
    const counts = classCounts()
    expect(counts.reduce((a, b) => a + b, 0)).toBe(10_000)
    const held = heldOut()
    const train = trainingSet()
    expect(held.count).toBe(HELD_OUT_SIZE)
    expect(held.count).toBe(2000)
    expect(train.count).toBe(8000)
    expect(held.pixels.length).toBe(2000 * MNIST_PIXELS)
    for (let n = 0; n < 2000; n++) expect(held.labels[n]).toBe(Math.floor(n / 200))
    let at = 0
    counts.forEach((c, label) => {
      for (let i = 0; i < c - 200; i++) expect(train.labels[at + i]).toBe(label)
      at += c - 200
    })
    // N = 200·class + i is file digit (count − 200 + i) of that class, pixels round(v·127)
    const digits = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits')
    for (const n of [0, 199, 1000, 1999]) {
      const c = Math.floor(n / 200)
      const raw: number[] = JSON.parse(readFileSync(join(digits, `${c}.json`), 'utf8')).data
      const k = counts[c] - 200 + (n % 200)
      const expected = Int8Array.from(raw.slice(k * 784, (k + 1) * 784), v => Math.round(v * 127))
      const d = heldOutDigit(n)
      expect(d.label).toBe(c)
      expect(d.pixels).toEqual(expected)
      expect(held.pixels.subarray(n * 784, (n + 1) * 784)).toEqual(expected)
    }
    // the training set's last digit of class 0 is the file digit just before the held-out ones
    const raw0: number[] = JSON.parse(readFileSync(join(digits, '0.json'), 'utf8')).data
    const k0 = counts[0] - 201
    expect(train.pixels.subarray(k0 * 784, (k0 + 1) * 784)).toEqual(Int8Array.from(raw0.slice(k0 * 784, (k0 + 1) * 784), v => Math.round(v * 127)))
  })

  it('rejects bad digit indices and pixels outside [0, 1]', () => {
    for (const n of [-1, 2000, 1.5, NaN]) expect(() => heldOutDigit(n)).toThrow(/held-out digit index/)
    expect(quantizePixels([0, 0.5, 1, 1 / 254])).toEqual(Int8Array.from([0, 64, 127, 1]))
    expect(() => quantizePixels([0, 1.01])).toThrow(expect.objectContaining({ name: 'InvalidInputError' }))
    expect(() => quantizePixels([NaN])).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }))
  })

  it('rounds counts to permille summing to 1000', () => {
    expect(toPermille([1, 1, 2])).toEqual([250, 250, 500])
    expect(toPermille([1, 1, 1])).toEqual([334, 333, 333])
    expect(toPermille([0, 7])).toEqual([0, 1000])
    expect(() => toPermille([0, 0])).toThrow(/positive sum/)
    expect(() => toPermille([-1, 2])).toThrow(/non-negative/)
  })
})

describe('the committed model models/mnist-mlp.gmm', () => {
  it('decodes, validates, re-encodes to the same bytes and fits a dispute transaction per layer', () => {
    validateModel(model)
    expect(encodeModel(model)).toEqual(bytes)
    expect(bytes.length).toBeLessThan(1 << 20)
    expect(model.inputSize).toBe(784)
    expect(model.layers.map(l => l.outSize)).toEqual([128, 64, 10])
    expect(model.layers.map(l => l.relu)).toEqual([true, true, false])
    for (const l of model.layers) expect(l.inSize * l.outSize).toBeLessThanOrEqual(256 * 1024)
  })

  it('classifies the 2,000 held-out digits at ≥ 95 % with the integer reference', () => {
    const e = evaluateModel(model)
    console.log(`[bench] mnist-mlp.gmm held-out int8 accuracy ${e.accuracy} (${e.correct}/${e.samples}) in ${e.ms} ms`)
    expect(e.samples).toBe(2000)
    expect(e.accuracy).toBeGreaterThanOrEqual(0.95)
    expect(e.predicted.reduce((a, b) => a + b, 0)).toBe(2000)
    for (const a of e.perClass) expect(a).toBeGreaterThanOrEqual(0.85)
    // the evaluation is the integer reference on single digits too
    const d = heldOutDigit(1400)
    const run = runModel(model, d.pixels, 1)
    expect(run.predictions).toEqual([7])
    expect(run.logits[0]).toHaveLength(10)
  })

  it('publishes a reference class distribution in permille', () => {
    const dist = referenceDistribution(model)
    expect(dist).toHaveLength(10)
    expect(dist.reduce((a, b) => a + b, 0)).toBe(1000)
    for (const p of dist) expect(p).toBeGreaterThan(80) // held out is balanced: 100 ‰ each, ±a few errors
    const e = evaluateModel(model)
    expect(dist).toEqual(toPermille(e.predicted))
  })

  it('a model of the wrong shape is refused by the evaluation', () => {
    const tiny: Model = { inputSize: 784, layers: [{ inSize: 784, outSize: 3, relu: false, multiplier: 1, shift: 17, weights: new Int8Array(784 * 3), bias: new Int32Array(3) }] }
    expect(() => evaluateModel(tiny)).toThrow(/784 inputs to 10 classes/)
  })
})

describe('glowmesh model (in-process)', () => {
  it('model eval --json prints the held-out accuracy of the committed model', async () => {
    const r = await runCli('model', 'eval', '--json')
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.samples).toBe(2000)
    expect(out.accuracy).toBeGreaterThanOrEqual(0.95)
    expect(out.perClass).toHaveLength(10)
    expect(typeof out.ms).toBe('number')
    const human = await runCli('model', 'eval')
    expect(human.stdout).toMatch(/mnist-mlp\.gmm: 9\d\.\d\d% \(\d+\/2000 held-out digits/)
  })

  it('model info --json prints the root, CID and layersRoot the chain registers', async () => {
    const r = await runCli('model', 'info', '--json')
    expect(r.code).toBe(0)
    const info = JSON.parse(r.stdout)
    expect(info.root).toBe(toHex(fileRoot(bytes)))
    expect(info.cid).toBe(fileCid(bytes).toString())
    expect(info.layersRoot).toMatch(/^0x[0-9a-f]{64}$/)
    expect(info.size).toBe(bytes.length)
    expect(info.layers.map((l: { outSize: number }) => l.outSize)).toEqual([128, 64, 10])
    // --model picks another file; the same bytes give the same identities
    const copy = join(dir, 'copy.gmm')
    writeFileSync(copy, bytes)
    const again = JSON.parse((await runCli('model', 'info', '--model', copy, '--json')).stdout)
    expect({ ...again, file: undefined }).toEqual({ ...info, file: undefined })
    expect((await runCli('model', 'info')).stdout).toMatch(/784→128→64→10, \d+ B\nroot {8}0x[0-9a-f]{64}\ncid {9}bafk/)
  })

  it('bad input exits 2 with a clear message', async () => {
    const missing = await runCli('model', 'eval', '--model', join(dir, 'nope.gmm'))
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/cannot read .*ENOENT/)
    const junk = join(dir, 'junk.gmm')
    writeFileSync(junk, bytes.subarray(0, 1000))
    const bad = await runCli('model', 'info', '--model', junk)
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/InvalidModelError/)
    expect((await runCli('model', 'eval', '--bogus')).stderr).toMatch(/unknown option --bogus/)
    expect((await runCli('model', 'eval', 'extra')).code).toBe(2)
  })
})
