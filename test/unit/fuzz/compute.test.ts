// Compute: the GMM1 model and layer decoders (the committed MNIST model and a small random one),
// the GMT1 trace, trace-entry and merkle-proof decoders, and the inference result parser, on mutated
// valid inputs; and the verifiers: a mutated layer, trace entry or proof never verifies against
// the committed root, and a mutated result document verifies its signature only if what it signs is unchanged.
import { readFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { sha256 } from '@noble/hashes/sha2.js'
import {
  decodeModel, encodeModel, decodeLayer, encodeLayer, layerBytes, modelLayersRoot, modelLayerProof, verifyModelLayer, runModel, traceFromRun,
  encodeTrace, decodeTrace, traceCommitment, traceEntry, traceProof, encodeTraceEntry, decodeTraceEntry, encodeMerkleProof, decodeMerkleProof,
  verifyTraceEntry, buildInferenceResult, parseInferenceResult, verifyInferenceSignature, inferenceSignBytes
} from '../../../protocol/compute/index.js'
import { equalBytes } from '../../../protocol/bytes.js'
import { randomInput, randomModel } from '../compute-fixtures.js'
import { fuzz, hostile, hostileText, mutated, mutatedJson, printSlowest, throwsTyped, typedOrOk } from './arbitraries.js'

const MODEL_ERR = ['InvalidModelError']
const TRACE_ERR = ['InvalidTraceError']
const mnist = new Uint8Array(readFileSync(new URL('../../../models/mnist-mlp.gmm', import.meta.url)))
const model = randomModel([30, 20, 12, 5], 3)
const small = encodeModel(model)
const K = 4
const input = randomInput(K, 30, 9)
const run = runModel(model, input, K)
const trace = traceFromRun(run, K)
const traceBytes = encodeTrace(trace)
const commitment = traceCommitment(trace)
const layersRoot = modelLayersRoot(model)
const secret = new Uint8Array(32).fill(7)
const doc = buildInferenceResult({
  chainId: 'glowmesh-devnet',
  jobId: sha256(Uint8Array.of(1)),
  model: { root: sha256(Uint8Array.of(2)), cid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', layersRoot },
  input,
  batch: K,
  predictions: run.predictions,
  logits: run.logits,
  trace: { root: sha256(traceBytes), commitment, layers: 3 },
  backend: 'cpu',
  privateKey: secret
})

afterAll(printSlowest)

describe('fuzz: GMM1 models and GMT1 traces', () => {
  it('decodeModel / decodeLayer: mutated models decode (canonically) or throw InvalidModelError', async () => {
    await fuzz('compute/model', [hostile(fc.constantFrom(small, mnist), 256)], (bytes) => {
      const m = typedOrOk(() => decodeModel(bytes), MODEL_ERR)
      if (m !== undefined) expect(equalBytes(encodeModel(m), bytes)).toBe(true)
    }, 0.5)
    const layer = layerBytes(small, 1)
    await fuzz('compute/layer', [hostile(fc.constant(layer))], (bytes) => {
      const l = typedOrOk(() => decodeLayer(bytes), MODEL_ERR)
      if (l !== undefined) expect(equalBytes(encodeLayer(l), bytes)).toBe(true)
    })
  })

  it('verifyModelLayer: a mutated layer or proof never verifies against the registered layersRoot', async () => {
    const proofs = [0, 1, 2].map((l) => modelLayerProof(model, l))
    for (const l of [0, 1, 2]) expect(verifyModelLayer(layersRoot, l, layerBytes(small, l), proofs[l])).toBe(true)
    const arb = fc.nat({ max: 2 }).chain((l) => fc.tuple(fc.constant(l), mutated(fc.constant(layerBytes(small, l))), mutated(fc.constant(encodeMerkleProof(proofs[l])))))
    await fuzz('compute/model-layer-proof', [arb, fc.boolean()], ([l, bytes, proofBytes], mutateProof) => {
      const proof = mutateProof ? typedOrOk(() => decodeMerkleProof(proofBytes), ['InvalidInputError']) : proofs[l]
      if (proof === undefined) return
      const layer = mutateProof ? layerBytes(small, l) : bytes
      const ok = typedOrOk(() => verifyModelLayer(layersRoot, l, layer, proof), [...MODEL_ERR, 'InvalidInputError'])
      const unchanged = equalBytes(layer, layerBytes(small, l)) && equalBytes(encodeMerkleProof(proof), encodeMerkleProof(proofs[l]))
      if (ok === true) expect(unchanged).toBe(true)
    })
  })

  it('decodeTrace / decodeTraceEntry / decodeMerkleProof: mutated ones decode canonically or throw typed errors', async () => {
    await fuzz('compute/trace', [hostile(fc.constant(traceBytes))], (bytes) => {
      const t = typedOrOk(() => decodeTrace(bytes), TRACE_ERR)
      if (t !== undefined) expect(equalBytes(encodeTrace(t), bytes)).toBe(true)
    })
    const entries = [0, 1, 2].map((l) => encodeTraceEntry(traceEntry(trace, l)))
    await fuzz('compute/trace-entry', [hostile(fc.constantFrom(...entries))], (bytes) => {
      const e = typedOrOk(() => decodeTraceEntry(bytes), TRACE_ERR)
      if (e !== undefined) expect(equalBytes(encodeTraceEntry(e), bytes)).toBe(true)
    })
    await fuzz('compute/merkle-proof', [hostile(fc.constant(encodeMerkleProof(traceProof(trace, 1))))], (bytes) => {
      const p = typedOrOk(() => decodeMerkleProof(bytes), ['InvalidInputError'])
      if (p !== undefined) expect(equalBytes(encodeMerkleProof(p), bytes)).toBe(true)
    })
    // counts and sizes declared above the input are refused before any allocation
    const huge = traceBytes.slice(0, 16); const v = new DataView(huge.buffer)
    v.setUint32(8, 0xffffffff, true); v.setUint32(12, 0xffffffff, true)
    throwsTyped(() => decodeTrace(huge), TRACE_ERR)
    const entry = new Uint8Array(8); new DataView(entry.buffer).setUint32(0, 0xffffffff, true); new DataView(entry.buffer).setUint32(4, 0xffffffff, true)
    throwsTyped(() => decodeTraceEntry(entry), TRACE_ERR)
    const head = small.slice(0, 64); new DataView(head.buffer).setUint32(8, 0xffffffff, true)
    throwsTyped(() => decodeModel(head), MODEL_ERR)
  })

  it('verifyTraceEntry: a mutated entry or proof never verifies against the trace commitment', async () => {
    const arb = fc.nat({ max: 2 }).chain((l) => fc.tuple(fc.constant(l), mutated(fc.constant(encodeTraceEntry(traceEntry(trace, l)))), mutated(fc.constant(encodeMerkleProof(traceProof(trace, l))))))
    for (const l of [0, 1, 2]) expect(verifyTraceEntry(commitment, l, traceEntry(trace, l), traceProof(trace, l))).toBe(true)
    await fuzz('compute/trace-entry-proof', [arb, fc.nat({ max: 2 })], ([l, entryBytes, proofBytes], which) => {
      const entry = which === 1 ? traceEntry(trace, l) : typedOrOk(() => decodeTraceEntry(entryBytes), TRACE_ERR)
      const proof = which === 0 ? traceProof(trace, l) : typedOrOk(() => decodeMerkleProof(proofBytes), ['InvalidInputError'])
      if (entry === undefined || proof === undefined) return
      const ok = typedOrOk(() => verifyTraceEntry(commitment, l, entry, proof), [...TRACE_ERR, 'InvalidInputError'])
      const unchanged = equalBytes(encodeTraceEntry(entry), encodeTraceEntry(traceEntry(trace, l))) && equalBytes(encodeMerkleProof(proof), encodeMerkleProof(traceProof(trace, l)))
      if (ok === true) expect(unchanged).toBe(true)
    })
  })
})

describe('fuzz: inference result documents', () => {
  const signed = inferenceSignBytes(doc)
  it('parseInferenceResult: mutated documents (values and text) parse or throw InvalidResultError; an altered one never verifies', async () => {
    expect(verifyInferenceSignature(parseInferenceResult(JSON.stringify(doc)))).toBe(true)
    const check = (input: unknown): void => {
      const d = typedOrOk(() => parseInferenceResult(input), ['InvalidResultError'])
      if (d === undefined) return
      // the signature covers everything but `backend` (documented): a verifying document signs the same bytes
      if (verifyInferenceSignature(d)) expect(equalBytes(inferenceSignBytes(d), signed)).toBe(true)
    }
    await fuzz('compute/result-json', [mutatedJson(fc.constant(doc))], check)
    await fuzz('compute/result-text', [hostileText(fc.constant(JSON.stringify(doc)))], check)
  })
})
