/**
 * The inference result document v1 (JSON, see README.md): what a worker hands the requester and
 * stores next to the trace. `inferenceSignBytes` is a sha256 over a fixed binary encoding of every
 * field but `signature` and `backend`; the worker signs it with ed25519 and posts it on chain as
 * `resultDigest`, binding the document to the job.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import { addressFromPublicKey } from '../chain/tx.js'
import { MAX_CHAIN_ID_LENGTH } from '../chain/header.js'
import { concatBytes, fromHex, toHex } from '../bytes.js'
import { InvalidInputError } from '../errors.js'
import { InvalidResultError } from './errors.js'
import { MAX_LAYERS } from './model.js'

/** The document type string. */
export const INFERENCE_TYPE = 'glowmesh.inference'
/** Domain prefix of the signed digest. */
export const INFERENCE_SIGN_DOMAIN = new TextEncoder().encode('glowmesh/inference/v1')
/** Largest batch of a job. */
export const MAX_BATCH = 64
/** Largest job input (K·size bytes). */
export const MAX_INPUT_BYTES = 65536
/** Longest model CID (bytes of its string form). */
export const MAX_CID_LENGTH = 64

/** Inference result document, version 1. Hex fields are lowercase `0x…`, byte fields base64. */
export interface InferenceResult {
  version: 1
  type: 'glowmesh.inference'
  chainId: string
  /** 32 bytes. */
  jobId: string
  /** 0G file root (32 B), CID, layersRoot (32 B) of the model. */
  model: { root: string, cid: string, layersRoot: string }
  /** K inputs of `size` int8 values, base64, and sha256 of those bytes. */
  input: { batch: number, size: number, data: string, hash: string }
  /** predictions[k] = argmax(logits[k]); logits = the last layer's int32 accumulators. */
  output: { predictions: number[], logits: number[][] }
  /** The trace file's 0G root, its RFC 6962 commitment, its layer count. */
  trace: { root: string, commitment: string, layers: number }
  /** Address (0x + 20 B) and base64 ed25519 public key. */
  worker: { address: string, publicKey: string }
  backend: 'webgpu' | 'cpu'
  /** base64 ed25519 signature over inferenceSignBytes(doc). */
  signature: string
}

/** A document before signing (the worker fields are filled in by signInferenceResult). */
export type UnsignedInferenceResult = Omit<InferenceResult, 'signature' | 'worker'> & { worker?: InferenceResult['worker'] }

function fail (message: string): never { throw new InvalidResultError(message) }

/** base64 (standard alphabet, padded) of bytes. @example bytesToB64(new Uint8Array([1, 2])) // 'AQI=' */
function bytesToB64 (bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(s)
}

/** Strict base64: the canonical encoding only (re-encoding must give the same text). */
function b64ToBytes (text: unknown, path: string): Uint8Array {
  if (typeof text !== 'string' || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) fail(`${path}: expected base64`)
  const bin = atob(text)
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  if (bytesToB64(out) !== text) fail(`${path}: non-canonical base64`)
  return out
}

function obj (v: unknown, path: string, keys: string[]): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(`${path}: expected an object`)
  const o = v as Record<string, unknown>
  for (const k of Object.keys(o)) if (!keys.includes(k)) fail(`${path}: unknown field '${k}'`)
  for (const k of keys) if (!(k in o)) fail(`${path}: missing field '${k}'`)
  return o
}

function hex (v: unknown, path: string, bytes: number): string {
  if (typeof v !== 'string' || !new RegExp(`^0x[0-9a-f]{${2 * bytes}}$`).test(v)) fail(`${path}: expected 0x + ${2 * bytes} lowercase hex digits`)
  return v
}

function int (v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(`${path}: expected an integer in [${min}, ${max}]`)
  return v
}

const utf8 = new TextEncoder()
const NO_SIGNATURE = 'A'.repeat(86) + '=='

/**
 * Validates a result document (JSON text or parsed object) field by field: no missing or extra
 * fields, fixed-size hex, canonical base64, data = batch·size bytes hashing to input.hash, K
 * predictions each indexing its logits row, worker address = sha256(publicKey)[0:20]. The
 * signature's validity is checked separately (verifyInferenceSignature).
 * @example const doc = parseInferenceResult(await res.text())
 */
