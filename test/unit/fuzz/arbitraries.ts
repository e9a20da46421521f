/**
 * The fuzzing suite's shared parts (not a test file): the budget and seed (GM_FUZZ_RUNS,
 * GM_FUZZ_SEED), `fuzz()` which replays every kept regression of a property and then runs it,
 * byte mutations of valid messages (flip, set, truncate, extend, insert, delete, duplicate, swap,
 * extreme varints and u32 lengths), and `typedOrOk()`, the "decodes or throws a documented typed
 * error" check. See README.md.
 */
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { GlowmeshError } from '../../../protocol/errors.js'

function envInt (name: string, fallback: number): number {
  const v = process.env[name]
  if (v === undefined || v === '') return fallback
  const n = Number(v)
  if (!Number.isSafeInteger(n)) throw new Error(`${name}=${v}: expected an integer`)
  return n
}

/** Cases per property at weight 1 (`GM_FUZZ_RUNS`; 25 in `npm test`, 20,000 in `npm run fuzz`). @example fc.assert(p, { numRuns: runs(0.5) }) */
export const RUNS = envInt('GM_FUZZ_RUNS', 25)
/** The run's base seed (`GM_FUZZ_SEED`; fixed in `npm test`, random and printed in `npm run fuzz`). @example SEED // 1735357303 */
export const SEED = envInt('GM_FUZZ_SEED', 0x676c6f77)
/** A case running longer than this is reported as a hang (a bound, not a performance figure). @example signal: AbortSignal.timeout(HANG_MS) */
export const HANG_MS = 20_000

/** Cases for a property of the given cost weight (expensive verifiers use < 1). @example runs(0.25) */
export function runs (weight = 1): number {
  return Math.max(2, Math.round(RUNS * weight))
}

/** A kept failing case: property id, fast-check seed and path, and what it broke. @example { id: 'http/rpc', seed: 1498003775, path: '364', property: 'no hang', note: '…' } */
export interface Regression { id: string, seed: number, path: string, property: string, note?: string }

/** Every kept regression (test/unit/fuzz/regressions.json). @example REGRESSIONS.filter((r) => r.id === 'wire/tx') */
export const REGRESSIONS: Regression[] = JSON.parse(readFileSync(new URL('./regressions.json', import.meta.url), 'utf8')).regressions

function hash32 (s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h | 0
}

/** Slowest case per property id, printed as `[bench]` lines by `printSlowest`. */
const slowest = new Map<string, { ms: number, runs: number }>()

/** Wraps a predicate so its slowest case is recorded and a case over HANG_MS fails as a hang. */
function timed<A extends unknown[]> (id: string, pred: (...a: A) => unknown): (...a: A) => unknown {
  return (...a: A) => {
    const t0 = performance.now()
    const finish = (): void => {
      const ms = performance.now() - t0
      const s = slowest.get(id) ?? { ms: 0, runs: 0 }
      s.runs++
      if (ms > s.ms) s.ms = ms
      slowest.set(id, s)
      if (ms > HANG_MS) throw new Error(`${id}: one case ran ${ms.toFixed(0)} ms (hang bound ${HANG_MS} ms)`)
    }
    const out = pred(...a)
    if (out instanceof Promise) return out.then((v) => { finish(); return v })
    finish()
    return out
  }
}

type Arbs<A extends unknown[]> = { [K in keyof A]: fc.Arbitrary<A[K]> }

/**
 * Runs one property: first every regression kept for `id` (its seed and path), then `runs(weight)`
 * fresh cases from a seed derived from SEED and `id`. A failure names the seed and path to keep.
 * @example await fuzz('wire/tx', [hostile(validTx)], (b) => typedOrOk(() => decodeTx(b), ['MalformedTxError']))
 */
export async function fuzz<A extends unknown[]> (id: string, arbs: Arbs<A>, pred: (...a: A) => void, weight = 1): Promise<void> {
  await runProperty(id, (fc.property as any)(...arbs, timed(id, pred)), weight)
}

/** `fuzz` for async predicates (each case also bounded by fast-check's timeout). @example await fuzzAsync('da/kzg', [arb], async (x) => { … }) */
export async function fuzzAsync<A extends unknown[]> (id: string, arbs: Arbs<A>, pred: (...a: A) => Promise<void>, weight = 1): Promise<void> {
  await runProperty(id, (fc.asyncProperty as any)(...arbs, timed(id, pred)), weight, HANG_MS)
}

