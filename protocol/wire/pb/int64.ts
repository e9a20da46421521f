// Hand-written (not generated): the 64-bit varint writer the generated codecs call.
//
// protons-runtime 7.1.2 encodes some 64-bit values wrongly: its LongBits keeps the low word
// signed, so any value whose high word is 0 and low word ≥ 2^31 ([2^31, 2^32)) is written as a
// garbage byte; and negative int64 values ≤ −2^53 whose low 32 bits are zero are negated
// incorrectly (−2^63 even comes out positive). Both paths are sidestepped: values below 2^32 go
// through the (correct) 32-bit writer, the rest through the uint64 writer with both words set.
// An int64 on the wire is the uint64 varint of its two's complement, hence asUintN for int64.
import type { Writer } from 'protons-runtime'

const TWO_32 = 1n << 32n

/** Writes a uint64 (or, pre-wrapped with BigInt.asUintN(64, v), an int64) as a varint. @example writeUint64(w, 2n ** 31n) */
export function writeUint64 (w: Writer, value: bigint): void {
  const v = BigInt.asUintN(64, value)
  if (v < TWO_32) w.uint32(Number(v))
  else w.uint64(v)
}