export function parseInferenceResult (json: string | unknown): InferenceResult {
  let v = json
  if (typeof json === 'string') {
    try { v = JSON.parse(json) } catch (cause) { throw new InvalidResultError('result: not JSON', { cause }) }
  }
  const d = obj(v, 'result', ['version', 'type', 'chainId', 'jobId', 'model', 'input', 'output', 'trace', 'worker', 'backend', 'signature'])
  if (d.version !== 1) fail('result.version: expected 1')
  if (d.type !== INFERENCE_TYPE) fail(`result.type: expected '${INFERENCE_TYPE}'`)
  if (typeof d.chainId !== 'string' || d.chainId.length === 0 || utf8.encode(d.chainId).length > MAX_CHAIN_ID_LENGTH) fail(`result.chainId: expected 1–${MAX_CHAIN_ID_LENGTH} bytes`)
  hex(d.jobId, 'result.jobId', 32)
  const m = obj(d.model, 'result.model', ['root', 'cid', 'layersRoot'])
  hex(m.root, 'result.model.root', 32)
  hex(m.layersRoot, 'result.model.layersRoot', 32)
  if (typeof m.cid !== 'string' || !/^[A-Za-z0-9]+$/.test(m.cid) || m.cid.length > MAX_CID_LENGTH) fail(`result.model.cid: expected 1–${MAX_CID_LENGTH} alphanumeric characters`)
  const i = obj(d.input, 'result.input', ['batch', 'size', 'data', 'hash'])
  const batch = int(i.batch, 'result.input.batch', 1, MAX_BATCH)
  const size = int(i.size, 'result.input.size', 1, MAX_INPUT_BYTES)
  if (batch * size > MAX_INPUT_BYTES) fail(`result.input: ${batch}×${size} exceeds ${MAX_INPUT_BYTES} bytes`)
  const data = b64ToBytes(i.data, 'result.input.data')
  if (data.length !== batch * size) fail(`result.input.data: ${data.length} bytes, expected ${batch}×${size}`)
  if (hex(i.hash, 'result.input.hash', 32) !== toHex(sha256(data))) fail('result.input.hash: not sha256 of the data')
  const o = obj(d.output, 'result.output', ['predictions', 'logits'])
  if (!Array.isArray(o.logits) || o.logits.length !== batch) fail(`result.output.logits: expected ${batch} rows`)
  const predictions = o.predictions
  if (!Array.isArray(predictions) || predictions.length !== batch) fail(`result.output.predictions: expected ${batch} values`)
  let width = -1
  // index loops, not forEach: forEach skips the holes of a sparse array (a structured-cloned object may have them)
  for (let k = 0; k < o.logits.length; k++) {
    const row: unknown = o.logits[k]
    if (!Array.isArray(row) || row.length < 1 || (width !== -1 && row.length !== width)) fail(`result.output.logits[${k}]: expected a row like the others`)
    width = row.length
    for (let j = 0; j < row.length; j++) int(row[j], `result.output.logits[${k}][${j}]`, -(2 ** 31), 2 ** 31 - 1)
    int(predictions[k], `result.output.predictions[${k}]`, 0, width - 1)
  }
  const t = obj(d.trace, 'result.trace', ['root', 'commitment', 'layers'])
  hex(t.root, 'result.trace.root', 32)
  hex(t.commitment, 'result.trace.commitment', 32)
  int(t.layers, 'result.trace.layers', 1, MAX_LAYERS)
  const w = obj(d.worker, 'result.worker', ['address', 'publicKey'])
  const pub = b64ToBytes(w.publicKey, 'result.worker.publicKey')
  if (pub.length !== 32) fail('result.worker.publicKey: expected 32 bytes')
  if (hex(w.address, 'result.worker.address', 20) !== addressFromPublicKey(pub)) fail('result.worker.address: does not match the public key')
  if (d.backend !== 'webgpu' && d.backend !== 'cpu') fail("result.backend: expected 'webgpu' or 'cpu'")
  if (b64ToBytes(d.signature, 'result.signature').length !== 64) fail('result.signature: expected 64 bytes')
  return v as InferenceResult
}

/**
 * The job input bytes of a document, as int8.
 * @example runModel(model, inferenceInput(doc), doc.input.batch)
 */
export function inferenceInput (doc: Pick<InferenceResult, 'input'>): Int8Array {
  const bytes = b64ToBytes(doc?.input?.data, 'result.input.data')
  return new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length)
}

/** Little-endian binary writer for the signed encoding. */
class Enc {
  private readonly parts: Uint8Array[] = []
  u32 (n: number): this { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n, true); this.parts.push(b); return this }
  i32 (n: number): this { const b = new Uint8Array(4); new DataView(b.buffer).setInt32(0, n, true); this.parts.push(b); return this }
  bytes (b: Uint8Array): this { this.u32(b.length); this.parts.push(b); return this }
  fixed (b: Uint8Array): this { this.parts.push(b); return this }
  str (s: string): this { return this.bytes(utf8.encode(s)) }
  finish (): Uint8Array { return concatBytes(...this.parts) }
}

/**
 * resultDigest: sha256(domain ‖ version ‖ type ‖ chainId ‖ jobId ‖ model ‖ input ‖ output ‖ trace
 * ‖ worker) in a fixed little-endian encoding (strings and byte strings length-prefixed u32,
 * hashes raw 32 B, numbers u32/i32). `signature` and `backend` are not covered.
 * @example toHex(inferenceSignBytes(doc)) // the resultDigest posted with compute.job.result
 */
