/**
 * The WASM keccak backend for 0G merkle trees (AssemblyScript, built by `npm ci` into
 * wasm/generated/keccak.ts as base64 so one import works in Node, browsers and workers).
 * It implements protocol/storage's ChunkHasher; the pure-JS nobleHasher is the fallback
 * (workerd forbids compiling WASM from bytes at run time, so the edge keeps noble unless it
 * ships this module as a WASM import).
 */
import { wasmBase64 } from '../generated/keccak.js'
import { type ChunkHasher, checkChunkData } from '../../protocol/storage/hasher.js'
import { CHUNK_SIZE, SEGMENT_CHUNKS, SEGMENT_SIZE } from '../../protocol/storage/layout.js'

interface KeccakExports {
  memory: WebAssembly.Memory
  hashChunks: (src: number, n: number, dst: number) => void
  hashPairs: (src: number, n: number, dst: number) => void
  chunksRoot: (src: number, n: number, scratch: number, dst: number) => void
  heapBase: () => number
}

function decodeBase64 (b64: string): Uint8Array {
  const bin = atob(b64)
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}

let compiled: WebAssembly.Module | undefined
/** The compiled module (compiled once per realm; 3 KB, so synchronous compilation is allowed everywhere). */
export function keccakWasmModule (): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(decodeBase64(wasmBase64) as Uint8Array<ArrayBuffer>)
  return compiled
}

/**
 * A fresh WASM-backed ChunkHasher (one instance owns its own memory; not shared across threads).
 * @example const hasher = createWasmHasher(); toHex(fileRoot(bytes, hasher))
 */
export function createWasmHasher (module: WebAssembly.Module = keccakWasmModule()): ChunkHasher {
  const ex = new WebAssembly.Instance(module, {
    env: { abort: () => { throw new Error('keccak wasm: abort') } }
  }).exports as unknown as KeccakExports
  const base = (ex.heapBase() + 15) & ~15
  const SRC = base
  const SCRATCH = SRC + SEGMENT_SIZE
  const OUT = SCRATCH + SEGMENT_CHUNKS * 32
  const end = OUT + 64
  if (ex.memory.buffer.byteLength < end) ex.memory.grow(Math.ceil((end - ex.memory.buffer.byteLength) / 65536))
  const mem = (): Uint8Array => new Uint8Array(ex.memory.buffer)

  return {
    leafHashes (data) {
      const n = checkChunkData(data, Number.MAX_SAFE_INTEGER)
      const out = new Uint8Array(n * 32)
      for (let first = 0; first < n; first += SEGMENT_CHUNKS) {
        const k = Math.min(SEGMENT_CHUNKS, n - first)
        const m = mem()
        m.set(data.subarray(first * CHUNK_SIZE, (first + k) * CHUNK_SIZE), SRC)
        ex.hashChunks(SRC, k, SCRATCH)
        out.set(m.subarray(SCRATCH, SCRATCH + k * 32), first * 32)
      }
      return out
    },
    chunksRoot (data) {
      const n = checkChunkData(data)
      const m = mem()
      m.set(data, SRC)
      ex.chunksRoot(SRC, n, SCRATCH, OUT)
      return m.slice(OUT, OUT + 32)
    },
    hashPair (left, right) {
      const m = mem()
      m.set(left, OUT)
      m.set(right, OUT + 32)
      ex.hashPairs(OUT, 1, OUT)
      return m.slice(OUT, OUT + 32)
    }
  }
}
