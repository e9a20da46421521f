/**
 * glowmesh transactions: ed25519-signed, one canonical protobuf encoding each, so a transaction
 * has exactly one hash (sha256 of its bytes, as CometBFT hashes txs). Wire format:
 *   1 chain_id string · 2 nonce uint64 · 3 fee uint64 · 4 kind string · 5 body bytes
 *   6 public_key bytes (32) · 7 signature bytes (64)
 * fields in this order, zero values omitted, nothing else. The signature covers
 * "glowmesh/tx/v1\0" ‖ fields 1–6; the domain prefix starts with a byte no tx or CometBFT vote
 * starts with, so a signature for one can never be replayed as the other.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import { ProtoReader, ProtoWriter } from './proto.js'
import { MalformedTxError, ProtobufDecodeError, TxTooLargeError } from './errors.js'
import { MAX_CHAIN_ID_LENGTH } from './header.js'
import { InvalidInputError } from '../errors.js'
import { concatBytes, equalBytes, toHex } from '../bytes.js'

/** Hard size limit of an encoded transaction: CometBFT's default mempool `max_tx_bytes` (1 MiB). */
export const MAX_TX_BYTES = 1_048_576
/** Domain separator prefixed to the signed bytes. */
export const TX_SIGN_DOMAIN = new TextEncoder().encode('glowmesh/tx/v1\0')
/** The transaction kinds the ledger executes today (bodies in ./bodies.ts); the format itself accepts any well-formed kind. */
export const TX_KINDS = ['transfer', 'storage.submit', 'storage.renew', 'da.submit', 'registry.register', 'registry.unregister', 'pora.receipt', 'validator.update'] as const
/** A kind: lowercase dotted words, at most 64 characters, e.g. 'storage.submit'. */
export type TxKind = typeof TX_KINDS[number] | (string & {})

const KIND_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/
const MAX_KIND_LENGTH = 64
const U64_MAX = (1n << 64n) - 1n
const utf8 = new TextEncoder()
const utf8Strict = new TextDecoder('utf-8', { fatal: true })

/** A transaction before signing. */
export interface UnsignedTx {
  chainId: string
  nonce: bigint
  fee: bigint
  kind: TxKind
  /** Kind-specific payload (itself a protobuf message defined by the ledger). */
  body: Uint8Array
}

/** A signed transaction: the signer's 32-byte ed25519 key and its 64-byte signature. */
export interface SignedTx extends UnsignedTx {
  publicKey: Uint8Array
  signature: Uint8Array
}

function fail (message: string): never { throw new MalformedTxError(message) }

function checkFields (tx: UnsignedTx & { publicKey: Uint8Array }): void {
  if (tx === null || typeof tx !== 'object') fail('tx: expected an object')
  if (typeof tx.chainId !== 'string' || tx.chainId.length === 0 || utf8.encode(tx.chainId).length > MAX_CHAIN_ID_LENGTH) {
    fail(`tx.chainId: expected 1–${MAX_CHAIN_ID_LENGTH} bytes`)
  }
  for (const f of ['nonce', 'fee'] as const) {
    if (typeof tx[f] !== 'bigint' || tx[f] < 0n || tx[f] > U64_MAX) fail(`tx.${f}: expected a uint64 bigint`)
  }
  if (typeof tx.kind !== 'string' || tx.kind.length > MAX_KIND_LENGTH || !KIND_PATTERN.test(tx.kind)) {
    fail(`tx.kind: expected lowercase dotted words of at most ${MAX_KIND_LENGTH} characters, got '${String(tx.kind).slice(0, 70)}'`)
  }
  if (!(tx.body instanceof Uint8Array)) fail('tx.body: expected a Uint8Array')
  if (!(tx.publicKey instanceof Uint8Array) || tx.publicKey.length !== 32) fail('tx.publicKey: expected 32 bytes')
}

function writeUnsigned (tx: UnsignedTx & { publicKey: Uint8Array }): ProtoWriter {
  return new ProtoWriter()
    .string(1, tx.chainId).uint64(2, tx.nonce).uint64(3, tx.fee).string(4, tx.kind).bytes(5, tx.body).bytes(6, tx.publicKey)
}

/**
 * The bytes the signer signs: domain ‖ fields 1–6.
 * @example ed25519.verify(tx.signature, txSignBytes(tx), tx.publicKey)
 */
export function txSignBytes (tx: UnsignedTx & { publicKey: Uint8Array }): Uint8Array {
  checkFields(tx)
  return concatBytes(TX_SIGN_DOMAIN, writeUnsigned(tx).finish())
}

/**
 * The canonical encoding; throws MalformedTxError for bad fields, TxTooLargeError past the limit.
 * @example const bytes = encodeTx(signTx(unsigned, secretKey))
 */
