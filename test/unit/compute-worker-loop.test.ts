// The browser node's compute contribution without a network (client/browser/compute.ts): the backend
// is picked from what the dedicated Worker says (WebGPU adapter → 'webgpu'; none → the CPU in the
// Worker, with why; 'webgpu' demanded without one → ComputeStartError), start/stop and the status
// shape; and the isomorphic loop's verified file fetch (client/compute/worker-loop.ts) refuses a
// segment that doesn't hash to the root.
import { describe, expect, it } from 'vitest'
import { generateKey } from '../../protocol/chain/index.js'
import { fileLayout, SegmentTree, segmentBytes } from '../../protocol/storage/index.js'
import { toHex } from '../../protocol/bytes.js'
import { createBrowserCompute, ComputeStartError } from '../../client/browser/compute.js'
import { fetchVerifiedFile } from '../../client/compute/worker-loop.js'
import { WebGpuUnavailableError } from '../../worker/gpu/errors.js'
import type { LightWorker } from '../../worker/client.js'
import type { RpcClient } from '../../fullnode/rpc/client.js'

// Nothing listens on port 1: the loop's first RPC call fails at once and is recorded as lastError.
const RPC = 'http://127.0.0.1:1'

function fakeWorker (adapter: boolean): LightWorker {
  return {
    gpuInfo: async () => {
      if (!adapter) throw new WebGpuUnavailableError('navigator.gpu.requestAdapter() returned null')
      return { vendor: 'google', architecture: 'swiftshader', device: '', description: 'SwiftShader', dot: 'scalar', packedDotAvailable: false } as any
    }
  } as unknown as LightWorker
}

describe('createBrowserCompute', () => {
  it('uses the Worker\'s WebGPU adapter when it has one', async () => {
    const key = generateKey()
    const c = createBrowserCompute({ rpcUrl: RPC, key, chainId: 'test', worker: fakeWorker(true) })
    expect(await c.computeStatus()).toMatchObject({ state: 'off', address: key.address, jobsDone: 0, jobs: [] })
    const s = await c.startComputing()
    expect(s).toMatchObject({ state: 'running', backend: 'webgpu', adapter: 'google swiftshader SwiftShader' })
    await c.stopComputing()
    expect((await c.computeStatus()).state).toBe('off')
  })

  it('falls back to the CPU in the Worker without an adapter, saying why; never for backend webgpu', async () => {
    const c = createBrowserCompute({ rpcUrl: RPC, key: generateKey(), chainId: 'test', worker: fakeWorker(false) })
    const err = await c.startComputing({ backend: 'webgpu' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ComputeStartError)
    expect(err).toMatchObject({ name: 'ComputeStartError', code: 'COMPUTE_START' })
    expect((await c.computeStatus()).state).toBe('error')
    const s = await c.startComputing()
    expect(s.backend).toBe('cpu')
    expect(s.adapter).toMatch(/^none \(WebGpuUnavailableError: navigator\.gpu/)
    await c.stopComputing()
    await expect(c.startComputing({ backend: 'gpu' as never })).rejects.toMatchObject({ code: 'COMPUTE_START' })
  })

  it('without a dedicated Worker it runs on the page\'s CPU; stopComputing ends a loop still waiting for funds', async () => {
    const c = createBrowserCompute({ rpcUrl: RPC, key: generateKey(), chainId: 'test' })
    expect(await c.startComputing()).toMatchObject({ state: 'running', backend: 'cpu', adapter: expect.stringMatching(/no dedicated Worker/) })
    expect((await c.startComputing()).state).toBe('running') // idempotent
    await new Promise((resolve) => setTimeout(resolve, 300)) // the loop is in the faucet's retry wait (nothing listens)
    await c.stopComputing() // resolves once the loop has ended (the abort cuts the faucet wait)
    expect((await c.computeStatus()).state).toBe('off')
  })
})

describe('fetchVerifiedFile', () => {
  const bytes = new Uint8Array(300_000).map((_, i) => (i * 31) & 0xff)
  const layout = fileLayout(bytes.length)
  const tree = SegmentTree.fromBytes(layout, bytes)
  const root = toHex(tree.root)
  const rpc = (tamper: number | undefined): RpcClient => ({
    url: 'memory:',
    file: async () => ({ root, size: bytes.length }),
    getSegment: async (_root: string, i: number) => {
      const seg = segmentBytes(bytes, i).slice()
      if (i === tamper) seg[7] ^= 1
      return { bytes: seg, proof: tree.proof(i) }
    }
  }) as unknown as RpcClient

  it('returns the file when every segment verifies against the root', async () => {
    expect(layout.dataSegments).toBeGreaterThan(1)
    expect(await fetchVerifiedFile(rpc(undefined), root)).toEqual(bytes)
  })

  it('refuses a served segment that does not hash to the root (MarketError BAD_SEGMENT)', async () => {
    await expect(fetchVerifiedFile(rpc(1), root)).rejects.toMatchObject({ name: 'MarketError', code: 'BAD_SEGMENT' })
  })
})
