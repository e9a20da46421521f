/**
 * A tiny bounded byte writer/reader for PoRA messages: big-endian integers, fixed-size fields,
 * and a reader that throws MalformedPoraMessageError on truncation or trailing bytes, so every
 * decoder is strict by construction.
 */
import { MalformedPoraMessageError } from './errors.js'

/** Appends fields; `bytes()` returns the concatenation. */
export class Writer {
  private readonly parts: Uint8Array[] = []
  private size = 0
  /** Raw bytes. */
  raw (b: Uint8Array): this { this.parts.push(b); this.size += b.length; return this }
  /** Unsigned 8/16/32-bit integer. */
  u8 (x: number): this { return this.raw(new Uint8Array([x])) }
  u16 (x: number): this { const b = new Uint8Array(2); new DataView(b.buffer).setUint16(0, x); return this.raw(b) }
  u32 (x: number): this { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, x); return this.raw(b) }
  /** Unsigned integer up to 2^53 − 1 as 8 bytes. */
  u64 (x: number): this { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, BigInt(x)); return this.raw(b) }
  /** The message so far. */
  bytes (): Uint8Array {
    const out = new Uint8Array(this.size)
    let o = 0
    for (const p of this.parts) { out.set(p, o); o += p.length }
    return out
  }
}

/** Reads fields in order; throws MalformedPoraMessageError past the end. */
export class Reader {
  private at = 0
  private readonly view: DataView
  constructor (private readonly b: Uint8Array, private readonly what: string) {
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength)
  }

  private need (n: number): number {
    if (this.at + n > this.b.length) throw new MalformedPoraMessageError(`${this.what}: truncated at byte ${this.at} (needs ${n} more, has ${this.b.length - this.at})`)
    const at = this.at; this.at += n; return at
  }

  raw (n: number): Uint8Array { const at = this.need(n); return this.b.slice(at, at + n) }
  u8 (): number { return this.view.getUint8(this.need(1)) }
  u16 (): number { return this.view.getUint16(this.need(2)) }
  u32 (): number { return this.view.getUint32(this.need(4)) }
  u64 (): number {
    const x = this.view.getBigUint64(this.need(8))
    if (x > BigInt(Number.MAX_SAFE_INTEGER)) throw new MalformedPoraMessageError(`${this.what}: integer ${x} too large`)
    return Number(x)
  }

  /** Throws unless every byte was read. */
  end (): void {
    if (this.at !== this.b.length) throw new MalformedPoraMessageError(`${this.what}: ${this.b.length - this.at} trailing bytes`)
  }
}
