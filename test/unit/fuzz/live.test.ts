// A live full node over real HTTP (live-node.ts: one validator, CometBFT, real stores in a temp
// home, real state seeded through its own API): its RPC backend (headers, validators, txs,
// accounts and registry with proofs, files, segments, CIDs), `/da/*`, `/compute/*`, `/events`
// (server-sent events) and the IPFS gateway's `/ipfs/*`. Requests are mutated valid ones: real
// paths with mutated segments and queries, real signed txs, segment uploads and DA submissions with
// field mutations and byte flips, wrong methods and content types, bodies past the limits, stalled
// and abandoned uploads and streams. Every answer must be a documented status, with CORS and a JSON
// `{ error: { code, message } }` for errors, and the node must keep answering and making blocks.
// The WebSocket endpoint edge light nodes use (`/glowmesh/ws`) gets mutated envelopes inside valid
// and hostile frames (raw-ws.ts): each request is answered, or that socket alone is closed.
import { connect, type Socket } from 'node:net'
import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { encodeTx, signTx, generateKey, LEDGER_TX_KINDS, MAX_TX_BYTES } from '../../../protocol/chain/index.js'
import { encodeBody } from '../../../protocol/chain/bodies.js'
import {
  decodeMessage, MESSAGES, SAMPLE_PROTOCOL, SEGMENT_PROTOCOL, SYNC_PROTOCOL, SegmentStatus, SyncStatus, packEnvelope, unpackEnvelope, type ProtocolId
} from '../../../protocol/wire/index.js'
import * as w from '../wire/arbitraries.js'
import { isSendableCloseCode } from '../../../fullnode/net/ws/socket.js'
import { openRawWs, wsFrame } from './raw-ws.js'
import { fileLayout, verifySegmentProof } from '../../../protocol/storage/index.js'
import { fromHex, toHex } from '../../../protocol/bytes.js'
import { sleep } from '../../../protocol/sleep.js'
import { fuzzAsync, HANG_MS, hostile, hostileText, mutated, mutatedJson, printSlowest } from './arbitraries.js'
import { escapePath, seedLiveNode, send, startLiveNode, waitFor, type LiveFixtures, type LiveNode, type RawAnswer } from './live-node.js'

let live: LiveNode
let fx: LiveFixtures
let startHeight = 0
const memory: Array<[string, NodeJS.MemoryUsage]> = []
beforeAll(async () => {
  const t0 = performance.now()
  live = await startLiveNode()
  fx = await seedLiveNode(live)
  startHeight = (await live.rpc.status()).height
  memory.push(['seeded', process.memoryUsage()])
  console.log(`[bench] fuzz live: node started and seeded in ${(performance.now() - t0).toFixed(0)} ms (height ${startHeight})`)
}, 120_000)
afterAll(async () => {
  await live?.stop()
  printSlowest()
  for (const [when, m] of memory) console.log(`[bench] fuzz live memory (${when}): rss ${(m.rss / 2 ** 20).toFixed(0)} MiB, heap ${(m.heapUsed / 2 ** 20).toFixed(0)} MiB, external ${(m.external / 2 ** 20).toFixed(0)} MiB`)
})

/** RPC statuses README documents; 503 only with these codes; 431 is Node's own answer to a header past 16 KiB. */
const RPC_STATUSES = [200, 204, 400, 404, 405, 409, 410, 413, 422, 431, 503]
const RPC_503 = ['DA_BUSY', 'FAUCET_FAILED', 'QUERY_FAILED', 'MEMPOOL_FULL']
/** The gateway's documented statuses (fullnode/ipfs/gateway.ts). */
const GATEWAY_STATUSES = [200, 204, 206, 304, 400, 404, 405, 406, 413, 414, 416, 429]
const seen = new Map<string, Map<number, number>>()
const count = (id: string, status: number): void => { const m = seen.get(id) ?? new Map(); m.set(status, (m.get(status) ?? 0) + 1); seen.set(id, m) }
const printSeen = (id: string): void => { console.log(`[bench] fuzz ${id} statuses: ${[...(seen.get(id) ?? [])].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(' ')}`) }

/** A documented status, CORS, and the JSON error shape; returns the parsed JSON body when there is one. */
function judge (what: string, res: RawAnswer, method: string, allowed: number[], codes503 = RPC_503): any {
  const text = res.body.toString('utf8')
  const where = `${what} → ${res.status} ${text.slice(0, 300)}`
  expect(allowed, where).toContain(res.status)
  if (res.status === 431) return undefined // refused by Node's HTTP parser before any glowmesh code ran
  expect(res.headers['access-control-allow-origin'], where).toBe('*')
  if (res.status >= 400 && method !== 'HEAD') {
    const json = JSON.parse(text)
    expect(json, where).toEqual({ error: { code: expect.stringMatching(/^[A-Z][A-Z0-9_]*$/), message: expect.any(String) } })
    if (res.status === 503) expect(codes503, where).toContain(json.error.code)
    return json
  }
  if (String(res.headers['content-type']).startsWith('application/json') && method !== 'HEAD') return JSON.parse(text)
  return undefined
}

