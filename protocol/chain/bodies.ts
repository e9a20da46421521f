/**
 * Transaction bodies, one per ledger kind (the `body` field of protocol/chain/tx.ts). Pure: light
 * nodes, browsers and the edge build these transactions too. Each body is a small protobuf message
 * with exactly one valid encoding: fields in number order, zero values omitted, fixed-size byte
 * fields checked, nothing unknown; `decodeBody` re-encodes and compares, so a body (and therefore a
 * tx) has one hash. Malformed bodies throw `MalformedBodyError` (code MALFORMED_BODY).
 */
import { GlowmeshError, InvalidInputError } from '../errors.js'
import { ProtoReader, ProtoWriter } from './proto.js'
import { ProtobufDecodeError } from './errors.js'
import { equalBytes } from '../bytes.js'
import { COMPUTE_SCHEMAS, checkComputeSemantics, type ComputeTxBodies } from './compute.js'

/** A body that does not decode, is not canonical, or has out-of-range fields. */
export class MalformedBodyError extends GlowmeshError {
  override name = 'MalformedBodyError'
  constructor (message: string, options?: { cause?: unknown }) { super('MALFORMED_BODY', message, { ...options, exitCode: 2 }) }
}

/** Most sectors one `pora.commit` may carry (a 64 GiB pledge at 64 MiB sectors... capped for tx size). */
export const MAX_COMMIT_SECTORS = 256
/** Upper bound of a body's single bytes field (the tx limit, 1 MiB, bounds it anyway). */
const MAX_TX_BYTES_FOR_BODY = 1_048_576

/** Most KZG commitments one DA submission may carry (64 blobs ≈ 7.75 MiB of payload). */
export const MAX_DA_COMMITMENTS = 64
/** Longest CID (binary) a storage submission may carry. */
export const MAX_CID_BYTES = 64
/** Payload bytes per DA blob (DESIGN §3: 4096 × 31). */
export const DA_PAYLOAD_BYTES_PER_BLOB = 126_976

// ---- a tiny schema codec, shared with the state records (state-proof.ts) ----

/**
 * One field of a message schema. `u64` values are bigints; `num` values are safe integers; `big`
 * values are non-negative bigints of any size, as minimal big-endian bytes (token amounts).
 */
export interface FieldSpec {
  n: number
  name: string
  type: 'u64' | 'num' | 'big' | 'bytes' | 'string'
  /** Exact byte length (bytes fields; an absent optional field is simply empty). */
  len?: number
  /** Maximum byte length (bytes/string fields). */
  max?: number
  /** Repeated bytes field (values in order). */
  repeated?: boolean
  /** May be absent/empty even when `len` is set. */
  optional?: boolean
}

const U64_MAX = (1n << 64n) - 1n
const utf8 = new TextEncoder()
const utf8Strict = new TextDecoder('utf-8', { fatal: true })

function checkValue (spec: FieldSpec, v: unknown, fail: (m: string) => never): void {
  const what = spec.name
  if (spec.repeated) {
    if (!Array.isArray(v)) fail(`${what}: expected an array`)
    for (const x of v) checkValue({ ...spec, repeated: false, optional: false }, x, fail)
    return
  }
  switch (spec.type) {
    case 'u64':
      if (typeof v !== 'bigint' || v < 0n || v > U64_MAX) fail(`${what}: expected a uint64 bigint`)
      return
    case 'big':
      if (typeof v !== 'bigint' || v < 0n || v >= (1n << 256n)) fail(`${what}: expected a non-negative bigint below 2^256`)
      return
    case 'num':
      if (!Number.isSafeInteger(v) || (v as number) < 0) fail(`${what}: expected a non-negative safe integer`)
      return
    case 'string':
      if (typeof v !== 'string') fail(`${what}: expected a string`)
      if (spec.max !== undefined && utf8.encode(v).length > spec.max) fail(`${what}: longer than ${spec.max} bytes`)
      return
    case 'bytes':
      if (!(v instanceof Uint8Array)) fail(`${what}: expected a Uint8Array`)
      if (spec.len !== undefined && v.length !== spec.len && !(spec.optional && v.length === 0)) fail(`${what}: expected ${spec.len} bytes, got ${v.length}`)
      if (spec.max !== undefined && v.length > spec.max) fail(`${what}: longer than ${spec.max} bytes`)
  }
}

