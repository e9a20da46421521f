/**
 * Registration spot checks: the labelling behind commR is never recomputed by a verifier; instead
 * the node opens k random (layer, node) labels together with every parent label, each with a proof
 * against its layer root, and the verifier recomputes those k labels. A sealer that skipped or
 * faked a fraction ε of labels passes with probability (1 − ε)^k. Data openings check, at random
 * final nodes, sealed chunk (vs commR) = data chunk (vs dataRoot) ⊕ key(final label).
 * The seed must come from a block *after* the commitment is on chain; a seed the prover can pick
 * lets a cheater regenerate bogus labels until the openings miss them.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { type ChunkHasher, type MerkleProof, CHUNK_SIZE, SegmentTree, chunkProof, fileLayout, nobleHasher, rootFromProof, segmentBytes, verifyChunkProof } from '../storage/index.js'
import { GlowmeshError } from '../errors.js'
import { equalBytes } from '../bytes.js'
import { baseParents, expanderParents } from './graph.js'
import { labelLayers, replicaId, xorKey } from './label.js'
import { type SealParams, checkSealParams } from './params.js'
import { drawStream } from './rng.js'
import { type SectorCommitment, SealedSector } from './seal.js'
import { bytesToWords, messageBuffer, sha256Words, wordsToBytes } from './sha256.js'
import { labelPair, labelTreeLevels, labelTreeProof } from './tree.js'

/** A label with its proof against its layer root. */
export interface OpenedLabel { label: Uint8Array, proof: MerkleProof }
/** One opened node: its label, its same-layer parents and (layer ≥ 2) previous-layer parents. */
export interface LabelOpening extends OpenedLabel { layer: number, node: number, base: OpenedLabel[], expander: OpenedLabel[] }
/** One opened final node with its sealed and data chunks. */
export interface DataOpening extends OpenedLabel { node: number, sealedChunk: Uint8Array, sealedProof: MerkleProof, dataChunk: Uint8Array, dataProof: MerkleProof }
/** Everything `verifySealingSpotChecks` needs besides the commitment. */
export interface SealingProof { labels: LabelOpening[], data: DataOpening[] }

/** How many openings of each kind; defaults catch a 5 % label cheat with p > 0.998. */
export interface SpotCheckCounts { labelChecks?: number, dataChecks?: number }
const DEFAULT_LABEL_CHECKS = 128
const DEFAULT_DATA_CHECKS = 64

/**
 * The (layer, node) pairs and final nodes to open for `commitment` under `seed`.
 * @example spotCheckPositions({ commitment, params, seed })
 */
export function spotCheckPositions ({ commitment, params, seed, labelChecks = DEFAULT_LABEL_CHECKS, dataChecks = DEFAULT_DATA_CHECKS }: { commitment: SectorCommitment, params: SealParams, seed: Uint8Array } & SpotCheckCounts): { labels: Array<{ layer: number, node: number }>, data: number[] } {
  checkSealParams(params)
  const next = drawStream('glowmesh/pora/spotcheck/v1', sha256(new Uint8Array([...seed, ...commitment.commR, ...commitment.nodeId])))
  const labels = Array.from({ length: labelChecks }, () => ({ layer: 1 + next(params.layers), node: next(params.sectorChunks) }))
  const data = Array.from({ length: dataChecks }, () => next(params.sectorChunks))
  return { labels, data }
}

/**
 * Opens the spot checks for a sector this node sealed: re-runs the labelling once (keeping two
 * layers and their trees), so it costs about one more seal and no more memory.
 * @example proveSealing({ data, commitment, params, seed: laterBlockHash })
 */
export function proveSealing ({ data, commitment, params, seed, hasher = nobleHasher, labelling = labelLayers, ...counts }: { data: Uint8Array, commitment: SectorCommitment, params: SealParams, seed: Uint8Array, hasher?: ChunkHasher, labelling?: typeof labelLayers } & SpotCheckCounts): SealingProof {
  const want = spotCheckPositions({ commitment, params, seed, ...counts })
  const labels: LabelOpening[] = new Array(want.labels.length)
  const bp = new Uint32Array(params.baseParents)
  const ep = new Uint32Array(params.expanderParents)
  let prevLevels: Uint32Array[] | undefined
  let finalLevels: Uint32Array[] = []
  const open = (levels: Uint32Array[], i: number): OpenedLabel => ({ label: wordsToBytes(levels[0].subarray(i * 8, i * 8 + 8)), proof: labelTreeProof(levels, i) })
  const final = labelling(replicaId({ ...commitment, params }), params, (layer, cur) => {
    const levels = labelTreeLevels(cur)
    want.labels.forEach((w, k) => {
      if (w.layer !== layer) return
      let base: OpenedLabel[] = []
      if (w.node > 0) { baseParents(w.node, params.baseParents, bp); base = [...bp].map((p) => open(levels, p)) }
      let expander: OpenedLabel[] = []
      if (layer > 1) { expanderParents(w.node, params.sectorChunks, params.expanderParents, ep); expander = [...ep].map((p) => open(prevLevels!, p)) }
      labels[k] = { layer, node: w.node, ...open(levels, w.node), base, expander }
    })
    prevLevels = levels
    if (layer === params.layers) finalLevels = levels
  })
  const sealed = Uint8Array.from(data)
  for (let v = 0; v < params.sectorChunks; v++) xorKey(final, v * 8, sealed.subarray(v * CHUNK_SIZE, (v + 1) * CHUNK_SIZE))
  const sealedStore = SealedSector.fromSealed(sealed, params, hasher)
  const layout = fileLayout(data.length)
  const dataTree = SegmentTree.fromBytes(layout, data, hasher)
  const dataOpenings = want.data.map((v): DataOpening => {
    const { sealedChunk, proof: sealedProof } = sealedStore.chunk(v)
    const seg = Math.floor(v / 1024)
    return {
      node: v, ...open(finalLevels, v), sealedChunk, sealedProof,
      dataChunk: data.slice(v * CHUNK_SIZE, (v + 1) * CHUNK_SIZE),
      dataProof: chunkProof(layout, segmentBytes(data, seg), v, dataTree.proof(seg), hasher)
    }
  })
  return { labels, data: dataOpenings }
}

