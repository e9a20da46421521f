/**
 * A tiny deterministic AbciApplication for engine tests (test-only; the real app is fullnode/app).
 * Transactions are 8-byte big-endian counters; the state is { height, count, sum, genesisSha };
 * the app hash is sha256 of the state's canonical JSON. FinalizeBlock computes the next state from
 * the last *committed* one (so a replayed block gives the same result), Commit persists it to a
 * JSON file (temp file + fsync + rename: kill -9 leaves the old or the new state), and Info
 * reports the last committed height and hash so CometBFT replays what the app lacks.
 * Queries: `/count` → 8-byte count, `/state` → the state JSON, `/genesis-sha` → sha256 of InitChain's appStateBytes.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import type { AbciApplication } from '../../fullnode/app/abci.js'
import {
  ResponseProcessProposal_ProposalStatus, ResponseOfferSnapshot_Result, ResponseApplySnapshotChunk_Result
} from 'cosmjs-types/tendermint/abci/types'
import type { ResponseQuery } from 'cosmjs-types/tendermint/abci/types'

export interface CounterState { height: number, count: number, sum: string, genesisSha: string }

export interface CounterApp extends AbciApplication {
  /** The last committed state. */
  readonly state: CounterState
  /** Hooks for benchmarks: a block's txs were finalized / the block was committed. */
  onFinalize?: (height: number, txs: Uint8Array[]) => void
  onCommit?: (height: number) => void
}

export const COUNTER_TX_BYTES = 8

/** An 8-byte counter transaction. @example counterTx(5) */
export function counterTx (n: number | bigint): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt(n))
  return out
}

/** sha256 of the state's canonical JSON. @example appHash({ height: 0, count: 0, sum: '0', genesisSha: '' }) */
export function appHash (s: CounterState): Uint8Array {
  return new Uint8Array(createHash('sha256').update(JSON.stringify([s.height, s.count, s.sum, s.genesisSha])).digest())
}

const EMPTY = new Uint8Array()

/**
 * A counter app persisting to `<dir>/counter-state.json`.
 * @example const app = createCounterApp({ dir }); await startAbciServer({ app, port: 0 })
 */
export function createCounterApp (o: { dir: string }): CounterApp {
  const file = join(o.dir, 'counter-state.json')
  let committed: CounterState = existsSync(file)
    ? JSON.parse(readFileSync(file, 'utf8'))
    : { height: 0, count: 0, sum: '0', genesisSha: '' }
  let pending: CounterState | undefined
  let genesisSha = committed.genesisSha

  const persist = (s: CounterState): void => {
    const tmp = `${file}.tmp`
    const fd = openSync(tmp, 'w')
    try { writeSync(fd, JSON.stringify(s)); fsyncSync(fd) } finally { closeSync(fd) }
    renameSync(tmp, file)
  }

  const valid = (tx: Uint8Array): boolean => tx.length === COUNTER_TX_BYTES

  const query = (code: number, value: Uint8Array, log = ''): ResponseQuery => ({
    code, log, info: '', index: 0n, key: EMPTY, value, height: BigInt(committed.height), codespace: code === 0 ? '' : 'counter'
  })

  const app: CounterApp = {
    get state () { return committed },
    async info () {
      return { data: 'counter', version: '1', appVersion: 0n, lastBlockHeight: BigInt(committed.height), lastBlockAppHash: committed.height === 0 ? EMPTY : appHash(committed) }
    },
    async initChain (req) {
      genesisSha = createHash('sha256').update(req.appStateBytes).digest('hex')
      return { consensusParams: undefined, validators: [], appHash: EMPTY }
    },
    async query (req) {
      if (req.path === '/count') return query(0, Uint8Array.from(counterTx(committed.count)))
      if (req.path === '/state') return query(0, new TextEncoder().encode(JSON.stringify(committed)))
      if (req.path === '/genesis-sha') return query(0, new TextEncoder().encode(committed.genesisSha === '' ? genesisSha : committed.genesisSha))
      return query(2, EMPTY, `unknown path ${req.path}`)
    },
    async checkTx (req) {
      const ok = valid(req.tx)
      return { code: ok ? 0 : 2, data: EMPTY, log: ok ? '' : 'counter txs are 8 bytes', info: '', gasWanted: 0n, gasUsed: 0n, events: [], codespace: ok ? '' : 'counter' }
    },
    async prepareProposal (req) {
      const txs: Uint8Array[] = []
      let bytes = 0
      for (const tx of req.txs) {
        if (!valid(tx)) continue
        if (bytes + tx.length > Number(req.maxTxBytes)) break
        bytes += tx.length
        txs.push(tx)
      }
      return { txs }
    },
    async processProposal (req) {
      return { status: req.txs.every(valid) ? ResponseProcessProposal_ProposalStatus.ACCEPT : ResponseProcessProposal_ProposalStatus.REJECT }
    },
    async finalizeBlock (req) {
      let count = committed.count
      let sum = BigInt(committed.sum)
      const txResults = req.txs.map((tx) => {
        if (!valid(tx)) return { code: 2, data: EMPTY, log: 'bad size', info: '', gasWanted: 0n, gasUsed: 0n, events: [], codespace: 'counter' }
        count++
        sum += new DataView(tx.buffer, tx.byteOffset, 8).getBigUint64(0)
        return { code: 0, data: EMPTY, log: '', info: '', gasWanted: 0n, gasUsed: 0n, events: [], codespace: '' }
      })
      pending = { height: Number(req.height), count, sum: sum.toString(), genesisSha: committed.genesisSha === '' ? genesisSha : committed.genesisSha }
      app.onFinalize?.(Number(req.height), req.txs)
      return { events: [], txResults, validatorUpdates: [], consensusParamUpdates: undefined, appHash: appHash(pending) }
    },
    async commit () {
      if (pending === undefined) throw new Error('commit without finalizeBlock')
      persist(pending)
      committed = pending
      pending = undefined
      app.onCommit?.(committed.height)
      return { retainHeight: 0n }
    },
    async listSnapshots () { return { snapshots: [] } },
    async offerSnapshot () { return { result: ResponseOfferSnapshot_Result.REJECT } },
    async loadSnapshotChunk () { return { chunk: EMPTY } },
    async applySnapshotChunk () { return { result: ResponseApplySnapshotChunk_Result.ABORT, refetchChunks: [], rejectSenders: [] } }
  }
  return app
}
