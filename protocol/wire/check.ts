/**
 * Field checks for decoded (or about-to-be-encoded) messages. protons checks wire types and
 * repeated counts only; sizes, ranges and cross-field rules are checked here. Every check tolerates
 * values of the wrong JS type (a caller's object literal) and reports a path such as
 * `SampleResponse.columns[3].cells[0]`, always as MalformedMessageError.
 */
import { MalformedMessageError } from './errors.js'

/** Throws MalformedMessageError for `path`. @example fail('Tx.hash', 'expected 32 bytes') */
export function fail (path: string, problem: string): never {
  throw new MalformedMessageError(`${path}: ${problem}`)
}

/** UTF-8 byte length of `s` without encoding it (lone surrogates count as 3, like TextEncoder's U+FFFD). @example utf8Length('é') // 2 */
export function utf8Length (s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) { n += 4; i++ } else n += 3
  }
  return n
}

/** True for any Uint8Array (Buffer included). @example isBytes(new Uint8Array(1)) // true */
export function isBytes (v: unknown): v is Uint8Array {
  return v instanceof Uint8Array
}

/** Exactly `n` bytes. @example bytesExact(msg.root, 32, 'SegmentRequest.root') */
export function bytesExact (v: unknown, n: number, path: string): void {
  if (!isBytes(v)) fail(path, 'expected bytes')
  if (v.length !== n) fail(path, `expected ${n} bytes, got ${v.length}`)
}

/** Empty or exactly `n` bytes (CometBFT's optional hashes). @example bytesEmptyOr(header.dataHash, 32, 'Header.dataHash') */
export function bytesEmptyOr (v: unknown, n: number, path: string): void {
  if (!isBytes(v)) fail(path, 'expected bytes')
  if (v.length !== 0 && v.length !== n) fail(path, `expected 0 or ${n} bytes, got ${v.length}`)
}

/** Between `min` and `max` bytes. @example bytesRange(msg.tx, 1, MAX_TX_BYTES, 'TxRequest.tx') */
export function bytesRange (v: unknown, min: number, max: number, path: string): void {
  if (!isBytes(v)) fail(path, 'expected bytes')
  if (v.length < min || v.length > max) fail(path, `expected ${min}..${max} bytes, got ${v.length}`)
}

/** A string of at most `maxBytes` UTF-8 bytes. @example stringMax(msg.message, 1024, 'SampleResponse.message') */
export function stringMax (v: unknown, maxBytes: number, path: string): void {
  if (typeof v !== 'string') fail(path, 'expected a string')
  // cheap bound first: a UTF-16 unit is at most 3 UTF-8 bytes
  if (v.length * 3 > maxBytes && utf8Length(v) > maxBytes) fail(path, `longer than ${maxBytes} bytes`)
}

/** An array of `min..max` items; returns it typed. @example list<number>(msg.columns, 1, 128, 'SampleRequest.columns') */
export function list<T> (v: unknown, min: number, max: number, path: string): T[] {
  if (!Array.isArray(v)) fail(path, 'expected a list')
  if (v.length < min || v.length > max) fail(path, `expected ${min}..${max} items, got ${v.length}`)
  return v as T[]
}

/** A uint32 field held as a number. @example u32(msg.count, 1, 32, 'SyncRequest.count') */
export function u32 (v: unknown, min: number, max: number, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(path, 'expected an integer')
  if (v < min || v > max) fail(path, `expected ${min}..${max}, got ${v}`)
  return v
}

/** A 64-bit field held as a bigint. @example u64(msg.height, 1n, INT64_MAX, 'SampleRequest.height') */
export function u64 (v: unknown, min: bigint, max: bigint, path: string): bigint {
  if (typeof v !== 'bigint') fail(path, 'expected a bigint')
  if (v < min || v > max) fail(path, `expected ${min}..${max}, got ${v}`)
  return v
}

export const UINT32_MAX = 0xffff_ffff
export const INT32_MAX = 0x7fff_ffff
export const UINT64_MAX = (1n << 64n) - 1n
export const INT64_MAX = (1n << 63n) - 1n
export const INT64_MIN = -(1n << 63n)

/** A sub-message that must be set; returns it. @example present(lb.signedHeader, 'LightBlock.signedHeader') */
export function present<T> (v: T | undefined | null, path: string): T {
  if (v === undefined || v === null || typeof v !== 'object') fail(path, 'missing')
  return v
}

/** One of the allowed enum values (UNSPECIFIED is never allowed). @example oneOf(msg.status, STATUSES, 'TxResponse.status') */
export function oneOf<T extends string> (v: unknown, allowed: readonly T[], path: string): T {
  if (!allowed.includes(v as T)) fail(path, `unexpected value ${String(v)}`)
  return v as T
}

/** The string values of a protons enum (its merged namespace also holds a `codec` function), minus `unspecified`. @example enumValues<SyncStatus>(SyncStatus, 'SYNC_STATUS_UNSPECIFIED') // ['OK', 'NOT_FOUND', …] */
export function enumValues<E extends string> (e: Record<string, unknown>, unspecified: string): E[] {
  return Object.values(e).filter((v): v is E => typeof v === 'string' && v !== unspecified)
}
