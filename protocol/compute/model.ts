/**
 * The GMM1 model file: a stack of int8 dense layers (little-endian, see README.md), its per-layer
 * hashes and their RFC 6962 root (`layersRoot`), which the chain registers so a dispute can carry
 * one layer and a proof instead of the whole model.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { merkleRootRfc6962 } from '../chain/merkle.js'
import { InvalidModelError } from './errors.js'
import { MAX_MULTIPLIER, MAX_SHIFT, MIN_SHIFT } from './quant.js'

/** File magic. */
export const MODEL_MAGIC = 'GMM1'
/** Format version. */
export const MODEL_VERSION = 1
/** Most layers a model may have. */
export const MAX_LAYERS = 16
/** Layer kind byte of a dense layer. */
export const LAYER_KIND_DENSE = 1
const HEADER_BYTES = 10 // magic 4 | version 1 | layerCount 1 | inputSize 4
const LAYER_HEADER_BYTES = 15 // kind 1 | inSize 4 | outSize 4 | relu 1 | M 4 | s 1

/** One int8 dense layer: acc = bias + W·x, out = clamp(requant(acc, multiplier, shift)). */
export interface DenseLayer {
  inSize: number
  outSize: number
  relu: boolean
  /** Requant multiplier M, 1 ≤ M < 2^15. */
  multiplier: number
  /** Requant shift s, 17 ≤ s ≤ 40. */
  shift: number
  /** outSize×inSize, row-major (row = output neuron). */
  weights: Int8Array
  /** outSize int32 biases. */
  bias: Int32Array
}

/** A model: input size and its layers, in order. */
export interface Model {
  inputSize: number
  layers: DenseLayer[]
}

function fail (message: string): never { throw new InvalidModelError(message) }

function isSize (n: unknown): n is number { return Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 0xffffffff }

/**
 * Throws InvalidModelError unless the layer is well-formed and overflow-safe
 * (inSize·128·128 + max|bias| < 2^31). `where` prefixes messages.
 * @example validateLayer(model.layers[0])
 */
export function validateLayer (layer: DenseLayer, where = 'layer'): void {
  if (layer === null || typeof layer !== 'object') fail(`${where}: expected an object`)
  const { inSize, outSize, relu, multiplier, shift, weights, bias } = layer
  if (!isSize(inSize) || !isSize(outSize)) fail(`${where}: inSize/outSize must be integers in [1, 2^32)`)
  if (typeof relu !== 'boolean') fail(`${where}: relu must be a boolean`)
  if (!Number.isInteger(multiplier) || multiplier < 1 || multiplier > MAX_MULTIPLIER) fail(`${where}: multiplier ${multiplier} not in [1, 2^15)`)
  if (!Number.isInteger(shift) || shift < MIN_SHIFT || shift > MAX_SHIFT) fail(`${where}: shift ${shift} not in [${MIN_SHIFT}, ${MAX_SHIFT}]`)
  if (!(weights instanceof Int8Array) || weights.length !== inSize * outSize) fail(`${where}: weights must be an Int8Array of ${inSize}×${outSize}`)
  if (!(bias instanceof Int32Array) || bias.length !== outSize) fail(`${where}: bias must be an Int32Array of ${outSize}`)
  let maxBias = 0
  for (let i = 0; i < bias.length; i++) { const a = Math.abs(bias[i]); if (a > maxBias) maxBias = a }
  if (inSize * 128 * 128 + maxBias >= 2 ** 31) fail(`${where}: int32 accumulator may overflow (inSize ${inSize}, max|bias| ${maxBias})`)
}

/**
 * Throws InvalidModelError unless the model is well-formed: 1–16 layers, sizes chained, last layer
 * without relu, every layer overflow-safe.
 * @example validateModel(decodeModel(bytes))
 */
export function validateModel (model: Model): void {
  if (model === null || typeof model !== 'object') fail('model: expected an object')
  if (!isSize(model.inputSize)) fail('model.inputSize must be an integer in [1, 2^32)')
  if (!Array.isArray(model.layers) || model.layers.length < 1 || model.layers.length > MAX_LAYERS) fail(`model: expected 1–${MAX_LAYERS} layers`)
  let size = model.inputSize
  model.layers.forEach((layer, l) => {
    validateLayer(layer, `layer ${l}`)
    if (layer.inSize !== size) fail(`layer ${l}: inSize ${layer.inSize} ≠ previous size ${size}`)
    size = layer.outSize
  })
  if (model.layers[model.layers.length - 1].relu) fail('model: the last layer must not have relu')
}

/**
 * The layer's encoding, kind byte to last bias byte (what its layer hash covers).
 * @example sha256(encodeLayer(model.layers[1]))
 */
export function encodeLayer (layer: DenseLayer): Uint8Array {
  validateLayer(layer)
  const { inSize, outSize } = layer
  const out = new Uint8Array(LAYER_HEADER_BYTES + inSize * outSize + 4 * outSize)
  const v = new DataView(out.buffer)
  v.setUint8(0, LAYER_KIND_DENSE)
  v.setUint32(1, inSize, true)
  v.setUint32(5, outSize, true)
  v.setUint8(9, layer.relu ? 1 : 0)
  v.setUint32(10, layer.multiplier, true)
  v.setUint8(14, layer.shift)
  out.set(new Uint8Array(layer.weights.buffer, layer.weights.byteOffset, layer.weights.length), LAYER_HEADER_BYTES)
  let o = LAYER_HEADER_BYTES + inSize * outSize
  for (let i = 0; i < outSize; i++, o += 4) v.setInt32(o, layer.bias[i], true)
  return out
}

