/**
 * glowmesh's ABCI 2.0 application (CometBFT v0.38): the ledger (fullnode/ledger) behind the
 * `AbciApplication` interface that fullnode/app/abci-server.ts serves.
 *
 * v0.38 order per height: PrepareProposal (proposer) / ProcessProposal (everyone) → FinalizeBlock
 * (executes the block and returns the app hash) → Commit (persists; nothing before). CheckTx runs
 * against a check state over the last committed state, reset at every Commit (CometBFT then
 * rechecks the mempool, which rebuilds the pending nonces and balances). Info reports the last
 * committed height and app hash, so after a crash CometBFT replays the blocks we lack.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import type {
  RequestInfo, ResponseInfo, RequestInitChain, ResponseInitChain, RequestQuery, ResponseQuery,
  RequestCheckTx, ResponseCheckTx, RequestPrepareProposal, ResponsePrepareProposal,
  RequestProcessProposal, ResponseProcessProposal, RequestFinalizeBlock, ResponseFinalizeBlock,
  ResponseCommit, RequestListSnapshots, ResponseListSnapshots, RequestOfferSnapshot, ResponseOfferSnapshot,
  RequestLoadSnapshotChunk, ResponseLoadSnapshotChunk, RequestApplySnapshotChunk, ResponseApplySnapshotChunk,
  Event, ExecTxResult, Snapshot
} from 'cosmjs-types/tendermint/abci/types'
import type { AbciApplication } from './abci.js'
import { parseGenesis, type Genesis } from '../genesis.js'
import { LedgerState } from '../ledger/state.js'
import { openLevel, type LedgerLevel } from '../ledger/db.js'
import { Overlay } from '../ledger/overlay.js'
import { Ledger, TxCode, TX_CODESPACE, type BlockContext } from '../ledger/ledger.js'
import { ledgerParams, decodeParams, type LedgerParams } from '../ledger/params.js'
import { Records } from '../ledger/records.js'
import { assignRanges } from '../ledger/assign.js'
import { computeListing } from '../ledger/compute.js'
import { SnapshotStore, SNAPSHOT_FORMAT, DEFAULT_SNAPSHOT_CHUNK_BYTES, unpackChunk, chunkHash } from './snapshots.js'
import { stateKeys, encodeStateProof, STATE_PROOF_TYPE } from '../../protocol/chain/state-proof.js'
import { encodeUvarint } from '../../protocol/chain/proto.js'
import { toHex, equalBytes, fromHex } from '../../protocol/bytes.js'
import { GlowmeshError } from '../../protocol/errors.js'

/** Result codes of Query (ResponseQuery.code). An absent key is code 0 with an empty value (and, with prove, a proof of absence). */
export enum QueryCode { OK = 0, UNKNOWN_PATH = 1, BAD_ARGUMENT = 2, UNKNOWN_HEIGHT = 3, NOT_READY = 4 }

/** An event as `onCommit` hands it on: flattened attributes, with the tx it came from (absent for block events). */
export interface AppEvent { type: string, attributes: Record<string, string>, txHash?: string, txIndex?: number }

/** Logging hooks (all optional). */
export interface AppLogger {
  info?: (msg: string) => void
  warn?: (msg: string, err?: unknown) => void
  error?: (msg: string, err?: unknown) => void
}

export interface GlowmeshAppOptions {
  /** LevelDB folder of the state (created if missing). One of dataDir / level. */
  dataDir?: string
  /** An open LevelDB (binary keys and values); the app does not close it. */
  level?: LedgerLevel
  /** The genesis, used when InitChain carries no app_state (normally app_state IS this genesis JSON). */
  genesis?: Genesis
  logger?: AppLogger
  /** Called after each Commit, with every event of the block (block events, then successful txs' events). */
  onCommit?: (height: number, events: AppEvent[]) => void | Promise<void>
  /** Take a state-sync snapshot every N heights; 0 disables. Default 100. */
  snapshotInterval?: number
  /** Snapshots kept. Default 2. */
  snapshotKeepRecent?: number
  /** Largest snapshot chunk. Default 10 MB. */
  snapshotChunkBytes?: number
}

