/**
 * The ABCI socket server CometBFT v0.38 drives (`proxy_app = "tcp://…"`, `abci = "socket"`).
 * CometBFT opens four connections (consensus, mempool, query, snapshot) and retries until we listen.
 * Per connection: bytes are buffered into whole frames (fullnode/app/abci-codec.ts), answered
 * strictly in request order; Echo and Flush are answered here (CometBFT waits forever for a Flush
 * answer), after every response before them. Across connections: every app handler runs behind
 * ONE global FIFO queue, one at a time, so a CheckTx never interleaves with FinalizeBlock/Commit.
 *
 * A throwing handler never becomes an `Exception` response (that stops CometBFT and hides the cause):
 * CheckTx and Query answer code 1 with the message in `log`; snapshot methods answer their
 * reject/empty forms; the consensus methods (Info, InitChain, PrepareProposal, ProcessProposal,
 * FinalizeBlock, ExtendVote, VerifyVoteExtension, Commit) are bugs that would fork or stall the
 * node, so the error goes to `onFatal` (default: log loudly and exit the process; CometBFT then
 * stops too, as its ABCI connection drops).
 */
import { createServer } from 'node:net'
import type { Server, Socket } from 'node:net'
import type { Request, Response } from 'cosmjs-types/tendermint/abci/types'
import {
  ResponseOfferSnapshot_Result, ResponseApplySnapshotChunk_Result, ResponseVerifyVoteExtension_VerifyStatus
} from 'cosmjs-types/tendermint/abci/types'
import type { AbciApplication } from './abci.js'
import { DEFAULT_MAX_FRAME_BYTES, FrameDecoder, decodeRequest, encodeResponse } from './abci-codec.js'
import type { AbciRequestType } from './abci-codec.js'
import { AbciFatalError } from '../engine/errors.js'

/** Where the server reports what it does; every field optional. */
export interface AbciLogger {
  info?: (msg: string) => void
  error?: (msg: string, err?: unknown) => void
}

export interface StartAbciServerOptions {
  app: AbciApplication
  /** Default 127.0.0.1 (CometBFT runs beside us). */
  host?: string
  /** 0 picks a free port (read it from the result). */
  port: number
  /** Aborting closes the server and every connection. */
  signal?: AbortSignal
  /** Frames above this are a protocol error: the connection is closed. Default 64 MiB. */
  maxFrameBytes?: number
  logger?: AbciLogger
  /** A consensus handler threw. Default: log and `process.exit(70)`. */
  onFatal?: (err: AbciFatalError) => void
}

export interface AbciServer {
  /** The port actually bound. */
  port: number
  /** Connections currently open (CometBFT keeps four). */
  readonly connections: number
  /** Requests answered since start, by type (for tests and metrics). */
  readonly counts: Readonly<Partial<Record<AbciRequestType, number>>>
  /** Stops listening and drops every connection. */
  close: () => Promise<void>
}

// Handlers whose failure must not be answered: the engine would carry on with a wrong result.
const FATAL = new Set<AbciRequestType>(['info', 'initChain', 'prepareProposal', 'processProposal', 'finalizeBlock', 'extendVote', 'verifyVoteExtension', 'commit'])

function errText (err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err)
}

// Calls the handler for one request; the result is the Response (never an exception).
async function dispatch (app: AbciApplication, type: AbciRequestType, req: Request): Promise<Response> {
  switch (type) {
    case 'info': return { info: await app.info(req.info!) }
    case 'initChain': return { initChain: await app.initChain(req.initChain!) }
    case 'query': return { query: await app.query(req.query!) }
    case 'checkTx': return { checkTx: await app.checkTx(req.checkTx!) }
    case 'prepareProposal': return { prepareProposal: await app.prepareProposal(req.prepareProposal!) }
    case 'processProposal': return { processProposal: await app.processProposal(req.processProposal!) }
    case 'finalizeBlock': return { finalizeBlock: await app.finalizeBlock(req.finalizeBlock!) }
    case 'commit': return { commit: await app.commit() }
    case 'listSnapshots': return { listSnapshots: await app.listSnapshots(req.listSnapshots!) }
    case 'offerSnapshot': return { offerSnapshot: await app.offerSnapshot(req.offerSnapshot!) }
    case 'loadSnapshotChunk': return { loadSnapshotChunk: await app.loadSnapshotChunk(req.loadSnapshotChunk!) }
    case 'applySnapshotChunk': return { applySnapshotChunk: await app.applySnapshotChunk(req.applySnapshotChunk!) }
    case 'extendVote':
      // Vote extensions are enabled from height 0 in our genesis only nominally: without a
      // handler the extension is empty and every extension is accepted.
      return { extendVote: app.extendVote === undefined ? { voteExtension: new Uint8Array() } : await app.extendVote(req.extendVote!) }
    case 'verifyVoteExtension':
      return { verifyVoteExtension: app.verifyVoteExtension === undefined ? { status: ResponseVerifyVoteExtension_VerifyStatus.ACCEPT } : await app.verifyVoteExtension(req.verifyVoteExtension!) }
    default: throw new Error(`no handler for ${type}`)
  }
}