async function runProperty (id: string, property: fc.IRawProperty<any>, weight: number, timeout?: number): Promise<void> {
  for (const r of REGRESSIONS.filter((x) => x.id === id)) await report(id, await fc.check(property, { seed: r.seed, path: r.path, numRuns: 1, endOnFailure: true, timeout }), `regression (${r.property})`)
  const seed = (SEED ^ hash32(id)) | 0
  await report(id, await fc.check(property, { seed, numRuns: runs(weight), endOnFailure: true, timeout }), 'fresh cases')
}

async function report (id: string, d: fc.RunDetails<any>, what: string): Promise<void> {
  if (!d.failed) return
  const keep = JSON.stringify({ id, seed: d.seed, path: d.counterexamplePath, property: '…', note: '…' })
  const example = fc.stringify(d.counterexample).slice(0, 600)
  const cause = d.errorInstance as Error | undefined
  throw new Error(`[fuzz] ${id} failed on ${what} (GM_FUZZ_SEED=${SEED}); to keep it add to regressions.json: ${keep}\ncounterexample: ${example}\n${cause?.stack ?? String(cause)}`, { cause })
}

/** Prints each property's slowest case as a `[bench]` line. @example afterAll(printSlowest) */
export function printSlowest (): void {
  for (const [id, s] of slowest) console.log(`[bench] fuzz ${id}: ${s.runs} cases, slowest ${s.ms.toFixed(1)} ms`)
  slowest.clear()
}

/**
 * Calls `fn`; a thrown error passes only when it is a GlowmeshError whose `name` is in `names`
 * (anything else — RangeError, TypeError, an untyped Error, another typed error — fails the case).
 * @example typedOrOk(() => decodeTx(bytes), ['MalformedTxError', 'TxTooLargeError'])
 */
export function typedOrOk<T> (fn: () => T, names: readonly string[]): T | undefined {
  try {
    return fn()
  } catch (err) {
    expectTyped(err, names)
    return undefined
  }
}

/** Async `typedOrOk`. @example await typedOrOkAsync(() => verifyColumn(args, opts), ['MalformedCellError']) */
export async function typedOrOkAsync<T> (fn: () => Promise<T>, names: readonly string[]): Promise<T | undefined> {
  try {
    return await fn()
  } catch (err) {
    expectTyped(err, names)
    return undefined
  }
}

/** Throws unless `err` is a GlowmeshError named one of `names`. @example expectTyped(err, ['InvalidTraceError']) */
export function expectTyped (err: unknown, names: readonly string[]): void {
  const e = err as Error
  if (!(err instanceof GlowmeshError) || !names.includes(e.name)) {
    throw new Error(`expected a typed error (${names.join(' | ')}), got ${e?.name ?? typeof err}: ${String(e?.message ?? err).slice(0, 300)}`, { cause: err })
  }
  if (typeof (err as GlowmeshError).code !== 'string' || (err as GlowmeshError).code === '') throw new Error(`${e.name} has no code`)
}

/** Throws unless `fn` throws a GlowmeshError named one of `names`. @example throwsTyped(() => decodeModel(huge), ['InvalidModelError']) */
export function throwsTyped (fn: () => unknown, names: readonly string[]): GlowmeshError {
  try { fn() } catch (err) { expectTyped(err, names); return err as GlowmeshError }
  throw new Error(`expected ${names.join(' | ')}, but it returned`)
}

/** Extreme values a length or count field may be set to. */
const EXTREME_U32 = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff]
/** Extreme protobuf varints: 0, 2^31, 2^32−1, 2^53, 2^63, 2^64−1, an 11-byte overlong one. */
const EXTREME_VARINTS = [
  [0x00], [0x80, 0x80, 0x80, 0x80, 0x08], [0xff, 0xff, 0xff, 0xff, 0x0f], [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10],
  [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], [0x80, 0x00]
].map((v) => Uint8Array.from(v))

interface Op { op: number, at: number, to: number, len: number, bit: number, value: number, junk: Uint8Array }
const op: fc.Arbitrary<Op> = fc.record({
  op: fc.nat({ max: 10 }),
  at: fc.nat(),
  to: fc.nat(),
  len: fc.integer({ min: 1, max: 64 }),
  bit: fc.nat({ max: 7 }),
  value: fc.nat({ max: 255 }),
  junk: fc.uint8Array({ minLength: 1, maxLength: 24 })
})

const cat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) { out.set(p, o); o += p.length }
  return out
}