/** Parses one layer at `offset`; returns it and the offset after it. */
function readLayer (bytes: Uint8Array, offset: number, where: string): { layer: DenseLayer, end: number } {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (bytes.length - offset < LAYER_HEADER_BYTES) fail(`${where}: truncated header`)
  const kind = v.getUint8(offset)
  if (kind !== LAYER_KIND_DENSE) fail(`${where}: unknown kind ${kind}`)
  const inSize = v.getUint32(offset + 1, true)
  const outSize = v.getUint32(offset + 5, true)
  const reluByte = v.getUint8(offset + 9)
  if (reluByte > 1) fail(`${where}: relu byte ${reluByte} is not 0 or 1`)
  const multiplier = v.getUint32(offset + 10, true)
  const shift = v.getUint8(offset + 14)
  if (inSize < 1 || outSize < 1) fail(`${where}: zero size`)
  const body = inSize * outSize + 4 * outSize // at most ~2^66 but compared before any allocation
  if (bytes.length - offset - LAYER_HEADER_BYTES < body) fail(`${where}: truncated weights/bias (needs ${body} bytes)`)
  let o = offset + LAYER_HEADER_BYTES
  const weights = new Int8Array(bytes.buffer.slice(bytes.byteOffset + o, bytes.byteOffset + o + inSize * outSize))
  o += inSize * outSize
  const bias = new Int32Array(outSize)
  for (let i = 0; i < outSize; i++, o += 4) bias[i] = v.getInt32(o, true)
  const layer: DenseLayer = { inSize, outSize, relu: reluByte === 1, multiplier, shift, weights, bias }
  validateLayer(layer, where)
  return { layer, end: o }
}

/**
 * Parses exactly one encoded layer (e.g. a dispute's evidence); rejects trailing bytes.
 * @example const layer = decodeLayer(evidence.layerBytes)
 */
export function decodeLayer (bytes: Uint8Array): DenseLayer {
  if (!(bytes instanceof Uint8Array)) fail('decodeLayer: expected a Uint8Array')
  const { layer, end } = readLayer(bytes, 0, 'layer')
  if (end !== bytes.length) fail(`layer: ${bytes.length - end} trailing bytes`)
  return layer
}

/**
 * The GMM1 bytes of a model (validated first).
 * @example const bytes = encodeModel({ inputSize: 784, layers })
 */
export function encodeModel (model: Model): Uint8Array {
  validateModel(model)
  const layers = model.layers.map(encodeLayer)
  const out = new Uint8Array(HEADER_BYTES + layers.reduce((n, l) => n + l.length, 0))
  const v = new DataView(out.buffer)
  out.set(new TextEncoder().encode(MODEL_MAGIC), 0)
  v.setUint8(4, MODEL_VERSION)
  v.setUint8(5, layers.length)
  v.setUint32(6, model.inputSize, true)
  let o = HEADER_BYTES
  for (const l of layers) { out.set(l, o); o += l.length }
  return out
}

/** Offsets [start, end) of every layer in GMM1 bytes, plus the parsed model. */
function parse (bytes: Uint8Array): { model: Model, spans: Array<[number, number]> } {
  if (!(bytes instanceof Uint8Array)) fail('decodeModel: expected a Uint8Array')
  if (bytes.length < HEADER_BYTES) fail('model: truncated header')
  if (new TextDecoder().decode(bytes.subarray(0, 4)) !== MODEL_MAGIC) fail('model: bad magic (expected GMM1)')
  if (bytes[4] !== MODEL_VERSION) fail(`model: unsupported version ${bytes[4]}`)
  const count = bytes[5]
  if (count < 1 || count > MAX_LAYERS) fail(`model: layer count ${count} not in 1–${MAX_LAYERS}`)
  const inputSize = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(6, true)
  const layers: DenseLayer[] = []
  const spans: Array<[number, number]> = []
  let o = HEADER_BYTES
  for (let l = 0; l < count; l++) {
    const { layer, end } = readLayer(bytes, o, `layer ${l}`)
    layers.push(layer)
    spans.push([o, end])
    o = end
  }
  if (o !== bytes.length) fail(`model: ${bytes.length - o} trailing bytes`)
  const model = { inputSize, layers }
  validateModel(model)
  return { model, spans }
}

/**
 * Parses and validates GMM1 bytes; anything malformed throws InvalidModelError.
 * @example const model = decodeModel(await fetchFile(root))
 */
export function decodeModel (bytes: Uint8Array): Model {
  return parse(bytes).model
}

/**
 * Layer l's encoded bytes inside GMM1 bytes (a copy), validating the whole file.
 * @example sha256(layerBytes(bytes, 0)) // = layerHashes(model)[0]
 */
export function layerBytes (bytes: Uint8Array, l: number): Uint8Array {
  const { spans } = parse(bytes)
  if (!Number.isInteger(l) || l < 0 || l >= spans.length) fail(`layerBytes: no layer ${l} (model has ${spans.length})`)
  return bytes.slice(spans[l][0], spans[l][1])
}

/**
 * sha256 of each layer's encoding, in order.
 * @example layerHashes(model).length // model.layers.length
 */
export function layerHashes (model: Model): Uint8Array[] {
  validateModel(model)
  return model.layers.map(l => sha256(encodeLayer(l)))
}

/**
 * The RFC 6962 root over the layer hashes: what the chain registers as `layersRoot`.
 * @example toHex(modelLayersRoot(model))
 */
export function modelLayersRoot (model: Model): Uint8Array {
  return merkleRootRfc6962(layerHashes(model))
}