// What a non-consensus handler's failure is answered with.
function failure (type: AbciRequestType, err: unknown): Response {
  const log = errText(err)
  switch (type) {
    case 'checkTx': return { checkTx: { code: 1, data: new Uint8Array(), log, info: '', gasWanted: 0n, gasUsed: 0n, events: [], codespace: 'glowmesh' } }
    case 'query': return { query: { code: 1, log, info: '', index: 0n, key: new Uint8Array(), value: new Uint8Array(), height: 0n, codespace: 'glowmesh' } }
    case 'listSnapshots': return { listSnapshots: { snapshots: [] } }
    case 'offerSnapshot': return { offerSnapshot: { result: ResponseOfferSnapshot_Result.REJECT } }
    case 'loadSnapshotChunk': return { loadSnapshotChunk: { chunk: new Uint8Array() } }
    case 'applySnapshotChunk': return { applySnapshotChunk: { result: ResponseApplySnapshotChunk_Result.REJECT_SNAPSHOT, refetchChunks: [], rejectSenders: [] } }
    default: throw new Error(`no failure response for ${type}`)
  }
}

/**
 * Listens for CometBFT's ABCI connections and serves `app` on them.
 * @example const abci = await startAbciServer({ app, port: config.cometbft.abciPort, signal })
 */
export async function startAbciServer (o: StartAbciServerOptions): Promise<AbciServer> {
  const { app, logger = {} } = o
  const logInfo = logger.info ?? (() => {})
  const logError = logger.error ?? ((msg: string, err?: unknown) => { process.stderr.write(`abci: ${msg}${err === undefined ? '' : ` ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`}\n`) })
  const onFatal = o.onFatal ?? ((err: AbciFatalError) => {
    logError(`FATAL: ${err.message}; stopping the node`, err.cause)
    process.exit(70)
  })
  const maxFrameBytes = o.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES
  const sockets = new Set<Socket>()
  const counts: Partial<Record<AbciRequestType, number>> = {}
  // The global queue: each handler starts when the previous one (from any connection) settled.
  let queueTail: Promise<unknown> = Promise.resolve()
  let fatal = false

  const runQueued = async (type: AbciRequestType, req: Request): Promise<Response | undefined> => {
    const run = async (): Promise<Response | undefined> => {
      if (fatal) return undefined
      try {
        return await dispatch(app, type, req)
      } catch (err) {
        if (FATAL.has(type)) {
          fatal = true
          onFatal(new AbciFatalError(type, { cause: err }))
          return undefined
        }
        logError(`${type} handler threw; answering with a failure result`, err)
        return failure(type, err)
      }
    }
    const p = queueTail.then(run)
    queueTail = p.catch(() => {})
    return await p
  }

  const serve = (socket: Socket): void => {
    sockets.add(socket)
    socket.setNoDelay(true)
    const decoder = new FrameDecoder({ maxFrameBytes })
    // Responses are written in request order: each waits for the one before it on this connection.
    let writeTail: Promise<void> = Promise.resolve()
    let corked = false
    const write = (res: Response): void => {
      // After a fatal error nothing more is said: the engine must not move on.
      if (socket.destroyed || fatal) return
      // Responses finishing in one tick leave in one write (CometBFT pipelines CheckTx … Flush).
      if (!corked) { corked = true; socket.cork(); process.nextTick(() => { corked = false; socket.uncork() }) }
      socket.write(encodeResponse(res))
      const t = Object.keys(res)[0] as AbciRequestType
      counts[t] = (counts[t] ?? 0) + 1
    }
    socket.on('data', (chunk: Buffer) => {
      let frames: Uint8Array[]
      try {
        frames = decoder.push(chunk)
      } catch (err) {
        logError(`closing ABCI connection from ${socket.remoteAddress}:${socket.remotePort}: ${errText(err)}`)
        socket.destroy()
        return
      }
      for (const frame of frames) {
        let type: AbciRequestType
        let request: Request
        try {
          ({ type, request } = decodeRequest(frame))
        } catch (err) {
          logError(`closing ABCI connection from ${socket.remoteAddress}:${socket.remotePort}: ${errText(err)}`)
          socket.destroy()
          return
        }
        let result: Promise<Response | undefined>
        if (type === 'echo') result = Promise.resolve({ echo: { message: request.echo!.message } })
        else if (type === 'flush') result = Promise.resolve({ flush: {} })
        else result = runQueued(type, request)
        writeTail = writeTail.then(async () => {
          const res = await result
          if (res !== undefined) write(res)
        })
      }
    })
    socket.on('error', (err) => { logInfo(`ABCI connection error: ${err.message}`) })
    socket.on('close', () => { sockets.delete(socket) })
  }

  const server: Server = createServer({ noDelay: true }, serve)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(o.port, o.host ?? '127.0.0.1', () => { server.off('error', reject); resolve() })
  })
  server.on('error', (err) => { logError('ABCI server error', err) })
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : o.port
  logInfo(`ABCI server listening on ${o.host ?? '127.0.0.1'}:${port}`)

  let closing: Promise<void> | undefined
  const close = async (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => { resolve() })
      for (const s of sockets) s.destroy()
    })
    await closing
  }
  if (o.signal !== undefined) {
    if (o.signal.aborted) await close()
    else o.signal.addEventListener('abort', () => { void close() }, { once: true })
  }
  return {
    port,
    get connections () { return sockets.size },
    counts,
    close
  }
}
