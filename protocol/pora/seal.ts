/**
 * Sealing a sector for one node id, and the commitment a node registers for it.
 *   sealed = data ⊕ key(final-layer labels)     commR = 0G root of the sealed bytes
 * commR uses the 0G tree (keccak leaves) so a challenge answer is checked with
 * protocol/storage's `verifyChunkProof` and a node proves a chunk from one 256 KiB segment plus
 * the segment roots it keeps (`SegmentTree`), in milliseconds.
 */
import { type ChunkHasher, CHUNK_SIZE, SegmentTree, fileLayout, fileRoot, nobleHasher, segmentBytes, chunkProof, type MerkleProof } from '../storage/index.js'
import { checkSectorStart, labelLayers, replicaId, xorKey } from './label.js'
import { type SealParams } from './params.js'
import { labelTreeRoot } from './tree.js'
import { InvalidSealParamsError } from './errors.js'

/** What a node registers per sealed sector; everything a verifier needs besides the params. */
export interface SectorCommitment {
  /** The sealing node's 32-byte ed25519 public key. */
  nodeId: Uint8Array
  /** First flow chunk position of the sector (a multiple of `sectorChunks`). */
  sectorStart: number
  /** 0G root of the sector's unsealed data (the flow subtree at that position). */
  dataRoot: Uint8Array
  /** 0G root of the sealed sector: what challenge answers are checked against. */
  commR: Uint8Array
  /** Root of each layer's label tree, layer 1 first; opened by the registration spot checks. */
  layerRoots: Uint8Array[]
}

export interface SealInput {
  /** The sector's data: exactly `sectorChunks · 256` bytes (the flow's zero padding included). */
  data: Uint8Array
  nodeId: Uint8Array
  sectorStart: number
  params: SealParams
  /** keccak backend for the 0G roots (e.g. the WASM hasher); noble by default. */
  hasher?: ChunkHasher
  /** The labelling to run; `labelLayers` unless a test plays a cheating sealer. */
  labelling?: typeof labelLayers
}

function checkData (data: Uint8Array, params: SealParams): void {
  if (!(data instanceof Uint8Array) || data.length !== params.sectorChunks * CHUNK_SIZE) {
    throw new InvalidSealParamsError(`sector data must be ${params.sectorChunks * CHUNK_SIZE} bytes, got ${(data as Uint8Array)?.length}`)
  }
}

/**
 * Seals one sector for `nodeId`: returns the sealed bytes and the commitment to register.
 * @example const { sealed, commitment } = sealSector({ data, nodeId, sectorStart: 0, params: TEST_SEAL_PARAMS })
 */
export function sealSector ({ data, nodeId, sectorStart, params, hasher = nobleHasher, labelling = labelLayers }: SealInput): { sealed: Uint8Array, commitment: SectorCommitment } {
  checkSectorStart(sectorStart, params)
  checkData(data, params)
  const layerRoots: Uint8Array[] = []
  const final = labelling(replicaId({ nodeId, sectorStart, params }), params, (_l, cur) => { layerRoots.push(labelTreeRoot(cur)) })
  const sealed = Uint8Array.from(data)
  for (let v = 0; v < params.sectorChunks; v++) xorKey(final, v * 8, sealed.subarray(v * CHUNK_SIZE, (v + 1) * CHUNK_SIZE))
  return {
    sealed,
    commitment: { nodeId: Uint8Array.from(nodeId), sectorStart, dataRoot: fileRoot(data, hasher), commR: fileRoot(sealed, hasher), layerRoots }
  }
}

/**
 * Recovers the data from a sealed sector. It re-runs the labelling (the same cost as sealing):
 * the key is not stored anywhere, which is exactly what makes keeping it expensive to fake.
 * @example unsealSector({ sealed, nodeId, sectorStart: 0, params })
 */
export function unsealSector ({ sealed, nodeId, sectorStart, params }: { sealed: Uint8Array, nodeId: Uint8Array, sectorStart: number, params: SealParams }): Uint8Array {
  checkSectorStart(sectorStart, params)
  checkData(sealed, params)
  const final = labelLayers(replicaId({ nodeId, sectorStart, params }), params)
  const data = Uint8Array.from(sealed)
  for (let v = 0; v < params.sectorChunks; v++) xorKey(final, v * 8, data.subarray(v * CHUNK_SIZE, (v + 1) * CHUNK_SIZE))
  return data
}

/**
 * What an honest node keeps to answer fast: the sealed bytes and the tree over their segment
 * roots (32 B per 256 KiB). A chunk's proof then costs one segment read plus 1024 leaf hashes.
 * @example const store = SealedSector.fromSealed(sealed, params); store.chunk(17)
 */
export class SealedSector {
  private constructor (readonly sealed: Uint8Array, readonly tree: SegmentTree, private readonly hasher: ChunkHasher) {}

  /** Indexes a sealed sector (hashes it once). */
  static fromSealed (sealed: Uint8Array, params: SealParams, hasher: ChunkHasher = nobleHasher): SealedSector {
    checkData(sealed, params)
    return new SealedSector(sealed, SegmentTree.fromBytes(fileLayout(sealed.length), sealed, hasher), hasher)
  }

  /** commR. */
  get root (): Uint8Array { return this.tree.root }

  /** Sealed chunk `index` (0-based within the sector) and its proof against commR. */
  chunk (index: number): { sealedChunk: Uint8Array, proof: MerkleProof } {
    const layout = this.tree.layout
    const seg = Math.floor(index / 1024)
    const proof = chunkProof(layout, segmentBytes(this.sealed, seg), index, this.tree.proof(seg), this.hasher)
    return { sealedChunk: this.sealed.slice(index * CHUNK_SIZE, (index + 1) * CHUNK_SIZE), proof }
  }
}