let cases = 0
/** Every few cases (and at each property's end): the node answers /status and has not stopped. */
async function alive (force = false): Promise<void> {
  if (!force && ++cases % 8 !== 0) return
  expect(live.fatal(), 'the node stopped on its own').toBeUndefined()
  const res = await send(live.rpcUrl, 'GET', '/status')
  expect(res.status, `GET /status after fuzzing: ${res.body.toString().slice(0, 200)}\n${live.logs.slice(-20).join('\n')}`).toBe(200)
}

// ── parameters: real values of the seeded chain, near-misses and hostile text ──
const weird = fc.oneof(
  fc.constantFrom('', '0', '-1', '007', '1e3', '0x10', ' 1', '%31', '18446744073709551616', '9'.repeat(40), '%zz', '%', '%00', '..', '.', '%2F', '%2e%2e', 'null', 'undefined', 'NaN',
    '\u00e9', '\u{1F600}', '\u202e', '\uFEFF1', 'a'.repeat(300), '0x', '0X' + 'ab'.repeat(32), '-0'),
  fc.string({ maxLength: 16 }), fc.string({ unit: 'binary', maxLength: 16 }), fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map(String)
)
const slot = (real: () => string[]): fc.Arbitrary<string> => fc.oneof({ arbitrary: fc.constantFrom(0, 1, 2, 3, 4, 5).chain((i) => fc.constant(real()[i % real().length])), weight: 5 }, { arbitrary: hostileText(fc.constantFrom(0, 1).map((i) => real()[i % real().length])), weight: 2 }, { arbitrary: weird, weight: 2 })
const P = {
  h: slot(() => ['1', '2', String(fx.da.height), 'latest', String(startHeight), String(startHeight + 10_000)]),
  x: slot(() => [fx.file.root, fx.txs[0], fx.txs[1], fx.file.root.slice(2).toUpperCase(), toHex(fx.key.publicKey), '0x' + '00'.repeat(32)]),
  a: slot(() => [fx.key.address, fx.key.address.toUpperCase().replace('0X', '0x'), '0x' + '00'.repeat(20), fx.key.address.slice(2)]),
  c: slot(() => [fx.file.cid, fx.file.cid, fx.file.cid.toUpperCase(), 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG', 'z' + fx.file.cid]),
  i: slot(() => ['0', '1', '2', '3', '50', '4294967296']),
  s: slot(() => ['open', 'claimed', 'done', 'paid', 'resulted', 'refunded']),
  b: slot(() => ['true', 'false', 'TRUE', '1'])
}
const GET_TEMPLATES = [
  '/status', '/genesis', '/bootstrap', '/headers/{h}', '/validators/{h}', '/tx/{x}', '/accounts/{a}?prove={b}', '/registry/{x}?prove={b}', '/files/{x}',
  '/files/{x}/segments/{i}', '/cids/{c}', '/da/{h}', '/compute/models', '/compute/models/{x}?prove={b}', '/compute/jobs?status={s}&limit={i}',
  '/compute/jobs/{x}?prove={b}', '/compute/workers/{a}?prove={b}', '/compute/monitor', '/{s}/{h}', '/headers/{h}/{i}', '/da/{h}?{s}={b}'
]
const render = (t: string, v: Record<string, string>): string => t.replace(/\{([a-z])\}/g, (_, k: string) => v[k])
const getPath = fc.tuple(fc.constantFrom(...GET_TEMPLATES), fc.record(P), fc.nat({ max: 9 }), fc.array(fc.nat({ max: 255 }), { maxLength: 3 }))
  .map(([t, v, mode, bytes]) => {
    const p = render(t, v)
    // whole-path mutations: percent-encode one character, double slashes, a trailing slash or dot segment
    if (mode === 7 && p.length > 1) { const k = bytes[0] ?? 1; const j = 1 + (k % (p.length - 1)); return p.slice(0, j) + '%' + p.charCodeAt(j).toString(16).padStart(2, '0') + p.slice(j + 1) }
    if (mode === 8) return p.replace('/', '//') + (bytes.length > 1 ? '/' : '')
    if (mode === 9) return p.replace(/\/([^/]*)$/, '/./$1')
    return p
  })

describe('fuzz: a live full node over HTTP (one validator, real stores)', () => {
  it('GET routes over real state: documented statuses, CORS, JSON errors; what answers 200 is the seeded state', async () => {
    await fuzzAsync('live/rpc-get', [getPath, fc.constantFrom('GET', 'GET', 'GET', 'GET', 'GET', 'GET', 'GET', 'HEAD', 'DELETE', 'OPTIONS')], async (path, method) => {
      const res = await send(live.rpcUrl, method, path)
      count('live/rpc-get', res.status)
      const json = judge(`${method} ${path}`, res, method, RPC_STATUSES)
      if (res.status === 200 && method === 'GET') {
        const url = new URL(escapePath(path), 'http://x')
        const parts = url.pathname.split('/').filter(Boolean).map((p) => { try { return decodeURIComponent(p) } catch { return p } })
        if (parts[0] === 'headers' && parts[1] !== 'latest') expect(json.height, path).toBe(Number(parts[1]))
        if (parts[0] === 'files' && parts.length === 2) expect(json.root, path).toBe(fx.file.root)
        if (parts[0] === 'cids') expect(json.root, path).toBe(fx.file.root)
        if (parts[0] === 'files' && parts.length === 4) {
          const seg = decodeMessage(MESSAGES.segmentResponse, res.body)
          const proof = { index: Number(seg.proof!.leafIndex), leafCount: Number(seg.proof!.leafCount), siblings: seg.proof!.siblings }
          expect(verifySegmentProof(fromHex(fx.file.root, 32), fileLayout(fx.file.data.length), seg.data, proof), path).toBe(true)
        }
      }
      await alive()
    })
    await alive(true)
    printSeen('live/rpc-get')
  })

  it('POST and PUT bodies (txs, faucet, segments, DA submit/encode/submit-raw): mutated fields, byte flips, wrong types, past the limits', async () => {
    const nonce = BigInt((await live.rpc.account(fx.key.address)).nonce)
    const sign = (kind: string, body: Uint8Array, n: bigint, fee: bigint, chainId = fx.chainId): Uint8Array => encodeTx(signTx({ chainId, nonce: n, fee, kind: kind as any, body }, fx.key.privateKey))
    const transfer = encodeBody('transfer', { to: fromHex(generateKey().address, 20), amount: 1n })
    const validTx = sign('transfer', transfer, nonce, fx.minFee)
    // field mutations, re-signed (so they reach the ledger's checks, not only the signature check)
    const signedTx = fc.record({
      kind: fc.oneof(fc.constantFrom(...LEDGER_TX_KINDS), fc.string({ maxLength: 20 })),
      body: fc.oneof(hostile(fc.constant(transfer), 64), fc.uint8Array({ maxLength: 64 })),
      nonce: fc.oneof(fc.constant(nonce), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })),
      fee: fc.oneof(fc.constant(fx.minFee), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })),
      chainId: fc.oneof(fc.constant(fx.chainId), fc.string({ maxLength: 40 }))
    }).map(({ kind, body, nonce: n, fee, chainId }) => { try { return sign(kind, body, n, fee, chainId) } catch { return body } })
    const daSubmitRaw = sign('da.submit', encodeBody('da.submit', { size: fx.encoded.size, commitments: fx.encoded.commitments.map((c) => fromHex(c, 48)) }), nonce + 1n, fx.minFee)
    const json = (v: unknown): Uint8Array => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v) ?? '')
    const jsonBody = (doc: unknown): fc.Arbitrary<Uint8Array> => fc.oneof(mutatedJson(fc.constant(doc)).map(json), hostileText(fc.constant(JSON.stringify(doc))).map(json), fc.constant(json(doc)))
    const CT = fc.constantFrom('application/octet-stream', 'application/json', 'application/json; charset=utf-8', 'text/plain', 'application/vnd.glowmesh.da-submission', 'multipart/form-data; boundary=x', '')
    const req = (path: fc.Arbitrary<string>, body: fc.Arbitrary<Uint8Array>, method = 'POST'): fc.Arbitrary<{ method: string, path: string, body: Uint8Array, ct: string, declared?: string }> =>
      fc.record({ method: fc.oneof({ arbitrary: fc.constant(method), weight: 6 }, { arbitrary: fc.constantFrom('GET', 'PUT', 'POST', 'PATCH'), weight: 1 }), path, body, ct: CT, declared: fc.oneof({ arbitrary: fc.constant(undefined), weight: 12 }, { arbitrary: fc.constantFrom(String(2 ** 31), String(2 ** 40), '100000000'), weight: 1 }) })
    const arb = fc.oneof(
      { arbitrary: req(fc.constant('/tx'), fc.oneof(hostile(fc.constant(validTx), 300), signedTx, fc.constant(new Uint8Array(MAX_TX_BYTES + 1)))), weight: 4 },
      { arbitrary: req(fc.constant('/tx'), jsonBody({ tx: toHex(validTx) })), weight: 2 },
      { arbitrary: req(fc.constant('/faucet'), jsonBody({ address: generateKey().address })), weight: 1 },
      { arbitrary: req(fc.tuple(P.x, P.i).map(([x, i]) => `/files/${x}/segments/${i}`), hostile(fc.constant(fx.file.segmentBody), 300), 'PUT'), weight: 3 },
      { arbitrary: req(fc.constant('/da/submit'), hostile(fc.constant(fx.da.body), 600)), weight: 3 },
      { arbitrary: req(fc.constant('/da/submit-raw'), jsonBody({ token: fx.encoded.token, tx: toHex(daSubmitRaw) })), weight: 2 },
      { arbitrary: req(fc.constant('/da/encode'), fc.uint8Array({ maxLength: 4000 })), weight: 1 }
    )
    await fuzzAsync('live/rpc-post', [arb], async ({ method, path, body, ct, declared }) => {
      const headers: Record<string, string> = ct === '' ? {} : { 'content-type': ct }
      if (declared !== undefined) headers['content-length'] = declared
      const res = await send(live.rpcUrl, method, path, headers, method === 'GET' ? undefined : body)
      count('live/rpc-post', res.status)
      // 0: the server cut an upload short once it was past the limit (readBody destroys the request)
      if (res.status === 0) { expect(body.length > 64 * 1024 || declared !== undefined, `${method} ${path}: connection reset on a ${body.length}-byte body`).toBe(true); return }
      judge(`${method} ${path} (${ct}, ${body.length} bytes${declared === undefined ? '' : `, declared ${declared}`})`, res, method, RPC_STATUSES)
      await alive()
    }, 0.6)
    await alive(true)
    printSeen('live/rpc-post')
  })

  it('a tx or DA submission CometBFT already holds is 409 TX_ALREADY_KNOWN, not 500 (regression)', async () => {
    const again = await send(live.rpcUrl, 'POST', '/da/submit', { 'content-type': 'application/vnd.glowmesh.da-submission' }, fx.da.body)
    expect(again.status, again.body.toString().slice(0, 300)).toBe(409)
    expect(JSON.parse(again.body.toString()).error.code).toBe('TX_ALREADY_KNOWN')
  })

  it('GET /events (server-sent events): mutated paths, methods and headers; a stream is well-formed and its block events parse', async () => {
    const path = fc.oneof(
      fc.constantFrom('/events', '/events?since=1', '/events?x=%zz', '/events/', '//events', '/./events', '/%65vents', '/EVENTS', '/events/1', '/events?' + 'a=b&'.repeat(300)),
      hostileText(fc.constant('/events'))
    )
    const arb = fc.record({
      method: fc.constantFrom('GET', 'GET', 'GET', 'HEAD', 'POST', 'PUT', 'OPTIONS'),
      path,
      accept: fc.constantFrom('text/event-stream', '*/*', 'application/json', ''),
      lastEventId: fc.option(fc.constantFrom('5', '-1', '0x', 'x'.repeat(2000)), { nil: undefined })
    })
    let streams = 0
    await fuzzAsync('live/events', [arb], async ({ method, path, accept, lastEventId }) => {
      const headers: Record<string, string> = accept === '' ? {} : { accept }
      if (lastEventId !== undefined) headers['last-event-id'] = lastEventId
      // every 8th stream is read until a block event (≤ one block time); the others until the first frame
      const res = await openStream(live.rpcUrl, method, path, headers, { untilBlock: streams++ % 8 === 0 })
      count('live/events', res.status)
      if (res.status !== 200 || !String(res.headers['content-type']).startsWith('text/event-stream')) { judge(`${method} ${path}`, res, method, RPC_STATUSES); await alive(); return }
      expect(res.headers['access-control-allow-origin']).toBe('*')
      if (method === 'HEAD') return
      const frames = res.body.toString('utf8').split('\n\n').slice(0, -1)
      for (const frame of frames) for (const line of frame.split('\n')) expect(line, `${path}: ${frame}`).toMatch(/^(:.*|event: block|data: \{.*\})$/)
      expect(frames[0], path).toBe(': glowmesh block events')
      const block = frames.find((f) => f.startsWith('event: block'))
      if (block === undefined) return
      const data = JSON.parse(block!.split('\n')[1].slice('data: '.length))
      expect(data).toEqual({ height: expect.any(Number), hash: expect.stringMatching(/^0x[0-9a-f]{64}$/), time: expect.any(String), txs: expect.any(Number) })
      expect(Number.isSafeInteger(data.height) && data.height >= 1 && Number.isSafeInteger(data.txs) && data.txs >= 0).toBe(true)
      expect(new Date(data.time).toISOString()).toBe(data.time)
      await alive()
    }, 0.4)
    await alive(true)
    printSeen('live/events')
  })

  it('abandoned event streams are freed: their sockets and ping timers go away', async () => {
    const before = resources()
    const streams = await Promise.all(Array.from({ length: 16 }, async () => await openStream(live.rpcUrl, 'GET', '/events', {}, { keepOpen: true })))
    for (const s of streams) expect(s.status).toBe(200)
    const during = resources()
    for (const s of streams) s.destroy?.()
    const after = await waitFor(live, 'the abandoned streams closing', async () => {
      const r = resources()
      return r.tcp <= during.tcp - 24 && r.timeouts <= during.timeouts - 12 ? r : undefined
    }, 30_000).catch((err: Error) => { throw new Error(`${err.message}\nresources before ${JSON.stringify(before)}, with 16 streams ${JSON.stringify(during)}, now ${JSON.stringify(resources())}`) })
    console.log(`[bench] fuzz live/events resources: before ${JSON.stringify(before)}, with 16 streams ${JSON.stringify(during)}, after closing ${JSON.stringify(after)}`)
    await alive(true)
  })

  it('/ipfs/{cid} on the node\'s gateway: mutated CIDs, formats, scopes, Accept, Range and If-None-Match; bytes served equal the file', async () => {
    const f = fc.constantFrom('raw', 'car', 'CAR', 'dag-json', '', 'raw&format=car', '%00')
    const cidPath = fc.tuple(fc.constantFrom('/ipfs/{c}', '/ipfs/{c}', '/ipfs/{c}?format={f}', '/ipfs/{c}?format=car&dag-scope={s}', '/ipfs/{c}/{s}', '/{s}/{c}', '/ipfs/', '/ipns/{c}'), P.c, f, fc.constantFrom('all', 'entity', 'block', 'x', ''))
      .map(([t, c, fmt, scope]) => t.replace('{c}', c).replace('{f}', fmt).replace('{s}', scope))
    const RANGES = ['bytes=0-99', 'bytes=-500', 'bytes=262100-262200', 'bytes=600000-', 'bytes=0-0', 'bytes=5-2', 'bytes=0-1,5-6', 'items=0-1']
    const arb = fc.record({
      method: fc.constantFrom('GET', 'GET', 'GET', 'GET', 'GET', 'GET', 'HEAD', 'POST', 'OPTIONS', 'DELETE'),
      path: fc.oneof({ arbitrary: fc.constant(`/ipfs/${fx.file.cid}`), weight: 3 }, { arbitrary: cidPath, weight: 4 }, { arbitrary: hostileText(fc.constant(`/ipfs/${fx.file.cid}`)), weight: 1 }),
      accept: fc.constantFrom('', '', '', '*/*', 'application/vnd.ipld.raw', 'application/vnd.ipld.car', 'application/vnd.ipld.car; version=2', 'application/octet-stream', 'text/html', 'application/vnd.ipld.raw, application/vnd.ipld.car;q=0.5'),
      range: fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary: fc.constantFrom(...RANGES), weight: 2 }, { arbitrary: hostileText(fc.constantFrom(...RANGES)), weight: 1 }),
      etag: fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary: fc.constantFrom('"{c}"', '"{c}.raw"', '*', 'W/"x"'), weight: 1 })
    })
    const printable = (v: string): boolean => /^[\t\x20-\x7e]*$/.test(v)
    // paced under the gateway's per-IP rate (128/s): at long budgets most cases would get 429 otherwise
    let last = 0
    await fuzzAsync('live/ipfs', [arb], async ({ method, path, accept, range, etag }) => {
      await sleep(Math.max(0, last + 9 - performance.now()))
      last = performance.now()
      const headers: Record<string, string> = {}
      if (accept !== '') headers.accept = accept
      if (range !== undefined && printable(range)) headers.range = range
      if (etag !== undefined) headers['if-none-match'] = etag.replace('{c}', fx.file.cid)
      const res = await send(live.gatewayUrl, method, path, headers)
      count('live/ipfs', res.status)
      judge(`${method} ${path} (${JSON.stringify(headers)})`, res, method, GATEWAY_STATUSES, [])
      if (method === 'GET' && res.headers['content-type'] === 'application/octet-stream') {
        const [from, to] = res.status === 206 ? String(res.headers['content-range']).replace(/^bytes (\d+)-(\d+)\/\d+$/, '$1 $2').split(' ').map(Number) : [0, fx.file.data.length - 1]
        expect(res.status === 200 || res.status === 206, path).toBe(true)
        expect(Buffer.compare(res.body, Buffer.from(fx.file.data.subarray(from, to + 1))), `${path} ${headers.range ?? ''}: bytes differ from the file`).toBe(0)
      }
      await alive()
    }, 0.6)
    await alive(true)
    printSeen('live/ipfs')
  })

  it('/glowmesh/ws (the edge\'s WebSocket endpoint): mutated envelopes in valid and hostile frames; each request is answered or that socket alone is closed', async () => {
    const wsUrl = `${live.rpcUrl.replace(/^http/, 'ws')}/glowmesh/ws`
    const head = BigInt((await live.rpc.status()).height)
    // requests grounded in the seeded chain (so handlers do real work), then any valid request of any protocol
    const grounded: fc.Arbitrary<{ protocol: ProtocolId, message: any }> = fc.oneof(
      fc.constant({ protocol: SYNC_PROTOCOL as ProtocolId, message: { fromHeight: 0n, count: 1, latest: true } }),
      fc.bigInt({ min: 1n, max: head + 3n }).map((h) => ({ protocol: SYNC_PROTOCOL as ProtocolId, message: { fromHeight: h, count: 2, latest: false } })),
      fc.uniqueArray(fc.integer({ min: 0, max: 127 }), { minLength: 1, maxLength: 16 }).map((columns) => ({ protocol: SAMPLE_PROTOCOL as ProtocolId, message: { height: BigInt(fx.da.height), columns, blobs: [] } })),
      fc.integer({ min: 0, max: 3 }).map((index) => ({ protocol: SEGMENT_PROTOCOL as ProtocolId, message: { root: fromHex(fx.file.root, 32), index: BigInt(index) } }))
    )
    const anyRequest = fc.constantFrom(...Object.keys(REQUESTS) as ProtocolId[]).chain((protocol) => REQUESTS[protocol]!.map((message) => ({ protocol, message })))
    const envelopeBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
      { weight: 5, arbitrary: fc.tuple(fc.oneof({ weight: 3, arbitrary: grounded }, { weight: 1, arbitrary: anyRequest }), fc.bigInt({ min: 1n, max: 1n << 40n })).map(([r, requestId]) => packEnvelope({ kind: 'request', requestId, protocol: r.protocol, message: r.message } as any)) },
      // light nodes never send errors or pushes: such an envelope closes the socket
      { weight: 1, arbitrary: fc.bigInt({ min: 1n, max: 99n }).map((requestId) => packEnvelope({ kind: 'error', requestId, protocol: SYNC_PROTOCOL, error: { code: 'NOPE', message: 'x' } })) },
      { weight: 1, arbitrary: w.newHeader.map((message) => packEnvelope({ kind: 'push', requestId: 0n, protocol: SYNC_PROTOCOL, message })) }
    )
    // one thing sent: an envelope (whole, fragmented around a ping, or as text) or a hostile raw frame
    const sendArb = fc.oneof(
      { weight: 4, arbitrary: fc.record({ type: fc.constant('envelope' as const), bytes: fc.oneof(envelopeBytes, hostile(envelopeBytes, 256)), how: fc.constantFrom('whole', 'whole', 'whole', 'fragmented', 'fragmented', 'text') }) },
      { weight: 1, arbitrary: fc.record({ type: fc.constant('raw' as const), opcode: fc.integer({ min: 0, max: 15 }), payload: fc.uint8Array({ maxLength: 200 }), fin: fc.boolean(), mask: fc.boolean(), rsv: fc.integer({ min: 0, max: 7 }), lie: fc.option(fc.bigInt({ min: 0n, max: 1n << 62n }), { nil: undefined }) }) }
    )
    const closeCodes = new Map<number, number>()
    let answered = 0
    await fuzzAsync('live/ws', [fc.array(sendArb, { minLength: 1, maxLength: 4 })], async (sends) => {
      const ws = await openRawWs(wsUrl, AbortSignal.timeout(HANG_MS))
      try {
        const waiting = new Set<bigint>() // ids of well-formed requests sent in well-formed frames
        const sentIds = new Set<bigint>() // ids of every well-formed request sent, however framed
        const pings: Buffer[] = []
        const echoable = new Set<number>() // close codes the client sent that may be echoed
        let lying = false // a frame declared a wrong length: the server may wait for bytes never sent
        for (const x of sends) {
          if (x.type === 'envelope') {
            const open = (() => { try { return unpackEnvelope(x.bytes) } catch { return undefined } })()
            if (open?.kind === 'request') sentIds.add(open.requestId)
            if (x.how === 'text') { ws.socket.write(wsFrame(0x1, x.bytes)); continue }
            if (x.how === 'fragmented' && x.bytes.length >= 2) {
              const ping = Buffer.from('mid')
              pings.push(ping)
              const cut = x.bytes.length >> 1
              ws.socket.write(Buffer.concat([wsFrame(0x2, x.bytes.subarray(0, cut), { fin: false }), wsFrame(0x9, ping), wsFrame(0x0, x.bytes.subarray(cut))]))
            } else ws.socket.write(wsFrame(0x2, x.bytes))
            if (open?.kind === 'request') waiting.add(open.requestId)
          } else {
            if (x.lie !== undefined) lying = true // a wrong length turns what follows into frame headers
            if (x.opcode === 0x9 && x.fin && x.mask && x.rsv === 0 && x.payload.length <= 125 && x.lie === undefined) pings.push(Buffer.from(x.payload))
            if (x.opcode === 0x8 && x.payload.length >= 2) echoable.add(Buffer.from(x.payload).readUInt16BE(0))
            ws.socket.write(wsFrame(x.opcode, x.payload, { fin: x.fin, mask: x.mask, rsv: x.rsv, declaredLength: x.lie }))
          }
        }
        // wait until every request is answered (then a moment more for pongs and late closes), or the
        // server closes the socket; a server waiting for bytes a lying frame promised gets half a second
        const closedByServer = (): boolean => ws.frames.some((f) => f.opcode === 0x8)
        const answeredIds = (): Set<bigint> => new Set(ws.frames.filter((f) => f.opcode === 0x2).map((f) => unpackEnvelope(f.payload)).filter((e) => e.kind !== 'push').map((e) => e.requestId))
        const allAnswered = (): boolean => { const ids = answeredIds(); return [...waiting].every((id) => ids.has(id)) }
        // (header pushes arrive every block whatever is sent, so they don't count as activity)
        const activity = (): number => ws.frames.filter((f) => f.opcode !== 0x2 || unpackEnvelope(f.payload).kind !== 'push').length
        let seen = 0
        let lastFrameAt = Date.now()
        while (!ws.ended() && !closedByServer()) {
          if (activity() > seen) { seen = activity(); lastFrameAt = Date.now() }
          if (Date.now() - lastFrameAt > (lying ? 500 : 200) && (lying || allAnswered())) break
          await Promise.race([ws.next(), sleep(50)])
        }
        for (const f of ws.frames) {
          const where = `server frame opcode ${f.opcode} ${f.payload.subarray(0, 120).toString('hex')} after ${sends.map((x) => x.type === 'raw' ? `raw(${x.opcode})` : `env(${x.how})`).join(',')}`
          if (f.opcode === 0x2) {
            const env = unpackEnvelope(f.payload) // what the node sends must decode
            expect(['response', 'error', 'push'], where).toContain(env.kind)
            if (env.kind !== 'push') { expect(sentIds.has(env.requestId), where).toBe(true); answered++ }
            // a refusal names the asker's mistake; INTERNAL is the node failing (a segment index past
            // the file's end was INTERNAL until this fuzzer found it)
            if (env.kind === 'response') expect((env.message as { status?: string }).status, where).not.toBe('INTERNAL')
          } else if (f.opcode === 0x8) {
            const code = f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005
            closeCodes.set(code, (closeCodes.get(code) ?? 0) + 1)
            if (![1000, 1001, 1002, 1003, 1008, 1009].includes(code)) expect(echoable.has(code) && isSendableCloseCode(code), `${where}: close code ${code}`).toBe(true)
          } else if (f.opcode === 0xa) {
            expect(pings.some((p) => p.equals(f.payload)), where).toBe(true)
          } else expect.unreachable(where)
        }
        // no answer goes missing on an open, well-behaved socket
        if (!ws.ended() && !closedByServer() && !lying) {
          const answers = answeredIds()
          for (const id of waiting) expect(answers.has(id), `request ${id} unanswered on an open socket`).toBe(true)
        }
      } finally { ws.socket.destroy() }
      await alive()
    }, 4)
    // an honest client is still served; a segment index past the file's end is its mistake, not the node's
    const honest = await openRawWs(wsUrl, AbortSignal.timeout(HANG_MS))
    honest.socket.write(wsFrame(0x2, packEnvelope({ kind: 'request', requestId: 1n, protocol: SYNC_PROTOCOL, message: { fromHeight: 0n, count: 1, latest: true } })))
    while (!honest.frames.some((f) => f.opcode === 0x2)) { expect(honest.ended(), 'the honest socket was closed').toBe(false); await honest.next() }
    const answer = unpackEnvelope(honest.frames.find((f) => f.opcode === 0x2)!.payload)
    expect(answer).toMatchObject({ kind: 'response', requestId: 1n, message: { status: SyncStatus.OK } })
    const segments = fileLayout(fx.file.data.length).dataSegments
    honest.socket.write(wsFrame(0x2, packEnvelope({ kind: 'request', requestId: 2n, protocol: SEGMENT_PROTOCOL, message: { root: fromHex(fx.file.root, 32), index: BigInt(segments) } })))
    const answerOf = (id: bigint): any => honest.frames.filter((f) => f.opcode === 0x2).map((f) => unpackEnvelope(f.payload)).find((e) => e.kind === 'response' && e.requestId === id)
    while (answerOf(2n) === undefined) { expect(honest.ended(), 'the honest socket was closed').toBe(false); await honest.next() }
    expect(answerOf(2n).message).toMatchObject({ status: SegmentStatus.BAD_REQUEST, message: expect.stringContaining('out of range') })
    honest.socket.destroy()
    await alive(true)
    console.log(`[bench] fuzz live/ws: ${answered} answers; server close codes ${[...closeCodes].sort((a, b) => a[0] - b[0]).map(([c, n]) => `${c}×${n}`).join(' ')}`)
  })

  it('stalled, abandoned and declared-huge uploads: refused from the header or left waiting, and the node keeps serving meanwhile', async () => {
    const { port } = new URL(live.rpcUrl)
    const head = (method: string, path: string, length: number, ct = 'application/octet-stream'): string => `${method} ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: ${ct}\r\nContent-Length: ${length}\r\n\r\n`
    const stalled: Socket[] = []
    const open = async (text: string, extra?: Uint8Array): Promise<void> => {
      const s = connect(Number(port), '127.0.0.1')
      s.on('error', () => {})
      await new Promise<void>((resolve) => s.once('connect', resolve))
      s.write(text)
      if (extra !== undefined) s.write(extra)
      stalled.push(s)
    }
    for (let i = 0; i < 4; i++) await open(head('POST', '/tx', 1000), new Uint8Array(10))
    for (let i = 0; i < 2; i++) await open('GET /status HTTP/1.1\r\nHost: x\r\n') // headers never finished
    for (let i = 0; i < 2; i++) await open(head('POST', '/da/submit', 5_000_000), new Uint8Array(64 * 1024))
    await open(head('PUT', `/files/${fx.file.root}/segments/1`, fx.file.segmentBody.length), fx.file.segmentBody.subarray(0, 1000))
    await open(head('POST', '/faucet', 200, 'application/json'), new TextEncoder().encode('{"address":'))

    // meanwhile: status, a tx, an event, a segment and the gateway's bytes
    await alive(true)
    const tx = await send(live.rpcUrl, 'POST', '/tx', { 'content-type': 'application/json' }, new TextEncoder().encode(JSON.stringify({ tx: '0x0a0b' })))
    judge('POST /tx while uploads stall', tx, 'POST', [200])
    expect((await openStream(live.rpcUrl, 'GET', '/events', {})).body.toString()).toContain('event: block')
    expect((await send(live.rpcUrl, 'GET', `/files/${fx.file.root}/segments/0`)).status).toBe(200)
    const bytes = await send(live.gatewayUrl, 'GET', `/ipfs/${fx.file.cid}`)
    expect(Buffer.compare(bytes.body, Buffer.from(fx.file.data))).toBe(0)

    // a declared 2 GiB body on every upload route: answered from the header alone, with 10 bytes sent
    for (const [method, path, ct] of [['POST', '/tx', 'application/octet-stream'], ['POST', '/tx', 'application/json'], ['POST', '/faucet', 'application/json'], ['PUT', `/files/${fx.file.root}/segments/1`, 'application/octet-stream'],
      ['POST', '/da/submit', 'application/octet-stream'], ['POST', '/da/encode', 'application/octet-stream'], ['POST', '/da/submit-raw', 'application/json']]) {
      const res = await send(live.rpcUrl, method, path, { 'content-type': ct, 'content-length': String(2 ** 31) }, new Uint8Array(10))
      if (res.status !== 0) expect(judge(`${method} ${path} declaring 2 GiB`, res, method, [413]).error.code).toBe('TOO_LARGE')
    }

    // abandoned: the stalled uploads, a file download and a segment cut off after the first bytes
    for (const s of stalled) s.destroy()
    await Promise.all([`${live.gatewayUrl}/ipfs/${fx.file.cid}`, `${live.gatewayUrl}/ipfs/${fx.file.cid}?format=car`, `${live.rpcUrl}/files/${fx.file.root}/segments/0`].map(async (url) => await abandonAfterFirstChunk(url)))
    await alive(true)
    const st = await live.rpc.status()
    expect(st.height, 'the chain kept making blocks').toBeGreaterThan(startHeight)
    memory.push(['after fuzzing', process.memoryUsage()])
  })
})

