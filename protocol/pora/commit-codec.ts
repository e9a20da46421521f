/**
 * Bytes for what goes on chain about sealing: a node's `SectorCommitment`s (the `pora.commit` tx and
 * the registry entry) and a `SealingProof` (the `pora.prove` tx). Strict decoders (bounds, version,
 * no trailing bytes) throw MalformedPoraMessageError, so a tx body has exactly one meaning.
 */
import type { MerkleProof } from '../storage/index.js'
import { Reader, Writer } from './codec.js'
import { MalformedPoraMessageError } from './errors.js'
import type { SectorCommitment } from './seal.js'
import type { DataOpening, LabelOpening, OpenedLabel, SealingProof } from './spotcheck.js'

/** Most layer roots a commitment carries (SealParams.layers ≤ 64). */
export const MAX_LAYER_ROOTS = 64
/** Most siblings in one opening's proof (sectors ≤ 2^22 chunks: 22 levels). */
const MAX_SIBLINGS = 32
/** Most openings of each kind in a sealing proof. */
export const MAX_SPOT_CHECKS = 256

/**
 * A commitment without its node id (the registry entry's key says whose it is).
 * @example decodeSectorCommitment(encodeSectorCommitment(c), nodeId)
 */
export function encodeSectorCommitment (c: SectorCommitment): Uint8Array {
  if (!Number.isSafeInteger(c.sectorStart) || c.sectorStart < 0) throw new MalformedPoraMessageError('commitment: bad sectorStart')
  for (const [k, v] of [['dataRoot', c.dataRoot], ['commR', c.commR]] as const) if (!(v instanceof Uint8Array) || v.length !== 32) throw new MalformedPoraMessageError(`commitment: ${k} must be 32 bytes`)
  if (!Array.isArray(c.layerRoots) || c.layerRoots.length < 1 || c.layerRoots.length > MAX_LAYER_ROOTS || c.layerRoots.some((r) => !(r instanceof Uint8Array) || r.length !== 32)) throw new MalformedPoraMessageError(`commitment: 1..${MAX_LAYER_ROOTS} layer roots of 32 bytes`)
  const w = new Writer().u8(1).u64(c.sectorStart).raw(c.dataRoot).raw(c.commR).u8(c.layerRoots.length)
  for (const r of c.layerRoots) w.raw(r)
  return w.bytes()
}

/**
 * Parses `encodeSectorCommitment` output for `nodeId`.
 * @example const c = decodeSectorCommitment(bytes, nodeId)
 */
export function decodeSectorCommitment (bytes: Uint8Array, nodeId: Uint8Array): SectorCommitment {
  if (!(bytes instanceof Uint8Array) || bytes.length > 2048) throw new MalformedPoraMessageError('commitment: not bytes or too long')
  const r = new Reader(bytes, 'commitment')
  if (r.u8() !== 1) throw new MalformedPoraMessageError('commitment: unknown version')
  const sectorStart = r.u64(); const dataRoot = r.raw(32); const commR = r.raw(32)
  const n = r.u8()
  if (n < 1 || n > MAX_LAYER_ROOTS) throw new MalformedPoraMessageError(`commitment: ${n} layer roots`)
  const layerRoots = Array.from({ length: n }, () => r.raw(32))
  r.end()
  return { nodeId: Uint8Array.from(nodeId), sectorStart, dataRoot, commR, layerRoots }
}

