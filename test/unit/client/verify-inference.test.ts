// verifyInference on real artifacts (a random int8 model, a CPU run, a GMT1 trace, a signed v1
// document, chain records proven from a real MPT): an honest result passes with a stated error
// bound; each tampering is caught by the check meant for it — including a worker who lies
// consistently (recomputes the commitment, the trace root, the on-chain record and re-signs) —
// and a failure still returns a report.
import { describe, expect, it } from 'vitest'
import { ed25519 } from '@noble/curves/ed25519.js'
import { createMPT, createMerkleProof } from '@ethereumjs/mpt'
import { verifyInference, pickLayers, createVerifiedStateQuery, type InferenceReport } from '../../../client/compute/index.js'
import { encodeStateProof, stateKeys } from '../../../protocol/chain/state-proof.js'
import { hashHeader } from '../../../protocol/chain/index.js'
import { toHex } from '../../../protocol/bytes.js'
import { makeChain } from './harness.js'
import { clampInt8, requantize, runLayer, type Model } from '../../../protocol/compute/index.js'
import { inferenceSignBytes, signInferenceResult, type InferenceResult } from '../../../protocol/compute/result.js'
import type { Trace } from '../../../protocol/compute/trace.js'
import { JobState } from '../../../protocol/chain/compute.js'
import { randomInput, randomModel } from '../compute-fixtures.js'
import { BATCH, buildWorld, SIZES } from './inference-world.js'

const failed = (r: InferenceReport): string[] => r.checks.filter(c => !c.ok).map(c => c.name)
const check = (r: InferenceReport, name: string) => r.checks.find(c => c.name === name)
const b64 = (b: Uint8Array): string => btoa(String.fromCharCode(...b))

/** Re-runs layers after `l` from the (tampered) trace entry l: what a consistent liar posts. */
function rerunFrom (trace: Trace, model: Model, l: number): void {
  for (let j = l + 1; j < model.layers.length; j++) trace.layers[j] = runLayer(model.layers[j], trace.layers[j - 1].out, BATCH)
}

/** Changes acc[l][i] by delta and its out to match, then recomputes every later layer. */
function lieInAcc (model: Model, l: number, i: number, delta: number): (t: Trace) => void {
  return (t) => {
    const layer = model.layers[l]
    t.layers[l].acc[i] += delta
    t.layers[l].out[i] = clampInt8(requantize(t.layers[l].acc[i], layer.multiplier, layer.shift), layer.relu)
    rerunFrom(t, model, l)
  }
}

