/**
 * The flow's bytes on disk: one logical, append-only byte space (flow position × 256) cut into
 * fixed-size part files so the log can grow past what one file comfortably holds. Writes and reads
 * are positioned (`FileHandle.write/read` with a position); nothing is ever appended by seeking, so
 * the byte at flow offset o is at the same place on every node. Ranges never written are holes
 * and read back as zeros — exactly the flow's zero padding.
 */
import { open, mkdir, constants, type FileHandle } from 'node:fs/promises'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { CHUNK_SIZE } from '../../protocol/storage/index.js'
import { InvalidInputError } from '../../protocol/errors.js'

/** Default part size: 1 GiB. */
export const DEFAULT_PART_SIZE = 2 ** 30

/** How reclaimed ranges give their space back. */
export type ReclaimMode = 'auto' | 'punch-hole' | 'zero'

export interface FlowLogOptions {
  /** Folder of the part files (created if missing). */
  dir: string
  /** Bytes per part file; a multiple of 256 (default 1 GiB). Must never change for a given folder. */
  partSize?: number
  /** `punch-hole` frees disk blocks with util-linux `fallocate --punch-hole` (Node has no fallocate); `zero` overwrites with zeros; `auto` tries the first and falls back (default). */
  reclaim?: ReclaimMode
}

const ZEROS = new Uint8Array(1 << 20)

/**
 * Positioned I/O over the flow's part files.
 * @example const log = await FlowLog.open({ dir }); await log.write(flowStart * 256, bytes); await log.read(flowStart * 256, 256)
 */
export class FlowLog {
  private readonly handles = new Map<number, Promise<FileHandle>>()
  private closed = false
  private punchWorks: boolean | undefined

  private constructor (readonly dir: string, readonly partSize: number, private readonly reclaimMode: ReclaimMode) {}

  /**
   * Opens (creating the folder if needed) a flow log.
   * @example const log = await FlowLog.open({ dir: 'data/flow', partSize: 2 ** 30 })
   */
  static async open (options: FlowLogOptions): Promise<FlowLog> {
    const partSize = options.partSize ?? DEFAULT_PART_SIZE
    if (!Number.isSafeInteger(partSize) || partSize <= 0 || partSize % CHUNK_SIZE !== 0) {
      throw new InvalidInputError(`flow part size must be a positive multiple of ${CHUNK_SIZE}, got ${partSize}`)
    }
    await mkdir(options.dir, { recursive: true })
    return new FlowLog(options.dir, partSize, options.reclaim ?? 'auto')
  }

  /** Path of part file `n`. @example log.partPath(0) // 'data/flow/flow-000000.dat' */
  partPath (n: number): string { return join(this.dir, `flow-${String(n).padStart(6, '0')}.dat`) }

  private async handle (part: number, create: boolean): Promise<FileHandle | undefined> {
    if (this.closed) throw new InvalidInputError('flow log is closed')
    const cached = this.handles.get(part)
    if (cached !== undefined) {
      try { return await cached } catch { /* a failed open is retried below */ }
    }
    if (!create) {
      // Reads of a part never written are zeros: don't create files for them.
      let fh: FileHandle
      try {
        fh = await open(this.partPath(part), 'r+')
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw err
      }
      const raced = this.handles.get(part)
      if (raced !== undefined) { await fh.close(); return await raced }
      this.handles.set(part, Promise.resolve(fh))
      return fh
    }
    const opening = this.createPart(part)
    this.handles.set(part, opening)
    try {
      return await opening
    } catch (err) {
      if (this.handles.get(part) === opening) this.handles.delete(part)
      throw err
    }
  }

  private async createPart (part: number): Promise<FileHandle> {
    let existed = true
    let fh: FileHandle
    try {
      fh = await open(this.partPath(part), 'r+')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
      existed = false
      // O_CREAT without O_APPEND (positioned writes are ignored in append mode) and without O_TRUNC.
      fh = await open(this.partPath(part), constants.O_RDWR | constants.O_CREAT, 0o644)
    }
    if (!existed) {
      // A new file's directory entry must be durable too, or a power cut could lose a whole part.
      const d = await open(this.dir, 'r')
      try { await d.sync() } finally { await d.close() }
    }
    return fh
  }

