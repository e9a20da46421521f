/**
 * Timestamps as CometBFT carries them: `{ seconds, nanos }`, parsed from and printed to RFC 3339
 * by hand so that nanoseconds survive (a JS Date keeps milliseconds only).
 */
import { InvalidInputError } from '../errors.js'
import type { Timestamp } from './types.js'

const NS = 1_000_000_000n
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/

// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil).
function daysFromCivil (y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

function civilFromDays (z: number): [number, number, number] {
  z += 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1
  const m = mp + (mp < 10 ? 3 : -9)
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d]
}

function daysInMonth (y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28
  return [4, 6, 9, 11].includes(m) ? 30 : 31
}

/**
 * Parses an RFC 3339 time with up to 9 fractional digits into seconds + nanos.
 * @example parseRfc3339('2019-04-22T17:01:51.701356223Z') // { seconds: 1555952511n, nanos: 701356223 }
 */
export function parseRfc3339 (text: string): Timestamp {
  if (typeof text !== 'string') throw new InvalidInputError('time: expected an RFC 3339 string')
  const m = RFC3339.exec(text)
  if (m === null) throw new InvalidInputError(`time: not RFC 3339: '${text.slice(0, 40)}'`)
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number)
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) {
    throw new InvalidInputError(`time: field out of range in '${text}'`)
  }
  const nanos = m[7] === undefined ? 0 : Number(m[7].padEnd(9, '0'))
  let offset = 0
  if (m[9] !== undefined) {
    const oh = Number(m[10])
    const om = Number(m[11])
    if (oh > 23 || om > 59) throw new InvalidInputError(`time: bad offset in '${text}'`)
    offset = (m[9] === '+' ? 1 : -1) * (oh * 3600 + om * 60)
  }
  const seconds = BigInt(daysFromCivil(y, mo, d)) * 86400n + BigInt(h * 3600 + mi * 60 + s - offset)
  return { seconds, nanos }
}

/**
 * Prints a timestamp as RFC 3339 in UTC, trailing fractional zeros trimmed (Go's RFC3339Nano).
 * @example formatRfc3339({ seconds: 0n, nanos: 500_000_000 }) // '1970-01-01T00:00:00.5Z'
 */
export function formatRfc3339 (ts: Timestamp): string {
  checkTimestamp(ts)
  let days = ts.seconds / 86400n
  let rem = ts.seconds % 86400n
  if (rem < 0n) { rem += 86400n; days -= 1n }
  const [y, mo, d] = civilFromDays(Number(days))
  const r = Number(rem)
  const p2 = (n: number): string => String(n).padStart(2, '0')
  const frac = ts.nanos === 0 ? '' : '.' + String(ts.nanos).padStart(9, '0').replace(/0+$/, '')
  return `${String(y).padStart(4, '0')}-${p2(mo)}-${p2(d)}T${p2(Math.floor(r / 3600))}:${p2(Math.floor(r / 60) % 60)}:${p2(r % 60)}${frac}Z`
}

/** Throws InvalidInputError unless seconds is a bigint and nanos an integer in [0, 1e9). @example checkTimestamp({ seconds: 1n, nanos: 0 }) */
export function checkTimestamp (ts: Timestamp): Timestamp {
  if (ts === null || typeof ts !== 'object' || typeof ts.seconds !== 'bigint' || !Number.isInteger(ts.nanos) || ts.nanos < 0 || ts.nanos >= 1e9) {
    throw new InvalidInputError('time: expected { seconds: bigint, nanos: integer in [0, 1e9) }')
  }
  return ts
}

/** Nanoseconds since the Unix epoch. @example timestampToNanos({ seconds: 1n, nanos: 5 }) // 1000000005n */
export function timestampToNanos (ts: Timestamp): bigint {
  checkTimestamp(ts)
  return ts.seconds * NS + BigInt(ts.nanos)
}

/** The timestamp of a millisecond count such as `Date.now()`. @example timestampFromMs(1500) // { seconds: 1n, nanos: 500000000 } */
export function timestampFromMs (ms: number): Timestamp {
  if (!Number.isFinite(ms)) throw new InvalidInputError('time: milliseconds must be finite')
  const totalNs = BigInt(Math.floor(ms)) * 1_000_000n
  let seconds = totalNs / NS
  let nanos = totalNs % NS
  if (nanos < 0n) { nanos += NS; seconds -= 1n }
  return { seconds, nanos: Number(nanos) }
}

/** -1, 0 or 1 as a is before, equal to or after b. @example compareTimestamps(a, b) < 0 */
export function compareTimestamps (a: Timestamp, b: Timestamp): -1 | 0 | 1 {
  const x = timestampToNanos(a)
  const y = timestampToNanos(b)
  return x < y ? -1 : x > y ? 1 : 0
}

/** Go's zero `time.Time` (0001-01-01T00:00:00Z), the timestamp of absent commit signatures. */
export const ZERO_TIME: Timestamp = Object.freeze({ seconds: -62135596800n, nanos: 0 })