describe('verifyInference: an honest result', () => {
  it('passes every check in order, with confidence 1 − errorBound and errorBound ≤ 2^-targetBits', async () => {
    const w = await buildWorld()
    const r = await verifyInference(w.doc, w)
    expect(failed(r)).toEqual([])
    expect(r.ok).toBe(true)
    expect(r.skipped).toEqual([])
    expect(r.checks.map(c => c.name)).toEqual(['format', 'signature', 'model-registered', 'model-available', 'job', 'trace-available',
      'freivalds[0]', 'elementwise[0]', 'freivalds[1]', 'elementwise[1]', 'freivalds[2]', 'elementwise[2]', 'output'])
    expect(r.errorBound).toBeGreaterThan(0)
    expect(r.errorBound).toBeLessThanOrEqual(2 ** -40)
    expect(r.confidence).toBe(1 - r.errorBound)
    expect(r.backend).toBe('cpu')
    expect(r.subject).toMatchObject({ jobId: w.doc.jobId, predictions: w.doc.output.predictions, worker: w.doc.worker.address })
    for (const c of r.checks) { expect(c.ms).toBeGreaterThanOrEqual(0); expect(c.detail.length).toBeGreaterThan(0) }
    expect(check(r, 'job')!.detail).toContain('challenge window open until height 32')
    console.log(`[bench] verifyInference ${SIZES.join('-')} batch ${BATCH}: ${r.ms.toFixed(1)} ms (${r.checks.map(c => `${c.name} ${c.ms.toFixed(2)}`).join(', ')})`)
  })

  it('a reader whose verified head lags the result block is read again; one that never catches up fails the job check', async () => {
    const w = await buildWorld()
    let reads = 0
    // the first two reads are proven at a height where the job is only claimed
    const lagging = (behind: number) => ({
      ...w.chain,
      model: w.chain.model,
      job: async (id: string, o?: { signal?: AbortSignal }) => {
        const rec = await w.chain.job(id, o)
        return reads++ < behind && rec !== null ? { ...rec, resultHeight: 0, status: JobState.claimed } : rec
      }
    })
    const r = await verifyInference(w.doc, { ...w, chain: lagging(2), resultWaitMs: 5_000 })
    expect(failed(r)).toEqual([])
    expect(reads).toBe(3)
    reads = 0
    const stale = await verifyInference(w.doc, { ...w, chain: lagging(Infinity), resultWaitMs: 600 })
    expect(failed(stale)).toEqual(['job'])
    expect(check(stale, 'job')!.detail).toContain('no result posted (status claimed)')
    expect(reads).toBeGreaterThanOrEqual(2)
  })

  it('takes the document as JSON text or UTF-8 bytes; targetBits sets the bound; a model cache skips the refetch', async () => {
    const w = await buildWorld()
    const text = JSON.stringify(w.doc)
    expect((await verifyInference(text, w)).ok).toBe(true)
    const r64 = await verifyInference(new TextEncoder().encode(text), { ...w, targetBits: 64 })
    expect(r64.ok).toBe(true)
    expect(r64.errorBound).toBeLessThanOrEqual(2 ** -64)
    expect((await verifyInference(w.doc, { ...w, targetBits: 8 })).errorBound).toBeGreaterThan(2 ** -40)
    const modelCache = new Map<string, Model>()
    await verifyInference(w.doc, { ...w, modelCache })
    w.fetched.length = 0
    const again = await verifyInference(w.doc, { ...w, modelCache })
    expect(again.ok).toBe(true)
    expect(w.fetched).toEqual([w.doc.trace.root])
    expect(check(again, 'model-available')!.detail).toContain('cached')
  })

  it('re-executes k random layers (errorBound 0 when all are), on the given GPU runner, which is compared for real', async () => {
    const w = await buildWorld()
    const all = await verifyInference(w.doc, { ...w, reexecute: 5 })
    expect(all.ok).toBe(true)
    expect(all.checks.filter(c => c.name.startsWith('reexecute[')).map(c => c.name)).toEqual(['reexecute[0]', 'reexecute[1]', 'reexecute[2]'])
    expect(all.errorBound).toBe(0)
    expect(all.confidence).toBe(1)
    const one = await verifyInference(w.doc, { ...w, reexecute: 1 })
    expect(one.checks.filter(c => c.name.startsWith('reexecute['))).toHaveLength(1)
    expect(one.errorBound).toBeGreaterThan(0)
    const calls: number[] = []
    const gpu = { runLayer: async (layer: Model['layers'][number], X: Int8Array, K: number) => { calls.push(layer.outSize); return runLayer(layer, X, K) } }
    const onGpu = await verifyInference(w.doc, { ...w, reexecute: 3, gpu })
    expect(onGpu.ok).toBe(true)
    expect(onGpu.backend).toBe('webgpu')
    expect(calls.sort()).toEqual([10, 16, 24])
    // a runner that computes wrong is caught by the comparison
    const wrong = { runLayer: async (layer: Model['layers'][number], X: Int8Array, K: number) => { const t = runLayer(layer, X, K); t.acc[0] ^= 1; return t } }
    const bad = await verifyInference(w.doc, { ...w, reexecute: 1, gpu: wrong })
    expect(bad.ok).toBe(false)
    expect(failed(bad)).toHaveLength(1)
    expect(failed(bad)[0]).toMatch(/^reexecute\[\d\]$/)
    // a runner that throws falls back to the CPU and says so
    const broken = { runLayer: async () => { throw new Error('device lost') } }
    const fb = await verifyInference(w.doc, { ...w, reexecute: 1, gpu: broken })
    expect(fb.ok).toBe(true)
    expect(fb.checks.find(c => c.name.startsWith('reexecute['))!.detail).toContain('WebGPU failed: device lost')
  })

  it('pickLayers draws k distinct layers uniformly', () => {
    let seed = 1
    const rnd = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed >>> 24 })
    const counts = [0, 0, 0, 0]
    for (let i = 0; i < 4000; i++) {
      const p = pickLayers(4, 2, rnd)
      expect(new Set(p).size).toBe(2)
      for (const l of p) counts[l]++
    }
    for (const c of counts) expect(Math.abs(c - 2000)).toBeLessThan(200)
    expect(pickLayers(3, 9, rnd)).toEqual([0, 1, 2])
  })
})

