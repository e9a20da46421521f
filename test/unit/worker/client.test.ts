// worker/client.ts against an in-process stand-in for a Worker that runs worker/handlers.ts (the
// code the real worker runs) asynchronously: ids, typed errors by name and code, transfer of the
// seal input and hand-back, abort of a queued and of a running call, a crash, terminate.
// The real module Worker in Chromium is covered by test/browser/storage.test.ts.
import { describe, expect, it } from 'vitest'
import { createLightWorker, type WorkerLike } from '../../../worker/client.js'
import { runOp } from '../../../worker/handlers.js'
import { READY_ID, type WorkerRequest } from '../../../worker/protocol.js'
import { sealSector, unsealSector, TEST_SEAL_PARAMS } from '../../../protocol/pora/index.js'
import { equalBytes } from '../../../protocol/bytes.js'

interface Fake extends WorkerLike { terminated: boolean, posted: number[], crash: (message: string) => void }

/** A Worker double: messages are structured-cloned (with transfer) and handled after `delayMs`. */
function fakeSpawner (o: { delayMs?: number, ready?: boolean } = {}): { spawn: () => WorkerLike, spawned: Fake[] } {
  const spawned: Fake[] = []
  return {
    spawned,
    spawn () {
      const listeners: Record<string, Array<(e: any) => void>> = { message: [], error: [], messageerror: [] }
      const fire = (type: string, e: any): void => { if (!w.terminated) for (const l of listeners[type]) l(e) }
      const w: Fake = {
        terminated: false,
        posted: [],
        addEventListener (type, l) { listeners[type].push(l) },
        terminate () { w.terminated = true },
        crash (message) { fire('error', { message, preventDefault () {} }) },
        postMessage (message, transfer) {
          const req = structuredClone(message, { transfer }) as WorkerRequest
          w.posted.push(req.id)
          setTimeout(() => {
            runOp(req).then(({ result, transfer: back }) => {
              fire('message', { data: structuredClone({ id: req.id, ok: true, result }, { transfer: back }) })
            }, (err) => { fire('message', { data: { id: req.id, ok: false, error: { name: err.name, code: err.code, message: err.message } } }) })
          }, o.delayMs ?? 0)
        }
      }
      if (o.ready !== false) setTimeout(() => fire('message', { data: { id: READY_ID, ok: true, result: null } }), 0)
      spawned.push(w)
      return w
    }
  }
}

const nodeId = new Uint8Array(32).fill(7)
const data = (): Uint8Array => new Uint8Array(TEST_SEAL_PARAMS.sectorChunks * 256).map((_, i) => (i * 31) & 0xff)