/** The app plus what the node and tests need beside ABCI. */
export interface GlowmeshApp extends AbciApplication {
  /** The ledger state (height, appHash, proofs). */
  readonly state: LedgerState
  /** The ledger parameters once InitChain ran or state was loaded; null before. */
  readonly params: LedgerParams | null
  /** Closes LevelDB (if the app opened it). */
  close: () => Promise<void>
}

/** The app was asked for something it cannot do in its current state (e.g. FinalizeBlock at a wrong height). */
export class AppStateError extends GlowmeshError {
  override name = 'AppStateError'
  constructor (message: string) { super('APP_STATE', message) }
}

const utf8 = new TextEncoder()
const td = new TextDecoder()
const EMPTY = new Uint8Array()

function flatten (e: Event, txHash?: string, txIndex?: number): AppEvent {
  const attributes: Record<string, string> = {}
  for (const a of e.attributes) attributes[a.key] = a.value
  return { type: e.type, attributes, ...(txHash === undefined ? {} : { txHash, txIndex }) }
}

/** Bytes a tx adds to CometBFT's Data message (what PrepareProposal's maxTxBytes limits). */
function protoTxSize (tx: Uint8Array): number {
  return 1 + encodeUvarint(tx.length).length + tx.length
}

function queryResponse (p: Partial<ResponseQuery>): ResponseQuery {
  return { code: 0, log: '', info: '', index: 0n, key: EMPTY, value: EMPTY, height: 0n, codespace: '', ...p }
}

/**
 * Opens the state and returns the ABCI application.
 * @example const app = await createGlowmeshApp({ dataDir: join(home, 'data', 'state'), onCommit: (h, events) => store.apply(events) })
 */