describe('verifyInference: tampering is caught by the right check', () => {
  it('an output prediction changed: by a third party → signature (and job); by the worker, consistently → output', async () => {
    const w = await buildWorld()
    const doc: InferenceResult = structuredClone(w.doc)
    doc.output.predictions[0] = (doc.output.predictions[0] + 1) % 10
    const third = await verifyInference(doc, w)
    expect(third.ok).toBe(false)
    expect(failed(third)).toEqual(['signature', 'job'])
    expect(third.skipped).toContain('freivalds[0]')
    const liar = await buildWorld({ tamperOutput: (o) => { o.predictions[1] = (o.predictions[1] + 3) % 10 } })
    const r = await verifyInference(liar.doc, liar)
    expect(failed(r)).toEqual(['output'])
    expect(check(r, 'output')!.detail).toContain('argmax(last acc)')
    expect(r.confidence).toBe(0)
  })

  it('a logit changed (worker, consistently) → output', async () => {
    const liar = await buildWorld({ tamperOutput: (o) => { o.logits[2][4] += 1 } })
    const r = await verifyInference(liar.doc, liar)
    expect(failed(r)).toEqual(['output'])
    expect(check(r, 'output')!.detail).toContain('logits')
  })

  it('a trace accumulator changed with commitment, trace root and on-chain record recomputed → freivalds of that layer only', async () => {
    const model = randomModel(SIZES, 1)
    for (const l of [0, 1, 2]) {
      const liar = await buildWorld({ tamperTrace: lieInAcc(model, l, 4, 1) })
      const r = await verifyInference(liar.doc, liar)
      expect(failed(r), `layer ${l}`).toEqual([`freivalds[${l}]`])
      expect(r.ok).toBe(false)
      expect(r.confidence).toBe(0)
    }
  })

  it('the cheapest lie — the last layer\'s accumulators pushed to flip a prediction, everything else consistent → freivalds[2]', async () => {
    const model = randomModel(SIZES, 1)
    const honest = await buildWorld()
    const target = (honest.doc.output.predictions[0] + 1) % 10
    const liar = await buildWorld({ tamperTrace: (t) => { const acc = t.layers[2].acc; acc[target] = Math.max(...acc.subarray(0, 10)) + 1; lieInAcc(model, 2, target, 0)(t) } })
    expect(liar.doc.output.predictions[0]).toBe(target)
    const r = await verifyInference(liar.doc, liar)
    expect(failed(r)).toEqual(['freivalds[2]'])
  })

  it('a trace output changed (later layers recomputed from it) → elementwise of that layer only', async () => {
    const model = randomModel(SIZES, 1)
    const liar = await buildWorld({ tamperTrace: (t) => { t.layers[0].out[7] = t.layers[0].out[7] === 127 ? 0 : 127; rerunFrom(t, model, 0) } })
    const r = await verifyInference(liar.doc, liar)
    expect(failed(r)).toEqual(['elementwise[0]'])
  })

  it('a swapped model: the document names registered model A, the trace was computed with model B → freivalds[0]', async () => {
    const liar = await buildWorld({ ranModel: randomModel(SIZES, 3) })
    const r = await verifyInference(liar.doc, liar)
    expect(check(r, 'model-registered')!.ok).toBe(true)
    expect(check(r, 'job')!.ok).toBe(true)
    expect(check(r, 'freivalds[0]')!.ok).toBe(false)
    expect(r.ok).toBe(false)
  })

  it('a forged signature → signature; a result re-signed by someone who did not claim the job → job', async () => {
    const w = await buildWorld()
    const forger = ed25519.utils.randomSecretKey()
    const forged = { ...w.doc, signature: b64(ed25519.sign(inferenceSignBytes(w.doc), forger)) }
    const r = await verifyInference(forged, w)
    expect(failed(r)).toEqual(['signature'])
    expect(r.skipped).toEqual(['model-available', 'trace-available', 'freivalds[0]', 'freivalds[1]', 'freivalds[2]', 'elementwise[0]', 'elementwise[1]', 'elementwise[2]', 'output'])
    const { signature: _s, worker: _w, ...unsigned } = w.doc
    const stolen = signInferenceResult(unsigned, forger)
    const r2 = await verifyInference(stolen, w)
    expect(failed(r2)).toEqual(['job'])
    expect(check(r2, 'job')!.detail).toContain('document signed by')
  })

  it('a wrong input (the worker ran another input than the job\'s, consistently) → job', async () => {
    const liar = await buildWorld({ ranInput: randomInput(BATCH, SIZES[0], 99) })
    const r = await verifyInference(liar.doc, liar)
    expect(failed(r)).toEqual(['job'])
    expect(check(r, 'job')!.detail).toContain('job input')
  })

  it('an unregistered model → model-registered (proven absent), and the report is still returned', async () => {
    const w = await buildWorld({ register: false })
    const r = await verifyInference(w.doc, w)
    expect(failed(r)).toEqual(['model-registered'])
    expect(check(r, 'model-registered')!.detail).toContain('proven absent')
    expect(w.fetched).toEqual([]) // nothing expensive ran
  })

  it('an unavailable trace → trace-available fails, the report is still returned', async () => {
    const w = await buildWorld({ storeTrace: false })
    const r = await verifyInference(w.doc, w)
    expect(failed(r)).toEqual(['trace-available'])
    expect(check(r, 'trace-available')!.detail).toContain('FILE_NOT_FOUND')
    expect(check(r, 'model-available')!.ok).toBe(true)
    expect(r.skipped).toContain('output')
    expect(r.confidence).toBe(0)
  })

  it('a fetcher serving other bytes than the root names → model-available (re-hashed here, not trusted)', async () => {
    const w = await buildWorld()
    const bytes = w.files.get(w.doc.model.root)!
    bytes[bytes.length - 1] ^= 1
    const r = await verifyInference(w.doc, w)
    expect(failed(r)).toEqual(['model-available'])
    expect(check(r, 'model-available')!.detail).toContain('0G root')
  })

  it('a job slashed after a dispute, or posted on another chain → job', async () => {
    const slashed = await buildWorld({ job: { status: JobState.slashed } })
    expect(failed(await verifyInference(slashed.doc, slashed))).toEqual(['job'])
    const w = await buildWorld()
    const r = await verifyInference(w.doc, { ...w, chain: { ...w.chain, chainId: 'other-chain' } })
    expect(failed(r)).toEqual(['job'])
  })

  it('not a document → format fails, everything else skipped; bad options and aborts throw typed errors', async () => {
    const w = await buildWorld()
    for (const bad of ['{not json', { ...w.doc, version: 2 }, new Uint8Array([0xff, 0xfe]), null]) {
      const r = await verifyInference(bad, w)
      expect(r.ok).toBe(false)
      expect(failed(r)).toEqual(['format'])
      expect(r.skipped).toContain('signature')
    }
    await expect(verifyInference(w.doc, { ...w, targetBits: 0 })).rejects.toMatchObject({ name: 'InvalidInputError' })
    await expect(verifyInference(w.doc, { chain: w.chain } as any)).rejects.toMatchObject({ name: 'InvalidInputError' })
    await expect(verifyInference(w.doc, { ...w, signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError', code: 'ABORTED' })
    const ctl = new AbortController()
    const hanging = async (_root: string, o: { signal?: AbortSignal }): Promise<Uint8Array> => await new Promise((_resolve, reject) => {
      o.signal?.addEventListener('abort', () => { reject(o.signal!.reason) })
      setTimeout(() => { ctl.abort() }, 20)
    })
    await expect(verifyInference(w.doc, { ...w, fetchFile: hanging, signal: ctl.signal })).rejects.toMatchObject({ name: 'AbortError' })
  })
})

describe('createVerifiedStateQuery (the adapters\' state reads)', () => {
  it('checks a proof against the app hash of the header the node verified at H + 1; a peer serving another header is reported', async () => {
    const trie = await createMPT({ useKeyHashing: true })
    const key = stateKeys.job('0x' + 'ab'.repeat(32))
    await trie.put(key, new Uint8Array([1, 2, 3]))
    const chain = await makeChain({ length: 12 })
    const real = { ...chain.lightBlock(10n).signedHeader.header, appHash: trie.root() }
    const other = { ...real, appHash: new Uint8Array(32).fill(9) }
    const reports: string[] = []
    const asked: number[] = []
    const query = createVerifiedStateQuery({
      transport: {
        peers: () => ['liar', 'honest'],
        lightBlock: async (peer, h) => ({ signedHeader: { header: peer === 'liar' ? other : real, commit: chain.lightBlock(h as bigint).signedHeader.commit }, validators: [] }),
        reportPeer: (peer, offence) => { reports.push(`${peer}:${offence}`) }
      },
      node: { waitForHeight: async () => {}, headers: () => [], verifyHeader: async (h) => { asked.push(h); return { height: h, hash: toHex(hashHeader(real)), verifiedBy: 'skipping', from: 1, time: '' } } },
      fetchState: async () => ({ height: 9, value: new Uint8Array([1, 2, 3]), proof: encodeStateProof(await createMerkleProof(trie, key)) })
    })
    expect(await query(`job/0x${'ab'.repeat(32)}`)).toEqual(new Uint8Array([1, 2, 3]))
    expect(asked).toEqual([10])
    expect(reports).toEqual(['liar:forged-header'])
  })
})