describe('createLightWorker (worker/client.ts)', () => {
  it('seals, proves and unseals like protocol/pora; the seal input is transferred and handed back', async () => {
    const { spawn, spawned } = fakeSpawner()
    const lw = createLightWorker({ spawn })
    const input = data()
    const expected = sealSector({ data: data(), nodeId, sectorStart: 0, params: TEST_SEAL_PARAMS })
    const out = await lw.seal({ data: input, nodeId, sectorStart: 0, params: TEST_SEAL_PARAMS })
    expect(input.byteLength).toBe(0) // transferred, not copied
    expect(equalBytes(out.data!, data())).toBe(true)
    expect(equalBytes(out.sealed, expected.sealed)).toBe(true)
    expect(equalBytes(out.commitment.commR, expected.commitment.commR)).toBe(true)
    const proof = await lw.prove({ data: out.data!, commitment: out.commitment, params: TEST_SEAL_PARAMS, seed: new Uint8Array(32).fill(1) })
    expect(proof.length).toBeGreaterThan(100)
    expect(out.data!.byteLength).toBe(TEST_SEAL_PARAMS.sectorChunks * 256) // prove copies: the caller keeps its data
    const sealedCopy = out.sealed.slice()
    const plain = await lw.unseal({ sealed: out.sealed, nodeId, sectorStart: 0, params: TEST_SEAL_PARAMS })
    expect(equalBytes(plain, unsealSector({ sealed: sealedCopy, nodeId, sectorStart: 0, params: TEST_SEAL_PARAMS }))).toBe(true)
    expect(equalBytes(plain, data())).toBe(true)
    expect(spawned).toHaveLength(1) // one seal lane, reused
    expect(lw.stats()).toMatchObject({ calls: 3, failed: 0, aborted: 0, spawned: 1 })
    lw.terminate()
  })

  it('re-throws the worker’s errors as the same typed errors', async () => {
    const lw = createLightWorker({ spawn: fakeSpawner().spawn })
    await expect(lw.seal({ data: new Uint8Array(10), nodeId, sectorStart: 0, params: TEST_SEAL_PARAMS }))
      .rejects.toMatchObject({ name: 'InvalidSealParamsError', code: 'PORA_INVALID_PARAMS' })
    await expect(lw.kzg.verifyCells({ commitments: [new Uint8Array(3)], cellIndices: [0], cells: [new Uint8Array(2048)], proofs: [new Uint8Array(48)] }))
      .rejects.toMatchObject({ name: 'MalformedCellError', code: 'MALFORMED_CELL' })
    lw.terminate()
  })

  it('an aborted queued call never reaches the worker; an aborted running call terminates it and the next call gets a fresh one', async () => {
    const { spawn, spawned } = fakeSpawner({ delayMs: 200 })
    const lw = createLightWorker({ spawn })
    const running = new AbortController()
    const queued = new AbortController()
    const p1 = lw.unseal({ sealed: new Uint8Array(TEST_SEAL_PARAMS.sectorChunks * 256), nodeId, sectorStart: 0, params: TEST_SEAL_PARAMS }, { signal: running.signal })
    const p2 = lw.unseal({ sealed: new Uint8Array(TEST_SEAL_PARAMS.sectorChunks * 256), nodeId, sectorStart: 0, params: TEST_SEAL_PARAMS }, { signal: queued.signal })
    queued.abort()
    await expect(p2).rejects.toMatchObject({ name: 'WorkerAbortedError', code: 'WORKER_ABORTED' })
    expect(spawned[0].posted).toHaveLength(1)
    running.abort()
    await expect(p1).rejects.toMatchObject({ name: 'WorkerAbortedError' })
    expect(spawned[0].terminated).toBe(true)
    const after = await lw.unseal({ sealed: new Uint8Array(TEST_SEAL_PARAMS.sectorChunks * 256), nodeId, sectorStart: 0, params: TEST_SEAL_PARAMS })
    expect(after.length).toBe(TEST_SEAL_PARAMS.sectorChunks * 256)
    expect(spawned).toHaveLength(2)
    expect(lw.stats().aborted).toBe(2)
    lw.terminate()
  })

  it('a crash fails the running call (WorkerCrashedError), a worker that never loads gives WorkerUnavailableError; terminate fails the rest', async () => {
    const { spawn, spawned } = fakeSpawner({ delayMs: 100 })
    const lw = createLightWorker({ spawn })
    await lw.kzg.verifyCells({ commitments: [], cellIndices: [], cells: [], proofs: [] }) // loads the lane
    const p = lw.unseal({ sealed: new Uint8Array(TEST_SEAL_PARAMS.sectorChunks * 256), nodeId, sectorStart: 0, params: TEST_SEAL_PARAMS })
    await new Promise((resolve) => setTimeout(resolve, 20))
    spawned[1].crash('out of memory')
    await expect(p).rejects.toMatchObject({ name: 'WorkerCrashedError', code: 'WORKER_CRASHED' })

    const never = fakeSpawner({ ready: false, delayMs: 100 })
    const lw2 = createLightWorker({ spawn: never.spawn })
    const q = lw2.kzg.preload()
    never.spawned[0].crash('404 light-worker.js')
    await expect(q).rejects.toMatchObject({ name: 'WorkerUnavailableError', code: 'WORKER_UNAVAILABLE' })

    const pending = lw.unseal({ sealed: new Uint8Array(TEST_SEAL_PARAMS.sectorChunks * 256), nodeId, sectorStart: 0, params: TEST_SEAL_PARAMS })
    lw.terminate()
    await expect(pending).rejects.toMatchObject({ name: 'WorkerTerminatedError', code: 'WORKER_TERMINATED' })
    await expect(lw.kzg.preload()).rejects.toMatchObject({ name: 'WorkerTerminatedError' })
    lw2.terminate()
  })
})
