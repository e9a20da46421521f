/**
 * The flow store's LevelDB schema. Keys are UTF-8 strings whose numeric parts are fixed-width hex,
 * so LevelDB's byte order is numeric order (a reverse seek from `e/<p>` finds the submission that
 * covers flow position p). Values are bytes: JSON for submissions, raw hashes for segments.
 *
 *   m/partSize                 flow part-file size (fixed when the store is created)
 *   e/<flowStart>              Submission (JSON)                    — one per on-chain submission
 *   r/<root>/<flowStart>       ''                                   — submissions of a root
 *   c/<cid>/<flowStart>        ''                                   — by-CID lookup
 *   x/<epoch>/<flowStart>      ''                                   — expiry index (pruneExpired)
 *   s/<flowStart>/<segment>    segment root (32 B) ‖ proof siblings — a received, verified segment
 *   q/<flowStart>              ''                                   — bytes waiting for compact()
 */
import { toHex } from '../../protocol/bytes.js'

/** Lifecycle of one submission's flow range. */
export type FileStatus = 'pending' | 'complete' | 'tombstoned' | 'pruned'

/** One storage submission as the store records it (and returns it: roots as 0x-hex, JSON-ready). */
export interface FileInfo {
  /** The 0G root, 0x-hex. */
  root: string
  /** The CID recorded with the submission ('' until the content-addressing layer provides one). */
  cid: string
  size: number
  /** First chunk (256 B) position of the file in the flow. */
  flowStart: number
  /** Flow chunks the submission occupies (the file's padded chunk count). */
  paddedChunks: number
  /** Segments holding file bytes (what an upload must deliver). */
  dataSegments: number
  /** Block height of the submission. */
  submittedAt: number
  /** Epoch after which the file may be pruned. */
  expiresAtEpoch: number
  status: FileStatus
  /** Data segments received and verified. */
  received: number
  /** File bytes held on disk for this submission. */
  storedBytes: number
  /** Why it was tombstoned. */
  reason?: string
  /** How its bytes were given back by compact() (tombstoned or pruned files only). */
  reclaimed?: 'punch-hole' | 'zero'
}

const hex16 = (n: number): string => n.toString(16).padStart(16, '0')
const hex8 = (n: number): string => n.toString(16).padStart(8, '0')
const rootKey = (root: Uint8Array): string => toHex(root).slice(2)

export const keys = {
  partSize: 'm/partSize',
  entry: (flowStart: number) => `e/${hex16(flowStart)}`,
  entryRange: { gte: 'e/', lt: 'e0' },
  flowStartOfEntryKey: (key: string) => parseInt(key.slice(2), 16),
  byRoot: (root: Uint8Array, flowStart: number) => `r/${rootKey(root)}/${hex16(flowStart)}`,
  byRootRange: (root: Uint8Array) => ({ gte: `r/${rootKey(root)}/`, lt: `r/${rootKey(root)}0` }),
  byCid: (cid: string, flowStart: number) => `c/${cid}/${hex16(flowStart)}`,
  byCidRange: (cid: string) => ({ gte: `c/${cid}/`, lt: `c/${cid}0` }),
  expiry: (epoch: number, flowStart: number) => `x/${hex16(epoch)}/${hex16(flowStart)}`,
  expiryUpTo: (epoch: number) => ({ gte: 'x/', lt: `x/${hex16(epoch + 1)}` }),
  segment: (flowStart: number, index: number) => `s/${hex16(flowStart)}/${hex8(index)}`,
  segmentRange: (flowStart: number) => ({ gte: `s/${hex16(flowStart)}/`, lt: `s/${hex16(flowStart)}0` }),
  segmentIndexOfKey: (key: string) => parseInt(key.slice(key.lastIndexOf('/') + 1), 16),
  reclaim: (flowStart: number) => `q/${hex16(flowStart)}`,
  reclaimRange: { gte: 'q/', lt: 'q0' },
  /** The flow start at the end of an index key (`…/<flowStart>`). */
  flowStartAtEnd: (key: string) => parseInt(key.slice(key.lastIndexOf('/') + 1), 16)
}

const enc = new TextEncoder()
const dec = new TextDecoder()

/** Serialises a submission record. @example db.put(keys.entry(info.flowStart), encodeInfo(info)) */
export function encodeInfo (info: FileInfo): Uint8Array { return enc.encode(JSON.stringify(info)) }
/** Parses a submission record. @example const info = decodeInfo(await db.get(keys.entry(0))) */
export function decodeInfo (bytes: Uint8Array): FileInfo { return JSON.parse(dec.decode(bytes)) as FileInfo }
