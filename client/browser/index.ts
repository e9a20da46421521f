/**
 * The browser light node (client/browser): the client/ core with an IndexedDB store and a libp2p
 * (Helia) transport (WebSockets + WebRTC-direct to full nodes, WebRTC to browsers through the relay). `startBrowserLightNode` is what a page calls; it exposes
 * `window.glowmesh` for tests and the dashboard. See README.md.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { jsKzg } from '../../protocol/da/index.js'
import { fromHex, toHex, equalBytes } from '../../protocol/bytes.js'
import { createLightNode, type LightNode } from '../light-node.js'
import { pinGenesis } from '../genesis.js'
import { GenesisMismatchError } from '../errors.js'
import type { AcceptedHeader, LightStatus, LightStore } from '../types.js'
import { createIdbStore } from './idb-store.js'
import { createBrowserTransport, type BrowserTransport } from './transport.js'
import { RpcFetchError } from './errors.js'
import type { BrowserTab } from './tab.js'
import { createLightWorker, type LightWorker } from '../../worker/client.js'
import { checkPledge, createBrowserStorage, type BrowserStorage, type Contribution } from './storage.js'
import { exportKey as exportStoredKey, importKey as importStoredKey, loadOrCreateIdentity, parseKeyFile } from './identity.js'
import type { Ed25519Key, KeyFile } from '../../protocol/chain/keyfile.js'
import { openCellCache } from '../cell-cache.js'
import { openSegmentCache } from '../segment-cache.js'
import { servePeerRequests } from './peer-serve.js'
import { createBrowserFiles, type BrowserFetchFile } from './files.js'
import { createBrowserCompute, type BrowserCompute } from './compute.js'
import type { PeerInfo } from './browser-peers.js'

export { createIdbStore, MAX_IDB_VALUE_BYTES, type IdbStoreOptions } from './idb-store.js'
export { createBrowserTransport, type BrowserTransport, type BrowserTransportOptions } from './transport.js'
export { RpcFetchError, IndexedDbError } from './errors.js'
export { createBrowserStorage, checkPledge, storageAvailable, QuotaTooSmallError, StorageQuotaExceededError, ContributionStateError, type BrowserStorage, type BrowserStorageOptions, type Contribution, type ChallengeRecord, type ContributionEvent } from './storage.js'
export { exportKey, importKey, parseKeyFile, readIdentity, loadOrCreateIdentity, ensureFunded, InvalidKeyError, FaucetError, IDENTITY_KEY } from './identity.js'
export { electLeader, leaderExists, WebLocksUnavailableError, ElectionAbortedError, type LeaderLock, type ElectLeaderOptions } from './leader.js'
export { serveRpc, createRpcClient, remoteAsLocal, NoLeaderError, RpcTimeoutError, RpcAbortedError, RpcRemoteError, NotSupportedError, type RpcApi, type RpcClient, type RpcServer, type RpcCallOptions, type RpcStreamOptions, type RpcContext } from './rpc.js'

/** Options of startBrowserLightNode. */
export interface BrowserLightNodeOptions {
  /** A full node's RPC base URL, e.g. 'http://127.0.0.1:26650'. */
  rpcUrl: string
  /** The pinned sha256 of the genesis file (0x-hex): a served genesis that differs is refused. */
  genesisHash: string
  /** IndexedDB database name; default `glowmesh-<first 16 hex of the genesis hash>`. */
  dbName?: string
  /** Debug lines; default none. */
  log?: (message: string) => void
  /** Set `window.glowmesh` to the node; default true (startBrowserTab sets its own). */
  expose?: boolean
  /** Contribute this many bytes of storage from the start (checked against the quota first: QuotaTooSmallError). */
  pledgeBytes?: number
  /** A key file (`glowmesh keys export` / exportKey() JSON) to use as this node's identity; malformed: InvalidKeyError, nothing changed. */
  key?: string | object
  /** false: no dedicated Worker (KZG and sealing on the page's thread); default: worker/light-worker.ts. */
  worker?: false
}

