/**
 * The light node's components (js-libp2p style: passed in explicitly). The core in client/ is
 * written once and runs in Node, browsers and workerd; each platform supplies a LightTransport and a
 * LightStore. Nothing here may import Node or DOM modules.
 */
import type { LightBlock } from '../protocol/chain/index.js'
import type { SampleResponse, Challenge, ChallengeAnswer } from '../protocol/wire/index.js'
import type { MerkleProof } from '../protocol/storage/merkle.js'

/** Every wait takes a signal. */
export interface WaitOptions { signal?: AbortSignal }

/** An opaque peer handle (a libp2p peer id string, a WebSocket URL…). */
export type PeerRef = string

/** Why a peer is reported: the transport scores it down and may drop it. */
export type PeerOffence = 'forged-header' | 'insufficient-commit' | 'bad-sample' | 'bad-segment' | 'timeout' | 'malformed' | 'unavailable'

/**
 * How a light node reaches full nodes. Requests go to one named peer so the core can spread them
 * and score peers; the transport enforces the wire's size limits and returns decoded messages.
 */
export interface LightTransport {
  /** Full nodes we can ask right now. */
  peers: () => PeerRef[]
  /** The light block (signed header + validator set) at a height, or the peer's newest provable one. */
  lightBlock: (peer: PeerRef, height: bigint | 'latest', options?: WaitOptions) => Promise<LightBlock>
  /** Optional batch: up to `count` (≤ 32) consecutive light blocks from `from` (fewer at the peer's head). Used for backfill. */
  lightBlocks?: (peer: PeerRef, from: bigint, count: number, options?: WaitOptions) => Promise<LightBlock[]>
  /** DA columns of a block (cells + proofs of every blob, the commitments with their DA-tx inclusion). */
  sample: (peer: PeerRef, height: bigint, columns: number[], options?: WaitOptions) => Promise<SampleResponse>
  /** 256 KiB of the flow at a segment-aligned chunk position, with what proves it (for sealing). */
  flowSegment?: (peer: PeerRef, position: number, options?: WaitOptions) => Promise<{ bytes: Uint8Array, proof?: unknown }>
  /** Segment `index` of the file with 0G root `root` and its proof, unverified (fetchFile checks it against the root). */
  segment?: (peer: PeerRef, root: Uint8Array, index: number, options?: WaitOptions) => Promise<{ bytes: Uint8Array, proof: MerkleProof }>
  /** Other light nodes connected now (browsers over WebRTC); they serve the samples and segments they hold. */
  lightPeers?: () => PeerRef[]
  /** Relays a signed transaction; resolves with CheckTx's answer. */
  submitTx: (peer: PeerRef, tx: Uint8Array, options?: WaitOptions) => Promise<{ txHash: Uint8Array, code: number, log: string }>
  /** ABCI query with an MPT proof (checked by the core against a verified app hash). */
  queryState?: (peer: PeerRef, path: string, options?: WaitOptions & { height?: bigint }) => Promise<{ value: Uint8Array, proof: Uint8Array, height: bigint }>
  /** Serves challenges pushed by validators; the handler's answer is sent back. */
  handleChallenges?: (handler: (challenge: Challenge, from: PeerRef) => Promise<ChallengeAnswer>) => void
  /** New light blocks heard on gossip (unverified). */
  onHeader?: (listener: (lightBlock: LightBlock, from: PeerRef) => void) => void
  /** A peer misbehaved: score it down (and disconnect it if the transport decides so). */
  reportPeer: (peer: PeerRef, offence: PeerOffence, detail?: string) => void
  /** This node's own network id (libp2p peer id), for the status object. */
  localPeerId: () => string
  close: () => Promise<void>
}

/**
 * A small durable key-value store: files in Node, IndexedDB in browsers, Durable Object storage on
 * the edge. Values up to 2 MiB (a sealed 256 KiB segment fits everywhere).
 */
export interface LightStore {
  get: (key: string) => Promise<Uint8Array | undefined>
  put: (key: string, value: Uint8Array) => Promise<void>
  delete: (key: string) => Promise<void>
  /** Keys with a prefix, in lexicographic order. */
  keys: (prefix: string) => Promise<string[]>
  close: () => Promise<void>
}

/** The status object, with the same field names everywhere (DESIGN §8). */
export interface LightStatus {
  peerId: string
  peers: number
  verifiedHeight: number
  sampledBlocks: number
  lastConfidence: number
  cachedBytes: number
  challengesAnswered: number
  challengesFailed: number
}

/** One accepted header, as `glowmesh light --headers` prints it. */
export interface AcceptedHeader {
  height: number
  hash: string
  /**
   * 'genesis' for the first header checked against the genesis validators; 'adjacent'/'skipping' as
   * the light-client verifier accepted it; 'backwards' for a header below a verified one whose hash
   * that header's lastBlockId names (CometBFT's VerifyBackwards: a hash link, no signatures needed);
   * 'checkpoint' for the operator's checkpoint header (its hash given, > 2/3 of its validators signed).
   */
  verifiedBy: 'genesis' | 'checkpoint' | 'adjacent' | 'skipping' | 'backwards'
  /** Height it was verified from (the trusted header; for 'backwards', the header above it). */
  from: number
  time: string
}

/** What the storage contributor reports into the status object. */
export interface StorageStatus {
  cachedBytes: number
  challengesAnswered: number
  challengesFailed: number
}

/** One challenge the storage contributor answered (or failed), for the `challenge` event. */
export interface ChallengeEvent {
  challengeId: string
  /** 'answered': a valid answer was sent; 'failed': we couldn't answer (not held, error). */
  outcome: 'answered' | 'failed'
  latencyMs?: number
  detail?: string
}

/** What the light node hands its storage contributor on start. */
export interface StorageContext {
  transport: LightTransport
  store: LightStore
  /** The newest verified light block (its appHash proves state queries), if any yet. */
  trusted: () => LightBlock | undefined
  /** Every accepted header is passed here too (challenges are derived from block hashes). */
  onHeader: (listener: (header: AcceptedHeader) => void) => () => void
  /** Reports a challenge outcome (becomes the node's `challenge` event). */
  emitChallenge: (event: ChallengeEvent) => void
  /** Aborted when the light node stops. */
  signal: AbortSignal
  log: (message: string) => void
}

/**
 * A storage contribution module (client/storage): registers a pledge, fetches, seals and keeps its
 * ranges, answers challenges. The light node starts it after its first verified header and stops it
 * first on stop.
 */
export interface StorageContributor {
  start: (context: StorageContext) => Promise<void>
  stop: () => Promise<void>
  status: () => StorageStatus
}
