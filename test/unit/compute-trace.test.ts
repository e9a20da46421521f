// GMT1 traces, their leaves/commitment and the RFC 6962 proofs a dispute carries; result documents v1.
import { describe, expect, it } from 'vitest'
import { sha256 } from '@noble/hashes/sha2.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import {
  runModel, traceFromRun, encodeTrace, decodeTrace, checkTraceShape, traceEntry, traceLeaf, traceLeaves, traceCommitment,
  traceProof, verifyTraceEntry, modelLayerProof, verifyModelLayer, encodeLayer, modelLayersRoot, encodeModel, layerBytes,
  encodeTraceEntry, decodeTraceEntry, encodeMerkleProof, decodeMerkleProof, InvalidTraceError, InvalidResultError,
  buildInferenceResult, parseInferenceResult, verifyInferenceSignature, inferenceSignBytes, signInferenceResult, inferenceInput
} from '../../protocol/compute/index.js'
import type { InferenceResult } from '../../protocol/compute/index.js'
import { merkleRootRfc6962 } from '../../protocol/chain/merkle.js'
import { addressFromPublicKey } from '../../protocol/chain/tx.js'
import { concatBytes, toHex } from '../../protocol/bytes.js'
import { InvalidInputError } from '../../protocol/errors.js'
import { randomInput, randomModel } from './compute-fixtures.js'

const K = 3
const model = randomModel([30, 20, 12, 5], 4)
const input = randomInput(K, 30, 8)
const run = runModel(model, input, K)
const trace = traceFromRun(run, K)

