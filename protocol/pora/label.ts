/**
 * Labelling: label(l, v) = sha256(replicaId ‖ l ‖ v ‖ base parents' labels ‖ expander parents'
 * labels), layer by layer, each layer a sequential pass. The replica id binds everything to the
 * node id, the sector and the parameters. The final layer keys the seal: chunk v is XORed with
 * key(v) = sha256(label(L, v) ‖ j) for j = 0..7 (256 bytes).
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { baseParents, expanderParents } from './graph.js'
import { type SealParams, checkSealParams, paramsDigest } from './params.js'
import { bytesToWords, messageBuffer, sha256Words, wordsToBytes } from './sha256.js'
import { InvalidSealParamsError } from './errors.js'

/**
 * The 32-byte id of one node's replica of one sector: sha256(tag ‖ nodeId ‖ sectorStart ‖ params).
 * @example replicaId({ nodeId, sectorStart: 0, params: TEST_SEAL_PARAMS })
 */
export function replicaId ({ nodeId, sectorStart, params }: { nodeId: Uint8Array, sectorStart: number, params: SealParams }): Uint8Array {
  if (!(nodeId instanceof Uint8Array) || nodeId.length !== 32) throw new InvalidSealParamsError('nodeId must be a 32-byte ed25519 public key')
  checkSectorStart(sectorStart, params)
  const tag = new TextEncoder().encode('glowmesh/pora/replica/v1')
  const buf = new Uint8Array(tag.length + 32 + 8 + 32)
  buf.set(tag); buf.set(nodeId, tag.length)
  new DataView(buf.buffer).setBigUint64(tag.length + 32, BigInt(sectorStart))
  buf.set(paramsDigest(params), tag.length + 40)
  return sha256(buf)
}

/**
 * Throws unless `sectorStart` is a non-negative multiple of the sector size (sectors are aligned in the flow).
 * @example checkSectorStart(262144, DEFAULT_SEAL_PARAMS)
 */
export function checkSectorStart (sectorStart: number, params: SealParams): void {
  checkSealParams(params)
  if (!Number.isSafeInteger(sectorStart) || sectorStart < 0 || sectorStart % params.sectorChunks !== 0) {
    throw new InvalidSealParamsError(`sectorStart must be a non-negative multiple of ${params.sectorChunks}, got ${sectorStart}`)
  }
}

function copy8 (src: Uint32Array, s: number, dst: Uint32Array, d: number): void {
  dst[d] = src[s]; dst[d + 1] = src[s + 1]; dst[d + 2] = src[s + 2]; dst[d + 3] = src[s + 3]
  dst[d + 4] = src[s + 4]; dst[d + 5] = src[s + 5]; dst[d + 6] = src[s + 6]; dst[d + 7] = src[s + 7]
}

/** Words in label(l, v)'s message for layer `layer` (1-based). */
function messageWords (params: SealParams, layer: number): number {
  return 10 + 8 * params.baseParents + (layer > 1 ? 8 * params.expanderParents : 0)
}

/**
 * A reusable label computer: fills `out[v*8..]` with label(layer, v) from the given layers.
 * `cur` holds layer `layer` (nodes < v filled), `prev` layer `layer - 1` (unused for layer 1).
 * @example const lab = labeler(replica, params); lab(1, 0, cur, undefined, cur)
 */
export function labeler (replica: Uint8Array, params: SealParams): (layer: number, v: number, cur: Uint32Array, prev: Uint32Array | undefined, out: Uint32Array) => void {
  const n = params.sectorChunks
  const msg = messageBuffer(messageWords(params, 2))
  const rid = bytesToWords(replica)
  const bp = new Uint32Array(params.baseParents)
  const ep = new Uint32Array(params.expanderParents)
  return (layer, v, cur, prev, out) => {
    msg.set(rid, 0); msg[8] = layer; msg[9] = v
    let w = 10
    if (v === 0) { msg.fill(0, w, w + 8 * params.baseParents); w += 8 * params.baseParents } else {
      baseParents(v, params.baseParents, bp)
      for (let i = 0; i < bp.length; i++, w += 8) copy8(cur, bp[i] * 8, msg, w)
    }
    if (layer > 1) {
      if (prev === undefined) throw new InvalidSealParamsError(`layer ${layer} needs the previous layer`)
      expanderParents(v, n, params.expanderParents, ep)
      for (let i = 0; i < ep.length; i++, w += 8) copy8(prev, ep[i] * 8, msg, w)
    }
    sha256Words(msg, w, out, v * 8)
  }
}

/**
 * Computes every layer in order and returns the last (8 words per node). `onLayer` sees each
 * finished layer with the one before it; both buffers are reused afterwards, so copy what you keep.
 * @example const final = labelLayers(replicaId({ nodeId, sectorStart: 0, params }), params)
 */
export function labelLayers (replica: Uint8Array, params: SealParams, onLayer?: (layer: number, cur: Uint32Array, prev: Uint32Array | undefined) => void): Uint32Array {
  checkSealParams(params)
  const n = params.sectorChunks
  const label = labeler(replica, params)
  let prev: Uint32Array | undefined
  let cur: Uint32Array = new Uint32Array(n * 8)
  let spare: Uint32Array
  for (let l = 1; l <= params.layers; l++) {
    for (let v = 0; v < n; v++) label(l, v, cur, prev, cur)
    onLayer?.(l, cur, prev)
    if (l === params.layers) break
    spare = prev ?? new Uint32Array(n * 8)
    prev = cur
    cur = spare
  }
  return cur
}

const keyMsg = messageBuffer(9)
const keyOut = new Uint32Array(8)
/**
 * XORs the 256-byte key of final label `label` (8 words at `off`) into `chunk` in place; sealing
 * and unsealing are the same operation.
 * @example xorKey(finalLabels, v * 8, sealed.subarray(v * 256, v * 256 + 256))
 */
export function xorKey (label: Uint32Array, off: number, chunk: Uint8Array): void {
  for (let j = 0; j < 8; j++) {
    for (let i = 0; i < 8; i++) keyMsg[i] = label[off + i]
    keyMsg[8] = j
    sha256Words(keyMsg, 9, keyOut, 0)
    for (let i = 0; i < 8; i++) {
      const w = keyOut[i]; const o = j * 32 + i * 4
      chunk[o] ^= w >>> 24; chunk[o + 1] ^= (w >>> 16) & 255; chunk[o + 2] ^= (w >>> 8) & 255; chunk[o + 3] ^= w & 255
    }
  }
}

/** Label `v` of a layer as 32 bytes. @example labelBytes(final, 7) */
export function labelBytes (layer: Uint32Array, v: number): Uint8Array {
  return wordsToBytes(layer.subarray(v * 8, v * 8 + 8))
}
