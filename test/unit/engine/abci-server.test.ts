import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { connect } from 'node:net'
import type { Socket } from 'node:net'
import type { Request, Response } from 'cosmjs-types/tendermint/abci/types'
import { startAbciServer } from '../../../fullnode/app/abci-server.js'
import type { AbciServer } from '../../../fullnode/app/abci-server.js'
import { FrameDecoder, decodeResponse, encodeRequest, encodeUvarint } from '../../../fullnode/app/abci-codec.js'
import type { AbciFatalError } from '../../../fullnode/engine/errors.js'
import { createCounterApp, counterTx } from '../../helpers/counter-app.js'
import type { AbciApplication } from '../../../fullnode/app/abci.js'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

// A client playing CometBFT's side of one ABCI connection.
class Conn {
  readonly responses: Response[] = []
  closed = false
  private readonly decoder = new FrameDecoder()
  private waiters: Array<() => void> = []
  constructor (readonly socket: Socket) {
    socket.on('data', (b) => { for (const f of this.decoder.push(b)) this.responses.push(decodeResponse(f)); this.wake() })
    socket.on('close', () => { this.closed = true; this.wake() })
    socket.on('error', () => {})
  }

  private wake (): void { for (const w of this.waiters.splice(0)) w() }
  static async open (port: number): Promise<Conn> {
    const s = connect(port, '127.0.0.1')
    await new Promise((resolve, reject) => { s.once('connect', resolve); s.once('error', reject) })
    return new Conn(s)
  }

  send (...reqs: Request[]): void { for (const r of reqs) this.socket.write(encodeRequest(r)) }
  async take (n: number): Promise<Response[]> {
    while (this.responses.length < n && !this.closed) await new Promise<void>((resolve) => this.waiters.push(resolve))
    return this.responses.splice(0, n)
  }

  async untilClosed (): Promise<void> { while (!this.closed) await new Promise<void>((resolve) => this.waiters.push(resolve)) }
}

const kind = (r: Response): string => Object.keys(r).find((k) => (r as any)[k] !== undefined)!
const checkTx = (tx: Uint8Array): Request => ({ checkTx: { tx, type: 0 } })

let server: AbciServer | undefined
const conns: Conn[] = []
afterEach(async () => {
  for (const c of conns.splice(0)) c.socket.destroy()
  await server?.close()
  server = undefined
})

async function serve (app: AbciApplication, onFatal?: (e: AbciFatalError) => void, maxFrameBytes?: number): Promise<AbciServer> {
  server = await startAbciServer({ app, port: 0, onFatal: onFatal ?? (() => {}), maxFrameBytes, logger: { error: () => {} } })
  return server
}
async function open (): Promise<Conn> { const c = await Conn.open(server!.port); conns.push(c); return c }
const appDirs: string[] = []
const counter = (): AbciApplication => { const dir = mkdtempSync(join(tmpdir(), 'abci-')); appDirs.push(dir); return createCounterApp({ dir }) }
afterAll(() => { for (const d of appDirs) rmSync(d, { recursive: true, force: true }) })
const sleep = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms))