describe('GMT1 trace', () => {
  it('roundtrips and has the spec layout', () => {
    const bytes = encodeTrace(trace)
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('GMT1')
    const v = new DataView(bytes.buffer)
    expect([v.getUint32(4, true), v.getUint32(8, true), v.getUint32(12, true), v.getInt32(16, true)]).toEqual([3, K, 20, run.layers[0].acc[0]])
    expect(bytes[16 + 4 * K * 20]).toBe(run.layers[0].out[0] & 0xff)
    expect(bytes.length).toBe(12 + 3 * 4 + 5 * K * (20 + 12 + 5))
    const back = decodeTrace(bytes)
    expect(back).toEqual(trace)
    expect(() => checkTraceShape(back, model, K)).not.toThrow()
    expect(() => checkTraceShape(back, model, K + 1)).toThrow(InvalidTraceError)
    expect(() => checkTraceShape(back, randomModel([30, 20, 13, 5], 4), K)).toThrow(/layer 1/)
  })
  it('rejects malformed bytes with InvalidTraceError', () => {
    const bytes = encodeTrace(trace)
    const bad = (b: Uint8Array): void => { expect(() => decodeTrace(b)).toThrow(InvalidTraceError) }
    bad(bytes.subarray(0, bytes.length - 1))
    bad(concatBytes(bytes, new Uint8Array([0])))
    bad(bytes.subarray(0, 11))
    bad(concatBytes(new TextEncoder().encode('GMT2'), bytes.subarray(4)))
    const z = bytes.slice(); new DataView(z.buffer).setUint32(4, 0, true); bad(z)
    const big = bytes.slice(); new DataView(big.buffer).setUint32(4, 17, true); bad(big)
    const kz = bytes.slice(); new DataView(kz.buffer).setUint32(8, 0, true); bad(kz)
    const huge = bytes.slice(); new DataView(huge.buffer).setUint32(12, 0xffffffff, true); bad(huge)
    expect(() => encodeTrace({ batch: K, layers: [{ acc: new Int32Array(4), out: new Int8Array(4) }] })).toThrow(InvalidTraceError)
    expect(() => traceFromRun({ layers: [] }, K)).toThrow(InvalidTraceError)
  })
  it('leaf = sha256(domain ‖ u32 l ‖ u32 K ‖ u32 outSize ‖ acc ‖ out); commitment = RFC 6962 root', () => {
    const e = traceEntry(trace, 1)
    const le = (n: number): Uint8Array => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n, true); return b }
    const acc = new Uint8Array(e.acc.buffer.slice(0)) // little-endian hosts
    const want = sha256(concatBytes(new TextEncoder().encode('glowmesh/trace/v1'), le(1), le(K), le(12), acc, new Uint8Array(e.out.buffer.slice(0))))
    expect(traceLeaf(trace, 1)).toEqual(want)
    expect(traceCommitment(trace)).toEqual(merkleRootRfc6962(traceLeaves(trace)))
  })
  it('an entry proves against the commitment; wrong index, entry or root does not', () => {
    const c = traceCommitment(trace)
    for (let l = 0; l < 3; l++) {
      const entry = traceEntry(trace, l)
      const proof = traceProof(trace, l)
      expect(verifyTraceEntry(c, l, entry, proof)).toBe(true)
      const wire = decodeTraceEntry(encodeTraceEntry(entry))
      expect(wire).toEqual(entry)
      expect(verifyTraceEntry(c, l, wire, decodeMerkleProof(encodeMerkleProof(proof)))).toBe(true)
      expect(verifyTraceEntry(c, (l + 1) % 3, entry, proof)).toBe(false)
      const acc = entry.acc.slice(); acc[0] ^= 1
      expect(verifyTraceEntry(c, l, { ...entry, acc }, proof)).toBe(false)
      expect(verifyTraceEntry(c, l, { ...entry, outSize: entry.outSize + 1 }, proof)).toBe(false)
      expect(verifyTraceEntry(sha256(c), l, entry, proof)).toBe(false)
    }
    expect(() => verifyTraceEntry(new Uint8Array(31), 0, traceEntry(trace, 0), traceProof(trace, 0))).toThrow(InvalidInputError)
    expect(() => decodeTraceEntry(new Uint8Array(9))).toThrow(InvalidTraceError)
    expect(() => decodeMerkleProof(new Uint8Array(42))).toThrow(InvalidInputError)
  })
  it('a model layer proves against layersRoot', () => {
    const root = modelLayersRoot(model)
    const bytes = encodeModel(model)
    for (let l = 0; l < 3; l++) {
      const proof = modelLayerProof(model, l)
      expect(verifyModelLayer(root, l, layerBytes(bytes, l), proof)).toBe(true)
      expect(verifyModelLayer(root, l, encodeLayer(model.layers[(l + 1) % 3]), proof)).toBe(false)
      const tampered = layerBytes(bytes, l); tampered[20] ^= 1
      expect(verifyModelLayer(root, l, tampered, proof)).toBe(false)
      expect(verifyModelLayer(root, (l + 2) % 3, layerBytes(bytes, l), proof)).toBe(false)
    }
    expect(verifyModelLayer(modelLayersRoot(randomModel([30, 20, 12, 5], 5)), 0, layerBytes(bytes, 0), modelLayerProof(model, 0))).toBe(false)
  })
})

