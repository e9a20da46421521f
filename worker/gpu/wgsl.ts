/**
 * The WGSL kernels (integer only, bit-exact with protocol/compute's CPU reference). int8 values are
 * packed 4 per u32 (little-endian, byte j of word w = element 4w + j; rows padded with zeros to a
 * whole word), int32 accumulators are plain `array<i32>`.
 *
 * - `matmulSource(dot)`: acc[r][c] = bias[c] + Σ_i X[r][i]·W[c][i] ("X·Wᵀ", both operands packed row-major).
 *   64×64 output tiles per workgroup (16×16 threads, 4×4 outputs each), 8 words (32 int8) of the
 *   shared dimension staged in workgroup memory per step. `dot` picks the 4×int8 dot product:
 *   'packed' = dot4I8Packed (language feature packed_4x8_integer_dot_product), 'extract' =
 *   extractBits sign extension; both are exact, so both give identical accumulators.
 * - `REQUANT_SOURCE`: out = clamp(requant(acc, M, s), lo, 127) with the spec's 32-bit split formula,
 *   packed back 4 per u32 (so it is directly the next layer's X).
 * - `ARGMAX_SOURCE`: per row, the index of the largest acc (ties → lowest index).
 */

/** How a kernel multiplies 4 packed int8 pairs. */
export type DotPath = 'packed' | 'extract'

/** Output tile edge (rows and columns) of one matmul workgroup. */
export const MATMUL_TILE = 64
/** Threads per requant / argmax workgroup (x). */
export const ELEMENTWISE_WG = 64

const DOT: Record<DotPath, string> = {
  packed: 'fn dot4(a: u32, b: u32) -> i32 { return dot4I8Packed(a, b); }',
  extract: `fn dot4(a: u32, b: u32) -> i32 {
  let x = bitcast<i32>(a);
  let y = bitcast<i32>(b);
  return extractBits(x, 0u, 8u) * extractBits(y, 0u, 8u) + extractBits(x, 8u, 8u) * extractBits(y, 8u, 8u)
       + extractBits(x, 16u, 8u) * extractBits(y, 16u, 8u) + extractBits(x, 24u, 8u) * extractBits(y, 24u, 8u);
}`
}

/**
 * The tiled int8 matmul kernel's source for a dot path.
 * @example device.createShaderModule({ code: matmulSource('extract') })
 */
export function matmulSource (dot: DotPath): string {
  return `${dot === 'packed' ? 'requires packed_4x8_integer_dot_product;\n' : ''}
struct Dims { rows: u32, cols: u32, words: u32, hasBias: u32 }
@group(0) @binding(0) var<storage, read> X: array<u32>;        // rows × words (packed int8)
@group(0) @binding(1) var<storage, read> W: array<u32>;        // cols × words (packed int8)
@group(0) @binding(2) var<storage, read> bias: array<i32>;     // cols (ignored when hasBias = 0)
@group(0) @binding(3) var<storage, read_write> acc: array<i32>; // rows × cols
@group(0) @binding(4) var<uniform> dims: Dims;

const TILE: u32 = ${MATMUL_TILE}u;
const TK: u32 = 8u;                 // words of the shared dimension per step
const STAGE: u32 = TILE * TK;       // words staged per operand per step
var<workgroup> xs: array<u32, STAGE>;
var<workgroup> ws: array<u32, STAGE>;

${DOT[dot]}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32) {
  let row0 = wg.y * TILE;
  let col0 = wg.x * TILE;
  var sum: array<i32, 16>;
  for (var t = 0u; t < dims.words; t += TK) {
    for (var e = li; e < STAGE; e += 256u) {
      let r = e / TK;
      let w = t + e % TK;
      var xv = 0u;
      var wv = 0u;
      if (w < dims.words) {
        if (row0 + r < dims.rows) { xv = X[(row0 + r) * dims.words + w]; }
        if (col0 + r < dims.cols) { wv = W[(col0 + r) * dims.words + w]; }
      }
      xs[e] = xv;
      ws[e] = wv;
    }
    workgroupBarrier();
    for (var k = 0u; k < TK; k++) {
      var xr: array<u32, 4>;
      var wr: array<u32, 4>;
      for (var a = 0u; a < 4u; a++) {
        xr[a] = xs[(lid.y * 4u + a) * TK + k];
        wr[a] = ws[(lid.x * 4u + a) * TK + k];
      }
      for (var a = 0u; a < 4u; a++) {
        for (var b = 0u; b < 4u; b++) {
          sum[a * 4u + b] += dot4(xr[a], wr[b]);
        }
      }
    }
    workgroupBarrier();
  }
  for (var a = 0u; a < 4u; a++) {
    let r = row0 + lid.y * 4u + a;
    if (r >= dims.rows) { continue; }
    for (var b = 0u; b < 4u; b++) {
      let c = col0 + lid.x * 4u + b;
      if (c >= dims.cols) { continue; }
      var v = sum[a * 4u + b];
      if (dims.hasBias != 0u) { v += bias[c]; }
      acc[r * dims.cols + c] = v;
    }
  }
}
`
}

