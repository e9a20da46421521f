/**
 * The UnixFS DAG of a file exactly as `@helia/unixfs` `addBytes` builds it with its defaults
 * (DESIGN §2b): CIDv1, raw leaves of 1 MiB, balanced layout, 1024 links per node, a single leaf is
 * the root. Streaming: leaves go in one at a time, interior nodes come out as soon as they are
 * complete, memory stays at ≤ 1024 links per level. Used by indexFileDag until protocol/cid's builder
 * lands (the two must agree; test/unit/ipfs checks this one against @helia/unixfs).
 */
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { InvalidInputError } from '../../protocol/errors.js'

/** Bytes per raw leaf (= four 0G segments). */
export const LEAF_SIZE = 1 << 20
/** Links per interior node. */
export const MAX_LINKS = 1024

/** One block of a file's DAG and the byte range [start, end) of the file it covers. */
export interface DagBlock {
  cid: CID
  /** The block's bytes (for leaves: the file bytes themselves). */
  bytes: Uint8Array
  start: number
  end: number
  leaf: boolean
}

interface Entry { cid: CID, tsize: number, fileSize: number, start: number, end: number }

/**
 * Builds a file's DAG leaf by leaf.
 * @example
 * const b = new FileDagBuilder()
 * for (const leaf of leaves) for (const blk of await b.add(leaf)) keep(blk)
 * const { root, blocks } = await b.finish()
 */
export class FileDagBuilder {
  private readonly leafSize: number
  private readonly maxLinks: number
  private readonly levels: Entry[][] = [[]]
  private readonly produced: number[] = [0]
  private offset = 0
  private leaves = 0
  private done = false
  private short = false

  /** `leafSize`/`maxLinks` exist for tests of deep trees; leave them at the defaults for Helia's CIDs. */
  constructor (options: { leafSize?: number, maxLinks?: number } = {}) {
    this.leafSize = options.leafSize ?? LEAF_SIZE
    this.maxLinks = options.maxLinks ?? MAX_LINKS
  }

  /** Adds the next leaf (exactly LEAF_SIZE bytes except the last); returns the blocks it completed (the leaf first). @example await b.add(bytes) */
  async add (bytes: Uint8Array): Promise<DagBlock[]> {
    if (this.done) throw new InvalidInputError('the DAG is finished')
    if (!(bytes instanceof Uint8Array) || bytes.length === 0 || bytes.length > this.leafSize) throw new InvalidInputError(`a leaf is 1..${this.leafSize} bytes`)
    if (this.short) throw new InvalidInputError('only the last leaf may be shorter than 1 MiB')
    this.short = bytes.length < this.leafSize
    const cid = CID.createV1(raw.code, await sha256.digest(bytes))
    const entry: Entry = { cid, tsize: bytes.length, fileSize: bytes.length, start: this.offset, end: this.offset + bytes.length }
    this.offset += bytes.length
    this.leaves++
    const out: DagBlock[] = [{ cid, bytes, start: entry.start, end: entry.end, leaf: true }]
    this.levels[0].push(entry)
    this.produced[0]++
    for (let k = 0; this.levels[k].length === this.maxLinks; k++) out.push(await this.reduce(k))
    return out
  }

  /** Closes the DAG: the remaining interior nodes and the root CID. @example const { root } = await b.finish() */
  async finish (): Promise<{ root: CID, size: number, blocks: DagBlock[] }> {
    if (this.done) throw new InvalidInputError('the DAG is finished')
    this.done = true
    if (this.leaves === 0) throw new InvalidInputError('an empty file has no leaves to index')
    if (this.leaves === 1) return { root: this.levels[0][0].cid, size: this.offset, blocks: [] }
    const blocks: DagBlock[] = []
    for (let k = 0; ; k++) {
      if (k > 0 && this.produced[k] === 1 && this.levels[k].length === 1 && (this.levels[k + 1] === undefined || this.levels[k + 1].length === 0)) {
        return { root: this.levels[k][0].cid, size: this.offset, blocks }
      }
      if (this.levels[k].length > 0) blocks.push(await this.reduce(k))
    }
  }

  /** Folds level k into one node at level k+1. */
  private async reduce (k: number): Promise<DagBlock> {
    const children = this.levels[k]
    this.levels[k] = []
    const f = new UnixFS({ type: 'file' })
    const links: dagPb.PBLink[] = []
    for (const c of children) {
      f.addBlockSize(BigInt(c.fileSize))
      links.push({ Name: '', Tsize: c.tsize, Hash: c.cid })
    }
    const bytes = dagPb.encode(dagPb.prepare({ Data: f.marshal(), Links: links }))
    const cid = CID.createV1(dagPb.code, await sha256.digest(bytes))
    const entry: Entry = {
      cid,
      tsize: bytes.length + children.reduce((a, c) => a + c.tsize, 0),
      fileSize: children.reduce((a, c) => a + c.fileSize, 0),
      start: children[0].start,
      end: children[children.length - 1].end
    }
    if (this.levels[k + 1] === undefined) { this.levels[k + 1] = []; this.produced[k + 1] = 0 }
    this.levels[k + 1].push(entry)
    this.produced[k + 1]++
    return { cid, bytes, start: entry.start, end: entry.end, leaf: false }
  }
}