export function encodeTx (tx: SignedTx, options?: { maxBytes?: number }): Uint8Array {
  checkFields(tx)
  if (!(tx.signature instanceof Uint8Array) || tx.signature.length !== 64) fail('tx.signature: expected 64 bytes')
  const bytes = writeUnsigned(tx).bytes(7, tx.signature).finish()
  const maxBytes = options?.maxBytes ?? MAX_TX_BYTES
  if (bytes.length > maxBytes) throw new TxTooLargeError(bytes.length, maxBytes)
  return bytes
}

/**
 * Parses canonical transaction bytes. Anything else (truncated, reordered, duplicated or unknown
 * fields, non-minimal varints, explicit zero values, bad UTF-8) throws MalformedTxError; more than
 * `maxBytes` throws TxTooLargeError before any parsing. The signature is not checked: see verifyTx.
 * @example const tx = decodeTx(bytes); if (!verifyTx(tx)) reject()
 */
export function decodeTx (bytes: Uint8Array, options?: { maxBytes?: number }): SignedTx {
  if (!(bytes instanceof Uint8Array)) throw new InvalidInputError('decodeTx: expected a Uint8Array')
  const maxBytes = options?.maxBytes ?? MAX_TX_BYTES
  if (bytes.length > maxBytes) throw new TxTooLargeError(bytes.length, maxBytes)
  const tx: SignedTx = { chainId: '', nonce: 0n, fee: 0n, kind: '', body: new Uint8Array(), publicKey: new Uint8Array(), signature: new Uint8Array() }
  try {
    const r = new ProtoReader(bytes)
    let last = 0
    while (!r.done) {
      const { field, wire } = r.tag()
      if (field <= last) fail(`field ${field} out of order or repeated`)
      last = field
      const want = field === 2 || field === 3 ? 0 : 2
      if (field > 7) fail(`unknown field ${field}`)
      if (wire !== want) fail(`field ${field} has wire type ${wire}, expected ${want}`)
      switch (field) {
        case 1: tx.chainId = utf8Strict.decode(r.bytes()); break
        case 2: tx.nonce = r.uvarint(); break
        case 3: tx.fee = r.uvarint(); break
        case 4: tx.kind = utf8Strict.decode(r.bytes()); break
        case 5: tx.body = r.bytes().slice(); break
        case 6: tx.publicKey = r.bytes().slice(); break
        case 7: tx.signature = r.bytes().slice(); break
      }
    }
  } catch (cause) {
    if (cause instanceof MalformedTxError) throw cause
    if (cause instanceof ProtobufDecodeError) throw new MalformedTxError(`tx: ${cause.message}`, { cause })
    if (cause instanceof TypeError) throw new MalformedTxError('tx: string field is not valid UTF-8', { cause })
    throw cause
  }
  const again = encodeTx(tx, { maxBytes })
  if (!equalBytes(again, bytes)) fail('tx: not canonically encoded')
  return tx
}

/**
 * Signs a transaction with a 32-byte ed25519 secret key; the public key is derived from it.
 * @example const tx = signTx({ chainId: 'glowmesh-devnet', nonce: 0n, fee: 10n, kind: 'transfer', body }, secretKey)
 */
export function signTx (unsigned: UnsignedTx, secretKey: Uint8Array): SignedTx {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== 32) throw new InvalidInputError('signTx: expected a 32-byte ed25519 secret key')
  const publicKey = ed25519.getPublicKey(secretKey)
  const withKey = { chainId: unsigned.chainId, nonce: unsigned.nonce, fee: unsigned.fee, kind: unsigned.kind, body: unsigned.body, publicKey }
  return { ...withKey, signature: ed25519.sign(txSignBytes(withKey), secretKey) }
}

/**
 * True when the signature is valid for the transaction's fields and public key (ZIP-215 rules).
 * @example verifyTx(decodeTx(bytes)) // true
 */
export function verifyTx (tx: SignedTx): boolean {
  if (!(tx?.signature instanceof Uint8Array) || tx.signature.length !== 64) return false
  try {
    return ed25519.verify(tx.signature, txSignBytes(tx), tx.publicKey, { zip215: true })
  } catch {
    return false
  }
}

/**
 * sha256 of the encoded transaction, as CometBFT indexes it.
 * @example toHex(txHash(tx)) // '0x…' (64 hex digits)
 */
export function txHash (tx: SignedTx | Uint8Array): Uint8Array {
  return sha256(tx instanceof Uint8Array ? tx : encodeTx(tx))
}

/**
 * An account address: '0x' + hex of sha256(ed25519 public key)[0:20] (DESIGN §8, as CometBFT).
 * @example addressFromPublicKey(tx.publicKey) // '0x3f…' (40 hex digits)
 */
export function addressFromPublicKey (publicKey: Uint8Array): string {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) throw new InvalidInputError('addressFromPublicKey: expected a 32-byte ed25519 public key')
  return toHex(sha256(publicKey).slice(0, 20))
}
