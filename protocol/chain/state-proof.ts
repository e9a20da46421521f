/**
 * The ledger state as a light node sees it: state keys, the encodings of the entries it may ask
 * for (accounts, files, light nodes), and proofs. The state is Ethereum's Merkle Patricia Trie
 * (secure: trie paths are keccak256 of our keys) whose root is CometBFT's `app_hash`. A proof is
 * the list of RLP trie nodes from the root to the key; `verifyStateProof` replays it with
 * @ethereumjs/mpt (pure, noble-based: Node, browsers and workerd alike).
 *
 * Heights: the app hash of the state after block H appears in header H+1. A query answered at
 * height H must therefore be checked against header H+1's `appHash`.
 */
import { verifyMerkleProof } from '@ethereumjs/mpt'
import { GlowmeshError, InvalidInputError } from '../errors.js'
import { decodeFields, encodeFields, type FieldSpec } from './bodies.js'
import { encodeUvarint, ProtoReader } from './proto.js'
import { toHex } from '../bytes.js'
import { COMPUTE_RECORD_SCHEMAS, workerFromWire, workerToWire, type ModelRecord, type JobRecord, type WorkerRecord } from './compute.js'

/** A proof that does not verify against the root, or bytes that are not a proof. */
export class InvalidStateProofError extends GlowmeshError {
  override name = 'InvalidStateProofError'
  constructor (message: string, options?: { cause?: unknown }) { super('INVALID_STATE_PROOF', message, { ...options, exitCode: 2 }) }
}

/** The ProofOp type the app's Query answers carry. */
export const STATE_PROOF_TYPE = 'glowmesh/mpt/v1'
/** Most nodes a proof may have (a 256-bit path has at most 64 branch levels + leaf). */
export const MAX_PROOF_NODES = 70

const utf8 = new TextEncoder()

function hexKey (b: Uint8Array | string, len: number, what: string): string {
  if (typeof b === 'string') {
    if (!new RegExp(`^0x[0-9a-f]{${len * 2}}$`).test(b)) throw new InvalidInputError(`${what}: expected 0x + ${len * 2} lowercase hex`)
    return b
  }
  if (!(b instanceof Uint8Array) || b.length !== len) throw new InvalidInputError(`${what}: expected ${len} bytes`)
  return toHex(b)
}

/**
 * The state keys (UTF-8 strings, readable on purpose). Light nodes prove `account`, `file` and `node`.
 * @example stateKeys.account('0x3f…') // bytes of 'acct/0x3f…'
 */
export const stateKeys = {
  /** `acct/<0x address>` → AccountRecord */
  account: (address: Uint8Array | string) => utf8.encode(`acct/${hexKey(address, 20, 'address')}`),
  /** `file/<0x root>` → FileRecord */
  file: (root: Uint8Array | string) => utf8.encode(`file/${hexKey(root, 32, 'root')}`),
  /** `node/<0x node id>` → NodeRecord */
  node: (nodeId: Uint8Array | string) => utf8.encode(`node/${hexKey(nodeId, 32, 'nodeId')}`),
  /** `param/ledger` → the ledger parameters as canonical JSON */
  params: () => utf8.encode('param/ledger'),
  /** `flow/length` → FlowRecord */
  flow: () => utf8.encode('flow/length'),
  /** `epoch` → EpochRecord (number and seed for range assignment) */
  epoch: () => utf8.encode('epoch'),
  /** `blob/<height>/<i>` → BlobRecord */
  blob: (height: number, index: number) => utf8.encode(`blob/${height}/${index}`),
  /** `bhash/<height>` → the block's 32-byte hash, for `BLOCK_HASH_WINDOW` blocks (PoRA spot-check seeds) */
  blockHash: (height: number) => utf8.encode(`bhash/${height}`),
  /** `nodes` → the registered node ids (ledger index; read by challengers) */
  nodes: () => utf8.encode('nodes'),
  /** `model/<0x root>` → ModelRecord (a registered compute model; ./compute.ts) */
  model: (root: Uint8Array | string) => utf8.encode(`model/${hexKey(root, 32, 'model root')}`),
  /** `job/<0x id>` → JobRecord (a compute job, kept `computeJobRetentionBlocks` after it ends) */
  job: (jobId: Uint8Array | string) => utf8.encode(`job/${hexKey(jobId, 32, 'job id')}`),
  /** `worker/<0x address>` → WorkerRecord (a compute worker's stats and reputation) */
  worker: (address: Uint8Array | string) => utf8.encode(`worker/${hexKey(address, 20, 'worker address')}`)
}