/** The requantize + clamp + pack kernel (one thread per output word). @example device.createShaderModule({ code: REQUANT_SOURCE }) */
export const REQUANT_SOURCE = `
struct Q { rows: u32, cols: u32, outWords: u32, m: u32, s: u32, lo: i32, pad0: u32, pad1: u32 }
@group(0) @binding(0) var<storage, read> acc: array<i32>;       // rows × cols
@group(0) @binding(1) var<storage, read_write> out: array<u32>; // rows × outWords (packed int8)
@group(0) @binding(2) var<uniform> q: Q;

// floor((acc·M + 2^(s-1)) / 2^s) in 32-bit ops only (17 ≤ s ≤ 40, 1 ≤ M < 2^15): the spec's formula.
fn requant(v: i32, m: u32, s: u32) -> i32 {
  let aHi = v >> 16u;                      // arithmetic
  let aLo = bitcast<u32>(v) & 0xFFFFu;
  let A = aHi * i32(m);                    // |A| < 2^30
  let B = aLo * m;                         // < 2^31
  return (A + i32(B >> 16u) + (1i << (s - 17u))) >> (s - 16u);
}

@compute @workgroup_size(${ELEMENTWISE_WG})
fn main(@builtin(global_invocation_id) g: vec3u) {
  let w = g.x;
  let r = g.y;
  if (w >= q.outWords || r >= q.rows) { return; }
  var word = 0u;
  for (var j = 0u; j < 4u; j++) {
    let c = w * 4u + j;
    if (c < q.cols) {
      let y = clamp(requant(acc[r * q.cols + c], q.m, q.s), q.lo, 127i);
      word |= (bitcast<u32>(y) & 0xFFu) << (8u * j);
    }
  }
  out[r * q.outWords + w] = word;
}
`

/** The argmax kernel (one thread per row; strict > keeps the lowest index on ties). @example device.createShaderModule({ code: ARGMAX_SOURCE }) */
export const ARGMAX_SOURCE = `
struct D { rows: u32, cols: u32 }
@group(0) @binding(0) var<storage, read> acc: array<i32>;
@group(0) @binding(1) var<storage, read_write> pred: array<u32>;
@group(0) @binding(2) var<uniform> d: D;

@compute @workgroup_size(${ELEMENTWISE_WG})
fn main(@builtin(global_invocation_id) g: vec3u) {
  let r = g.x;
  if (r >= d.rows) { return; }
  var best = acc[r * d.cols];
  var at = 0u;
  for (var c = 1u; c < d.cols; c++) {
    let v = acc[r * d.cols + c];
    if (v > best) { best = v; at = c; }
  }
  pred[r] = at;
}
`
