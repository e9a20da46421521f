/**
 * The 0G root of a file on disk, using every core: worker threads read their segments with
 * positioned reads and hash them with the WASM keccak kernel; the main thread only hands out
 * batches and folds segment roots in order. Memory stays flat in file size (each worker holds one
 * batch buffer; results are 32 bytes per segment).
 */
import { Worker } from 'node:worker_threads'
import { open } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { fileLayout, segmentChunkCount, MerkleAccumulator, SEGMENT_SIZE, zeroSubtreeRoot, type FileLayout } from '../../protocol/storage/index.js'
import { keccakWasmModule, createWasmHasher } from '../../wasm/keccak/index.js'
import { GlowmeshError } from '../../protocol/errors.js'

/** Segments per batch handed to a worker (4 MiB): large enough to amortise messaging. */
const BATCH_SEGMENTS = 16

// Eval'd worker (CommonJS): self-contained so it runs the same under vitest (TS sources) and dist/.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const fs = require('node:fs')
const ex = new WebAssembly.Instance(workerData.module, { env: { abort () { throw new Error('keccak wasm abort') } } }).exports
const SEG = ${SEGMENT_SIZE}
const SRC = (ex.heapBase() + 15) & ~15, SCRATCH = SRC + SEG, OUT = SCRATCH + 32768
if (ex.memory.buffer.byteLength < OUT + 64) ex.memory.grow(Math.ceil((OUT + 64 - ex.memory.buffer.byteLength) / 65536))
const fd = fs.openSync(workerData.path, 'r')
parentPort.on('message', (job) => {
  if (job === null) { fs.closeSync(fd); parentPort.close(); return }
  try {
    const roots = new Uint8Array(32 * job.counts.length)
    for (let k = 0; k < job.counts.length; k++) {
      const mem = new Uint8Array(ex.memory.buffer)
      const want = job.lengths[k], n = job.counts[k]
      let got = 0
      while (got < want) {
        const r = fs.readSync(fd, mem, SRC + got, want - got, job.offset + k * SEG + got)
        if (r === 0) throw new Error('file shrank while hashing (offset ' + (job.offset + k * SEG + got) + ')')
        got += r
      }
      if (want < n * 256) mem.fill(0, SRC + want, SRC + n * 256)
      ex.chunksRoot(SRC, n, SCRATCH, OUT)
      roots.set(mem.subarray(OUT, OUT + 32), 32 * k)
    }
    parentPort.postMessage({ id: job.id, roots }, [roots.buffer])
  } catch (err) {
    parentPort.postMessage({ id: job.id, error: String(err && err.message || err) })
  }
})
`

/** A file changed or could not be read while its root was computed. */
export class FileReadError extends GlowmeshError {
  override name = 'FileReadError'
  constructor (message: string) { super('FILE_READ', message) }
}

export interface RootOfFileOptions {
  /** Worker threads (default: available cores; 0 hashes on the calling thread). */
  workers?: number
  signal?: AbortSignal
}

/**
 * The 0G root and size of the file at `path`. Throws EmptyFileError for an empty file.
 * @example const { root, size } = await rootOfFile('model.bin')
 */
export async function rootOfFile (path: string, options: RootOfFileOptions = {}): Promise<{ root: Uint8Array, size: number }> {
  const handle = await open(path, 'r')
  let size: number
  try {
    size = (await handle.stat()).size
  } finally {
    await handle.close()
  }
  const layout = fileLayout(size)
  const workers = Math.min(options.workers ?? availableParallelism(), Math.ceil(layout.dataSegments / BATCH_SEGMENTS))
  const root = workers <= 0 || layout.dataSegments <= 2
    ? await rootOnThisThread(path, layout, options.signal)
    : await rootOnWorkers(path, layout, workers, options.signal)
  return { root, size }
}

async function rootOnThisThread (path: string, layout: FileLayout, signal?: AbortSignal): Promise<Uint8Array> {
  const { FileRootBuilder } = await import('../../protocol/storage/index.js')
  const builder = new FileRootBuilder(createWasmHasher())
  const handle = await open(path, 'r')
  try {
    const buf = new Uint8Array(4 * SEGMENT_SIZE)
    for (let off = 0; off < layout.size;) {
      signal?.throwIfAborted()
      const { bytesRead } = await handle.read(buf, 0, Math.min(buf.length, layout.size - off), off)
      if (bytesRead === 0) throw new FileReadError(`file shrank while hashing (offset ${off})`)
      builder.update(buf.subarray(0, bytesRead))
      off += bytesRead
    }
  } finally {
    await handle.close()
  }
  return builder.digest()
}

async function rootOnWorkers (path: string, layout: FileLayout, count: number, signal?: AbortSignal): Promise<Uint8Array> {
  const module = keccakWasmModule()
  const pool = Array.from({ length: count }, () => new Worker(WORKER_SOURCE, { eval: true, workerData: { module, path } }))
  const acc = new MerkleAccumulator(createWasmHasher().hashPair)
  const batches = Math.ceil(layout.dataSegments / BATCH_SEGMENTS)
  const done = new Map<number, Uint8Array>()
  let nextBatch = 0
  let nextToFold = 0

  try {
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => { reject(signal?.reason ?? new Error('aborted')) }
      signal?.addEventListener('abort', onAbort, { once: true })
      if (signal?.aborted === true) { onAbort(); return }
      const dispatch = (worker: Worker): void => {
        if (nextBatch >= batches) return
        const id = nextBatch++
        const first = id * BATCH_SEGMENTS
        const last = Math.min(first + BATCH_SEGMENTS, layout.dataSegments)
        const counts: number[] = []
        const lengths: number[] = []
        for (let s = first; s < last; s++) {
          counts.push(segmentChunkCount(layout, s))
          lengths.push(Math.min(SEGMENT_SIZE, layout.size - s * SEGMENT_SIZE))
        }
        worker.postMessage({ id, offset: first * SEGMENT_SIZE, counts, lengths })
      }
      for (const worker of pool) {
        worker.on('error', reject)
        worker.on('message', (msg: { id: number, roots?: Uint8Array, error?: string }) => {
          if (msg.error !== undefined) { reject(new FileReadError(msg.error)); return }
          done.set(msg.id, msg.roots!)
          while (done.has(nextToFold)) {
            const roots = done.get(nextToFold)!
            done.delete(nextToFold++)
            for (let i = 0; i < roots.length; i += 32) acc.push(roots.subarray(i, i + 32))
          }
          if (nextToFold === batches) { signal?.removeEventListener('abort', onAbort); resolve(); return }
          dispatch(worker)
        })
        // Two batches in flight per worker so it never waits on the main thread.
        dispatch(worker)
        dispatch(worker)
      }
    })
  } finally {
    await Promise.all(pool.map(async (w) => await w.terminate()))
  }
  for (let s = layout.dataSegments; s < layout.segments; s++) acc.push(zeroSubtreeRoot(10))
  return acc.root()
}
