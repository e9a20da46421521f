/**
 * The GMT1 trace (every layer's int32 accumulators and int8 outputs for a batch), its per-layer
 * leaves and RFC 6962 commitment, and inclusion proofs for one trace entry or one model layer — a
 * dispute carries one entry and one layer with proofs, never the whole trace or model.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { merkleProofs, merkleRootRfc6962, verifyMerkleInclusion, MAX_MERKLE_AUNTS, type MerkleProof } from '../chain/merkle.js'
import { InvalidInputError } from '../errors.js'
import { InvalidTraceError } from './errors.js'
import type { LayerTrace, ModelRun } from './infer.js'
import { layerHashes, MAX_LAYERS, type Model } from './model.js'

/** File magic. */
export const TRACE_MAGIC = 'GMT1'
/** Domain prefix of a trace leaf. */
export const TRACE_LEAF_DOMAIN = new TextEncoder().encode('glowmesh/trace/v1')

/** A batch's trace: `layers[l]` holds K×outSize acc and out (k-major). */
export interface Trace {
  batch: number
  layers: LayerTrace[]
}

/** One layer's trace entry, self-describing (what a dispute carries). */
export interface TraceEntry extends LayerTrace {
  batch: number
  outSize: number
}

function fail (message: string): never { throw new InvalidTraceError(message) }

function checkEntry (e: LayerTrace, batch: number, where: string): number {
  if (e === null || typeof e !== 'object' || !(e.acc instanceof Int32Array) || !(e.out instanceof Int8Array)) fail(`${where}: expected { acc: Int32Array, out: Int8Array }`)
  if (e.acc.length !== e.out.length || e.acc.length === 0 || e.acc.length % batch !== 0) fail(`${where}: acc/out lengths ${e.acc.length}/${e.out.length} are not K×outSize for K = ${batch}`)
  return e.acc.length / batch
}

function checkTrace (trace: Trace): void {
  if (trace === null || typeof trace !== 'object') fail('trace: expected an object')
  if (!Number.isInteger(trace.batch) || trace.batch < 1 || trace.batch > 0xffffffff) fail('trace.batch must be a positive integer')
  if (!Array.isArray(trace.layers) || trace.layers.length < 1 || trace.layers.length > MAX_LAYERS) fail(`trace: expected 1–${MAX_LAYERS} layers`)
  trace.layers.forEach((e, l) => checkEntry(e, trace.batch, `trace layer ${l}`))
}

/**
 * The trace of a run (`runModel`'s result, or the WebGPU backend's same-shaped one).
 * @example const trace = traceFromRun(runModel(model, input, K), K)
 */
export function traceFromRun (run: Pick<ModelRun, 'layers'>, batch: number): Trace {
  const trace = { batch, layers: run.layers.map(({ acc, out }) => ({ acc, out })) }
  checkTrace(trace)
  return trace
}

/**
 * Throws InvalidTraceError unless the trace has the model's layer count and sizes for `batch`.
 * @example checkTraceShape(decodeTrace(bytes), model, job.batch)
 */
export function checkTraceShape (trace: Trace, model: Model, batch: number): void {
  checkTrace(trace)
  if (trace.batch !== batch) fail(`trace: batch ${trace.batch} ≠ job batch ${batch}`)
  if (trace.layers.length !== model.layers.length) fail(`trace: ${trace.layers.length} layers, model has ${model.layers.length}`)
  trace.layers.forEach((e, l) => {
    if (e.acc.length !== batch * model.layers[l].outSize) fail(`trace layer ${l}: ${e.acc.length} values, expected ${batch}×${model.layers[l].outSize}`)
  })
}

/**
 * Layer l's entry with its batch and outSize.
 * @example const entry = traceEntry(trace, 2)
 */
export function traceEntry (trace: Trace, l: number): TraceEntry {
  checkTrace(trace)
  if (!Number.isInteger(l) || l < 0 || l >= trace.layers.length) fail(`trace: no layer ${l}`)
  const { acc, out } = trace.layers[l]
  return { batch: trace.batch, outSize: acc.length / trace.batch, acc, out }
}

