/**
 * The smallest protobuf (proto3) writer and reader that CometBFT's canonical formats need.
 * Writing is deterministic: fields in the order the caller writes them, scalar zero values and
 * empty bytes/strings omitted (as gogoproto does for proto3), embedded messages written only when
 * the caller says so (gogoproto's `nullable = false` fields are always present, even empty).
 */
import { ProtobufDecodeError } from './errors.js'
import { InvalidInputError } from '../errors.js'

const U64_MAX = (1n << 64n) - 1n
const I64_MIN = -(1n << 63n)
const I64_MAX = (1n << 63n) - 1n
const utf8 = new TextEncoder()

/** Wire types used here: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32. */
export type WireType = 0 | 1 | 2 | 5

/** Encodes an unsigned varint (LEB128, 1–10 bytes). @example encodeUvarint(300n) // Uint8Array [0xac, 0x02] */
export function encodeUvarint (value: bigint | number): Uint8Array {
  let v = BigInt(value)
  if (v < 0n || v > U64_MAX) throw new InvalidInputError(`varint out of uint64 range: ${v}`)
  const out: number[] = []
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80)
    v >>= 7n
  }
  out.push(Number(v))
  return Uint8Array.from(out)
}

/** Prefixes bytes with their length as an unsigned varint. @example lengthDelimited(new Uint8Array([7])) // [1, 7] */
export function lengthDelimited (bytes: Uint8Array): Uint8Array {
  const prefix = encodeUvarint(bytes.length)
  const out = new Uint8Array(prefix.length + bytes.length)
  out.set(prefix)
  out.set(bytes, prefix.length)
  return out
}

function checkInt64 (v: bigint, what: string): bigint {
  if (typeof v !== 'bigint') throw new InvalidInputError(`${what}: expected a bigint`)
  if (v < I64_MIN || v > I64_MAX) throw new InvalidInputError(`${what}: ${v} is out of int64 range`)
  return v
}

/**
 * Builds one protobuf message. Scalars equal to zero and empty bytes/strings are skipped.
 * @example new ProtoWriter().uint64(1, 11n).uint64(2, 0n).finish() // Uint8Array [0x08, 0x0b]
 */
export class ProtoWriter {
  private readonly parts: Uint8Array[] = []
  private size = 0

  private push (bytes: Uint8Array): void {
    this.parts.push(bytes)
    this.size += bytes.length
  }

  private tag (field: number, wire: WireType): void {
    this.push(encodeUvarint((field << 3) | wire))
  }

  /** uint64/uint32/enum as a varint; zero is omitted. */
  uint64 (field: number, value: bigint | number): this {
    const v = BigInt(value)
    if (v === 0n) return this
    this.tag(field, 0)
    this.push(encodeUvarint(v))
    return this
  }

  /** int64/int32 as a varint (negative values take 10 bytes, two's complement); zero is omitted. */
  int64 (field: number, value: bigint | number): this {
    const v = checkInt64(BigInt(value), `field ${field}`)
    if (v === 0n) return this
    this.tag(field, 0)
    this.push(encodeUvarint(BigInt.asUintN(64, v)))
    return this
  }

  /** sfixed64 as 8 little-endian bytes; zero is omitted. */
  sfixed64 (field: number, value: bigint): this {
    const v = checkInt64(value, `field ${field}`)
    if (v === 0n) return this
    this.tag(field, 1)
    const b = new Uint8Array(8)
    new DataView(b.buffer).setBigInt64(0, v, true)
    this.push(b)
    return this
  }

  /** bytes; empty is omitted. */
  bytes (field: number, value: Uint8Array): this {
    if (value.length === 0) return this
    return this.message(field, value)
  }

  /** string as UTF-8; empty is omitted. */
  string (field: number, value: string): this {
    if (value.length === 0) return this
    return this.message(field, utf8.encode(value))
  }

  /** An embedded message (or bytes), written even when empty: the caller decides presence. */
  message (field: number, encoded: Uint8Array): this {
    this.tag(field, 2)
    this.push(encodeUvarint(encoded.length))
    this.push(encoded)
    return this
  }

  /** The encoded message. */
  finish (): Uint8Array {
    const out = new Uint8Array(this.size)
    let off = 0
    for (const p of this.parts) { out.set(p, off); off += p.length }
    return out
  }
}

/**
 * Reads a protobuf message field by field; every malformed input throws ProtobufDecodeError.
 * @example const r = new ProtoReader(bytes); while (!r.done) { const { field, wire } = r.tag(); ... }
 */
export class ProtoReader {
  private pos = 0
  constructor (private readonly buf: Uint8Array) {}

  /** True once every byte has been read. */
  get done (): boolean { return this.pos >= this.buf.length }

  /** Reads a field tag; rejects field 0, field numbers beyond 2^29-1 and unknown wire types. */
  tag (): { field: number, wire: WireType } {
    const key = this.uvarint()
    const field = Number(key >> 3n)
    const wire = Number(key & 7n)
    if (field === 0 || key >> 3n > 0x1fffffffn) throw new ProtobufDecodeError(`invalid field number ${key >> 3n}`)
    if (wire !== 0 && wire !== 1 && wire !== 2 && wire !== 5) throw new ProtobufDecodeError(`unsupported wire type ${wire}`)
    return { field, wire }
  }

  /** Reads an unsigned varint as a bigint; rejects overlong (> 10 bytes) and > 64-bit values. */
  uvarint (): bigint {
    let result = 0n
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) throw new ProtobufDecodeError('truncated varint')
      const b = this.buf[this.pos++]
      if (i === 9 && b > 1) throw new ProtobufDecodeError('varint overflows 64 bits')
      result |= BigInt(b & 0x7f) << BigInt(7 * i)
      if ((b & 0x80) === 0) return result
    }
    throw new ProtobufDecodeError('varint longer than 10 bytes')
  }

  /** Reads a length-delimited field's bytes (a view into the input). */
  bytes (): Uint8Array {
    const len = this.uvarint()
    if (len > BigInt(this.buf.length - this.pos)) throw new ProtobufDecodeError(`truncated: field wants ${len} bytes, ${this.buf.length - this.pos} left`)
    const out = this.buf.subarray(this.pos, this.pos + Number(len))
    this.pos += Number(len)
    return out
  }

  /** Reads 8 little-endian bytes as a signed 64-bit integer. */
  sfixed64 (): bigint {
    if (this.pos + 8 > this.buf.length) throw new ProtobufDecodeError('truncated fixed64')
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getBigInt64(0, true)
    this.pos += 8
    return v
  }

  /** Skips a field's value of the given wire type. */
  skip (wire: WireType): void {
    if (wire === 0) this.uvarint()
    else if (wire === 2) this.bytes()
    else {
      const n = wire === 1 ? 8 : 4
      if (this.pos + n > this.buf.length) throw new ProtobufDecodeError('truncated fixed field')
      this.pos += n
    }
  }
}