/** Valid requests of the protocols a light node may ask over `/glowmesh/ws` and then some (test/unit/wire/arbitraries.ts). */
const REQUESTS: Partial<Record<ProtocolId, fc.Arbitrary<any>>> = {
  '/glowmesh/sync/1.0.0': w.syncRequest,
  '/glowmesh/sample/1.0.0': w.sampleRequest,
  '/glowmesh/segment/1.0.0': w.segmentRequest,
  '/glowmesh/challenge/1.0.0': w.challenge,
  '/glowmesh/job/1.0.0': w.jobRequest,
  '/glowmesh/tx/1.0.0': w.txRequest
}

/** Active sockets and timers of this process (the node runs in it). */
function resources (): { tcp: number, timeouts: number } {
  const info = process.getActiveResourcesInfo()
  return { tcp: info.filter((r) => r === 'TCPSocketWrap').length, timeouts: info.filter((r) => r === 'Timeout').length }
}

/** Opens a (possibly streaming) response: a non-stream answer is read whole; an event stream until its first block event (first frame with `untilBlock: false`; kept open with `keepOpen`). */
async function openStream (base: string, method: string, path: string, headers: Record<string, string>, opts: { keepOpen?: boolean, untilBlock?: boolean } = {}): Promise<RawAnswer & { destroy?: () => void }> {
  const { hostname, port } = new URL(base)
  return await new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, method, path: escapePath(path), headers, agent: false, signal: AbortSignal.timeout(HANG_MS) }, (res) => {
      const chunks: Buffer[] = []
      const stream = String(res.headers['content-type']).startsWith('text/event-stream')
      const done = (): void => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), destroy: () => req.destroy() }); if (!opts.keepOpen && stream) req.destroy() }
      if (stream && (opts.keepOpen === true || method === 'HEAD')) { if (method === 'HEAD') { done(); return } res.once('data', (c: Buffer) => { chunks.push(c); done() }); return }
      const enough = (text: string): boolean => opts.untilBlock === false ? text.includes('\n\n') : /event: block\ndata: [^\n]*\n\n/.test(text)
      res.on('data', (c: Buffer) => { chunks.push(c); if (stream && enough(Buffer.concat(chunks).toString())) done() })
      res.on('end', done)
      res.on('error', reject)
    })
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE') ? resolve({ status: 0, headers: {}, body: Buffer.alloc(0) }) : reject(err))
    req.end()
  })
}

/** Starts a download and cuts the connection once the first bytes arrive. */
async function abandonAfterFirstChunk (url: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const req = httpRequest(url, { agent: false, signal: AbortSignal.timeout(HANG_MS) }, (res) => { res.once('data', () => { req.destroy(); resolve() }); res.once('end', resolve) })
    req.on('error', (err: NodeJS.ErrnoException) => err.code === 'ECONNRESET' || err.name === 'AbortError' ? resolve() : reject(err))
    req.end()
  })
}
