/**
 * The ledger's state: a secure Merkle Patricia Trie (@ethereumjs/mpt, keys hashed with keccak256)
 * over LevelDB. Its root is the app hash. Blocks change a working trie in memory (`applyWrites`);
 * `commit` writes the new trie nodes, the height, the app hash and the per-height root in ONE
 * LevelDB batch. Until then nothing is on disk, so a kill -9 at any point reopens at the
 * last committed height and CometBFT replays the rest.
 *
 * Old roots stay readable (nodes are never deleted), so queries can ask for any committed height.
 */
import { createMPT, createMerkleProof, BranchMPTNode, ExtensionMPTNode, type MerklePatriciaTrie } from '@ethereumjs/mpt'
import { TrieNodeDb, metaKey, openLevel, type LedgerLevel, type LevelOp } from './db.js'
import { GlowmeshError } from '../../protocol/errors.js'
import { equalBytes } from '../../protocol/bytes.js'

/** A state key read: UTF-8 key string → value (null when absent). */
export interface KvReader { get: (key: string) => Promise<Uint8Array | null> }

/** A committed height the state does not have (pruned or never reached). */
export class UnknownHeightError extends GlowmeshError {
  override name = 'UnknownHeightError'
  constructor (height: number) { super('UNKNOWN_HEIGHT', `no committed state at height ${height}`, { exitCode: 2 }) }
}

const utf8 = new TextEncoder()
const u64 = (n: number): Uint8Array => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, BigInt(n)); return b }
const readU64 = (b: Uint8Array): number => Number(new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0))

/**
 * One node's ledger state.
 * @example const state = await LedgerState.open({ dataDir }); const v = await state.get('acct/0x…')
 */
export class LedgerState {
  /** Last committed height (0 before the first Commit). */
  height = 0
  /** App hash of the last committed state (the empty-trie root before InitChain). */
  appHash: Uint8Array
  /** fsync each commit (off by default, see commit()). */
  sync = false
  private constructor (readonly level: LedgerLevel, readonly nodes: TrieNodeDb, private trie: MerklePatriciaTrie, private readonly ownsLevel: boolean) {
    this.appHash = trie.root()
  }

  /**
   * Opens the state in `dataDir` (LevelDB folder) or over an open `level`.
   * @example const state = await LedgerState.open({ dataDir: '/tmp/node0/state' })
   */
  static async open (o: { dataDir?: string, level?: LedgerLevel }): Promise<LedgerState> {
    const level = o.level ?? await openLevel(o.dataDir as string)
    const nodes = new TrieNodeDb(level)
    const trie = await createMPT({ db: nodes, useKeyHashing: true, valueEncoding: 'view' as any })
    const s = new LedgerState(level, nodes, trie, o.level === undefined)
    const h = await level.get(metaKey('height'))
    if (h !== undefined) {
      s.height = readU64(h)
      s.appHash = new Uint8Array((await level.get(metaKey('appHash')))!)
      trie.root(s.appHash)
    }
    return s
  }

  /** Root of the working trie (the app hash the current block will commit). */
  get workingRoot (): Uint8Array { return this.trie.root() }

  /** Reads a key from the working trie. @example await state.get('flow/length') */
  async get (key: string): Promise<Uint8Array | null> {
    return await this.trie.get(utf8.encode(key))
  }

  /** A reader over the last committed state (what CheckTx and Query see between blocks). */
  committedReader (): KvReader {
    return this.readerAtRoot(this.appHash)
  }

  /** A reader over the state at root `root`. */
  readerAtRoot (root: Uint8Array): KvReader {
    const t = this.trie.shallowCopy(false)
    t.root(root)
    return { get: async (key) => await t.get(utf8.encode(key)) }
  }

  /** The app hash committed at `height`; throws UnknownHeightError. */
  async rootAt (height: number): Promise<Uint8Array> {
    if (height === this.height) return this.appHash
    const r = await this.level.get(metaKey(`root/${height}`))
    if (r === undefined) throw new UnknownHeightError(height)
    return new Uint8Array(r)
  }