export function inferenceSignBytes (doc: UnsignedInferenceResult & { worker: InferenceResult['worker'] }): Uint8Array {
  if (doc === null || typeof doc !== 'object') fail('result: expected an object')
  const { signature: _s, ...unsigned } = doc as InferenceResult
  parseInferenceResult({ ...unsigned, backend: 'cpu', signature: NO_SIGNATURE }) // every covered field, validated
  const e = new Enc().fixed(INFERENCE_SIGN_DOMAIN).u32(doc.version).str(doc.type).str(doc.chainId).fixed(fromHex(doc.jobId, 32))
    .fixed(fromHex(doc.model.root, 32)).str(doc.model.cid).fixed(fromHex(doc.model.layersRoot, 32))
    .u32(doc.input.batch).u32(doc.input.size).bytes(b64ToBytes(doc.input.data, 'input.data')).fixed(fromHex(doc.input.hash, 32))
    .u32(doc.output.predictions.length)
  for (const p of doc.output.predictions) e.u32(p)
  e.u32(doc.output.logits.length)
  for (const row of doc.output.logits) { e.u32(row.length); for (const x of row) e.i32(x) }
  e.fixed(fromHex(doc.trace.root, 32)).fixed(fromHex(doc.trace.commitment, 32)).u32(doc.trace.layers)
    .fixed(fromHex(doc.worker.address, 20)).bytes(b64ToBytes(doc.worker.publicKey, 'worker.publicKey'))
  return sha256(e.finish())
}

/**
 * Fills `worker` from the 32-byte ed25519 secret key and signs; the result passes parseInferenceResult.
 * @example const doc = signInferenceResult(unsigned, key.privateKey)
 */
export function signInferenceResult (doc: UnsignedInferenceResult, privateKey: Uint8Array): InferenceResult {
  if (!(privateKey instanceof Uint8Array) || privateKey.length !== 32) throw new InvalidInputError('signInferenceResult: expected a 32-byte ed25519 secret key')
  const publicKey = ed25519.getPublicKey(privateKey)
  const { worker: _ignored, ...rest } = doc
  const withWorker = { ...rest, worker: { address: addressFromPublicKey(publicKey), publicKey: bytesToB64(publicKey) } }
  parseInferenceResult({ ...withWorker, signature: NO_SIGNATURE })
  const signed: InferenceResult = { ...withWorker, signature: bytesToB64(ed25519.sign(inferenceSignBytes(withWorker), privateKey)) }
  return parseInferenceResult(signed)
}

/**
 * True when the document is well-formed and its signature verifies under worker.publicKey.
 * @example if (!verifyInferenceSignature(doc)) throw new Error('forged result')
 */
export function verifyInferenceSignature (doc: InferenceResult): boolean {
  try {
    parseInferenceResult(doc)
    return ed25519.verify(b64ToBytes(doc.signature, 'signature'), inferenceSignBytes(doc), b64ToBytes(doc.worker.publicKey, 'publicKey'), { zip215: true })
  } catch (err) {
    if (err instanceof InvalidResultError || err instanceof InvalidInputError) return false
    throw err
  }
}

/** What buildInferenceResult needs; byte fields as bytes. */
export interface BuildInferenceInput {
  chainId: string
  jobId: Uint8Array
  model: { root: Uint8Array, cid: string, layersRoot: Uint8Array }
  /** K×size int8 job input. */
  input: Int8Array
  batch: number
  predictions: number[]
  logits: number[][]
  trace: { root: Uint8Array, commitment: Uint8Array, layers: number }
  backend: 'webgpu' | 'cpu'
  /** The worker's 32-byte ed25519 secret key. */
  privateKey: Uint8Array
}

/**
 * Builds and signs a v1 result document.
 * @example const doc = buildInferenceResult({ chainId, jobId, model, input, batch: 1, predictions, logits, trace, backend: 'cpu', privateKey })
 */
export function buildInferenceResult (p: BuildInferenceInput): InferenceResult {
  if (p === null || typeof p !== 'object') throw new InvalidInputError('buildInferenceResult: expected an object')
  if (!(p.input instanceof Int8Array) || !Number.isInteger(p.batch) || p.batch < 1 || p.input.length % p.batch !== 0) {
    throw new InvalidInputError('buildInferenceResult: input must be an Int8Array of batch×size')
  }
  const data = new Uint8Array(p.input.buffer, p.input.byteOffset, p.input.length)
  return signInferenceResult({
    version: 1,
    type: INFERENCE_TYPE,
    chainId: p.chainId,
    jobId: toHex(p.jobId),
    model: { root: toHex(p.model.root), cid: p.model.cid, layersRoot: toHex(p.model.layersRoot) },
    input: { batch: p.batch, size: p.input.length / p.batch, data: bytesToB64(data), hash: toHex(sha256(data)) },
    output: { predictions: [...p.predictions], logits: p.logits.map(r => [...r]) },
    trace: { root: toHex(p.trace.root), commitment: toHex(p.trace.commitment), layers: p.trace.layers },
    backend: p.backend
  }, p.privateKey)
}
