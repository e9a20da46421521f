/**
 * LevelDB under the state trie. @ethereumjs/mpt writes trie nodes through a small `DB` interface;
 * `TrieNodeDb` implements it over classic-level but keeps every write in memory until `flush()`
 * hands them to the caller, who writes them in the same LevelDB batch as the committed height and
 * app hash. So nothing reaches disk in FinalizeBlock, and a kill -9 at any moment leaves the last
 * committed state (LevelDB applies a batch atomically, its log replays on open).
 *
 * LevelDB key layout (one database per node):
 *   0x6e 'n' ‖ 32-byte node hash   → RLP trie node (content-addressed: never rewritten, never deleted)
 *   0x6d 'm' ‖ name                → app metadata (height, app hash, per-height roots, snapshots)
 */
import { ClassicLevel } from 'classic-level'
import type { BatchDBOp, DB, EncodingOpts } from '@ethereumjs/util'
import { fromHex } from '../../protocol/bytes.js'

/** The LevelDB handle the ledger uses: binary keys and values. */
export type LedgerLevel = ClassicLevel<Uint8Array, Uint8Array>

/** A LevelDB write in a commit batch. */
export interface LevelOp { type: 'put' | 'del', key: Uint8Array, value?: Uint8Array }

const NODE_PREFIX = 0x6e
const META_PREFIX = 0x6d
const utf8 = new TextEncoder()

/**
 * Opens (creating if needed) the ledger's LevelDB in `dir`.
 * @example const db = await openLevel('/home/.glowmesh/devnet/node0/data/state')
 */
export async function openLevel (dir: string): Promise<LedgerLevel> {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' })
  await db.open()
  return db
}

/** The LevelDB key of trie node `hash`. @example nodeKey(hash) */
export function nodeKey (hash: Uint8Array): Uint8Array {
  const k = new Uint8Array(1 + hash.length)
  k[0] = NODE_PREFIX
  k.set(hash, 1)
  return k
}

/** The LevelDB key of metadata entry `name`. @example metaKey('height') */
export function metaKey (name: string): Uint8Array {
  const n = utf8.encode(name)
  const k = new Uint8Array(1 + n.length)
  k[0] = META_PREFIX
  k.set(n, 1)
  return k
}

/**
 * The MPT's node store: reads fall through an in-memory write buffer to LevelDB; writes stay in the
 * buffer until `flush()`. The trie hands keys as unprefixed hex of the node hash.
 * @example const trie = await createMPT({ db: new TrieNodeDb(level), useKeyHashing: true, valueEncoding: 'view' })
 */
export class TrieNodeDb implements DB<string, string | Uint8Array> {
  private pending = new Map<string, Uint8Array>()
  constructor (readonly level: LedgerLevel) {}

  /** Writes buffered since the last flush. */
  get pendingCount (): number { return this.pending.size }

  async get (key: string, _opts?: EncodingOpts): Promise<Uint8Array | undefined> {
    const hit = this.pending.get(key)
    if (hit !== undefined) return hit
    const v = await this.level.get(nodeKey(fromHex(key)))
    return v === undefined ? undefined : new Uint8Array(v) // a plain copy, not a Buffer view
  }

  async put (key: string, value: string | Uint8Array, _opts?: EncodingOpts): Promise<void> {
    this.pending.set(key, typeof value === 'string' ? fromHex(value) : value)
  }

  /** Trie nodes are content-addressed and shared between versions: never deleted (no pruning). */
  async del (_key: string, _opts?: EncodingOpts): Promise<void> {}

  async batch (ops: Array<BatchDBOp<string, string | Uint8Array>>): Promise<void> {
    for (const op of ops) if (op.type === 'put') await this.put(op.key, op.value as Uint8Array)
  }

  shallowCopy (): DB<string, string | Uint8Array> { return this }
  async open (): Promise<void> {}

  /** Takes the buffered writes as LevelDB puts (the caller writes them in its commit batch). */
  flush (): LevelOp[] {
    const ops: LevelOp[] = []
    for (const [k, v] of this.pending) ops.push({ type: 'put', key: nodeKey(fromHex(k)), value: v })
    this.pending = new Map()
    return ops
  }

  /** Forgets buffered writes (a block that will be replayed after a restart). */
  discard (): void { this.pending = new Map() }
}
