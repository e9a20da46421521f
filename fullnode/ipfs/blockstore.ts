/**
 * FlowBlockstore: Helia's Blockstore over the flow store (DESIGN §2b). Raw 1 MiB leaves are read
 * straight from the flow log (FlowStore.stream: every segment re-checked against the 0G root) and
 * re-hashed against the CID before they are served — no second copy. Interior dag-pb nodes live in
 * their own LevelDB (`<dataDir>/ipfs`). An index maps each block's multihash to where it sits:
 * (file root, byte range), so the gateway can also serve plain bytes and byte ranges.
 *
 * LevelDB keys (numbers fixed-width where ordered):
 *   n/<mh>            interior node bytes (dag-pb)
 *   p/<mh>/<root>     placement: JSON { s, e, leaf } — the block covers file bytes [s, e)
 *   f/<root>          the file's DAG is indexed: JSON { cid, size, leaves, nodes }
 * `<mh>` is the base32 multihash, `<root>` the 0x-less hex 0G root.
 */
import { ClassicLevel } from 'classic-level'
import { createHash } from 'node:crypto'
import type { AbortOptions } from '@libp2p/interface'
import type { Blockstore, InputPair, Pair } from 'interface-blockstore'
import { base32 } from 'multiformats/bases/base32'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import * as dagPb from '@ipld/dag-pb'
import { equalBytes, toHex } from '../../protocol/bytes.js'
import { InvalidInputError } from '../../protocol/errors.js'
import type { FlowStore, RootLike } from '../store/index.js'
import { CID_LEAF_SIZE, UnixfsCidBuilder } from '../../protocol/cid/unixfs.js'
import { BlockNotFoundError, BlockstoreReadOnlyError, CidMismatchError, CorruptBlockError, FileNotReadyError, InvalidCidError } from './errors.js'

/** node:crypto's SHA-256 (about 15× noble's) for the CID builder. */
const nodeSha256 = (data: Uint8Array): Uint8Array => createHash('sha256').update(data).digest()

const SHA256 = 0x12

/** Where a block sits: the file (0G root, hex without 0x) and the bytes [start, end) it covers. */
export interface Placement { root: string, start: number, end: number, leaf: boolean }

/** What indexFileDag recorded for a file. */
export interface IndexedFile { root: string, cid: string, size: number, leaves: number, nodes: number }

/** Options of FlowBlockstore.open. */
export interface FlowBlockstoreOptions {
  /** The node's flow store (leaves are read from it). */
  store: FlowStore
  /** Folder of the interior-node LevelDB (created if missing), e.g. `<dataDir>/ipfs`. */
  dir: string
  /** Sync LevelDB writes (default true). */
  sync?: boolean
}

const mhKey = (cid: CID): string => base32.encode(cid.multihash.bytes)
const hexRoot = (root: RootLike): string => typeof root === 'string' ? root.toLowerCase().replace(/^0x/, '') : toHex(root).replace(/^0x/, '')
const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v))
const dec = <T>(v: Uint8Array): T => JSON.parse(new TextDecoder().decode(v)) as T

/**
 * Parses a CID string; InvalidCidError when it isn't one.
 * @example parseCid('bafkrei…') // CID
 */
export function parseCid (text: string): CID {
  if (typeof text !== 'string' || text.length === 0 || text.length > 256) throw new InvalidCidError(`not a CID: '${String(text).slice(0, 80)}'`)
  try {
    return CID.parse(text)
  } catch (err) {
    throw new InvalidCidError(`not a CID: '${text.slice(0, 80)}' (${(err as Error).message})`, { cause: err })
  }
}

/** True when `bytes` hash (sha2-256) to the CID's multihash; other hash functions are not served. */
function hashes (cid: CID, bytes: Uint8Array): boolean {
  if (cid.multihash.code !== SHA256) return false
  return equalBytes(createHash('sha256').update(bytes).digest(), cid.multihash.digest)
}

