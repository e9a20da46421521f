/**
 * The public sealing graph (the same for every node id; only labels depend on the id).
 *  - Base parents, same layer: node v-1 (so a layer is one sequential chain) plus DRSample
 *    "bucket" parents: pick a scale 2^b uniformly among log2(v)+1 scales, then a distance in
 *    [2^b, 2^(b+1)). Edges at every scale are what make the graph depth-robust: after deleting
 *    (storing) a small fraction of nodes a long path survives, so checkpoints don't shorten a
 *    recomputation the way they shorten a hash chain.
 *  - Expander parents, previous layer: uniform over the whole layer (a random bipartite
 *    expander), so any final-layer node depends on almost every node of every earlier layer.
 * Randomness is a fixed 32-bit integer mix of (v, i): cheap, identical everywhere, and not a
 * secret — the graph is public as in SDR.
 */
function mix (x: number): number {
  // murmur3's fmix32: a bijective avalanche on 32 bits.
  x ^= x >>> 16; x = Math.imul(x, 0x85ebca6b); x ^= x >>> 13; x = Math.imul(x, 0xc2b2ae35); x ^= x >>> 16
  return x >>> 0
}

function rand (v: number, i: number, salt: number): number {
  return mix((Math.imul(v, 0x9e3779b1) ^ Math.imul(i + 1, 0x7feb352d) ^ salt) >>> 0)
}

/**
 * Writes node v's `count` same-layer parents into `out` (v ≥ 1); node 0 has none.
 * @example const p = new Uint32Array(6); baseParents(1000, 6, p)
 */
export function baseParents (v: number, count: number, out: Uint32Array): void {
  out[0] = v - 1
  const scales = 31 - Math.clz32(v) + 1 // log2(v) + 1 for v ≥ 1
  for (let i = 1; i < count; i++) {
    const b = rand(v, i, 0x5bd1e995) % scales
    const dist = (1 << b) + (rand(v, i, 0x27d4eb2f) & ((1 << b) - 1))
    out[i] = dist > v ? 0 : v - dist
  }
}

/**
 * Writes node v's `count` previous-layer parents (uniform in [0, n), n a power of two) into `out`.
 * @example const p = new Uint32Array(8); expanderParents(1000, 1 << 18, 8, p)
 */
export function expanderParents (v: number, n: number, count: number, out: Uint32Array): void {
  for (let i = 0; i < count; i++) out[i] = rand(v, i, 0x165667b1) & (n - 1)
}