function writeProof (w: Writer, p: MerkleProof): void {
  if (!Number.isSafeInteger(p.index) || !Number.isSafeInteger(p.leafCount) || p.index < 0 || p.leafCount > 2 ** 32 - 1 || p.index > 2 ** 32 - 1) throw new MalformedPoraMessageError('sealing proof: bad proof index')
  if (p.siblings.length > MAX_SIBLINGS) throw new MalformedPoraMessageError('sealing proof: too many siblings')
  w.u32(p.index).u32(p.leafCount).u8(p.siblings.length)
  for (const s of p.siblings) {
    if (!(s instanceof Uint8Array) || s.length !== 32) throw new MalformedPoraMessageError('sealing proof: a sibling is 32 bytes')
    w.raw(s)
  }
}
function readProof (r: Reader): MerkleProof {
  const index = r.u32(); const leafCount = r.u32(); const n = r.u8()
  if (n > MAX_SIBLINGS) throw new MalformedPoraMessageError(`sealing proof: ${n} siblings`)
  return { index, leafCount, siblings: Array.from({ length: n }, () => r.raw(32)) }
}
function writeOpened (w: Writer, o: OpenedLabel): void {
  if (!(o.label instanceof Uint8Array) || o.label.length !== 32) throw new MalformedPoraMessageError('sealing proof: a label is 32 bytes')
  w.raw(o.label); writeProof(w, o.proof)
}
function readOpened (r: Reader): OpenedLabel { return { label: r.raw(32), proof: readProof(r) } }
function checkChunk (c: Uint8Array): Uint8Array {
  if (!(c instanceof Uint8Array) || c.length !== 256) throw new MalformedPoraMessageError('sealing proof: a chunk is 256 bytes')
  return c
}

/**
 * Deterministic bytes of a sealing proof (the `pora.prove` tx carries them).
 * @example decodeSealingProof(encodeSealingProof(proof))
 */
export function encodeSealingProof (p: SealingProof): Uint8Array {
  if (!Array.isArray(p.labels) || !Array.isArray(p.data) || p.labels.length > MAX_SPOT_CHECKS || p.data.length > MAX_SPOT_CHECKS) throw new MalformedPoraMessageError(`sealing proof: at most ${MAX_SPOT_CHECKS} openings of each kind`)
  const w = new Writer().u8(1).u16(p.labels.length).u16(p.data.length)
  for (const o of p.labels) {
    if (o.base.length > 8 || o.expander.length > 16) throw new MalformedPoraMessageError('sealing proof: too many parents')
    w.u8(o.layer).u32(o.node); writeOpened(w, o)
    w.u8(o.base.length); for (const b of o.base) writeOpened(w, b)
    w.u8(o.expander.length); for (const e of o.expander) writeOpened(w, e)
  }
  for (const o of p.data) {
    w.u32(o.node); writeOpened(w, o)
    w.raw(checkChunk(o.sealedChunk)); writeProof(w, o.sealedProof)
    w.raw(checkChunk(o.dataChunk)); writeProof(w, o.dataProof)
  }
  return w.bytes()
}

/**
 * Parses `encodeSealingProof` output strictly; MalformedPoraMessageError otherwise.
 * @example verifySealingSpotChecks({ commitment, params, seed, proof: decodeSealingProof(bytes) })
 */
export function decodeSealingProof (bytes: Uint8Array): SealingProof {
  if (!(bytes instanceof Uint8Array)) throw new MalformedPoraMessageError('sealing proof: expected bytes')
  const r = new Reader(bytes, 'sealing proof')
  if (r.u8() !== 1) throw new MalformedPoraMessageError('sealing proof: unknown version')
  const nl = r.u16(); const nd = r.u16()
  if (nl > MAX_SPOT_CHECKS || nd > MAX_SPOT_CHECKS) throw new MalformedPoraMessageError('sealing proof: too many openings')
  const labels: LabelOpening[] = []
  for (let i = 0; i < nl; i++) {
    const layer = r.u8(); const node = r.u32(); const self = readOpened(r)
    const nb = r.u8()
    if (nb > 8) throw new MalformedPoraMessageError('sealing proof: too many base parents')
    const base = Array.from({ length: nb }, () => readOpened(r))
    const ne = r.u8()
    if (ne > 16) throw new MalformedPoraMessageError('sealing proof: too many expander parents')
    const expander = Array.from({ length: ne }, () => readOpened(r))
    labels.push({ layer, node, ...self, base, expander })
  }
  const data: DataOpening[] = []
  for (let i = 0; i < nd; i++) {
    const node = r.u32(); const self = readOpened(r)
    const sealedChunk = r.raw(256); const sealedProof = readProof(r)
    const dataChunk = r.raw(256); const dataProof = readProof(r)
    data.push({ node, ...self, sealedChunk, sealedProof, dataChunk, dataProof })
  }
  r.end()
  return { labels, data }
}