/** The submission's recorded CID (a CID string, or 0x-hex of its bytes as the ledger's event carries it; '' / '0x' = none) against the built one. */
function sameCid (recorded: string, built: CID): boolean {
  if (recorded === '' || recorded === '0x') return true
  if (/^0x[0-9a-fA-F]+$/.test(recorded)) return recorded.slice(2).toLowerCase() === toHex(built.bytes).replace(/^0x/, '')
  try { return CID.parse(recorded).equals(built) } catch { return false }
}

async function concat (pieces: AsyncIterable<Uint8Array>, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length)
  let o = 0
  for await (const p of pieces) { out.set(p, o); o += p.length }
  if (o !== length) throw new InvalidInputError(`read ${o} bytes, expected ${length}`)
  return out
}

/**
 * Helia's Blockstore over a full node's flow store.
 * @example
 * const blocks = await FlowBlockstore.open({ store, dir: join(dataDir, 'ipfs') })
 * await indexFileDag(blocks, root)                        // once the file is complete
 * const net = await createNetNode({ ..., blockstore: blocks })   // Helia serves it over bitswap
 */
export class FlowBlockstore implements Blockstore {
  private closed = false
  private constructor (readonly store: FlowStore, private readonly db: ClassicLevel<string, Uint8Array>, private readonly sync: boolean) {}

  /**
   * Opens (creating) the node index in `dir`.
   * @example const blocks = await FlowBlockstore.open({ store, dir: join(dataDir, 'ipfs') })
   */
  static async open (options: FlowBlockstoreOptions): Promise<FlowBlockstore> {
    const db = new ClassicLevel<string, Uint8Array>(options.dir, { keyEncoding: 'utf8', valueEncoding: 'view' })
    await db.open()
    return new FlowBlockstore(options.store, db, options.sync ?? true)
  }

  private check (options?: AbortOptions): void {
    options?.signal?.throwIfAborted()
    if (this.closed) throw new BlockNotFoundError('(blockstore closed)')
  }

  /** Placements of a block, newest file first is not guaranteed: any live one serves. */
  private async placements (cid: CID): Promise<Placement[]> {
    const prefix = `p/${mhKey(cid)}/`
    const out: Placement[] = []
    for await (const [key, value] of this.db.iterator({ gte: prefix, lt: prefix + '~', limit: 64 })) {
      const p = dec<{ s: number, e: number, leaf: boolean }>(value)
      out.push({ root: key.slice(prefix.length), start: p.s, end: p.e, leaf: p.leaf })
    }
    return out
  }

  /** True when the file behind a placement is complete (not pending, pruned or tombstoned). */
  private async live (p: Placement): Promise<boolean> {
    try { return (await this.store.getFile(p.root)).status === 'complete' } catch { return false }
  }

  /**
   * The first live placement of a block: which file and byte range it covers (for the gateway's
   * plain-bytes responses); undefined when no live file holds it.
   * @example const p = await blocks.locate(cid) // { root, start: 0, end: 67108864, leaf: false }
   */
  async locate (cid: CID): Promise<Placement | undefined> {
    this.check()
    for (const p of await this.placements(cid)) if (await this.live(p)) return p
    return undefined
  }

  /**
   * True when a live stored file holds the block (cheap: index reads only, no flow read).
   * @example await blocks.has(cid)
   */
  async has (cid: CID, options?: AbortOptions): Promise<boolean> {
    this.check(options)
    if (cid.multihash.code !== SHA256) return false
    return (await this.locate(cid)) !== undefined
  }

  /**
   * The block's bytes, re-hashed before they are returned: a leaf read from the flow log, or an
   * interior node from LevelDB. Throws BlockNotFoundError (named `NotFoundError`, as Helia expects).
   * @example const bytes = await toBuffer(blocks.get(cid))
   */
  async * get (cid: CID, options?: AbortOptions): AsyncGenerator<Uint8Array> {
    yield await this.getBlock(cid, options)
  }