/** Blocks a block hash stays in the state (`bhash/<h>`): a `pora.prove` must land within it. */
export const BLOCK_HASH_WINDOW = 1000

/** An account: balance and the next nonce it must use. */
export interface AccountRecord { balance: bigint, nonce: bigint }
/** A storage submission. `expired` = 1 once pruned. */
export interface FileRecord {
  owner: Uint8Array, cid: Uint8Array, size: number, flowStart: number, paddedChunks: number,
  submittedHeight: number, expiryEpoch: number, expired: number
}
/**
 * A registered light node. `sectors`: its sealed sectors (protocol/pora `encodeSectorCommitment`,
 * sorted by sectorStart) from its last `pora.commit` at `commitHeight`; `proven`: a bitmap over
 * `sectors` (bit i of byte i>>3, LSB first) of those whose spot check (`pora.prove`, seeded by
 * block `commitHeight + 1`'s hash) passed. Only proven sectors earn.
 */
export interface NodeRecord {
  owner: Uint8Array, pledgeBytes: number, bond: bigint, registeredHeight: number, commR: Uint8Array,
  rewards: bigint, penalties: bigint, receipts: number,
  sectors?: Uint8Array[], commitHeight?: number, proven?: Uint8Array
}
/** The flow: its length in 256-byte chunks and how many submissions it holds. */
export interface FlowRecord { length: number, submissions: number }
/** The current epoch, its seed (sha256 chain over the epochs' first block hashes) and the flow length when it began (chunks). */
export interface EpochRecord { epoch: number, seed: Uint8Array, startHeight: number, flowLength?: number }
/** One DA submission kept for the sampling window. */
export interface BlobRecord { sender: Uint8Array, size: number, txHash: Uint8Array, commitments: Uint8Array[] }

function failRecord (m: string): never { throw new InvalidInputError(`state record: ${m}`) }

/** Schemas of the state records (protobuf-shaped, canonical). */
export const RECORD_SCHEMAS = {
  account: [{ n: 1, name: 'balance', type: 'big' }, { n: 2, name: 'nonce', type: 'u64' }] as FieldSpec[],
  file: [
    { n: 1, name: 'owner', type: 'bytes', len: 20 }, { n: 2, name: 'cid', type: 'bytes', max: 64 }, { n: 3, name: 'size', type: 'num' },
    { n: 4, name: 'flowStart', type: 'num' }, { n: 5, name: 'paddedChunks', type: 'num' }, { n: 6, name: 'submittedHeight', type: 'num' },
    { n: 7, name: 'expiryEpoch', type: 'num' }, { n: 8, name: 'expired', type: 'num' }
  ] as FieldSpec[],
  node: [
    { n: 1, name: 'owner', type: 'bytes', len: 20 }, { n: 2, name: 'pledgeBytes', type: 'num' }, { n: 3, name: 'bond', type: 'big' },
    { n: 4, name: 'registeredHeight', type: 'num' }, { n: 5, name: 'commR', type: 'bytes', len: 32, optional: true },
    { n: 6, name: 'rewards', type: 'big' }, { n: 7, name: 'penalties', type: 'big' }, { n: 8, name: 'receipts', type: 'num' },
    { n: 9, name: 'sectors', type: 'bytes', max: 2048, repeated: true }, { n: 10, name: 'commitHeight', type: 'num' },
    { n: 11, name: 'proven', type: 'bytes', max: 32 }
  ] as FieldSpec[],
  flow: [{ n: 1, name: 'length', type: 'num' }, { n: 2, name: 'submissions', type: 'num' }] as FieldSpec[],
  epoch: [{ n: 1, name: 'epoch', type: 'num' }, { n: 2, name: 'seed', type: 'bytes', len: 32 }, { n: 3, name: 'startHeight', type: 'num' }, { n: 4, name: 'flowLength', type: 'num' }] as FieldSpec[],
  blob: [
    { n: 1, name: 'sender', type: 'bytes', len: 20 }, { n: 2, name: 'size', type: 'num' }, { n: 3, name: 'txHash', type: 'bytes', len: 32 },
    { n: 4, name: 'commitments', type: 'bytes', len: 48, repeated: true }
  ] as FieldSpec[],
  ...COMPUTE_RECORD_SCHEMAS
}