describe('inference result document v1', () => {
  const secret = new Uint8Array(32).fill(7)
  const build = (): InferenceResult => buildInferenceResult({
    chainId: 'glowmesh-devnet',
    jobId: sha256(new Uint8Array([1])),
    model: { root: sha256(new Uint8Array([2])), cid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', layersRoot: modelLayersRoot(model) },
    input,
    batch: K,
    predictions: run.predictions,
    logits: run.logits,
    trace: { root: sha256(encodeTrace(trace)), commitment: traceCommitment(trace), layers: 3 },
    backend: 'cpu',
    privateKey: secret
  })
  it('builds, parses, signs and verifies', () => {
    const doc = build()
    expect(doc.worker.address).toBe(addressFromPublicKey(ed25519.getPublicKey(secret)))
    expect(doc.input.hash).toBe(toHex(sha256(new Uint8Array(input.buffer))))
    const text = JSON.stringify(doc)
    expect(parseInferenceResult(text)).toEqual(doc)
    expect(verifyInferenceSignature(parseInferenceResult(text))).toBe(true)
    expect(inferenceInput(doc)).toEqual(input)
    expect(inferenceSignBytes(doc).length).toBe(32)
    // backend is not covered: relabelling it keeps the signature valid
    expect(verifyInferenceSignature({ ...doc, backend: 'webgpu' })).toBe(true)
    expect(inferenceSignBytes({ ...doc, backend: 'webgpu' })).toEqual(inferenceSignBytes(doc))
  })
  it('rejects forged or altered documents', () => {
    const doc = build()
    const preds = [...doc.output.predictions]; preds[0] = (preds[0] + 1) % 5
    expect(verifyInferenceSignature({ ...doc, output: { ...doc.output, predictions: preds } })).toBe(false)
    expect(verifyInferenceSignature({ ...doc, chainId: 'other' })).toBe(false)
    expect(verifyInferenceSignature({ ...doc, trace: { ...doc.trace, layers: 2 } })).toBe(false)
    // another key signs but claims the first worker
    const mallory = signInferenceResult(doc, new Uint8Array(32).fill(9))
    expect(verifyInferenceSignature(mallory)).toBe(true)
    expect(verifyInferenceSignature({ ...mallory, worker: doc.worker })).toBe(false)
    expect(verifyInferenceSignature({ ...doc, signature: mallory.signature })).toBe(false)
    const sig = Uint8Array.from(atob(doc.signature), ch => ch.charCodeAt(0)); sig[0] ^= 1
    expect(verifyInferenceSignature({ ...doc, signature: btoa(String.fromCharCode(...sig)) })).toBe(false)
  })
  it('rejects malformed documents with InvalidResultError', () => {
    const doc = build()
    const bad = (mutate: (d: any) => void, msg: RegExp): void => {
      const d = JSON.parse(JSON.stringify(doc))
      mutate(d)
      expect(() => parseInferenceResult(d)).toThrow(InvalidResultError)
      expect(() => parseInferenceResult(d)).toThrow(msg)
    }
    expect(() => parseInferenceResult('{')).toThrow(InvalidResultError)
    bad(d => { d.version = 2 }, /version/)
    bad(d => { d.extra = 1 }, /unknown field 'extra'/)
    bad(d => { delete d.trace }, /missing field 'trace'/)
    bad(d => { d.model.root = d.model.root.toUpperCase().replace('0X', '0x') }, /model.root/)
    bad(d => { d.jobId = '0x1234' }, /jobId/)
    bad(d => { d.model.cid = 'bafk/../x' }, /cid/)
    bad(d => { d.input.batch = 65 }, /batch/)
    bad(d => { d.input.size = 29 }, /data/)
    bad(d => { d.input.data = d.input.data.slice(0, -4) }, /data/)
    bad(d => { d.input.data = d.input.data.slice(0, -1) + '!' }, /base64/)
    bad(d => { d.input.hash = '0x' + '00'.repeat(32) }, /hash/)
    bad(d => { d.output.predictions.pop() }, /predictions/)
    bad(d => { d.output.predictions[0] = 5 }, /predictions\[0\]/)
    bad(d => { d.output.logits[1].pop() }, /logits\[1\]/)
    bad(d => { d.output.logits[0][0] = 2 ** 31 }, /logits\[0\]\[0\]/)
    bad(d => { d.output.logits[0][0] = 1.5 }, /logits\[0\]\[0\]/)
    bad(d => { d.trace.layers = 0 }, /trace.layers/)
    bad(d => { d.worker.address = '0x' + '11'.repeat(20) }, /address/)
    bad(d => { d.worker.publicKey = 'AAAA' }, /publicKey/)
    bad(d => { d.backend = 'gpu' }, /backend/)
    bad(d => { d.signature = 'AAAA' }, /signature/)
    bad(d => { d.chainId = '' }, /chainId/)
    expect(() => parseInferenceResult(null)).toThrow(InvalidResultError)
    expect(() => signInferenceResult(doc, new Uint8Array(31))).toThrow(InvalidInputError)
  })
})