  /**
   * get() as one buffer.
   * @example const bytes = await blocks.getBlock(cid)
   */
  async getBlock (cid: CID, options?: AbortOptions): Promise<Uint8Array> {
    this.check(options)
    if (cid.multihash.code !== SHA256) throw new BlockNotFoundError(cid.toString())
    for (const p of await this.placements(cid)) {
      options?.signal?.throwIfAborted()
      if (!await this.live(p)) continue
      let bytes: Uint8Array | undefined
      if (p.leaf) {
        try {
          bytes = await concat(this.store.stream(p.root, { start: p.start, end: p.end, signal: options?.signal }), p.end - p.start)
        } catch (err: any) {
          options?.signal?.throwIfAborted()
          if (/SEGMENT_CORRUPT|SEGMENT_MISSING|PRUNED|TOMBSTONED|UNKNOWN_FILE/.test(String(err?.code))) continue
          throw err
        }
      } else {
        bytes = await this.db.get(`n/${mhKey(cid)}`)
        if (bytes === undefined) continue
      }
      if (hashes(cid, bytes)) return bytes
      // never serve a corrupt block; another placement may still be good
      if (!p.leaf) throw new CorruptBlockError(cid.toString(), 'the node index')
    }
    throw new BlockNotFoundError(cid.toString())
  }

  /**
   * Accepts only blocks already held (content enters through the flow: `glowmesh put`); the bytes
   * must hash to the CID. Otherwise BlockstoreReadOnlyError.
   * @example await blocks.put(cid, bytes) // a no-op for a block of a stored file
   */
  async put (cid: CID, bytes: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>, options?: AbortOptions): Promise<CID> {
    this.check(options)
    const chunks: Uint8Array[] = []
    if (bytes instanceof Uint8Array) chunks.push(bytes)
    else for await (const c of bytes) chunks.push(c)
    const all = chunks.length === 1 ? chunks[0] : new Uint8Array(Buffer.concat(chunks))
    if (!hashes(cid, all)) throw new CorruptBlockError(cid.toString(), 'a put')
    if (await this.has(cid)) return cid
    throw new BlockstoreReadOnlyError(cid.toString())
  }

  /** put() for many. @example for await (const cid of blocks.putMany(pairs)) {} */
  async * putMany (source: Iterable<InputPair> | AsyncIterable<InputPair>, options?: AbortOptions): AsyncGenerator<CID> {
    for await (const { cid, bytes } of source) yield await this.put(cid, bytes, options)
  }

  /** get() for many. @example for await (const { cid, bytes } of blocks.getMany(cids)) {} */
  async * getMany (source: Iterable<CID> | AsyncIterable<CID>, options?: AbortOptions): AsyncGenerator<Pair> {
    for await (const cid of source) {
      const bytes = await this.getBlock(cid, options)
      yield { cid, bytes: (function * () { yield bytes })() }
    }
  }

  /**
   * Forgets a block's index entries (the flow bytes follow the store's own lifecycle).
   * @example await blocks.delete(cid)
   */
  async delete (cid: CID, options?: AbortOptions): Promise<void> {
    this.check(options)
    const k = mhKey(cid)
    const ops: Array<{ type: 'del', key: string }> = [{ type: 'del', key: `n/${k}` }]
    for await (const key of this.db.keys({ gte: `p/${k}/`, lt: `p/${k}/~` })) ops.push({ type: 'del', key })
    await this.db.batch(ops, { sync: this.sync })
  }

  /** delete() for many. @example for await (const cid of blocks.deleteMany(cids)) {} */
  async * deleteMany (source: Iterable<CID> | AsyncIterable<CID>, options?: AbortOptions): AsyncGenerator<CID> {
    for await (const cid of source) { await this.delete(cid, options); yield cid }
  }

  /**
   * Every indexed block (leaves as raw CIDs, interior nodes as dag-pb), each read lazily.
   * @example for await (const { cid } of blocks.getAll()) console.log(cid.toString())
   */
  async * getAll (options?: AbortOptions): AsyncGenerator<Pair> {
    this.check(options)
    let last = ''
    for await (const [key, value] of this.db.iterator({ gte: 'p/', lt: 'p/~' })) {
      options?.signal?.throwIfAborted()
      const mh = key.slice(2, key.indexOf('/', 2))
      if (mh === last) continue
      last = mh
      const leaf = dec<{ leaf: boolean }>(value).leaf
      const cid = CID.createV1(leaf ? raw.code : dagPb.code, Digest.decode(base32.decode(mh)))
      const self = this
      yield { cid, bytes: (async function * () { yield await self.getBlock(cid, options) })() }
    }
  }

