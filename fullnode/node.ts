/**
 * One full node = one `glowmesh node` process (DESIGN §5): the ABCI app (ledger + MPT state), the
 * flow store, the ABCI socket server, the supervised `cometbft` child, the libp2p node (through
 * Helia) and the HTTP RPC — wired here and nowhere else. If the engine dies, the node stops; if
 * this process dies, the engine stops on its own (its ABCI connections break) and the next start
 * kills any leftover. Restart resumes from disk: CometBFT replays blocks the app hasn't committed.
 */
import { mkdir, readFile, writeFile, rm, access } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import type { Event, RequestFinalizeBlock, ResponseCommit, ResponseFinalizeBlock } from 'cosmjs-types/tendermint/abci/types'
import { parseNodeConfig, type NodeConfig } from './config.js'
import { parseGenesis, genesisHash, type Genesis } from './genesis.js'
import { createGlowmeshApp, type GlowmeshApp } from './app/app.js'
import type { AbciApplication } from './app/abci.js'
import { startAbciServer } from './app/abci-server.js'
import { writeEngineHome, startEngine, type Engine, type EnginePeer } from './engine/index.js'
import { FlowStore, startReplicator, startCompactor, cidCompletionCheck, declaredCid, type FileDag } from './store/index.js'
import { createNetNode, requestSegment, type NetNode } from './net/index.js'
import type { NetServices } from './net/services.js'
import { startRpcServer } from './rpc/server.js'
import { appStateSource, startNodeChallenger } from './pora/index.js'
import { attachEdgeWebSocket, EDGE_WS_PATH, type EdgeWsEndpoint } from './net/ws/endpoint.js'
import { poraStateHandler } from './net/ws/pora-state.js'
import { DEFAULT_HANDLERS } from './net/handlers/index.js'
import { createRpcBackend } from './rpc/backend.js'
import { createDaNode, nodeAttachments } from './da/da-node.js'
import { daRoutes } from './rpc/da-routes.js'
import { FlowBlockstore, guardBitswap, startDagIndexer, startGateway } from './ipfs/index.js'
import { cidRoutes } from './rpc/cid-routes.js'
import { computeRoutes } from './rpc/compute.js'
import { monitorRoutes, startNodeMonitor, type Monitor, type NodeMonitorOptions } from './compute/index.js'
import { keyFromFile, type Ed25519Key } from '../protocol/chain/index.js'
import { GlowmeshError } from '../protocol/errors.js'

export interface FullNodeOptions {
  /** The node folder (config.json, key.json, data/, cometbft/). */
  nodeDir: string
  /** Stops the node when aborted. */
  signal?: AbortSignal
  log?: (line: string) => void
  /** Called once when the node stops on its own (engine died, fatal app error). */
  onFatal?: (err: Error) => void
  /** The alignment monitor (fullnode/compute): overrides config.json `monitor`; false turns it off. On by default (it acts on active validators only). */
  monitor?: NodeMonitorOptions | false
}

export interface FullNode {
  config: NodeConfig
  key: Ed25519Key
  genesis: Genesis
  genesisHash: string
  app: GlowmeshApp
  store: FlowStore
  engine: Engine
  net: NetNode
  rpcUrl: string
  /** Resolves when the node has stopped, for whatever reason. */
  stopped: Promise<void>
  stop: () => Promise<void>
}

/** The node's start failed or it stopped unexpectedly. */
export class NodeError extends GlowmeshError {
  override name = 'NodeError'
  constructor (message: string, options?: { cause?: unknown }) { super('NODE', message, options) }
}

async function exists (p: string): Promise<boolean> { try { await access(p); return true } catch { return false } }

/** The genesis a node uses: `<node>/genesis.json`, else the devnet's `<node>/../genesis.json`. */
export async function findGenesis (nodeDir: string): Promise<string> {
  for (const p of [join(nodeDir, 'genesis.json'), join(dirname(nodeDir), 'genesis.json')]) if (await exists(p)) return p
  throw new NodeError(`no genesis.json in ${nodeDir} or its parent; use 'glowmesh init --genesis FILE'`)
}

const attrs = (e: Event): Record<string, string> => Object.fromEntries(e.attributes.map((a) => [a.key, a.value]))

