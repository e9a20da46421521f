/**
 * int8 matrices ↔ the kernels' packed layout: 4 int8 per u32 word, little-endian, each row padded
 * with zeros to a whole number of words (padding multiplies to 0 in a dot product).
 */

/** Words per packed row of `cols` int8. @example wordsFor(10) // 3 */
export const wordsFor = (cols: number): number => Math.ceil(cols / 4)

/**
 * Packs a rows×cols int8 matrix (row-major) into rows×wordsFor(cols) words (as bytes, ready to upload).
 * @example packRows(new Int8Array([1, -1, 2]), 1, 3) // Uint8Array [1, 255, 2, 0]
 */
export function packRows (m: Int8Array, rows: number, cols: number): Uint8Array {
  const stride = wordsFor(cols) * 4
  if (stride === cols) return new Uint8Array(m.buffer, m.byteOffset, rows * cols)
  const out = new Uint8Array(rows * stride)
  for (let r = 0; r < rows; r++) out.set(new Uint8Array(m.buffer, m.byteOffset + r * cols, cols), r * stride)
  return out
}

/**
 * Packs the transpose of a rows×cols int8 matrix: packed row j = column j (cols×wordsFor(rows) words).
 * @example packTransposed(new Int8Array([1, 2, 3, 4]), 2, 2) // rows [1, 3, 0, 0] and [2, 4, 0, 0]
 */
export function packTransposed (m: Int8Array, rows: number, cols: number): Uint8Array {
  const stride = wordsFor(rows) * 4
  const out = new Uint8Array(cols * stride)
  const src = new Uint8Array(m.buffer, m.byteOffset, rows * cols)
  for (let r = 0; r < rows; r++) {
    const base = r * cols
    for (let c = 0; c < cols; c++) out[c * stride + r] = src[base + c]
  }
  return out
}

/**
 * Unpacks rows×wordsFor(cols) packed words (as bytes) into a rows×cols Int8Array (a fresh buffer).
 * @example unpackRows(new Uint8Array([1, 255, 2, 0]), 1, 3) // Int8Array [1, -1, 2]
 */
export function unpackRows (packed: Uint8Array, rows: number, cols: number): Int8Array {
  const stride = wordsFor(cols) * 4
  const out = new Int8Array(rows * cols)
  const bytes = new Uint8Array(out.buffer)
  if (stride === cols) { bytes.set(packed.subarray(0, rows * cols)); return out }
  for (let r = 0; r < rows; r++) bytes.set(packed.subarray(r * stride, r * stride + cols), r * cols)
  return out
}