/**
 * Encodes an object by a schema (fields in `n` order, zeros omitted). Throws `errorClass` on bad values.
 * @example encodeFields([{ n: 1, name: 'amount', type: 'u64' }], { amount: 5n })
 */
export function encodeFields (schema: FieldSpec[], value: Record<string, unknown>, fail: (m: string) => never = failBody): Uint8Array {
  if (value === null || typeof value !== 'object') fail('expected an object')
  const w = new ProtoWriter()
  for (const spec of schema) {
    const v = value[spec.name]
    checkValue(spec, v, fail)
    if (spec.repeated) for (const x of v as Uint8Array[]) w.message(spec.n, x) // repeated: each present, even empty
    else if (spec.type === 'u64' || spec.type === 'num') w.uint64(spec.n, v as bigint | number)
    else if (spec.type === 'string') w.string(spec.n, v as string)
    else if (spec.type === 'big') w.bytes(spec.n, bigToBytes(v as bigint))
    else w.bytes(spec.n, v as Uint8Array)
  }
  return w.finish()
}

/**
 * Decodes bytes by a schema, strictly and canonically (re-encodes and compares).
 * @example decodeFields([{ n: 1, name: 'amount', type: 'u64' }], bytes) // { amount: 5n }
 */
export function decodeFields<T> (schema: FieldSpec[], bytes: Uint8Array, fail: (m: string) => never = failBody): T {
  if (!(bytes instanceof Uint8Array)) fail('expected a Uint8Array')
  const out: Record<string, unknown> = {}
  for (const s of schema) out[s.name] = s.repeated ? [] : s.type === 'u64' || s.type === 'big' ? 0n : s.type === 'num' ? 0 : s.type === 'string' ? '' : new Uint8Array()
  try {
    const r = new ProtoReader(bytes)
    let last = 0
    while (!r.done) {
      const { field, wire } = r.tag()
      const spec = schema.find((s) => s.n === field)
      if (spec === undefined) fail(`unknown field ${field}`)
      if (field < last || (field === last && spec.repeated !== true)) fail(`field ${field} out of order or repeated`)
      last = field
      const want = spec.type === 'u64' || spec.type === 'num' ? 0 : 2
      if (wire !== want) fail(`field ${field} has wire type ${wire}, expected ${want}`)
      if (spec.type === 'u64') out[spec.name] = r.uvarint()
      else if (spec.type === 'num') {
        const v = r.uvarint()
        if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`${spec.name}: beyond 2^53`)
        out[spec.name] = Number(v)
      } else if (spec.type === 'string') out[spec.name] = utf8Strict.decode(r.bytes())
      else if (spec.type === 'big') {
        const b = r.bytes()
        if (b.length > 32 || b[0] === 0) fail(`${spec.name}: not a minimal big-endian integer`)
        out[spec.name] = bytesToBig(b)
      }
      else if (spec.repeated) (out[spec.name] as Uint8Array[]).push(r.bytes().slice())
      else out[spec.name] = r.bytes().slice()
    }
  } catch (cause) {
    if (cause instanceof ProtobufDecodeError) fail(cause.message)
    if (cause instanceof TypeError) fail('string field is not valid UTF-8')
    throw cause
  }
  const again = encodeFields(schema, out, fail)
  if (!equalBytes(again, bytes)) fail('not canonically encoded')
  return out as T
}

/** Minimal big-endian bytes of a non-negative bigint (0 → empty). @example bigToBytes(256n) // [1, 0] */
export function bigToBytes (v: bigint): Uint8Array {
  const out: number[] = []
  while (v > 0n) { out.unshift(Number(v & 0xffn)); v >>= 8n }
  return Uint8Array.from(out)
}

/** Big-endian bytes to a bigint. @example bytesToBig(Uint8Array.of(1, 0)) // 256n */
export function bytesToBig (b: Uint8Array): bigint {
  let v = 0n
  for (const x of b) v = (v << 8n) | BigInt(x)
  return v
}

function failBody (message: string): never { throw new MalformedBodyError(message) }

// ---- the bodies ----