describe('ABCI socket server', () => {
  it('answers Echo, Flush and app requests in request order', async () => {
    await serve(counter())
    const c = await open()
    c.send({ echo: { message: 'hello' } }, checkTx(counterTx(1)), checkTx(new Uint8Array(3)), { flush: {} }, { info: { version: '', blockVersion: 0n, p2pVersion: 0n, abciVersion: '' } }, { flush: {} })
    const rs = await c.take(6)
    expect(rs.map(kind)).toEqual(['echo', 'checkTx', 'checkTx', 'flush', 'info', 'flush'])
    expect(rs[0].echo!.message).toBe('hello')
    expect(rs[1].checkTx!.code).toBe(0)
    expect(rs[2].checkTx!.code).toBe(2)
  })

  it('answers Flush only after the slower responses before it', async () => {
    const order: string[] = []
    const app = { ...counter(), checkTx: async (req: { tx: Uint8Array }) => { await sleep(req.tx[0] * 5); order.push(`tx${req.tx[0]}`); return { code: 0, data: new Uint8Array(), log: '', info: '', gasWanted: 0n, gasUsed: 0n, events: [], codespace: '' } } }
    await serve(app)
    const c = await open()
    c.send(checkTx(Uint8Array.of(6)), checkTx(Uint8Array.of(1)), { flush: {} }, { echo: { message: 'after' } })
    const rs = await c.take(4)
    expect(rs.map(kind)).toEqual(['checkTx', 'checkTx', 'flush', 'echo'])
    expect(order).toEqual(['tx6', 'tx1'])
  })

  it('runs handlers one at a time across connections (one global queue)', async () => {
    let running = 0
    let maxRunning = 0
    const seen: string[] = []
    const base = counter()
    const slow = async <T>(tag: string, v: T): Promise<T> => {
      running++; maxRunning = Math.max(maxRunning, running); seen.push(`start ${tag}`)
      await sleep(2)
      seen.push(`end ${tag}`); running--
      return v
    }
    const app: AbciApplication = {
      ...base,
      checkTx: async (req) => await slow(`check${req.tx[0]}`, await base.checkTx(req)),
      query: async (req) => await slow(`query${req.path}`, await base.query(req))
    }
    await serve(app)
    const mempool = await open()
    const query = await open()
    for (let i = 0; i < 5; i++) {
      mempool.send(checkTx(counterTx(i)))
      query.send({ query: { data: new Uint8Array(), path: '/count', height: 0n, prove: false } })
    }
    mempool.send({ flush: {} }); query.send({ flush: {} })
    const [a, b] = await Promise.all([mempool.take(6), query.take(6)])
    expect(a.map(kind)).toEqual([...Array(5).fill('checkTx'), 'flush'])
    expect(b.map(kind)).toEqual([...Array(5).fill('query'), 'flush'])
    expect(maxRunning).toBe(1)
    for (let i = 0; i < seen.length; i += 2) expect(seen[i].replace('start', 'end')).toBe(seen[i + 1])
  })

  it('parses frames split byte by byte and merged in one write', async () => {
    await serve(counter())
    const c = await open()
    const bytes = Buffer.concat([encodeRequest({ echo: { message: 'a'.repeat(200) } }), encodeRequest(checkTx(counterTx(9))), encodeRequest({ flush: {} })])
    for (const b of bytes.subarray(0, 150)) { c.socket.write(Uint8Array.of(b)); await sleep(0) }
    c.socket.write(bytes.subarray(150))
    expect((await c.take(3)).map(kind)).toEqual(['echo', 'checkTx', 'flush'])
  })

  it('answers code 1 when CheckTx or Query throws, and keeps serving', async () => {
    const app: AbciApplication = { ...counter(), checkTx: async () => { throw new Error('boom') }, query: async () => { throw new TypeError('bad') } }
    await serve(app)
    const c = await open()
    c.send(checkTx(counterTx(1)), { query: { data: new Uint8Array(), path: '/x', height: 0n, prove: false } }, { echo: { message: 'still here' } })
    const [ct, q, e] = await c.take(3)
    expect(ct.checkTx).toMatchObject({ code: 1, log: 'Error: boom' })
    expect(q.query).toMatchObject({ code: 1, log: 'TypeError: bad' })
    expect(e.echo!.message).toBe('still here')
    expect(ct.exception).toBeUndefined()
  })

  it('reports a throwing consensus handler as fatal and never answers it with an Exception', async () => {
    const fatal: AbciFatalError[] = []
    const app: AbciApplication = { ...counter(), finalizeBlock: async () => { throw new Error('non-determinism!') } }
    await serve(app, (e) => fatal.push(e))
    const c = await open()
    c.send({ finalizeBlock: { txs: [], decidedLastCommit: { round: 0, votes: [] }, misbehavior: [], hash: new Uint8Array(), height: 1n, time: { seconds: 1n, nanos: 0 }, nextValidatorsHash: new Uint8Array(), proposerAddress: new Uint8Array() } }, { flush: {} })
    for (let i = 0; i < 20 && fatal.length === 0; i++) await sleep(5)
    expect(fatal).toHaveLength(1)
    expect(fatal[0]).toMatchObject({ name: 'AbciFatalError', code: 'ABCI_FATAL', method: 'finalizeBlock' })
    expect((fatal[0].cause as Error).message).toBe('non-determinism!')
    await sleep(20)
    expect(c.responses).toEqual([]) // nothing, not even the Flush behind it: the process is meant to exit
  })

  it('closes a connection that sends an oversized or malformed frame, and serves the others', async () => {
    await serve(counter(), undefined, 1024)
    const good = await open()
    const big = await open()
    const junk = await open()
    big.socket.write(encodeUvarint(4096))
    junk.socket.write(Uint8Array.of(3, 0xff, 0xff, 0xff))
    await Promise.all([big.untilClosed(), junk.untilClosed()])
    good.send({ echo: { message: 'ok' } })
    expect((await good.take(1))[0].echo!.message).toBe('ok')
    expect(server!.connections).toBe(1)
  })

  it('stops on its AbortSignal', async () => {
    const ac = new AbortController()
    const s = await startAbciServer({ app: counter(), port: 0, signal: ac.signal })
    const c = await Conn.open(s.port)
    ac.abort()
    await c.untilClosed()
    await s.close()
    await expect(Conn.open(s.port)).rejects.toThrow()
  })
})