/**
 * The flow store follows the chain: storage submissions are allocated, expiries pruned. Applied in
 * Commit *before* the app persists, and idempotent, so a crash in between replays the same block
 * and applies the same (no-op) changes: the store never misses a committed submission.
 */
function followChain (app: GlowmeshApp, store: FlowStore, log: (l: string) => void, allocated: () => void, reclaim: () => void = () => {}): AbciApplication {
  let pending: { height: bigint, res: ResponseFinalizeBlock } | undefined
  // GLOWMESH_TIMINGS=1: one log line per block with the app's own time (bench/chain-blocks.mjs
  // splits block time into engine and app with it). Off by default: it costs a clock read per call.
  const timings = process.env.GLOWMESH_TIMINGS === '1'
  let checkMs = 0
  let checks = 0
  let finalizeMs = 0
  return {
    ...app,
    info: app.info.bind(app),
    initChain: app.initChain.bind(app),
    query: app.query.bind(app),
    checkTx: timings
      ? async (req) => { const t = performance.now(); try { return await app.checkTx(req) } finally { checkMs += performance.now() - t; checks++ } }
      : app.checkTx.bind(app),
    prepareProposal: app.prepareProposal.bind(app),
    processProposal: app.processProposal.bind(app),
    listSnapshots: app.listSnapshots.bind(app),
    offerSnapshot: app.offerSnapshot.bind(app),
    loadSnapshotChunk: app.loadSnapshotChunk.bind(app),
    applySnapshotChunk: app.applySnapshotChunk.bind(app),
    async finalizeBlock (req: RequestFinalizeBlock) {
      const t = timings ? performance.now() : 0
      const res = await app.finalizeBlock(req)
      pending = { height: req.height, res }
      if (timings) finalizeMs = performance.now() - t
      return res
    },
    async commit () {
      if (timings) {
        const t = performance.now()
        const height = pending?.height
        const txs = pending?.res.txResults.length ?? 0
        try { return await commitBlock() } finally {
          log(`timings height=${String(height)} txs=${txs} finalize_ms=${finalizeMs.toFixed(2)} commit_ms=${(performance.now() - t).toFixed(2)} check_ms=${checkMs.toFixed(2)} checks=${checks}`)
          checkMs = 0
          checks = 0
        }
      }
      return await commitBlock()
    }
  }

  async function commitBlock (): Promise<ResponseCommit> {
    if (pending !== undefined) {
      const { height, res } = pending
      pending = undefined
      const events = [...res.events, ...res.txResults.filter((r) => r.code === 0).flatMap((r) => r.events)]
      for (const e of events) {
        const a = attrs(e)
        if (e.type === 'storage.submit') {
          // The CID travels as 0x-hex of its recorded bytes; the store keeps its canonical text. A
          // declared CID that is no CID at all can never match: the range is rejected at once.
          const declared = declaredCid(a.cid)
          const cid = 'cid' in declared ? declared.cid : ''
          await store.allocate({ root: a.root, cid, size: Number(a.size), flowStart: Number(a.flowStart), height, expiresAtEpoch: Number(a.expiryEpoch) })
          if ('invalid' in declared) {
            await store.tombstone(a.root, `CID_MISMATCH: the submission declared a malformed CID (${declared.invalid})`, { flowStart: Number(a.flowStart) })
            log(`storage.submit ${a.root}: malformed CID, range tombstoned`)
            reclaim()
          }
          allocated()
        } else if (e.type === 'storage.expire') {
          await store.prune(a.root, { flowStart: Number(a.flowStart) }).then(reclaim, (err) => { log(`prune ${a.root}: ${String(err.message)}`) })
        }
      }
    }
    return await app.commit()
  }
}

/** Engine peers from the config (devnets list every node). */
function enginePeers (config: NodeConfig): EnginePeer[] {
  return (config.peers?.engine ?? []) as EnginePeer[]
}

/**
 * Starts a full node from its folder and resolves once its RPC answers.
 * @example const node = await startFullNode({ nodeDir: '.glowmesh/devnet/node0' }); node.rpcUrl
 */