/** `transfer`: move `amount` to the 20-byte address `to`. */
export interface TransferBody { to: Uint8Array, amount: bigint }
/** `storage.submit`: put a file on chain before its bytes (DESIGN §2). `cid` may be empty until content addressing lands. */
export interface StorageSubmitBody { root: Uint8Array, cid: Uint8Array, size: number, durationEpochs: number }
/** `storage.renew`: extend a live file's expiry. */
export interface StorageRenewBody { root: Uint8Array, extraEpochs: number }
/** `da.submit`: a DA payload's byte length and its blobs' KZG commitments (48 B each). */
export interface DaSubmitBody { size: number, commitments: Uint8Array[] }
/** `registry.register`: the sender (node id = its public key) pledges bytes; `commR` optional until sealing commitments go on chain. */
export interface RegistryRegisterBody { pledgeBytes: number, commR: Uint8Array }
/** `registry.unregister`: no fields; the bond returns after the unbonding delay. */
export type RegistryUnregisterBody = Record<string, never>
/** `pora.receipt`: a challenger-signed receipt, exactly `encodeReceipt` from protocol/pora (202 bytes). */
export interface PoraReceiptBody { receipt: Uint8Array }
/**
 * `pora.commit`: the sender's (a registered node's) sealed sectors — protocol/pora
 * `encodeSectorCommitment` each, sorted by sectorStart — for the assignment computed from the
 * current `epoch` and `flowLength` (between the flow length at the epoch's start and now). Replaces
 * any earlier commitments; each sector must then be proven with `pora.prove`.
 */
export interface PoraCommitBody { epoch: number, flowLength: number, sectors: Uint8Array[] }
/** `pora.prove`: the registration spot check of one committed sector (protocol/pora `encodeSealingProof`). */
export interface PoraProveBody { sectorStart: number, proof: Uint8Array }
/** `validator.update` (devnet governance, authority only): set a validator's power; 0 removes it. */
export interface ValidatorUpdateBody { publicKey: Uint8Array, power: bigint }

/** Every kind the ledger executes, with its body type (the `compute.*` kinds: ./compute.ts). */
export interface TxBodies extends ComputeTxBodies {
  'transfer': TransferBody
  'storage.submit': StorageSubmitBody
  'storage.renew': StorageRenewBody
  'da.submit': DaSubmitBody
  'registry.register': RegistryRegisterBody
  'registry.unregister': RegistryUnregisterBody
  'pora.receipt': PoraReceiptBody
  'validator.update': ValidatorUpdateBody
  'pora.commit': PoraCommitBody
  'pora.prove': PoraProveBody
}
/** A kind the ledger executes. */
export type LedgerTxKind = keyof TxBodies

const SCHEMAS: { [K in LedgerTxKind]: FieldSpec[] } = {
  'transfer': [{ n: 1, name: 'to', type: 'bytes', len: 20 }, { n: 2, name: 'amount', type: 'big' }],
  'storage.submit': [
    { n: 1, name: 'root', type: 'bytes', len: 32 }, { n: 2, name: 'cid', type: 'bytes', max: MAX_CID_BYTES },
    { n: 3, name: 'size', type: 'num' }, { n: 4, name: 'durationEpochs', type: 'num' }
  ],
  'storage.renew': [{ n: 1, name: 'root', type: 'bytes', len: 32 }, { n: 2, name: 'extraEpochs', type: 'num' }],
  'da.submit': [{ n: 1, name: 'size', type: 'num' }, { n: 2, name: 'commitments', type: 'bytes', len: 48, repeated: true }],
  'registry.register': [{ n: 1, name: 'pledgeBytes', type: 'num' }, { n: 2, name: 'commR', type: 'bytes', len: 32, optional: true }],
  'registry.unregister': [],
  'pora.receipt': [{ n: 1, name: 'receipt', type: 'bytes', len: 202 }],
  'validator.update': [{ n: 1, name: 'publicKey', type: 'bytes', len: 32 }, { n: 2, name: 'power', type: 'u64' }],
  'pora.commit': [{ n: 1, name: 'epoch', type: 'num' }, { n: 2, name: 'flowLength', type: 'num' }, { n: 3, name: 'sectors', type: 'bytes', max: 2048, repeated: true }],
  'pora.prove': [{ n: 1, name: 'sectorStart', type: 'num' }, { n: 2, name: 'proof', type: 'bytes', max: MAX_TX_BYTES_FOR_BODY }],
  ...COMPUTE_SCHEMAS
}

