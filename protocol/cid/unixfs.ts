/**
 * The CID `@helia/unixfs` `addBytes` gives a file with its defaults (DESIGN §2b), computed
 * streaming in constant memory: CIDv1, raw leaves of 1 MiB (1,048,576 B), balanced layout with at
 * most 1024 links per node, dag-pb interior nodes whose UnixFS `file` data lists `blocksizes`. A
 * one-chunk file is its raw leaf (the empty file too: one empty raw leaf). Past 1024 leaves (1 GiB)
 * a second level of interior nodes starts, past 1024² leaves a third, and so on.
 *
 * Layout rule of the reference (ipfs-unixfs-importer's `balanced`): leaves are cut into batches of
 * 1024 and each batch becomes a node; if that made more than one node, those are batched the same
 * way, until one is left. A builder can make every node the moment its batch fills (a full batch
 * means its level has more than one node), and at the end folds the partial batches bottom-up — a
 * level's last partial batch becomes a node unless it is the only node that level ever had.
 */
import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import { CidBuilderStateError } from './errors.js'
import { InvalidInputError } from '../errors.js'

/** Leaf (chunk) size of the DAG: 1 MiB, `@helia/unixfs`'s default. */
export const CID_LEAF_SIZE = 1_048_576
/** Links per interior node: 1024, `@helia/unixfs`'s default. */
export const CID_MAX_LINKS = 1024
/** Multicodec codes used by file DAGs. */
export const RAW_CODE = 0x55
export const DAG_PB_CODE = 0x70
export const SHA2_256_CODE = 0x12

/** A SHA-256 function: 32 bytes out. Browsers and workerd use noble's; Node passes node:crypto's (15× faster). */
export type Sha256 = (data: Uint8Array) => Uint8Array

/** Where a block sits in the DAG. */
export interface DagBlockInfo {
  /** `leaf`: a raw 1 MiB (or shorter last) chunk of the file; `node`: a dag-pb interior node. */
  kind: 'leaf' | 'node'
  /** 0 for leaves, 1 for nodes over leaves, 2 above 1 GiB, … */
  level: number
  /** Position among the blocks of its level, left to right (for leaves: the leaf index). */
  index: number
  /** File bytes under this block. */
  fileSize: number
}

/**
 * Called for each block as it is built, children before parents, leaves in file order. `bytes`
 * of a leaf may be the builder's own buffer or the caller's: copy it if you keep it.
 */
export type OnBlock = (cid: CID, bytes: Uint8Array, info: DagBlockInfo) => void

export interface UnixfsCidOptions {
  /** SHA-256 implementation (default: @noble/hashes, pure JS). */
  sha256?: Sha256
  onBlock?: OnBlock
  /**
   * Leaf size and links per node (default: Helia's, 1 MiB and 1024). Other values give other CIDs;
   * they exist so tests can drive many levels with small inputs, against the reference's
   * `fixedSize({ chunkSize })` + `balanced({ maxChildrenPerNode })`.
   */
  layout?: { leafSize: number, maxLinks: number }
}

interface Entry { cid: CID, tsize: number, fileSize: number }

/** The raw-leaf CID of one chunk. @example rawLeafCid(new Uint8Array(0)).toString() // 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku' */
export function rawLeafCid (bytes: Uint8Array, sha256: Sha256 = nobleSha256): CID {
  return CID.createV1(RAW_CODE, createDigest(SHA2_256_CODE, sha256(bytes)))
}

/**
 * Streaming UnixFS CID builder: `update` with the file's bytes in any slices, `digest` once.
 * Memory: one 1 MiB leaf buffer plus ≤ 1024 link entries per level.
 * @example const b = new UnixfsCidBuilder(); b.update(part1).update(part2); b.digest().toString()
 */
export class UnixfsCidBuilder {
  private buf: Uint8Array | undefined
  private fill = 0
  private total = 0
  private readonly levels: Entry[][] = [[]]
  private readonly made: number[] = [0]
  private done = false
  private readonly sha256: Sha256
  private readonly onBlock: OnBlock | undefined
  private readonly leafSize: number
  private readonly maxLinks: number

  constructor (options: UnixfsCidOptions = {}) {
    this.sha256 = options.sha256 ?? nobleSha256
    this.onBlock = options.onBlock
    this.leafSize = options.layout?.leafSize ?? CID_LEAF_SIZE
    this.maxLinks = options.layout?.maxLinks ?? CID_MAX_LINKS
    if (!Number.isSafeInteger(this.leafSize) || this.leafSize < 1 || !Number.isSafeInteger(this.maxLinks) || this.maxLinks < 2) {
      throw new InvalidInputError(`UnixfsCidBuilder layout needs leafSize ≥ 1 and maxLinks ≥ 2, got ${String(this.leafSize)} and ${String(this.maxLinks)}`)
    }
  }

