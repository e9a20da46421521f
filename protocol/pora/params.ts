/**
 * Sealing parameters. A sector is `sectorChunks` consecutive, aligned flow chunks; its seal is a
 * stacked depth-robust graph with one node per 256-byte chunk per layer (see README for why these
 * numbers: they come from bench/pora-seal.mjs and bench/pora-attack.mjs).
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { InvalidSealParamsError } from './errors.js'

export interface SealParams {
  /** Chunks per sector: a power of two in [16, 2^22]. */
  sectorChunks: number
  /** Stacked layers, 1..64; the last one keys the seal. */
  layers: number
  /** Same-layer parents per node, the previous node included (DRSample), 2..8. */
  baseParents: number
  /** Previous-layer parents per node from layer 2 on (random bipartite expander), 0..16. */
  expanderParents: number
}

/**
 * Production parameters: a 64 MiB sector, 32 layers, SDR's 6 + 8 parents. Measured (README): honest
 * JS seal 32 s per sector on one quiet core; an attacker at the native SHA-NI ceiling needs ≥ 2.2 s
 * to re-seal one challenged segment (even with unlimited cores), 4.3× the proposed 500 ms deadline.
 * @example sealSector({ data, nodeId, sectorStart: 0, params: DEFAULT_SEAL_PARAMS })
 */
export const DEFAULT_SEAL_PARAMS: Readonly<SealParams> = Object.freeze({ sectorChunks: 1 << 18, layers: 32, baseParents: 6, expanderParents: 8 })

/**
 * Small parameters for tests and demos (64 KiB sectors): same graph shape, no security claim.
 * @example sealSector({ data, nodeId, sectorStart: 0, params: TEST_SEAL_PARAMS })
 */
export const TEST_SEAL_PARAMS: Readonly<SealParams> = Object.freeze({ sectorChunks: 256, layers: 3, baseParents: 6, expanderParents: 8 })

/**
 * Throws InvalidSealParamsError unless `p` is a usable parameter set; returns it.
 * @example checkSealParams({ sectorChunks: 256, layers: 3, baseParents: 6, expanderParents: 8 })
 */
export function checkSealParams (p: SealParams): SealParams {
  if (p === null || typeof p !== 'object') throw new InvalidSealParamsError('seal params must be an object')
  const { sectorChunks: n, layers, baseParents, expanderParents } = p
  if (!Number.isInteger(n) || n < 16 || n > 1 << 22 || (n & (n - 1)) !== 0) throw new InvalidSealParamsError(`sectorChunks must be a power of two in [16, 2^22], got ${n}`)
  if (!Number.isInteger(layers) || layers < 1 || layers > 64) throw new InvalidSealParamsError(`layers must be in [1, 64], got ${layers}`)
  if (!Number.isInteger(baseParents) || baseParents < 2 || baseParents > 8) throw new InvalidSealParamsError(`baseParents must be in [2, 8], got ${baseParents}`)
  if (!Number.isInteger(expanderParents) || expanderParents < 0 || expanderParents > 16) throw new InvalidSealParamsError(`expanderParents must be in [0, 16], got ${expanderParents}`)
  return p
}

/**
 * 32-byte digest of a parameter set; it goes into every replica id, so labels made under one
 * parameter set never verify under another.
 * @example paramsDigest(DEFAULT_SEAL_PARAMS)
 */
export function paramsDigest (p: SealParams): Uint8Array {
  checkSealParams(p)
  const b = new Uint8Array(16)
  const v = new DataView(b.buffer)
  v.setUint32(0, p.sectorChunks); v.setUint32(4, p.layers); v.setUint32(8, p.baseParents); v.setUint32(12, p.expanderParents)
  return sha256(new Uint8Array([...new TextEncoder().encode('glowmesh/pora/params/v1'), ...b]))
}