/** The kinds the ledger executes, in a fixed order. */
export const LEDGER_TX_KINDS = Object.keys(SCHEMAS) as LedgerTxKind[]

/** True when the ledger knows `kind`. @example isLedgerKind('transfer') // true */
export function isLedgerKind (kind: string): kind is LedgerTxKind {
  return Object.prototype.hasOwnProperty.call(SCHEMAS, kind)
}

/** Semantic rules beyond the wire shape, checked on encode and decode alike (stateless). */
function checkSemantics (kind: LedgerTxKind, b: any): void {
  switch (kind) {
    case 'transfer': if (b.amount === 0n) failBody('transfer.amount must be positive'); break
    case 'storage.submit':
      if (b.root.length !== 32) failBody('storage.submit.root is required')
      if (b.size < 1) failBody('storage.submit.size must be positive (0G rejects empty files)')
      if (b.durationEpochs < 1) failBody('storage.submit.durationEpochs must be positive')
      break
    case 'storage.renew':
      if (b.root.length !== 32) failBody('storage.renew.root is required')
      if (b.extraEpochs < 1) failBody('storage.renew.extraEpochs must be positive')
      break
    case 'da.submit': {
      if (b.size < 1) failBody('da.submit.size must be positive')
      if (b.commitments.length > MAX_DA_COMMITMENTS) failBody(`da.submit: more than ${MAX_DA_COMMITMENTS} commitments`)
      const want = Math.ceil(b.size / DA_PAYLOAD_BYTES_PER_BLOB)
      if (b.commitments.length !== want) failBody(`da.submit: ${b.size} bytes need ${want} commitments, got ${b.commitments.length}`)
      // A compressed BLS12-381 G1 point always has the compression flag (top bit) set.
      for (const c of b.commitments) if ((c[0] & 0x80) === 0) failBody('da.submit: commitment is not a compressed G1 point')
      break
    }
    case 'registry.register': if (b.pledgeBytes < 1) failBody('registry.register.pledgeBytes must be positive'); break
    case 'pora.receipt': if (b.receipt.length !== 202) failBody('pora.receipt.receipt is required'); break
    case 'validator.update': if (b.publicKey.length !== 32) failBody('validator.update.publicKey is required'); break
    case 'pora.commit':
      if (b.sectors.length < 1 || b.sectors.length > MAX_COMMIT_SECTORS) failBody(`pora.commit: 1..${MAX_COMMIT_SECTORS} sectors`)
      if (b.flowLength < 1) failBody('pora.commit.flowLength must be positive')
      break
    case 'pora.prove': if (b.proof.length < 1) failBody('pora.prove.proof is required'); break
    default: if (kind.startsWith('compute.')) checkComputeSemantics(kind as keyof ComputeTxBodies, b, failBody)
  }
}

/**
 * Encodes a ledger tx body; throws MalformedBodyError for out-of-range fields.
 * @example const body = encodeBody('transfer', { to: fromHex(address, 20), amount: 1000n })
 */
export function encodeBody<K extends LedgerTxKind> (kind: K, body: TxBodies[K]): Uint8Array {
  if (!isLedgerKind(kind)) throw new InvalidInputError(`unknown tx kind '${String(kind)}'`)
  const normalised: any = kind === 'registry.register' ? { commR: new Uint8Array(), ...body } : kind === 'compute.job.result' ? { signature: new Uint8Array(), ...body } : body
  const bytes = encodeFields(SCHEMAS[kind], normalised)
  checkSemantics(kind, normalised)
  return bytes
}

/**
 * Decodes a ledger tx body strictly; throws MalformedBodyError (unknown kinds included).
 * @example const { to, amount } = decodeBody('transfer', tx.body)
 */
export function decodeBody<K extends LedgerTxKind> (kind: K, bytes: Uint8Array): TxBodies[K] {
  if (!isLedgerKind(kind)) throw new MalformedBodyError(`unknown tx kind '${String(kind)}'`)
  const b = decodeFields<TxBodies[K]>(SCHEMAS[kind], bytes, (m) => failBody(`${kind}: ${m}`))
  checkSemantics(kind, b)
  return b
}