/** What `window.glowmesh` holds (and startBrowserLightNode returns). */
export interface BrowserLightNode {
  /** DESIGN §8's status object. */
  status: () => LightStatus
  /** The accepted-header log (kept in IndexedDB). */
  headers: () => AcceptedHeader[]
  /** Verified height restored from IndexedDB at start (0: started from genesis). */
  resumedFrom: number
  /** The verified header at a height (client/api.ts); typed errors, aborts with `signal`. */
  verifyHeader: LightNode['verifyHeader']
  /** An availability report for a height: reused from the sampler or sampled now (client/api.ts). */
  checkAvailability: LightNode['checkAvailability']
  /** The newest availability reports (the dashboard's confidence chart), newest last. */
  recentAvailability: LightNode['recentAvailability']
  node: LightNode
  transport: BrowserTransport
  store: LightStore
  /** The dedicated Worker (KZG, sealing), if one runs. */
  worker?: LightWorker
  /** Storage contribution (client/browser/storage.ts). */
  storage: BrowserStorage
  /** Checks the quota, funds the identity from the faucet, then registers, seals and answers challenges. */
  startContributing: BrowserStorage['startContributing']
  stopContributing: BrowserStorage['stopContributing']
  /** `{ pledgeBytes, registered, sectors, cachedBytes, rewards, challenges, refetches, … }` for the dashboard. */
  contribution: () => Contribution
  /** This node's identity (node id = hex of `publicKey`, account = `address`). */
  identity: Ed25519Key
  /** The identity as a `glowmesh keys` key file. */
  exportKey: () => Promise<KeyFile>
  /** Stores another identity (used from the next start); malformed: InvalidKeyError, nothing changed. */
  importKey: (json: string | object) => Promise<{ address: string, publicKey: string }>
  /** A stored file by 0x root or CID: record proven from chain state, every segment verified, streamed (exact size); client/browser/files.ts. */
  fetchFile: BrowserFetchFile
  /** Lends this node's GPU to the compute market (client/browser/compute.ts): WebGPU in the Worker, else its CPU. */
  startComputing: BrowserCompute['startComputing']
  stopComputing: BrowserCompute['stopComputing']
  /** `{ state, backend, adapter, jobsDone, jobs, worker: { earned, reputation, flagged, … } }` for the dashboard. */
  computeStatus: BrowserCompute['computeStatus']
  /** Every open connection: `{ peerId, kind: 'full' | 'browser', transport: 'websockets' | 'webrtc-direct' | 'webrtc' | 'circuit-relay', remoteAddr, limited }`. */
  peerInfo: () => PeerInfo[]
  /** Asks ONE peer (e.g. a browser over WebRTC) for columns of a recently verified height; verified like any sample. */
  sampleFrom: LightNode['sampleFrom']
  stop: () => Promise<void>
}

declare global {
  interface Window { glowmesh?: BrowserLightNode | BrowserTab }
}

async function fetchRpc (url: string): Promise<Response> {
  let res: Response
  try { res = await fetch(url, { signal: AbortSignal.timeout(10_000) }) } catch (cause) {
    throw new RpcFetchError(`GET ${url} failed: ${(cause as Error)?.message ?? String(cause)}`, { cause })
  }
  if (!res.ok) throw new RpcFetchError(`GET ${url}: HTTP ${res.status}`)
  return res
}

/**
 * Fetches and pins the genesis, fetches `/bootstrap`, starts a light node in this page and exposes it as `window.glowmesh`.
 * Throws GenesisMismatchError (served genesis ≠ pinned hash) or RpcFetchError before opening any connection.
 * @example
 * const gm = await startBrowserLightNode({ rpcUrl: 'http://127.0.0.1:26650', genesisHash: '0x1f…' })
 * gm.status().verifiedHeight // rises with the chain
 */