export async function createGlowmeshApp (options: GlowmeshAppOptions): Promise<GlowmeshApp> {
  if (options.level === undefined && options.dataDir === undefined) throw new AppStateError('createGlowmeshApp: dataDir or level is required')
  const level = options.level ?? await openLevel(options.dataDir as string)
  const state = await LedgerState.open({ level })
  const log = options.logger ?? {}
  const snapshotInterval = options.snapshotInterval ?? 100
  const snapshots = new SnapshotStore(level, { keepRecent: options.snapshotKeepRecent ?? 2, chunkBytes: options.snapshotChunkBytes ?? DEFAULT_SNAPSHOT_CHUNK_BYTES })

  let ledger: Ledger | null = null
  if (state.height > 0) {
    const p = await state.get(td.decode(stateKeys.params()))
    if (p === null) throw new AppStateError('state has a height but no ledger parameters')
    ledger = new Ledger(decodeParams(p))
  }
  // What CheckTx, PrepareProposal and Query see: the last committed state, or the genesis state
  // between InitChain and block 1's Commit (txs may arrive before block 1).
  let viewRoot = state.appHash
  let check = new Overlay(state.readerAtRoot(viewRoot))
  let pending: { height: number, events: AppEvent[] } | null = null
  let restore: { snapshot: Snapshot, appHash: Uint8Array, got: Set<number>, bytes: number, started: number } | null = null

  const need = (): Ledger => {
    if (ledger === null) throw new AppStateError('the chain is not initialised (no InitChain yet)')
    return ledger
  }

  const app: GlowmeshApp = {
    state,
    get params () { return ledger?.params ?? null },

    async info (_req: RequestInfo): Promise<ResponseInfo> {
      return {
        data: 'glowmesh',
        version: '0.1.0',
        appVersion: 1n,
        lastBlockHeight: BigInt(state.height),
        lastBlockAppHash: state.height === 0 ? EMPTY : state.appHash
      }
    },

    async initChain (req: RequestInitChain): Promise<ResponseInitChain> {
      const genesis = req.appStateBytes.length > 0 ? parseGenesis(req.appStateBytes) : options.genesis
      if (genesis === undefined) throw new AppStateError('InitChain: no app_state and no genesis option')
      if (genesis.chainId !== req.chainId) throw new AppStateError(`InitChain: chain id '${req.chainId}' differs from the genesis' '${genesis.chainId}'`)
      if (state.height !== 0) throw new AppStateError(`InitChain at height ${state.height}: state already exists`)
      ledger = new Ledger(ledgerParams(genesis))
      const block = new Overlay({ get: async (k) => await state.get(k) })
      const validators = await ledger.initGenesis(block, genesis)
      // Genesis writes go to the working trie only; they reach disk with block 1's Commit (a crash
      // before that makes CometBFT call InitChain again).
      const appHash = await state.applyWrites(block.writes)
      viewRoot = appHash
      check = new Overlay(state.readerAtRoot(viewRoot))
      log.info?.(`initChain ${genesis.chainId}: ${genesis.accounts.length} accounts, ${validators.length} validators, app hash ${toHex(appHash)}`)
      return { validators, appHash }
    },

    async checkTx (req: RequestCheckTx): Promise<ResponseCheckTx> {
      const base = { data: EMPTY, info: '', gasWanted: 0n, gasUsed: 0n, events: [] as Event[] }
      if (ledger === null) return { ...base, code: TxCode.INTERNAL, log: 'chain not initialised', codespace: TX_CODESPACE }
      const ctx: BlockContext = { height: state.height + 1, mode: 'check', proposer: null, validatorUpdates: new Map(), blobIndex: 0 }
      const out = await ledger.executeTx(check, req.tx, ctx)
      return { ...base, code: out.code, log: out.log, codespace: out.code === TxCode.OK ? '' : TX_CODESPACE }
    },

    async prepareProposal (req: RequestPrepareProposal): Promise<ResponsePrepareProposal> {
      const l = need()
      // Simulate the block over the committed state; keep the txs that would succeed, in the order given.
      const block = new Overlay(state.readerAtRoot(viewRoot))
      const ctx: BlockContext = { height: Number(req.height), mode: 'check', proposer: req.proposerAddress.length === 20 ? toHex(req.proposerAddress) : null, validatorUpdates: new Map(), blobIndex: 0 }
      await l.beginBlock(block, ctx, { hash: new Uint8Array(32), misbehavior: req.misbehavior })
      const txs: Uint8Array[] = []
      let size = 0
      const max = Number(req.maxTxBytes)
      for (const tx of req.txs) {
        const s = protoTxSize(tx)
        if (size + s > max) continue
        const out = await l.executeTx(block, tx, ctx)
        if (out.code !== TxCode.OK) continue
        txs.push(tx); size += s
      }
      return { txs }
    },

    async processProposal (req: RequestProcessProposal): Promise<ResponseProcessProposal> {
      const l = need()
      for (const tx of req.txs) {
        // Malformed, wrongly signed, unknown-kind or malformed-body txs (DA submissions included) reject the block.
        if ('code' in l.stateless(tx)) return { status: 2 }
      }
      return { status: 1 }
    },

    async finalizeBlock (req: RequestFinalizeBlock): Promise<ResponseFinalizeBlock> {
      const l = need()
      const height = Number(req.height)
      if (pending !== null) throw new AppStateError(`FinalizeBlock ${height} before Commit of ${pending.height}`)
      if (height !== state.height + 1) throw new AppStateError(`FinalizeBlock ${height}, but the last committed height is ${state.height}`)
      const block = new Overlay({ get: async (k) => await state.get(k) })
      const ctx: BlockContext = { height, mode: 'deliver', proposer: req.proposerAddress.length === 20 ? toHex(req.proposerAddress) : null, validatorUpdates: new Map(), blobIndex: 0 }
      const blockEvents = await l.beginBlock(block, ctx, { hash: req.hash, misbehavior: req.misbehavior })
      const events: AppEvent[] = blockEvents.map((e) => flatten(e))
      const txResults: ExecTxResult[] = []
      for (let i = 0; i < req.txs.length; i++) {
        const out = await l.executeTx(block, req.txs[i], ctx)
        txResults.push({ code: out.code, data: EMPTY, log: out.log, info: '', gasWanted: 0n, gasUsed: 0n, events: out.events, codespace: out.code === TxCode.OK ? '' : TX_CODESPACE })
        if (out.code === TxCode.OK) {
          const hash = toHex(sha256(req.txs[i]))
          for (const e of out.events) events.push(flatten(e, hash, i))
        }
      }
      const validatorUpdates = l.endBlock(ctx)
      const appHash = await state.applyWrites(block.writes)
      pending = { height, events }
      return { events: blockEvents, txResults, validatorUpdates, appHash }
    },

    async commit (): Promise<ResponseCommit> {
      if (pending === null) return { retainHeight: 0n }
      const { height, events } = pending
      await state.commit(height)
      pending = null
      viewRoot = state.appHash
      check = new Overlay(state.readerAtRoot(viewRoot))
      ledger?.trimCaches()
      if (snapshotInterval > 0 && height % snapshotInterval === 0) {
        try {
          const t = performance.now()
          const snap = await snapshots.take(state, height)
          log.info?.(`snapshot at height ${height}: ${snap.chunks} chunk(s), ${snap.bytes} bytes, ${(performance.now() - t).toFixed(0)} ms`)
        } catch (err) { log.warn?.(`snapshot at ${height} failed`, err) }
      }
      if (options.onCommit !== undefined) {
        try { await options.onCommit(height, events) } catch (err) { log.error?.(`onCommit(${height}) failed`, err) }
      }
      return { retainHeight: 0n }
    },

    async query (req: RequestQuery): Promise<ResponseQuery> {
      if (ledger === null) return queryResponse({ code: QueryCode.NOT_READY, log: 'chain not initialised' })
      const height = req.height === 0n ? state.height : Number(req.height)
      if (height > state.height || (height < 1 && req.height !== 0n)) return queryResponse({ code: QueryCode.UNKNOWN_HEIGHT, log: `no committed state at height ${height}`, codespace: TX_CODESPACE })
      const parts = req.path.split('/').filter((x) => x.length > 0)
      let key: Uint8Array
      try {
        switch (parts[0]) {
          case 'account': key = stateKeys.account(parts[1]?.toLowerCase()); break
          case 'file': key = stateKeys.file(parts[1]?.toLowerCase()); break
          case 'node': key = stateKeys.node(parts[1]?.toLowerCase()); break
          case 'params': key = stateKeys.params(); break
          case 'flow': key = stateKeys.flow(); break
          case 'epoch': key = stateKeys.epoch(); break
          case 'blob': key = stateKeys.blob(Number(parts[1]), Number(parts[2])); break
          case 'assign': return await assignQuery(parts[1], height)
          case 'model': key = stateKeys.model(parts[1]?.toLowerCase()); break // compute market (ledger/compute.ts)
          case 'job': key = stateKeys.job(parts[1]?.toLowerCase()); break
          case 'worker': key = stateKeys.worker(parts[1]?.toLowerCase()); break
          case 'compute': {
            const listing = await computeListing(state.readerAtRoot(req.height === 0n ? viewRoot : await state.rootAt(height)), parts.slice(1))
            return queryResponse({ height: BigInt(height), value: utf8.encode(JSON.stringify(listing)) })
          }
          default: return queryResponse({ code: QueryCode.UNKNOWN_PATH, log: `unknown query path '${req.path}'`, codespace: TX_CODESPACE })
        }
      } catch (err) {
        return queryResponse({ code: QueryCode.BAD_ARGUMENT, log: (err as Error).message, codespace: TX_CODESPACE })
      }
      let root: Uint8Array
      try { root = req.height === 0n ? viewRoot : await state.rootAt(height) } catch (err) { return queryResponse({ code: QueryCode.UNKNOWN_HEIGHT, log: (err as Error).message, codespace: TX_CODESPACE }) }
      if (!req.prove) {
        const value = await state.readerAtRoot(root).get(td.decode(key))
        return queryResponse({ key, value: value ?? EMPTY, height: BigInt(height), log: value === null ? 'absent' : '' })
      }
      const { value, proof } = await state.prove(td.decode(key), root)
      return queryResponse({
        key, value: value ?? EMPTY, height: BigInt(height), log: value === null ? 'absent' : '',
        proofOps: { ops: [{ type: STATE_PROOF_TYPE, key, data: encodeStateProof(proof) }] }
      })
    },

    async listSnapshots (_req: RequestListSnapshots): Promise<ResponseListSnapshots> {
      return { snapshots: await snapshots.list() }
    },

    async loadSnapshotChunk (req: RequestLoadSnapshotChunk): Promise<ResponseLoadSnapshotChunk> {
      return { chunk: await snapshots.loadChunk(Number(req.height), req.format, req.chunk) }
    },

    async offerSnapshot (req: RequestOfferSnapshot): Promise<ResponseOfferSnapshot> {
      const s = req.snapshot
      if (s === undefined) return { result: 3 }
      if (s.format !== SNAPSHOT_FORMAT) return { result: 4 } // REJECT_FORMAT
      if (state.height !== 0) return { result: 2 } // ABORT: state sync is for empty nodes only
      if (s.chunks < 1 || s.metadata.length !== 32 * s.chunks || !equalBytes(sha256(s.metadata), s.hash) || req.appHash.length !== 32) return { result: 3 } // REJECT
      state.rollback()
      restore = { snapshot: s, appHash: req.appHash, got: new Set(), bytes: 0, started: performance.now() }
      log.info?.(`restoring snapshot at height ${s.height}: ${s.chunks} chunks`)
      return { result: 1 }
    },

    async applySnapshotChunk (req: RequestApplySnapshotChunk): Promise<ResponseApplySnapshotChunk> {
      const none = { refetchChunks: [] as number[], rejectSenders: [] as string[] }
      if (restore === null) return { ...none, result: 2 } // ABORT
      const { snapshot } = restore
      if (req.index < 0 || req.index >= snapshot.chunks) return { ...none, result: 5 }
      let nodes: Uint8Array[] | null = null
      if (equalBytes(sha256(req.chunk), chunkHash(snapshot.metadata, req.index))) {
        try { nodes = unpackChunk(req.chunk) } catch { nodes = null }
      }
      if (nodes === null) {
        return { result: 3, refetchChunks: [req.index], rejectSenders: req.sender === '' ? [] : [req.sender] } // RETRY from someone else
      }
      // Content-addressed: a node is stored under its own keccak256, so no sender can plant a wrong one.
      for (const n of nodes) await state.nodes.put(toHex(keccak_256(n)).slice(2), n)
      if (!restore.got.has(req.index)) restore.bytes += req.chunk.length
      restore.got.add(req.index)
      if (restore.got.size < snapshot.chunks) return { ...none, result: 1 }
      try {
        await state.adopt(Number(snapshot.height), restore.appHash)
        const p = await state.get(td.decode(stateKeys.params()))
        if (p === null) throw new AppStateError('restored state has no ledger parameters')
        ledger = new Ledger(decodeParams(p))
        viewRoot = state.appHash
        check = new Overlay(state.readerAtRoot(viewRoot))
        log.info?.(`restored snapshot at height ${snapshot.height}, app hash ${toHex(restore.appHash)} (${snapshot.chunks} chunk(s), ${restore.bytes} bytes, ${(performance.now() - restore.started).toFixed(0)} ms from offer to restored)`)
        restore = null
        return { ...none, result: 1 }
      } catch (err) {
        log.warn?.('snapshot restore failed: the trie under the trusted app hash is incomplete', err)
        state.rollback()
        restore = null
        return { ...none, result: 5 } // REJECT_SNAPSHOT
      }
    },

    async close (): Promise<void> {
      if (options.level === undefined) await level.close()
    }
  }

  async function assignQuery (nodeIdHex: string | undefined, height: number): Promise<ResponseQuery> {
    let nodeId: Uint8Array
    try { nodeId = fromHex(nodeIdHex ?? '', 32) } catch (err) { return queryResponse({ code: QueryCode.BAD_ARGUMENT, log: (err as Error).message, codespace: TX_CODESPACE }) }
    const r = new Records(state.readerAtRoot(height === state.height ? viewRoot : await state.rootAt(height)))
    const node = await r.node(toHex(nodeId))
    const flow = await r.flow()
    const epoch = await r.epoch()
    if (node === null || epoch === null) return queryResponse({ height: BigInt(height), log: 'absent' })
    // PoRA: whole sectors of the seal's size (a `pora.commit` is checked against the same function).
    const seal = ledger!.params.seal
    const ranges = assignRanges({ nodeId, pledgeBytes: node.pledgeBytes, flowLength: flow.length, epochSeed: epoch.seed, sectorChunks: seal.sectorChunks })
    const value = utf8.encode(JSON.stringify({ nodeId: toHex(nodeId), epoch: epoch.epoch, seed: toHex(epoch.seed), flowLength: flow.length, epochFlowLength: epoch.flowLength ?? 0, seal, ranges }))
    return queryResponse({ height: BigInt(height), value })
  }

  return app
}