interface RecordTypes { account: AccountRecord, file: FileRecord, node: NodeRecord, flow: FlowRecord, epoch: EpochRecord, blob: BlobRecord, model: ModelRecord, job: JobRecord, worker: WorkerRecord }

/**
 * Encodes a state record canonically.
 * @example encodeRecord('account', { balance: 10n, nonce: 0n })
 */
export function encodeRecord<K extends keyof RecordTypes> (kind: K, value: RecordTypes[K]): Uint8Array {
  // Fields added later are optional in the type; absent = their zero value (omitted on the wire).
  const v: any = kind === 'node' ? { sectors: [], commitHeight: 0, proven: new Uint8Array(), ...value } : kind === 'epoch' ? { flowLength: 0, ...value } : kind === 'worker' ? workerToWire(value as WorkerRecord) : kind === 'job' ? { signature: new Uint8Array(), workerKey: new Uint8Array(), ...value } : value
  return encodeFields(RECORD_SCHEMAS[kind], v, failRecord)
}

/**
 * Decodes a state record (e.g. a proven query value); throws InvalidInputError when malformed.
 * @example decodeRecord('account', value).balance
 */
export function decodeRecord<K extends keyof RecordTypes> (kind: K, bytes: Uint8Array): RecordTypes[K] {
  const v = decodeFields<RecordTypes[K]>(RECORD_SCHEMAS[kind], bytes, failRecord)
  return kind === 'worker' ? workerFromWire(v) as RecordTypes[K] : v
}

/**
 * Packs trie nodes as ProofOp.data: uvarint count, then each node as uvarint length ‖ bytes.
 * @example encodeStateProof(nodes)
 */
export function encodeStateProof (nodes: Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [encodeUvarint(nodes.length)]
  for (const n of nodes) parts.push(encodeUvarint(n.length), n)
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0))
  let off = 0
  for (const p of parts) { out.set(p, off); off += p.length }
  return out
}

/**
 * Unpacks ProofOp.data; throws InvalidStateProofError when malformed.
 * @example decodeStateProof(proofOps.ops[0].data)
 */
export function decodeStateProof (data: Uint8Array): Uint8Array[] {
  try {
    const r = new ProtoReader(data)
    const count = r.uvarint()
    if (count > BigInt(MAX_PROOF_NODES)) throw new InvalidStateProofError(`proof has ${count} nodes, limit ${MAX_PROOF_NODES}`)
    const nodes: Uint8Array[] = []
    for (let i = 0n; i < count; i++) nodes.push(r.bytes().slice())
    if (!r.done) throw new InvalidStateProofError('trailing bytes after the proof')
    return nodes
  } catch (err) {
    if (err instanceof InvalidStateProofError) throw err
    throw new InvalidStateProofError('malformed proof bytes', { cause: err })
  }
}

/**
 * Checks a proof against an app hash: resolves to the proven value, or null when the proof shows
 * the key is absent; throws InvalidStateProofError when the proof does not match the root.
 * @example const v = await verifyStateProof({ appHash: header.appHash, key: stateKeys.account(addr), proof })
 */
export async function verifyStateProof ({ appHash, key, proof }: { appHash: Uint8Array, key: Uint8Array, proof: Uint8Array[] | Uint8Array }): Promise<Uint8Array | null> {
  if (!(appHash instanceof Uint8Array) || appHash.length !== 32) throw new InvalidInputError('appHash: expected 32 bytes')
  if (!(key instanceof Uint8Array)) throw new InvalidInputError('key: expected a Uint8Array')
  const nodes = proof instanceof Uint8Array ? decodeStateProof(proof) : proof
  if (!Array.isArray(nodes) || nodes.length === 0 || nodes.length > MAX_PROOF_NODES) throw new InvalidStateProofError('proof: expected 1..70 nodes')
  try {
    return await verifyMerkleProof(key, nodes, { root: appHash, useKeyHashing: true })
  } catch (err) {
    throw new InvalidStateProofError(`proof does not verify against app hash ${toHex(appHash)}`, { cause: err })
  }
}