function u32 (n: number): Uint8Array {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, n, true)
  return b
}

function accBytes (acc: Int32Array): Uint8Array {
  const b = new Uint8Array(acc.length * 4)
  const v = new DataView(b.buffer)
  for (let i = 0; i < acc.length; i++) v.setInt32(i * 4, acc[i], true)
  return b
}

const outBytes = (out: Int8Array): Uint8Array => new Uint8Array(out.buffer, out.byteOffset, out.length)

/**
 * GMT1 bytes: "GMT1" | layerCount u32 | K u32 | per layer: outSize u32 | acc int32[K·out] | out int8[K·out].
 * @example await storeFile(encodeTrace(trace))
 */
export function encodeTrace (trace: Trace): Uint8Array {
  checkTrace(trace)
  const K = trace.batch
  const size = 12 + trace.layers.reduce((n, e) => n + 4 + 5 * e.acc.length, 0)
  const out = new Uint8Array(size)
  out.set(new TextEncoder().encode(TRACE_MAGIC), 0)
  out.set(u32(trace.layers.length), 4)
  out.set(u32(K), 8)
  let o = 12
  for (const e of trace.layers) {
    out.set(u32(e.acc.length / K), o); o += 4
    out.set(accBytes(e.acc), o); o += 4 * e.acc.length
    out.set(outBytes(e.out), o); o += e.out.length
  }
  return out
}

/**
 * Parses GMT1 bytes; anything malformed or with trailing bytes throws InvalidTraceError.
 * @example const trace = decodeTrace(bytes); checkTraceShape(trace, model, K)
 */
export function decodeTrace (bytes: Uint8Array): Trace {
  if (!(bytes instanceof Uint8Array)) fail('decodeTrace: expected a Uint8Array')
  if (bytes.length < 12) fail('trace: truncated header')
  if (new TextDecoder().decode(bytes.subarray(0, 4)) !== TRACE_MAGIC) fail('trace: bad magic (expected GMT1)')
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const count = v.getUint32(4, true)
  const K = v.getUint32(8, true)
  if (count < 1 || count > MAX_LAYERS) fail(`trace: layer count ${count} not in 1–${MAX_LAYERS}`)
  if (K < 1) fail('trace: batch 0')
  const layers: LayerTrace[] = []
  let o = 12
  for (let l = 0; l < count; l++) {
    if (bytes.length - o < 4) fail(`trace layer ${l}: truncated`)
    const outSize = v.getUint32(o, true); o += 4
    if (outSize < 1) fail(`trace layer ${l}: outSize 0`)
    const n = K * outSize
    if (bytes.length - o < 5 * n) fail(`trace layer ${l}: truncated (needs ${5 * n} bytes)`)
    const acc = new Int32Array(n)
    for (let i = 0; i < n; i++, o += 4) acc[i] = v.getInt32(o, true)
    const out = new Int8Array(bytes.slice(o, o + n).buffer); o += n
    layers.push({ acc, out })
  }
  if (o !== bytes.length) fail(`trace: ${bytes.length - o} trailing bytes`)
  return { batch: K, layers }
}

/**
 * A trace leaf: sha256("glowmesh/trace/v1" ‖ u32 l ‖ u32 K ‖ u32 outSize ‖ acc LE ‖ out).
 * @example traceEntryLeaf(1, traceEntry(trace, 1))
 */