/** Applies one mutation; indices wrap around the input's length. @example applyOp(bytes, { op: 0, at: 3, bit: 1, … }) */
function applyOp (b: Uint8Array, m: Op): Uint8Array {
  const n = b.length
  const i = n === 0 ? 0 : m.at % n
  const j = n === 0 ? 0 : m.to % n
  switch (m.op) {
    case 0: { if (n === 0) return m.junk; const c = b.slice(); c[i] ^= 1 << m.bit; return c } // flip a bit
    case 1: { if (n === 0) return m.junk; const c = b.slice(); c[i] = m.value; return c } // set a byte
    case 2: return b.subarray(0, i) // truncate
    case 3: return cat(b, m.junk) // extend
    case 4: return cat(b.subarray(0, i), m.junk, b.subarray(i)) // insert junk
    case 5: return cat(b.subarray(0, i), b.subarray(Math.min(n, i + m.len))) // delete a range
    case 6: return cat(b.subarray(0, j), b.subarray(i, Math.min(n, i + m.len)), b.subarray(j)) // duplicate a range (splice a field elsewhere)
    case 7: { // swap two ranges
      const [x, y] = i < j ? [i, j] : [j, i]
      const len = Math.min(m.len, y - x)
      if (len === 0) return b
      const c = b.slice()
      c.set(b.subarray(y, Math.min(n, y + len)), x)
      c.set(b.subarray(x, x + Math.min(len, n - y)), y)
      return c
    }
    case 8: return cat(b.subarray(0, i), EXTREME_VARINTS[m.value % EXTREME_VARINTS.length], b.subarray(Math.min(n, i + 1 + (m.len % 4)))) // replace a length/varint
    case 9: { // overwrite 4 bytes with an extreme u32 (either byte order): fixed-width lengths and counts
      if (n < 4) return m.junk
      const c = b.slice()
      const v = EXTREME_U32[m.value % EXTREME_U32.length]
      new DataView(c.buffer).setUint32(Math.min(i, n - 4), v, m.bit % 2 === 0)
      return c
    }
    default: { if (n === 0) return m.junk; const c = b.slice(); c[i] = m.bit % 2 === 0 ? 0xff : 0x00; return c } // saturate a byte
  }
}

/** 1–3 mutations of a valid encoding. @example mutated(fc.constant(encodeTx(tx))) */
export function mutated (valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc.tuple(valid, fc.array(op, { minLength: 1, maxLength: 3 })).map(([b, ops]) => ops.reduce(applyOp, b))
}

/** Mostly mutated valid encodings, some random bytes, some valid ones unchanged. @example hostile(fc.constantFrom(...samples)) */
export function hostile (valid: fc.Arbitrary<Uint8Array>, maxRandom = 512): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { arbitrary: mutated(valid), weight: 6 },
    { arbitrary: fc.uint8Array({ maxLength: maxRandom }), weight: 2 },
    { arbitrary: valid, weight: 1 }
  )
}

/** Text mutations for JSON and URL parsers: the string's UTF-8 bytes mutated, decoded leniently. @example hostileText(fc.constant(json)) */
export function hostileText (valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const enc = new TextEncoder(); const dec = new TextDecoder()
  // a tuple and a pick, not fc.oneof: oneof over long constant strings costs ~80 ms a sample here
  return fc.tuple(fc.nat({ max: 7 }), valid, fc.array(op, { minLength: 1, maxLength: 3 }), fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }))
    .map(([pick, v, ops, text, binary]) => pick < 5 ? dec.decode(ops.reduce(applyOp, enc.encode(v))) : pick === 5 ? text : pick === 6 ? binary : v)
}

/** JSON mutations: replace one value anywhere in a parsed document (wrong types, huge strings, nesting). @example mutatedJson(fc.constant(doc)) */
export function mutatedJson (valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const weird = fc.oneof(
    fc.constant(null), fc.constant(undefined), fc.boolean(), fc.integer(), fc.double(), fc.constant(-0), fc.constant(1e308),
    fc.constant(Number.MAX_SAFE_INTEGER + 2), fc.string({ maxLength: 30 }), fc.constant('x'.repeat(100_000)), fc.constant('0x'),
    fc.constant([]), fc.constant({}), fc.array(fc.integer(), { maxLength: 5 }), fc.constant({ __proto__: { polluted: 1 } }),
    fc.constant('9'.repeat(400)), fc.constant('\u0000'), fc.constant('AAAA=')
  )
  return fc.tuple(valid, fc.nat(), weird, fc.boolean()).map(([doc, pick, value, drop]) => {
    const copy = JSON.parse(JSON.stringify(doc))
    const slots: Array<[any, string]> = []
    const walk = (o: any): void => {
      if (o === null || typeof o !== 'object') return
      for (const k of Object.keys(o)) { slots.push([o, k]); walk(o[k]) }
    }
    walk(copy)
    if (slots.length === 0) return value
    const [parent, key] = slots[pick % slots.length]
    if (drop) delete parent[key]
    else parent[key] = value
    return copy
  })
}