  /**
   * Applies a block's writes (null deletes) to the working trie, in key order, and returns the new root.
   * @example const appHash = await state.applyWrites(overlay.writes)
   */
  async applyWrites (writes: Map<string, Uint8Array | null>): Promise<Uint8Array> {
    const keys = [...writes.keys()].sort()
    for (const k of keys) {
      const v = writes.get(k)!
      if (v === null) await this.trie.del(utf8.encode(k))
      else await this.trie.put(utf8.encode(k), v)
    }
    return this.trie.root()
  }

  /**
   * Persists the working trie as height `height`: trie nodes, height, app hash and the per-height
   * root in one LevelDB batch, plus any `extra` ops.
   * @example await state.commit(12)
   */
  async commit (height: number, extra: LevelOp[] = []): Promise<Uint8Array> {
    const root = this.trie.root()
    const ops = this.nodes.flush()
    ops.push({ type: 'put', key: metaKey('height'), value: u64(height) })
    ops.push({ type: 'put', key: metaKey('appHash'), value: root })
    ops.push({ type: 'put', key: metaKey(`root/${height}`), value: root })
    ops.push(...extra)
    // No fsync: a kill -9 loses nothing LevelDB has written (the OS holds it), and after a power
    // loss the app may only fall behind CometBFT's own fsynced block store, which it replays.
    await this.level.batch(ops as any, { sync: this.sync } as any)
    this.height = height
    this.appHash = root
    return root
  }

  /**
   * MPT proof (trie nodes, root first) of `key` at committed `height` or at a given root (default: the latest).
   * @example const { value, proof } = await state.prove('acct/0x…')
   */
  async prove (key: string, at?: number | Uint8Array): Promise<{ root: Uint8Array, value: Uint8Array | null, proof: Uint8Array[] }> {
    const root = at === undefined ? this.appHash : at instanceof Uint8Array ? at : await this.rootAt(at)
    const t = this.trie.shallowCopy(false)
    t.root(root)
    const k = utf8.encode(key)
    return { root, value: await t.get(k), proof: await createMerkleProof(t, k) }
  }

  /**
   * Every trie node stored under its hash and reachable from `root` (serialised), root first:
   * what a snapshot carries. Throws `Missing node in DB` if one is absent (the library's own walk
   * would skip it silently, so this walks by hand).
   */
  async * nodesAt (root: Uint8Array): AsyncGenerator<Uint8Array> {
    if (equalBytes(root, this.trie.EMPTY_TRIE_ROOT)) return
    const t = this.trie
    async function * walk (ref: Uint8Array | Uint8Array[]): AsyncGenerator<Uint8Array> {
      const node = await t.lookupNode(ref) // a hash is looked up (throws when missing); an inlined node decodes
      if (ref instanceof Uint8Array) yield node.serialize()
      if (node instanceof BranchMPTNode) {
        for (const [, child] of node.getChildren()) yield * walk(child as Uint8Array | Uint8Array[])
      } else if (node instanceof ExtensionMPTNode) {
        yield * walk(node.value() as Uint8Array | Uint8Array[])
      }
    }
    yield * walk(root)
  }

  /**
   * Adopts a restored trie (snapshot): checks every node under `root` is present, then commits it as `height`.
   * @example await state.adopt(height, appHash)
   */
  async adopt (height: number, root: Uint8Array): Promise<void> {
    for await (const _ of this.nodesAt(root)) { /* visiting every node proves it is present */ }
    this.trie.root(root)
    await this.commit(height)
  }

  /** Drops uncommitted changes: the working trie goes back to the last committed root. */
  rollback (): void {
    this.nodes.discard()
    this.trie.root(this.appHash)
  }

  /** Closes LevelDB when this state opened it. */
  async close (): Promise<void> {
    if (this.ownsLevel) await this.level.close()
  }
}