export function traceEntryLeaf (l: number, entry: TraceEntry): Uint8Array {
  if (!Number.isInteger(l) || l < 0 || l > 0xffffffff) fail(`trace leaf: bad layer index ${l}`)
  if (entry === null || typeof entry !== 'object' || !Number.isInteger(entry.batch) || entry.batch < 1) fail('trace leaf: entry.batch must be a positive integer')
  const outSize = checkEntry(entry, entry.batch, `trace entry ${l}`)
  if (entry.outSize !== outSize) fail(`trace entry ${l}: outSize ${entry.outSize} ≠ ${outSize}`)
  const h = sha256.create()
  h.update(TRACE_LEAF_DOMAIN)
  h.update(u32(l)); h.update(u32(entry.batch)); h.update(u32(outSize))
  h.update(accBytes(entry.acc))
  h.update(outBytes(entry.out))
  return h.digest()
}

/**
 * The leaf of layer l of a trace.
 * @example traceLeaf(trace, 0)
 */
export function traceLeaf (trace: Trace, l: number): Uint8Array {
  return traceEntryLeaf(l, traceEntry(trace, l))
}

/**
 * All leaves, in layer order.
 * @example traceLeaves(trace).length // trace.layers.length
 */
export function traceLeaves (trace: Trace): Uint8Array[] {
  checkTrace(trace)
  return trace.layers.map((_, l) => traceLeaf(trace, l))
}

/**
 * merkleRootRfc6962(traceLeaves): what the worker posts as `traceCommitment`.
 * @example toHex(traceCommitment(trace))
 */
export function traceCommitment (trace: Trace): Uint8Array {
  return merkleRootRfc6962(traceLeaves(trace))
}

/**
 * RFC 6962 proof that layer l's leaf is in the commitment.
 * @example verifyTraceEntry(commitment, 1, traceEntry(trace, 1), traceProof(trace, 1)) // true
 */
export function traceProof (trace: Trace, l: number): MerkleProof {
  const leaves = traceLeaves(trace)
  if (!Number.isInteger(l) || l < 0 || l >= leaves.length) fail(`trace: no layer ${l}`)
  return merkleProofs(leaves).proofs[l]
}

/**
 * True when `entry` is layer l of the trace committed to by `commitment` (false for any
 * malformed entry or proof, or a proof for another index).
 * @example if (!verifyTraceEntry(job.traceCommitment, l, entry, proof)) reject()
 */
export function verifyTraceEntry (commitment: Uint8Array, l: number, entry: TraceEntry, proof: MerkleProof): boolean {
  if (!(commitment instanceof Uint8Array) || commitment.length !== 32) throw new InvalidInputError('verifyTraceEntry: commitment must be 32 bytes')
  if (proof === null || typeof proof !== 'object' || proof.index !== l) return false
  let leaf: Uint8Array
  try { leaf = traceEntryLeaf(l, entry) } catch (err) { if (err instanceof InvalidTraceError) return false; throw err }
  return verifyMerkleInclusion(commitment, leaf, proof)
}

/**
 * RFC 6962 proof that layer l's hash is in the model's layersRoot.
 * @example verifyModelLayer(layersRoot, 0, encodeLayer(model.layers[0]), modelLayerProof(model, 0)) // true
 */
export function modelLayerProof (model: Model, l: number): MerkleProof {
  const hashes = layerHashes(model)
  if (!Number.isInteger(l) || l < 0 || l >= hashes.length) throw new InvalidInputError(`modelLayerProof: no layer ${l}`)
  return merkleProofs(hashes).proofs[l]
}

/**
 * True when `layerBytes` (one encoded layer) is layer l of the model with this layersRoot.
 * @example if (!verifyModelLayer(model.layersRoot, l, evidence.layer, evidence.layerProof)) reject()
 */
export function verifyModelLayer (layersRoot: Uint8Array, l: number, layerBytes: Uint8Array, proof: MerkleProof): boolean {
  if (!(layersRoot instanceof Uint8Array) || layersRoot.length !== 32) throw new InvalidInputError('verifyModelLayer: layersRoot must be 32 bytes')
  if (!(layerBytes instanceof Uint8Array)) throw new InvalidInputError('verifyModelLayer: layerBytes must be a Uint8Array')
  if (proof === null || typeof proof !== 'object' || proof.index !== l) return false
  return verifyMerkleInclusion(layersRoot, sha256(layerBytes), proof)
}