  /** Bytes consumed so far. */
  get size (): number { return this.total }

  /** Leaves emitted so far. */
  get leaves (): number { return this.made[0] }

  /** Feeds the next bytes of the file. */
  update (data: Uint8Array): this {
    if (this.done) throw new CidBuilderStateError('UnixfsCidBuilder: update after digest')
    if (!(data instanceof Uint8Array)) throw new InvalidInputError('UnixfsCidBuilder.update takes a Uint8Array')
    let off = 0
    while (off < data.length) {
      if (this.fill === 0 && data.length - off >= this.leafSize) {
        // Whole leaves straight from the caller's buffer: no copy.
        this.leaf(data.subarray(off, off + this.leafSize))
        off += this.leafSize
        this.total += this.leafSize
        continue
      }
      this.buf ??= new Uint8Array(this.leafSize)
      const n = Math.min(this.leafSize - this.fill, data.length - off)
      this.buf.set(data.subarray(off, off + n), this.fill)
      this.fill += n
      off += n
      this.total += n
      if (this.fill === this.leafSize) {
        this.leaf(this.buf)
        this.fill = 0
      }
    }
    return this
  }

  /** The file's CID (raw for one chunk, dag-pb above). */
  digest (): CID {
    if (this.done) throw new CidBuilderStateError('UnixfsCidBuilder: digest called twice')
    this.done = true
    // The last partial leaf; the empty file is one empty leaf, as the reference chunker yields.
    if (this.fill > 0 || this.made[0] === 0) this.leaf((this.buf ?? new Uint8Array(0)).subarray(0, this.fill))
    this.fill = 0
    for (let level = 0; ; level++) {
      const pending = this.levels[level]
      const above = this.levels.slice(level + 1).some((l) => l.length > 0)
      if (pending.length === 1 && !above) return pending[0].cid
      if (pending.length > 0) this.reduce(level)
    }
  }

  private leaf (bytes: Uint8Array): void {
    const cid = rawLeafCid(bytes, this.sha256)
    this.onBlock?.(cid, bytes, { kind: 'leaf', level: 0, index: this.made[0], fileSize: bytes.length })
    this.made[0]++
    this.push(0, { cid, tsize: bytes.length, fileSize: bytes.length })
  }

  private push (level: number, entry: Entry): void {
    this.levels[level] ??= []
    this.levels[level].push(entry)
    if (this.levels[level].length === this.maxLinks) this.reduce(level)
  }

  /** Makes the interior node over `levels[level]` exactly as the reference's file reducer does. */
  private reduce (level: number): void {
    const entries = this.levels[level]
    this.levels[level] = []
    const unixfs = new UnixFS({ type: 'file' })
    const links: dagPb.PBLink[] = []
    let tsize = 0
    let fileSize = 0
    for (const e of entries) {
      if (e.fileSize === 0) continue // the reference drops empty children (only the empty file has one, and it is never reduced)
      unixfs.addBlockSize(BigInt(e.fileSize))
      links.push({ Name: '', Tsize: e.tsize, Hash: e.cid })
      tsize += e.tsize
      fileSize += e.fileSize
    }
    const bytes = dagPb.encode(dagPb.prepare({ Data: unixfs.marshal(), Links: links }))
    const cid = CID.createV1(DAG_PB_CODE, createDigest(SHA2_256_CODE, this.sha256(bytes)))
    if (this.made[level + 1] === undefined) this.made[level + 1] = 0
    this.onBlock?.(cid, bytes, { kind: 'node', level: level + 1, index: this.made[level + 1], fileSize })
    this.made[level + 1]++
    this.push(level + 1, { cid, tsize: tsize + bytes.length, fileSize })
  }
}

/**
 * The CID of bytes in memory (what `@helia/unixfs` `addBytes` returns for them).
 * @example fileCid(new TextEncoder().encode('hello')).toString()
 */
export function fileCid (bytes: Uint8Array, options: UnixfsCidOptions = {}): CID {
  return new UnixfsCidBuilder(options).update(bytes).digest()
}

/**
 * The CID of a stream of bytes, in constant memory.
 * @example const cid = await fileCidOfStream(createReadStream(path))
 */
export async function fileCidOfStream (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: UnixfsCidOptions & { signal?: AbortSignal } = {}): Promise<CID> {
  const b = new UnixfsCidBuilder(options)
  for await (const piece of source) {
    options.signal?.throwIfAborted()
    b.update(piece)
  }
  return b.digest()
}