  /** Splits [offset, offset+length) into per-part pieces. */
  private pieces (offset: number, length: number): Array<{ part: number, at: number, from: number, len: number }> {
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(offset + length) || length < 0) {
      throw new InvalidInputError(`flow range [${offset}, +${length}) is not a valid byte range`)
    }
    const out = []
    for (let o = offset, from = 0; from < length;) {
      const part = Math.floor(o / this.partSize)
      const at = o - part * this.partSize
      const len = Math.min(length - from, this.partSize - at)
      out.push({ part, at, from, len })
      o += len
      from += len
    }
    return out
  }

  /**
   * Writes `bytes` at flow byte `offset`; with `sync` (default) every touched part is fdatasync'd
   * before this resolves, so the bytes survive a crash of the process or the machine.
   * @example await log.write(flowStart * 256, segment)
   */
  async write (offset: number, bytes: Uint8Array, options: { sync?: boolean } = {}): Promise<void> {
    const touched = new Set<FileHandle>()
    for (const p of this.pieces(offset, bytes.length)) {
      const fh = (await this.handle(p.part, true))!
      for (let done = 0; done < p.len;) {
        const { bytesWritten } = await fh.write(bytes, p.from + done, p.len - done, p.at + done)
        done += bytesWritten
      }
      touched.add(fh)
    }
    if (options.sync !== false) for (const fh of touched) await fh.datasync()
  }

  /**
   * Reads `length` bytes at flow byte `offset` (holes and unwritten parts read as zeros).
   * @example const chunk = await log.read(position * 256, 256)
   */
  async read (offset: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length)
    for (const p of this.pieces(offset, length)) {
      const fh = await this.handle(p.part, false)
      if (fh === undefined) continue
      for (let done = 0; done < p.len;) {
        const { bytesRead } = await fh.read(out, p.from + done, p.len - done, p.at + done)
        if (bytesRead === 0) break // past the part's end: zeros
        done += bytesRead
      }
    }
    return out
  }

  /**
   * Gives back the space of the given byte ranges: afterwards they read as zeros, and (punch-hole)
   * their disk blocks are freed. Durable when it resolves. Returns the method used.
   * @example await log.reclaim([{ offset: 0, length: 262144 }]) // 'punch-hole'
   */
  async reclaim (ranges: Array<{ offset: number, length: number }>): Promise<'punch-hole' | 'zero'> {
    let mode: 'punch-hole' | 'zero' = this.reclaimMode === 'zero' || this.punchWorks === false ? 'zero' : 'punch-hole'
    const touched = new Set<FileHandle>()
    for (const r of ranges) {
      for (const p of this.pieces(r.offset, r.length)) {
        const fh = await this.handle(p.part, false)
        if (fh === undefined) continue
        touched.add(fh)
        if (mode === 'punch-hole') {
          try {
            await punchHole(this.partPath(p.part), p.at, p.len)
            this.punchWorks = true
            continue
          } catch (err) {
            if (this.reclaimMode === 'punch-hole') throw err
            this.punchWorks = false
            mode = 'zero'
          }
        }
        // Zero only what was written: writing zeros into a hole would allocate it.
        for (let done = 0; done < p.len;) {
          const n = Math.min(ZEROS.length, p.len - done)
          await fh.write(ZEROS, 0, n, p.at + done)
          done += n
        }
      }
    }
    for (const fh of touched) await fh.datasync()
    return mode
  }

  /** Closes every open part file. @example await log.close() */
  async close (): Promise<void> {
    this.closed = true
    const hs = [...this.handles.values()]
    this.handles.clear()
    await Promise.all(hs.map(async (h) => { try { await (await h).close() } catch {} }))
  }
}

async function punchHole (path: string, offset: number, length: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    execFile('fallocate', ['--punch-hole', '--keep-size', '--offset', String(offset), '--length', String(length), path], (err, _out, stderr) => {
      if (err !== null) reject(new Error(`fallocate --punch-hole failed: ${stderr.trim() || err.message}`, { cause: err }))
      else resolve()
    })
  })
}