/**
 * A trace entry's compact bytes (for dispute evidence): u32 K | u32 outSize | acc int32 LE | out int8.
 * @example decodeTraceEntry(encodeTraceEntry(entry))
 */
export function encodeTraceEntry (entry: TraceEntry): Uint8Array {
  traceEntryLeaf(0, entry) // validates
  const n = entry.acc.length
  const out = new Uint8Array(8 + 5 * n)
  out.set(u32(entry.batch), 0); out.set(u32(entry.outSize), 4)
  out.set(accBytes(entry.acc), 8); out.set(outBytes(entry.out), 8 + 4 * n)
  return out
}

/**
 * Parses encodeTraceEntry's bytes exactly; anything else throws InvalidTraceError.
 * @example const entry = decodeTraceEntry(body.entry)
 */
export function decodeTraceEntry (bytes: Uint8Array): TraceEntry {
  if (!(bytes instanceof Uint8Array) || bytes.length < 8) fail('trace entry: truncated')
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const batch = v.getUint32(0, true)
  const outSize = v.getUint32(4, true)
  if (batch < 1 || outSize < 1) fail('trace entry: zero batch or outSize')
  const n = batch * outSize
  if (bytes.length !== 8 + 5 * n) fail(`trace entry: ${bytes.length} bytes, expected ${8 + 5 * n}`)
  const acc = new Int32Array(n)
  for (let i = 0; i < n; i++) acc[i] = v.getInt32(8 + 4 * i, true)
  return { batch, outSize, acc, out: new Int8Array(bytes.slice(8 + 4 * n).buffer) }
}

/**
 * An RFC 6962 proof's bytes: u32 total | u32 index | leafHash 32 | u8 count | aunts 32 each.
 * @example decodeMerkleProof(encodeMerkleProof(proof))
 */
export function encodeMerkleProof (proof: MerkleProof): Uint8Array {
  const { total, index, leafHash, aunts } = proof
  if (!Number.isInteger(total) || !Number.isInteger(index) || total < 1 || total > 0xffffffff || index < 0 || index >= total ||
    !(leafHash instanceof Uint8Array) || leafHash.length !== 32 || !Array.isArray(aunts) || aunts.length > MAX_MERKLE_AUNTS ||
    !aunts.every(a => a instanceof Uint8Array && a.length === 32)) {
    throw new InvalidInputError('encodeMerkleProof: malformed proof')
  }
  const out = new Uint8Array(41 + 32 * aunts.length)
  out.set(u32(total), 0); out.set(u32(index), 4); out.set(leafHash, 8); out[40] = aunts.length
  aunts.forEach((a, i) => out.set(a, 41 + 32 * i))
  return out
}

/**
 * Parses encodeMerkleProof's bytes exactly; malformed bytes throw InvalidInputError.
 * @example verifyTraceEntry(c, l, entry, decodeMerkleProof(body.proof))
 */
export function decodeMerkleProof (bytes: Uint8Array): MerkleProof {
  if (!(bytes instanceof Uint8Array) || bytes.length < 41) throw new InvalidInputError('merkle proof: truncated')
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const count = bytes[40]
  if (count > MAX_MERKLE_AUNTS || bytes.length !== 41 + 32 * count) throw new InvalidInputError(`merkle proof: ${bytes.length} bytes do not hold ${count} aunts`)
  const aunts: Uint8Array[] = []
  const total = v.getUint32(0, true)
  const index = v.getUint32(4, true)
  // what encodeMerkleProof refuses to write is malformed here too (else a dispute carries a proof no encoder made)
  if (total < 1 || index >= total) throw new InvalidInputError(`merkle proof: index ${index} of ${total} leaves`)
  for (let i = 0; i < count; i++) aunts.push(bytes.slice(41 + 32 * i, 73 + 32 * i))
  return { total, index, leafHash: bytes.slice(8, 40), aunts }
}
