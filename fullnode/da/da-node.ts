/**
 * A full node's DA part, composed once and handed to fullnode/node.ts: the cell store, the chain
 * hook that records committed `da.submit`s (and prunes the window), the intake for `/da/*`
 * submissions, the sample service for `/glowmesh/sample/1.0.0`, and cell replication from the
 * other full nodes. The engine and the libp2p node start after the ABCI app, so they are attached
 * later with `start()`.
 */
import { join } from 'node:path'
import type { RequestFinalizeBlock, ResponseFinalizeBlock } from 'cosmjs-types/tendermint/abci/types'
import type { AbciApplication } from '../app/abci.js'
import type { Header } from '../../protocol/chain/index.js'
import { SAMPLE_PROTOCOL, SampleStatus, type SampleResponse } from '../../protocol/wire/index.js'
import { GlowmeshError } from '../../protocol/errors.js'
import type { Engine } from '../engine/index.js'
import type { NetNode } from '../net/index.js'
import { request } from '../net/client.js'
import { CellStore, type SubmissionRecord } from './cell-store.js'
import { createIntake, type Intake } from './intake.js'
import { createSampleService, type SampleService } from './sample-service.js'
import { startCellReplicator, type CellReplicator } from './replicate.js'
import { createNativeKzg, type NativeKzg } from './native-kzg.js'

export interface DaNodeOptions {
  /** Folder of the cell store (`<dataDir>/da`). */
  dataDir: string
  chainId: string
  /** Genesis `daWindowBlocks`. */
  windowBlocks: number
  log?: (line: string) => void
}

/** What the node composition attaches once the engine and libp2p run. */
export interface DaAttachments {
  /** CometBFT's block at a height (txs + header). */
  block: (height: bigint, options: { signal?: AbortSignal }) => Promise<{ header: Header, txs: Uint8Array[] }>
  /** broadcast_tx_sync. */
  relay: (tx: Uint8Array, options: { signal?: AbortSignal }) => Promise<{ txHash: string, code: number, log: string }>
  /** Full-node peers to replicate from, and one sample request to one of them. */
  peers: () => unknown[]
  sample: (peer: unknown, height: bigint, columns: number[], signal: AbortSignal, blobs?: number[]) => Promise<SampleResponse>
}

export interface DaNode {
  store: CellStore
  intake: Intake
  /** Wraps the ABCI app: committed `da.submit` events are recorded (synced) before the app persists. */
  followChain: (app: AbciApplication) => AbciApplication
  /** `services.sample` for fullnode/net. */
  sample: SampleService['sample']
  /** Attaches the engine and the network and starts replication; resolves the function that stops it. */
  start: (attachments: DaAttachments) => () => Promise<void>
  close: () => Promise<void>
}

const notStarted = (): never => { throw new Error('DA node not started yet') }

/** Parses the ledger's `da.submit` event attributes (fullnode/app README). */
export function submissionFromEvent (a: Record<string, string>): SubmissionRecord {
  return { height: Number(a.height), index: Number(a.index), size: Number(a.size), txHash: a.txHash.toLowerCase(), commitments: a.commitments.split(',').filter((c) => c !== '') }
}

/**
 * Opens the cell store and builds the DA components.
 * @example const da = await createDaNode({ dataDir: join(dataDir, 'da'), chainId, windowBlocks: genesis.params.daWindowBlocks })
 */
export async function createDaNode (options: DaNodeOptions): Promise<DaNode> {
  const log = options.log ?? (() => {})
  // Verification needs no precomputed tables; the encoder (raw submissions) builds them on first use.
  const verifier = await createNativeKzg({ precompute: false })
  let encoder: Promise<NativeKzg> | undefined
  const store = await CellStore.open({ dir: join(options.dataDir), kzg: verifier, windowBlocks: options.windowBlocks })
  let attached: DaAttachments | undefined
  let replicator: CellReplicator | undefined

  const intake = createIntake({
    store,
    chainId: options.chainId,
    relay: async (tx, o) => await (attached?.relay ?? notStarted)(tx, o),
    encoder: async () => await (encoder ??= createNativeKzg({ precompute: true }))
  })
  const sampler = createSampleService({ store, block: async (h, o) => await (attached?.block ?? notStarted)(h, o) })

  return {
    store,
    intake,
    sample: sampler.sample,
    followChain (app) {
      let pending: { height: bigint, res: ResponseFinalizeBlock } | undefined
      return {
        ...app,
        async finalizeBlock (req: RequestFinalizeBlock) {
          const res = await app.finalizeBlock(req)
          pending = { height: req.height, res }
          return res
        },
        async commit () {
          if (pending !== undefined) {
            const { height, res } = pending
            pending = undefined
            const subs = res.txResults.filter((r) => r.code === 0).flatMap((r) => r.events)
              .filter((e) => e.type === 'da.submit')
              .map((e) => submissionFromEvent(Object.fromEntries(e.attributes.map((x) => [x.key, x.value]))))
            await store.record(subs)
            await store.advance(Number(height))
            if (subs.length > 0) replicator?.kick()
          }
          return await app.commit()
        }
      }
    },
    start (a) {
      attached = a
      replicator = startCellReplicator({ store, log, source: { peers: a.peers, sample: a.sample } })
      return async () => { replicator?.stop() }
    },
    async close () {
      replicator?.stop()
      await store.close()
    }
  }
}

/**
 * The attachments of a running full node: its engine's RPC and its libp2p node; cells are
 * replicated only from the configured full-node peers (`config.peers.libp2p`).
 * @example da.start(nodeAttachments({ engine, net, fullNodePeers: config.peers?.libp2p ?? [] }))
 */
export function nodeAttachments ({ engine, net, fullNodePeers }: { engine: Engine, net: NetNode, fullNodePeers: string[] }): DaAttachments {
  const ids = new Set(fullNodePeers.map((a) => a.split('/p2p/').pop()))
  return {
    block: async (h, o) => await engine.rpc.block(h, o),
    relay: async (tx, o) => {
      const r = await engine.rpc.broadcastTxSync(tx, o)
      return { txHash: '0x' + String(r.hash).toLowerCase(), code: r.code, log: r.log }
    },
    peers: () => net.libp2p.getPeers().filter((p) => ids.has(p.toString())),
    sample: async (peer, height, columns, signal, blobs) => {
      const res = await request(net.libp2p, peer as any, SAMPLE_PROTOCOL, { height, columns, blobs }, { signal, timeoutMs: 30_000 })
      if (res.status !== SampleStatus.OK) throw new GlowmeshError(String(res.status), `sample ${height}: ${res.status} ${res.message}`)
      return res
    }
  }
}
