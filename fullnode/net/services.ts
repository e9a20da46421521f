/**
 * What the serving layer needs from the rest of the full node, passed in as components (js-libp2p
 * style) so fullnode/net depends on no app, engine or store internals. The node backs them with
 * CometBFT's RPC (`/commit` + `/validators`, `broadcast_tx_sync`) and the flow store.
 */
import type { LightBlock } from '../../protocol/chain/index.js'
import type { MerkleProof } from '../../protocol/storage/merkle.js'
import type { SampleResponse } from '../../protocol/wire/index.js'

/** Every wait takes a signal. */
export interface SignalOptions { signal: AbortSignal }

/** A segment with its proof against the file root (protocol/storage's MerkleProof). */
export interface SegmentWithProof {
  /** The segment's file bytes: 256 KiB, or fewer for a file's last segment. */
  bytes: Uint8Array
  proof: MerkleProof
}

/** CometBFT's CheckTx answer for a relayed transaction. */
export interface TxResult {
  /** sha256 of the tx (32 bytes). */
  txHash: Uint8Array
  /** 0 = accepted into the mempool. */
  code: number
  log: string
}

/**
 * The injected services. Errors: throw something whose `code` is `NOT_FOUND`, `PRUNED` or
 * `TOMBSTONED` (fullnode/net/errors.ts has classes) for those answers; anything else is answered
 * INTERNAL and logged, never passed to the peer verbatim.
 */
export interface NetServices {
  /** The light block (signed header + validator set) at `height`, or the newest one. */
  lightBlock: (height: bigint | 'latest', options: SignalOptions) => Promise<LightBlock>
  /** Segment `index` of the file with 0G root `root`, with its proof. */
  segment: (root: Uint8Array, index: bigint, options: SignalOptions) => Promise<SegmentWithProof>
  /** Relays a transaction to the mempool (CometBFT CheckTx). */
  submitTx: (tx: Uint8Array, options: SignalOptions) => Promise<TxResult>
  /**
   * Optional (fullnode/da): DA columns of the block at `height` — every blob's cells and proofs at
   * `columns`, the commitments and the DA txs with inclusion proofs. Throw with `code` NOT_FOUND
   * (height above the head), NOT_AVAILABLE (cells pruned or not held) or TOO_LARGE (over the
   * wire's cell cap). Without it, sample requests are answered NOT_AVAILABLE.
   */
  sample?: (height: bigint, columns: number[], options: SignalOptions & { blobs?: number[] }) => Promise<Pick<SampleResponse, 'height' | 'blobs' | 'txs' | 'columns'>>
  /** Optional (PoRA): `chunks` raw flow chunks from `position` (FlowStore.readFlow); /glowmesh/flow/1.0.0 serves it. */
  flow?: (position: number, chunks: number, options: SignalOptions) => Promise<Uint8Array>
  /** Optional: full verification of a gossiped header (signatures against our trusted chain). */
  verifyHeader?: (lightBlock: LightBlock, options: SignalOptions) => Promise<boolean>
}
