// An in-process chain for PoRA tests: the real ABCI app (ledger + MPT), a real FlowStore on disk,
// blocks driven every few ms, a mempool through CheckTx, and a LightTransport whose two "full
// nodes" read that store. Only the network is left out (test/integration/pora uses a devnet).
import { join } from 'node:path'
import { FlowStore } from '../../../fullnode/store/index.js'
import { SegmentTree, fileLayout, fileRoot, segmentBytes } from '../../../protocol/storage/index.js'
import { createWasmHasher } from '../../../wasm/keccak/index.js'
import type { LightStore, LightTransport } from '../../../client/types.js'
import { newApp, testGenesis, tempDir, tx, users, block, blockHash, type TestKey } from '../app/helpers.js'
import type { GlowmeshApp } from '../../../fullnode/app/app.js'
import { decodeRecord } from '../../../protocol/chain/state-proof.js'

export const SEAL = { sectorChunks: 4096, layers: 16, baseParents: 6, expanderParents: 8 } // the devnet's
export const hasher = createWasmHasher()

/** A LightStore in memory (the Node file store is the light node engineer's). */
export function memoryStore (): LightStore & { map: Map<string, Uint8Array> } {
  const map = new Map<string, Uint8Array>()
  return {
    map,
    get: async (k) => map.get(k),
    put: async (k, v) => { map.set(k, v) },
    delete: async (k) => { map.delete(k) },
    keys: async (p) => [...map.keys()].filter((k) => k.startsWith(p)).sort(),
    close: async () => {}
  }
}

export interface Chain {
  app: GlowmeshApp
  store: FlowStore
  submit: (tx: Uint8Array) => Promise<{ code: number, log: string }>
  transport: LightTransport
  query: (path: string) => Promise<Uint8Array | null>
  node: (nodeId: Uint8Array) => Promise<ReturnType<typeof decodeRecord<'node'>> | null>
  stop: () => Promise<void>
}

/** Starts the chain with one uploaded file of `fileBytes` (flow = whole sectors of it). */
export async function startChain (fileBytes: number, over: Record<string, unknown> = {}): Promise<Chain> {
  const { dir, cleanup } = await tempDir()
  const app = await newApp(join(dir, 'state'), testGenesis({ seal: SEAL, epochBlocks: 1000, unbondDelayBlocks: 2000, ...over }))
  const store = await FlowStore.open({ dir: join(dir, 'flow'), sync: false })
  let lock: Promise<unknown> = Promise.resolve()
  const serial = async <T>(fn: () => Promise<T>): Promise<T> => { const p = lock.then(fn, fn); lock = p.catch(() => {}); return await p }
  const pending: Uint8Array[] = []
  const submit = async (t: Uint8Array): Promise<{ code: number, log: string }> => await serial(async () => {
    const r = await app.checkTx({ tx: t, type: 0 } as any)
    if (r.code === 0) pending.push(t)
    return { code: r.code, log: r.log }
  })
  // the file: deterministic bytes, submitted then uploaded to the store
  const data = new Uint8Array(fileBytes).map((_, i) => (i * 31 + 7) & 0xff)
  const root = fileRoot(data, hasher)
  const u = users[0]
  await serial(async () => await block(app, [tx(u, 0, 'storage.submit', { root, cid: new Uint8Array(), size: data.length, durationEpochs: 10 })]))
  await store.allocate({ root, cid: '', size: data.length, flowStart: 0, height: app.state.height, expiresAtEpoch: 10 })
  const layout = fileLayout(data.length)
  const tree = SegmentTree.fromBytes(layout, data, hasher)
  for (let i = 0; i < layout.dataSegments; i++) await store.putSegment(root, i, segmentBytes(data, i), tree.proof(i))
  let stopped = false
  const loop = (async () => {
    while (!stopped) {
      await serial(async () => await block(app, pending.splice(0)))
      await new Promise((resolve) => setTimeout(resolve, 30))
    }
  })()
  const query = async (path: string): Promise<Uint8Array | null> => {
    const r = await serial(async () => await app.query({ path: `/${path}`, data: new Uint8Array(), height: 0n, prove: false }))
    return r.value.length === 0 ? null : r.value
  }
  const transport: LightTransport = {
    peers: () => ['full-a', 'full-b'],
    lightBlock: async () => { throw new Error('no headers in-process: StorageHost.blockHash is used') },
    sample: async () => { throw new Error('no DA here') },
    flowSegment: async (_peer, position) => ({ bytes: await store.readFlow(position, 1024) }),
    submitTx: async (_peer, t) => ({ txHash: new Uint8Array(32), ...(await submit(t)) }),
    queryState: async (_peer, path) => ({ value: (await query(path)) ?? new Uint8Array(), proof: new Uint8Array(), height: BigInt(app.state.height) }),
    reportPeer: () => {},
    localPeerId: () => 'light',
    close: async () => {}
  }
  return {
    app, store, submit, transport, query,
    node: async (nodeId) => { const v = await query(`node/${Buffer.from(nodeId).toString('hex').replace(/^/, '0x')}`); return v === null ? null : decodeRecord('node', v) },
    async stop () { stopped = true; await loop; await store.close(); await app.close(); await cleanup() }
  }
}

/** Funds `k` from users[1..]. */
export async function fund (chain: Chain, from: TestKey, nonce: number, to: TestKey, amount: bigint): Promise<void> {
  const r = await chain.submit(tx(from, nonce, 'transfer', { to: Buffer.from(to.address.slice(2), 'hex'), amount }))
  if (r.code !== 0) throw new Error(r.log)
}

export { blockHash }