/** label(layer, v) from its parents' labels (bytes), as the verifier recomputes it. */
function labelFromParents (replica: Uint8Array, layer: number, v: number, parents: Uint8Array[]): Uint8Array {
  const msg = messageBuffer(10 + 8 * parents.length)
  bytesToWords(replica, msg, 0); msg[8] = layer; msg[9] = v
  let w = 10
  for (const p of parents) { bytesToWords(p, msg, w); w += 8 }
  const out = new Uint32Array(8)
  sha256Words(msg, w, out, 0)
  return wordsToBytes(out)
}

function checkOpened (o: OpenedLabel, root: Uint8Array, index: number, n: number): boolean {
  return o.proof.index === index && o.proof.leafCount === n && o.label instanceof Uint8Array && o.label.length === 32 && equalBytes(rootFromProof(o.label, o.proof, labelPair), root)
}

/**
 * Checks a sealing proof against a registered commitment; pure. `{ ok: false, reason }` names the
 * first failed opening.
 * @example verifySealingSpotChecks({ commitment, params, seed, proof }).ok
 */
export function verifySealingSpotChecks ({ commitment, params, seed, proof, hasher = nobleHasher, ...counts }: { commitment: SectorCommitment, params: SealParams, seed: Uint8Array, proof: SealingProof, hasher?: ChunkHasher } & SpotCheckCounts): { ok: true } | { ok: false, reason: string } {
  try {
    const n = params.sectorChunks
    if (commitment.layerRoots.length !== params.layers) return { ok: false, reason: 'commitment has the wrong number of layer roots' }
    const want = spotCheckPositions({ commitment, params, seed, ...counts })
    if (proof.labels.length !== want.labels.length || proof.data.length !== want.data.length) return { ok: false, reason: 'wrong number of openings' }
    const replica = replicaId({ ...commitment, params })
    const bp = new Uint32Array(params.baseParents)
    const ep = new Uint32Array(params.expanderParents)
    for (let k = 0; k < want.labels.length; k++) {
      const { layer, node } = want.labels[k]
      const o = proof.labels[k]
      const root = commitment.layerRoots[layer - 1]
      if (o.layer !== layer || o.node !== node || !checkOpened(o, root, node, n)) return { ok: false, reason: `label opening ${k} (layer ${layer}, node ${node}) does not match its layer root` }
      const nBase = node === 0 ? 0 : params.baseParents
      const nExp = layer > 1 ? params.expanderParents : 0
      if (o.base.length !== nBase || o.expander.length !== nExp) return { ok: false, reason: `label opening ${k} has the wrong parent count` }
      if (node > 0) baseParents(node, params.baseParents, bp)
      if (layer > 1) expanderParents(node, n, params.expanderParents, ep)
      for (let i = 0; i < nBase; i++) if (!checkOpened(o.base[i], root, bp[i], n)) return { ok: false, reason: `label opening ${k}: base parent ${i} does not match` }
      for (let i = 0; i < nExp; i++) if (!checkOpened(o.expander[i], commitment.layerRoots[layer - 2], ep[i], n)) return { ok: false, reason: `label opening ${k}: expander parent ${i} does not match` }
      // Node 0's base slots are zero labels (see label.ts).
      const parents = node === 0 ? Array.from({ length: params.baseParents }, () => new Uint8Array(32)) : o.base.map((p) => p.label)
      const expected = labelFromParents(replica, layer, node, [...parents, ...o.expander.map((p) => p.label)])
      if (!equalBytes(expected, o.label)) return { ok: false, reason: `label (layer ${layer}, node ${node}) is not the hash of its parents` }
    }
    for (let k = 0; k < want.data.length; k++) {
      const v = want.data[k]
      const o = proof.data[k]
      if (o.node !== v || !checkOpened(o, commitment.layerRoots[params.layers - 1], v, n)) return { ok: false, reason: `data opening ${k} (node ${v}): final label does not match` }
      if (o.sealedProof.index !== v || o.dataProof.index !== v) return { ok: false, reason: `data opening ${k}: proofs are for another position` }
      if (!verifyChunkProof(commitment.commR, o.sealedChunk, o.sealedProof, hasher)) return { ok: false, reason: `data opening ${k}: sealed chunk not under commR` }
      if (!verifyChunkProof(commitment.dataRoot, o.dataChunk, o.dataProof, hasher)) return { ok: false, reason: `data opening ${k}: data chunk not under dataRoot` }
      const unsealed = Uint8Array.from(o.sealedChunk)
      xorKey(bytesToWords(o.label), 0, unsealed)
      if (!equalBytes(unsealed, o.dataChunk)) return { ok: false, reason: `data opening ${k}: sealed chunk is not data ⊕ key(label)` }
    }
    return { ok: true }
  } catch (err) {
    // Malformed openings (wrong shapes, missing fields) are a failed proof, not a crash.
    if (err instanceof GlowmeshError || err instanceof TypeError) return { ok: false, reason: `malformed proof: ${(err as Error).message}` }
    throw err
  }
}
