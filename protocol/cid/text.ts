/**
 * CIDs as text and as the bytes a `storage.submit` records. The chain keeps the CID's binary form
 * (36 bytes for ours: version, codec, sha2-256 multihash); JSON, URLs and the CLI use the canonical
 * text form, CIDv1 in base32 (`bafy…`, `bafk…`). Older submissions that stored the text itself as
 * UTF-8 are read too.
 */
import { CID } from 'multiformats/cid'
import { base32 } from 'multiformats/bases/base32'
import { base36 } from 'multiformats/bases/base36'
import { base58btc } from 'multiformats/bases/base58'
import { InvalidCidError } from './errors.js'
import { DAG_PB_CODE, RAW_CODE, SHA2_256_CODE } from './unixfs.js'

/** Longest CID text accepted (a sha2-512 CIDv1 in base32 is 113 characters). */
export const MAX_CID_TEXT = 200

const decoders = base32.decoder.or(base58btc.decoder).or(base36.decoder)

/**
 * Parses CID text (base32, base58btc, base36; CIDv0 `Qm…` too); throws InvalidCidError.
 * @example parseCid('bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku')
 */
export function parseCid (text: string): CID {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_CID_TEXT || !/^[A-Za-z0-9]+$/.test(text)) {
    throw new InvalidCidError(`malformed CID '${String(text).slice(0, 80)}'`)
  }
  try {
    return text.startsWith('Qm') ? CID.parse(text) : CID.parse(text, decoders)
  } catch (err) {
    throw new InvalidCidError(`malformed CID '${text.slice(0, 80)}': ${(err as Error).message}`, { cause: err })
  }
}

/**
 * The canonical text of a CID: CIDv1, base32 (what `@helia/unixfs` prints and the store indexes).
 * @example canonicalCid(parseCid('QmPZ9gcCEpqKTo6aq61g2nXGUhM4iCL3ewB6LDXZCtioEB')) // 'bafybei…'
 */
export function canonicalCid (cid: CID | string): string {
  const c = typeof cid === 'string' ? parseCid(cid) : cid
  return c.toV1().toString(base32)
}

/**
 * True when `cid` is the kind a glowmesh file has: CIDv1, raw or dag-pb, sha2-256.
 * @example isFileCid(fileCid(bytes)) // true
 */
export function isFileCid (cid: CID): boolean {
  return cid.version === 1 && (cid.code === RAW_CODE || cid.code === DAG_PB_CODE) && cid.multihash.code === SHA2_256_CODE && cid.multihash.size === 32
}

/**
 * The bytes a `storage.submit` records for a CID (its binary form).
 * @example wallet.send('storage.submit', { root, cid: cidToSubmission(cid), size, durationEpochs })
 */
export function cidToSubmission (cid: CID | string): Uint8Array {
  return (typeof cid === 'string' ? parseCid(cid) : cid).toV1().bytes
}

/**
 * The CID a submission recorded: undefined for none (empty bytes); InvalidCidError when the bytes
 * are neither a binary CID nor the UTF-8 text of one.
 * @example cidFromSubmission(record.cid)?.toString()
 */
export function cidFromSubmission (bytes: Uint8Array): CID | undefined {
  if (!(bytes instanceof Uint8Array)) throw new InvalidCidError('submission CID must be bytes')
  if (bytes.length === 0) return undefined
  try {
    const cid = CID.decode(bytes)
    if (cid.version === 1) return cid
  } catch {}
  let text: string
  try { text = new TextDecoder('utf-8', { fatal: true }).decode(bytes) } catch {
    throw new InvalidCidError(`submission CID bytes are not a CID (${bytes.length} bytes)`)
  }
  return parseCid(text)
}