  /**
   * The recorded DAG of a file, if indexed.
   * @example const f = await blocks.indexed(root) // { cid, size, leaves, nodes } | undefined
   */
  async indexed (root: RootLike): Promise<IndexedFile | undefined> {
    this.check()
    const v = await this.db.get(`f/${hexRoot(root)}`)
    return v === undefined ? undefined : dec<IndexedFile>(v)
  }

  /**
   * Builds and records the DAG of a complete file (see indexFileDag).
   * @example const { cid } = await blocks.indexFile(root)
   */
  async indexFile (root: RootLike, options: { signal?: AbortSignal } = {}): Promise<IndexedFile> {
    this.check(options)
    const r = hexRoot(root)
    const had = await this.indexed(r)
    if (had !== undefined) return had
    const info = await this.store.getFile(r)
    if (info.status !== 'complete') throw new FileNotReadyError(r, info.status)
    const ops: Array<{ type: 'put', key: string, value: Uint8Array }> = []
    let leaves = 0
    let nodes = 0
    // protocol/cid's builder (the one every platform uses) emits blocks left to right per level, so a
    // block's byte range is the running sum of its level's file sizes.
    const levelOffset: number[] = []
    const builder = new UnixfsCidBuilder({
      sha256: nodeSha256,
      onBlock: (cid, bytes, info) => {
        const start = levelOffset[info.level] ?? 0
        levelOffset[info.level] = start + info.fileSize
        const leaf = info.kind === 'leaf'
        ops.push({ type: 'put', key: `p/${mhKey(cid)}/${r}`, value: enc({ s: start, e: start + info.fileSize, leaf }) })
        if (leaf) leaves++
        else { nodes++; ops.push({ type: 'put', key: `n/${mhKey(cid)}`, value: bytes.slice() }) }
      }
    })
    // Leaf by leaf from the flow log: constant memory besides the index entries.
    for (let start = 0; start < info.size; start += CID_LEAF_SIZE) {
      options.signal?.throwIfAborted()
      const end = Math.min(info.size, start + CID_LEAF_SIZE)
      builder.update(await concat(this.store.stream(r, { start, end, signal: options.signal }), end - start))
    }
    const dagRoot = builder.digest()
    const cid = dagRoot.toString()
    if (!sameCid(info.cid, dagRoot)) throw new CidMismatchError(r, info.cid, cid)
    const file: IndexedFile = { root: r, cid, size: info.size, leaves, nodes }
    ops.push({ type: 'put', key: `f/${r}`, value: enc(file) })
    this.check(options)
    await this.db.batch(ops, { sync: this.sync })
    return file
  }

  /**
   * Drops a file's DAG record (its blocks stay until their placements are deleted).
   * @example await blocks.unindex(root)
   */
  async unindex (root: RootLike): Promise<void> {
    this.check()
    await this.db.del(`f/${hexRoot(root)}`)
  }

  /**
   * Closes the node index.
   * @example await blocks.close()
   */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.db.close()
  }
}

/**
 * Builds the UnixFS DAG of a complete stored file (the CID `@helia/unixfs` gives its bytes) from
 * its bytes in the flow log, records leaf placements and interior nodes, and returns the root CID.
 * Idempotent. Throws CidMismatchError when the submission recorded another CID (nothing is
 * written then), FileNotReadyError while the file is incomplete or dead.
 * @example const { cid } = await indexFileDag(blocks, '0x…root')
 */
export async function indexFileDag (blocks: FlowBlockstore, root: RootLike, options: { signal?: AbortSignal } = {}): Promise<IndexedFile> {
  return await blocks.indexFile(root, options)
}