export async function startBrowserLightNode (options: BrowserLightNodeOptions): Promise<BrowserLightNode> {
  const base = options.rpcUrl.replace(/\/+$/, '')
  const importedKey = options.key === undefined ? undefined : parseKeyFile(options.key) // InvalidKeyError before anything changes
  const bytes = new Uint8Array(await (await fetchRpc(`${base}/genesis`)).arrayBuffer())
  // checked here as well as in the core, so nothing is dialled for a genesis we don't trust
  const pinnedHash = fromHex(options.genesisHash, 32)
  const got = sha256(bytes)
  if (!equalBytes(got, pinnedHash)) throw new GenesisMismatchError(toHex(pinnedHash), toHex(got))
  const { chainId } = pinGenesis({ bytes, hash: options.genesisHash })
  let bootstrap: { multiaddrs?: unknown }
  try { bootstrap = await (await fetchRpc(`${base}/bootstrap`)).json() } catch (cause) {
    if (cause instanceof RpcFetchError) throw cause
    throw new RpcFetchError(`GET ${base}/bootstrap: not JSON`, { cause })
  }
  const peers = Array.isArray(bootstrap.multiaddrs) ? bootstrap.multiaddrs.filter((m): m is string => typeof m === 'string') : []
  if (peers.length === 0) throw new RpcFetchError(`GET ${base}/bootstrap: no multiaddrs`)

  const store = await createIdbStore({ name: options.dbName ?? `glowmesh-${options.genesisHash.slice(2, 18)}` })
  let transport: BrowserTransport | undefined
  let worker: LightWorker | undefined
  try {
    if (options.pledgeBytes !== undefined) await checkPledge(options.pledgeBytes, store) // QuotaTooSmallError before anything starts
    const identity = importedKey === undefined ? await loadOrCreateIdentity(store) : await importStoredKey(store, options.key!)
    worker = options.worker === false || typeof Worker === 'undefined' ? undefined : createLightWorker()
    transport = await createBrowserTransport({ key: { privateKey: identity.privateKey }, chainId, peers, log: options.log })
    // verified cells and segments this node holds, served to peers (client/browser/peer-serve.ts)
    const cells = await openCellCache(store)
    const segments = await openSegmentCache(store)
    const serving = new AbortController()
    const storage = createBrowserStorage({ store, transport, key: identity, rpcUrl: base, node: () => node, seal: worker?.seal, prove: worker?.prove, log: options.log })
    const node = createLightNode({ transport, store, genesis: { bytes, hash: options.genesisHash }, kzg: worker?.kzg ?? jsKzg(), storage, cells, log: options.log })
    await node.start()
    await servePeerRequests(transport.libp2p, { cells, segments, signal: serving.signal })
    const fetchFile = createBrowserFiles({ transport, node, rpcUrl: base, segments })
    const compute = createBrowserCompute({ rpcUrl: base, key: identity, chainId, worker, log: options.log })
    if (options.pledgeBytes !== undefined) storage.startContributing({ pledgeBytes: options.pledgeBytes }).catch((err) => { options.log?.(`storage: ${(err as Error).name}: ${(err as Error).message}`) })
    const t = transport
    const handle: BrowserLightNode = {
      status: () => node.status(),
      headers: () => node.headers(),
      resumedFrom: node.status().verifiedHeight,
      verifyHeader: async (height, o) => await node.verifyHeader(height, o),
      checkAvailability: async (height, o) => await node.checkAvailability(height, o),
      recentAvailability: (limit) => node.recentAvailability(limit),
      node,
      transport: t,
      store,
      worker,
      storage,
      startContributing: async (o) => { await storage.startContributing(o) },
      stopContributing: async () => { await storage.stopContributing() },
      contribution: () => storage.contribution(),
      identity,
      exportKey: async () => await exportStoredKey(store),
      async importKey (json) {
        const k = await importStoredKey(store, json)
        return { address: k.address, publicKey: toHex(k.publicKey) }
      },
      fetchFile,
      startComputing: async (o) => await compute.startComputing(o),
      stopComputing: async () => { await compute.stopComputing() },
      computeStatus: async () => await compute.computeStatus(),
      peerInfo: () => t.peerInfo(),
      sampleFrom: async (peer, height, columns, o) => await node.sampleFrom(peer, height, columns, o),
      async stop () {
        serving.abort()
        await compute.stopComputing()
        await node.stop()
        worker?.terminate()
        await t.close()
        await store.close()
        if (typeof window !== 'undefined' && window.glowmesh === handle) delete window.glowmesh
      }
    }
    if (typeof window !== 'undefined' && options.expose !== false) window.glowmesh = handle
    return handle
  } catch (err) {
    worker?.terminate()
    await transport?.close().catch(() => {})
    await store.close().catch(() => {})
    throw err
  }
}

export { createBrowserCompute, ComputeStartError, type BrowserCompute, type ComputeStatus, type ComputeJobRow, type StartComputingOptions, type WorkerRecordView } from './compute.js'
export { startBrowserTab, FORWARDED_METHODS, type BrowserTab, type BrowserTabOptions, type LeaderApi, type TabApi } from './tab.js'