export async function startFullNode (options: FullNodeOptions): Promise<FullNode> {
  const { nodeDir } = options
  const log = options.log ?? ((l: string) => { process.stderr.write(l + '\n') })
  const config = parseNodeConfig(await readFile(join(nodeDir, 'config.json'), 'utf8'))
  const keyText = await readFile(join(nodeDir, 'key.json'), 'utf8')
  const key = keyFromFile(keyText)
  const genesisBytes = new Uint8Array(await readFile(await findGenesis(nodeDir)))
  const genesis = parseGenesis(genesisBytes)
  if (genesis.chainId !== config.chainId) throw new NodeError(`config.json chainId '${config.chainId}' differs from genesis '${genesis.chainId}'`)
  const dataDir = resolve(nodeDir, config.dataDir)
  await mkdir(dataDir, { recursive: true })
  await writeFile(join(nodeDir, 'node.pid'), String(process.pid) + '\n')

  const cleanup: Array<() => Promise<void>> = []
  let stopping = false
  let resolveStopped!: () => void
  const stopped = new Promise<void>((resolve) => { resolveStopped = resolve })
  const stop = async (): Promise<void> => {
    if (stopping) { await stopped; return }
    stopping = true
    for (const fn of cleanup.reverse()) {
      try { await fn() } catch (err: any) { log(`stop: ${String(err?.message ?? err)}`) }
    }
    await rm(join(nodeDir, 'node.pid'), { force: true })
    resolveStopped()
  }
  const fatal = (err: Error): void => {
    if (stopping) return
    log(`fatal: ${err.message}`)
    void stop().then(() => options.onFatal?.(err))
  }

  try {
    // Content addressing (DESIGN §2b): a file that completes is checked against its declared CID
    // before it may be served; a mismatch tombstones it. A good file's DAG (interior nodes, leaf
    // CIDs) goes to `indexDag`, the hook the IPFS layer (bitswap, gateway) sets below.
    let indexDag = async (_dag: FileDag): Promise<void> => {}
    const store = await FlowStore.open({
      dir: join(dataDir, 'flow'),
      completionCheck: cidCompletionCheck(),
      onComplete: async (info, detail) => {
        if (detail === undefined) return
        try { await indexDag(detail as FileDag) } catch (err: any) { log(`index DAG of ${info.root}: ${String(err?.message ?? err)}`) }
      }
    })
    cleanup.push(async () => { await store.close() })
    // Expired (pruned) and tombstoned files: their bytes leave the disk off the consensus path (store/compactor.ts).
    const compactor = startCompactor({ store, log })
    cleanup.push(async () => { await compactor.stop() })
    const app = await createGlowmeshApp({
      dataDir: join(dataDir, 'state'),
      genesis,
      snapshotInterval: config.snapshots?.interval, snapshotKeepRecent: config.snapshots?.keepRecent, snapshotChunkBytes: config.snapshots?.chunkBytes, // config.json `snapshots` (state sync)
      logger: { info: (m: string) => log(m), warn: (m: string) => log(`warn: ${m}`), error: (m: string) => log(`error: ${m}`) } as any
    })
    cleanup.push(async () => { await app.close() })
    // ── DA (fullnode/da): the cell store and its chain hook (committed da.submit events are
    // recorded before the app persists); the sample service, /da routes and cell replication are
    // attached below, each on a line marked `DA`. ──
    const da = await createDaNode({ dataDir: join(dataDir, 'da'), chainId: genesis.chainId, windowBlocks: genesis.params.daWindowBlocks, log })
    cleanup.push(async () => { await da.close() })
    // ── end DA ──
    let onAllocate = (): void => {}
    const abci = await startAbciServer({ app: da.followChain(followChain(app, store, log, () => onAllocate(), () => compactor.kick())), host: '127.0.0.1', port: config.cometbft.abciPort, onFatal: (err: Error) => fatal(err) } as any)
    cleanup.push(async () => { await abci.close() })

    const cometHome = join(nodeDir, 'cometbft')
    await writeEngineHome({ cometHome, genesis: genesisBytes, config, key: keyText, peers: enginePeers(config), stateSync: config.stateSync === undefined ? undefined : { enable: true, ...config.stateSync } })
    const engine = await startEngine({
      home: nodeDir,
      cometHome,
      signal: options.signal,
      onExit: (exit) => { if (!exit.expected) fatal(new NodeError(`cometbft exited (code ${exit.code}, signal ${exit.signal}); see ${join(nodeDir, 'cometbft.log')}`)) }
    })
    cleanup.push(async () => { await engine.stop() })

    // ── IPFS (fullnode/ipfs): Helia's blockstore reads leaves from the flow log, interior DAG nodes
    // from <dataDir>/ipfs; guard, indexer and trustless gateway follow below (block marked IPFS) ──
    const blocks = await FlowBlockstore.open({ store, dir: join(dataDir, 'ipfs') })
    cleanup.push(async () => { await blocks.close() })
    // what libp2p and the edge's WebSocket (fullnode/net/ws) serve
    const netServices: NetServices = {
      lightBlock: async (height, { signal }) => {
        const h = height === 'latest' ? (await engine.rpc.status({ signal })).latestBlockHeight - 1n : height
        return await engine.rpc.lightBlock(h, { signal })
      },
      segment: async (root, index) => await store.getSegment(root, Number(index)),
      flow: async (position, chunks) => await store.readFlow(position, chunks), // PoRA sealing input (fullnode/pora)
      submitTx: async (tx, { signal }) => {
        const r = await engine.rpc.broadcastTxSync(tx, { signal })
        return { txHash: Uint8Array.from(Buffer.from(r.hash, 'hex')), code: r.code, log: r.log }
      },
      sample: da.sample // DA
    }
    const net = await createNetNode({
      blockstore: blocks, // IPFS
      key: { privateKey: key.privateKey, publicKey: key.publicKey },
      config,
      peers: config.peers?.libp2p ?? [],
      services: netServices,
      // bench/fanout.mjs --before: the light-block cache off, the old 300-connection cap
      ...(process.env.GLOWMESH_NET_BEFORE === '1' ? { lightBlockCache: false as const, connections: { max: 300 } } : {}),
      // bench/fanout.mjs --untuned: js-libp2p's write and gossipsub defaults (fullnode/net/gossip-params.ts, coalesce.ts)
      ...(process.env.GLOWMESH_NET_BEFORE === '1' || process.env.GLOWMESH_NET_UNTUNED === '1' ? { fanoutTuning: false } : {})
    })
    cleanup.push(async () => { await net.stop() })
    cleanup.push(da.start(nodeAttachments({ engine, net, fullNodePeers: config.peers?.libp2p ?? [] }))) // DA: replication

    // Mirror the flow: pull segments of files uploaded elsewhere from the other full nodes.
    const fullNodePeers = new Set((config.peers?.libp2p ?? []).map((a) => a.split('/p2p/').pop()))
    const replicator = startReplicator({
      store,
      log,
      source: {
        peers: () => net.libp2p.getPeers().filter((p) => fullNodePeers.has(p.toString())),
        fetch: async (peer, root, index, size, signal) => await requestSegment(net.libp2p, peer as any, { root, index, size, signal })
      }
    })
    cleanup.push(async () => { replicator.stop() })
    onAllocate = () => replicator.kick()

    // ── PoRA (fullnode/pora): every validator challenges light nodes and posts receipts ── begin
    // Deadline: config.json `pora.deadlineMs`, else $GLOWMESH_PORA_DEADLINE_MS, else 500 ms.
    const poraConf = (config as { pora?: { deadlineMs?: number, randomEveryMs?: number } }).pora ?? {}
    let edgeWs: EdgeWsEndpoint | undefined // the edge's WebSocket (attached to the RPC server below)
    const pora = startNodeChallenger({
      app,
      libp2p: net.libp2p,
      edge: { hasNode: (id) => edgeWs?.hasNode(id) ?? false, request: async (id, p, m, o) => await edgeWs!.request(id, p, m, o) },
      secretKey: key.privateKey,
      submitTx: async (tx, { signal }) => { const r = await engine.rpc.broadcastTxSync(tx, { signal }); return { code: r.code, log: r.log } },
      log
    }, {
      deadlineMs: poraConf.deadlineMs ?? (Number(process.env.GLOWMESH_PORA_DEADLINE_MS ?? '') || 500),
      randomEveryMs: poraConf.randomEveryMs ?? (process.env.GLOWMESH_PORA_RANDOM_MS !== undefined ? Number(process.env.GLOWMESH_PORA_RANDOM_MS) : 10_000)
    })
    cleanup.push(async () => { await pora.stop() })
    // ── PoRA ── end

    // ── IPFS ── begin: bitswap bounds + scoring, the DAG indexer, the trustless gateway
    const bitswapGuard = await guardBitswap(net.helia, { scores: net.scores, log })
    cleanup.push(async () => { bitswapGuard.stop() })
    const indexer = startDagIndexer({ store, blocks, log })
    cleanup.push(async () => { await indexer.stop() })
    indexDag = async () => { indexer.kick() } // a file that just passed the CID check is indexed now, not at the next poll
    const gateway = await startGateway({ blocks, host: config.rpc.host, port: config.gateway.port, log })
    cleanup.push(async () => { await gateway.close() })
    // ── IPFS ── end

    let monitor: Monitor | undefined // the alignment monitor (fullnode/compute), started below once the RPC answers
    const backend = createRpcBackend({ config, key, genesis, genesisBytes, engine, store, net, log, gatewayUrl: gateway.url /* IPFS */ })
    cleanup.push(async () => { backend.close() })
    const rpc = await startRpcServer({
      backend,
      host: config.rpc.host,
      port: config.rpc.port,
      extend: (router) => {
        daRoutes(da)(router) // DA
        cidRoutes(store)(router) // content addressing: GET /cids/{cid}
        computeRoutes(engine.rpc)(router) // compute market: GET /compute/{models,jobs,workers}
        monitorRoutes(() => monitor)(router) // alignment monitor: GET /compute/monitor
      }
    })
    cleanup.push(async () => { await rpc.close() })
    // ── alignment monitor (fullnode/compute) ── begin: options from startFullNode, else config.json `monitor`
    const monitorConf = options.monitor ?? (config as { monitor?: NodeMonitorOptions | false }).monitor ?? {}
    if (monitorConf !== false) {
      monitor = startNodeMonitor({
        app, store, secretKey: key.privateKey, rpcUrl: rpc.url, log,
        submitTx: async (tx, { signal }) => { const r = await engine.rpc.broadcastTxSync(tx, { signal }); return { code: r.code, log: r.log } },
        txResult: async (hash, { signal }) => {
          const r = await engine.rpc.tx(hash, { signal }).catch(() => undefined) // not found while pending
          return r === undefined ? undefined : { code: r.code, height: Number(r.height), log: String(r.raw?.tx_result?.log ?? '') }
        }
      }, monitorConf)
      const m = monitor
      cleanup.push(async () => { await m.stop() })
    }
    // ── alignment monitor ── end
    // ── edge (fullnode/net/ws): light nodes without libp2p connect at ws://<rpc>/glowmesh/ws ── begin
    const ws = attachEdgeWebSocket({ server: rpc.server, chainId: genesis.chainId, services: netServices, handlers: [...DEFAULT_HANDLERS, poraStateHandler(appStateSource(app))], log })
    edgeWs = ws
    cleanup.push(async () => { ws.close() }) // runs before the RPC server closes
    const wsUrl = `ws://${config.rpc.host}:${rpc.port}${EDGE_WS_PATH}`
    backend.websockets = () => [wsUrl]
    const offBlock = backend.onBlock((b) => {
      // the commit for h arrives with h+1: push the newest light block we can prove
      if (b.height > 1 && ws.connections() > 0) engine.rpc.lightBlock(BigInt(b.height - 1)).then((lb) => { ws.pushHeader(lb) }, () => {})
    })
    cleanup.push(async () => { offBlock() })
    // ── edge ── end
    options.signal?.addEventListener('abort', () => { void stop() }, { once: true })

    log(`node ${config.moniker}: rpc ${rpc.url}, gateway ${gateway.url}, engine ${engine.rpcUrl}, p2p ${net.multiaddrs().map(String).join(' ')}`)
    return { config, key, genesis, genesisHash: genesisHash(genesisBytes), app, store, engine, net, rpcUrl: rpc.url, stopped, stop }
  } catch (err) {
    await stop()
    throw err
  }
}
