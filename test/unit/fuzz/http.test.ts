// The HTTP surfaces, in process: the full node's RPC (its real router and server on a loopback
// port, over a backend that serves a real file's segments and checks every argument it is handed)
// and the edge gateway's routes (handleGateway over a real file and SegmentSource). Mutated and
// random methods, paths, query strings, Range headers and bodies (up to past the size limits) get
// an answer — JSON `{ error: { code, message } }` (RPC) or `{ code, message }` (gateway) with CORS —
// never a 5xx or a hang, and the backend only ever sees well-formed arguments.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { startRpcServer, type RpcBackend } from '../../../fullnode/rpc/server.js'
import { HttpError } from '../../../fullnode/rpc/http.js'
import { handleGateway, type GatewayContext } from '../../../edge/gateway.js'
import type { SegmentSource } from '../../../edge/files.js'
import { GatewayError, parseRange } from '../../../protocol/http/index.js'
import { fileRoot, fileLayout, SegmentTree, SEGMENT_SIZE, verifySegmentProof } from '../../../protocol/storage/index.js'
import { encodeMessage, MESSAGES, SegmentStatus } from '../../../protocol/wire/index.js'
import { MAX_TX_BYTES } from '../../../protocol/chain/index.js'
import { equalBytes, toHex } from '../../../protocol/bytes.js'
import { fuzz, fuzzAsync, HANG_MS, hostile, hostileText, printSlowest, typedOrOk } from './arbitraries.js'
import { send as sendRaw } from './raw-http.js'

const data = new Uint8Array(SEGMENT_SIZE * 2 + 1000).map((_, i) => (i * 7 + (i >> 11)) % 256)
const root = fileRoot(data)
const rootHex = toHex(root)
const layout = fileLayout(data.length)
const tree = SegmentTree.fromBytes(layout, data)
const segment = (i: number): Uint8Array => data.slice(i * SEGMENT_SIZE, Math.min(data.length, (i + 1) * SEGMENT_SIZE))
const is32 = (b: unknown): boolean => b instanceof Uint8Array && b.length === 32
const notFound = (what: string): never => { throw new HttpError(404, 'NOT_FOUND', `no ${what}`) }

/** A backend that serves the real file and fails the case if handed anything malformed. */
const misuse: string[] = []
function check (ok: boolean, what: string): void { if (!ok) misuse.push(what) }
const backend: RpcBackend = {
  status: async () => ({ height: 5, lastBlockTime: new Date(0).toISOString(), validators: [], peers: 0, multiaddrs: [], chainId: 'fuzz', nodeId: 'n', catchingUp: false }),
  genesis: () => new TextEncoder().encode('{"chain_id":"fuzz"}'),
  bootstrap: async () => [],
  header: async (h) => { check(h === 'latest' || (typeof h === 'bigint' && h > 0n), `header(${String(h)})`); return h === 'latest' || h <= 5n ? { height: String(h) } : notFound('header') },
  validators: async (h) => { check(h === 'latest' || (typeof h === 'bigint' && h > 0n), `validators(${String(h)})`); return [] },
  submitTx: async (bytes) => { check(bytes instanceof Uint8Array && bytes.length > 0 && bytes.length <= MAX_TX_BYTES, `submitTx(${bytes?.length})`); return { txHash: '0x00', code: 1, log: 'not a tx' } },
  tx: async (hash) => { check(is32(hash), 'tx(hash)'); return undefined },
  account: async (address, prove) => { check(/^0x[0-9a-f]{40}$/.test(address) && typeof prove === 'boolean', `account(${address})`); return { balance: '0' } },
  registryEntry: async (nodeId, prove) => { check(is32(nodeId) && typeof prove === 'boolean', 'registryEntry'); return notFound('node') },
  file: async (r) => { check(is32(r), 'file(root)'); return equalBytes(r, root) ? { size: data.length } : notFound('file') },
  putSegment: async (r, index, seg) => {
    check(is32(r) && Number.isSafeInteger(index) && index >= 0 && seg.proof.index === index && seg.bytes instanceof Uint8Array, `putSegment(${index})`)
    if (!equalBytes(r, root) || index >= layout.segments) notFound('file')
    if (!verifySegmentProof(root, layout, seg.bytes, seg.proof)) throw new HttpError(400, 'BAD_PROOF', 'segment proof does not verify')
    return { stored: true }
  },
  getSegment: async (r, index) => {
    check(is32(r) && Number.isSafeInteger(index) && index >= 0, `getSegment(${index})`)
    if (!equalBytes(r, root) || index >= layout.segments) notFound('segment')
    return { bytes: segment(index), proof: tree.proof(index) }
  },
  faucet: async (address) => { check(/^0x[0-9a-f]{40}$/.test(address), `faucet(${address})`); return { ok: true } },
  onBlock: () => () => {}
}

let rpc: Awaited<ReturnType<typeof startRpcServer>>
beforeAll(async () => { rpc = await startRpcServer({ backend, host: '127.0.0.1', port: 0 }) })
afterAll(async () => { await rpc?.close(); printSlowest() })

/** One raw HTTP exchange to the router on its own connection (raw-http.ts); a reset connection is `status: 0`. */
async function send (method: string, path: string, headers: Record<string, string>, body?: Uint8Array): Promise<{ status: number, headers: Record<string, unknown>, text: string }> {
  const res = await sendRaw(`http://127.0.0.1:${rpc.port}`, method, path, headers, body)
  return { status: res.status, headers: res.headers, text: res.body.toString('utf8') }
}

const hex = (n: number): string => 'ab'.repeat(n)
const PATHS = [
  '/status', '/genesis', '/bootstrap', '/headers/3', '/headers/latest', '/validators/2', '/tx', `/tx/0x${hex(32)}`,
  `/accounts/0x${hex(20)}?prove=true`, `/registry/0x${hex(32)}?prove=false`, `/files/${rootHex}`, `/files/${rootHex}/segments/1`, '/faucet'
]
/** Route templates with fuzzed parameters: numbers, hex of every length, escapes, dot segments, huge values. */
const param = fc.oneof(
  fc.constantFrom('latest', '0', '1', '3', '-1', '007', '1e3', '18446744073709551616', '9'.repeat(40), '%zz', '%00', '..', '.', '%2F', ' ', 'null'),
  fc.nat({ max: 2 ** 53 }).map(String),
  fc.integer({ min: 0, max: 70 }).map((n) => 'a'.repeat(n)),
  fc.integer({ min: 0, max: 70 }).map((n) => '0x' + 'f'.repeat(n)),
  fc.constant(rootHex), fc.constant(rootHex.slice(2).toUpperCase()),
  fc.string({ maxLength: 12 })
)
const templated = (templates: string[]): fc.Arbitrary<string> => fc.tuple(fc.constantFrom(...templates), param, param).map(([t, a, b]) => t.replace('{a}', a).replace('{b}', b))
const RPC_TEMPLATES = ['/headers/{a}', '/validators/{a}', '/tx/{a}', '/accounts/{a}?prove={b}', '/registry/{a}?prove={b}', '/files/{a}', '/files/{a}/segments/{b}', '/{a}/{b}', '/status?{a}={b}']
const segmentBody = encodeMessage(MESSAGES.segmentResponse, { status: SegmentStatus.OK, message: '', data: segment(1), proof: { siblings: tree.proof(1).siblings, leafIndex: 1n, leafCount: BigInt(tree.proof(1).leafCount) } })
const bodies = fc.oneof(
  fc.constant(undefined),
  hostile(fc.constant(new TextEncoder().encode(JSON.stringify({ tx: '0x0a0b0c', address: `0x${hex(20)}` }))), 200),
  hostile(fc.constant(segmentBody), 300),
  fc.constant(new Uint8Array(MAX_TX_BYTES + 1)) // one byte past the largest body any route reads as raw bytes
)

describe('fuzz: the full node RPC (real router and server, checking backend)', () => {
  it('mutated methods, paths, queries and bodies get a JSON answer with CORS, never a 5xx or a hang', async () => {
    const seen = new Map<number, number>()
    const arb = fc.record({
      method: fc.constantFrom('GET', 'GET', 'POST', 'PUT', 'HEAD', 'OPTIONS', 'DELETE', 'PATCH'),
      path: fc.oneof(hostileText(fc.constantFrom(...PATHS)), templated(RPC_TEMPLATES)),
      contentType: fc.constantFrom('application/json', 'application/octet-stream', 'text/plain', 'application/json; charset=utf-8'),
      body: bodies
    })
    await fuzzAsync('http/rpc', [arb], async ({ method, path, contentType, body }) => {
      if (/^\/*events/.test(path)) return // the server-sent event stream stays open by design
      const putPath = method === 'PUT' && body !== undefined ? `/files/${rootHex}/segments/1` : path
      const res = await send(method, body !== undefined && method === 'PUT' ? putPath : path, { 'content-type': contentType }, method === 'GET' || method === 'HEAD' ? undefined : body)
      seen.set(res.status, (seen.get(res.status) ?? 0) + 1)
      // 0: the server cut an over-limit upload short (readBody destroys the request)
      if (res.status === 0) { expect(body?.length ?? 0).toBeGreaterThan(64 * 1024); return }
      expect(res.status, `${method} ${path} → ${res.status} ${res.text.slice(0, 200)}`).toBeLessThan(500)
      expect(res.headers['access-control-allow-origin']).toBe('*')
      if (res.status >= 400 && method !== 'HEAD') expect(JSON.parse(res.text).error).toEqual({ code: expect.stringMatching(/^[A-Z][A-Z0-9_]*$/), message: expect.any(String) })
      expect(misuse, 'the backend was handed malformed arguments').toEqual([])
    }, 0.5)
    console.log(`[bench] fuzz http/rpc statuses: ${[...seen].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(' ')}`)
  })

  it('paths that are no URL relative to a base (`//`, `/\\`) get a 400, not a dead connection', async () => {
    // found by this fuzzer: new URL('//', base) throws, the router's promise rejected unhandled and the node process exited
    for (const path of ['//', '/\\', '///']) {
      const res = await send('GET', path, {})
      expect(res.status, path).toBe(400)
      expect(JSON.parse(res.text).error.code).toBe('BAD_URL')
    }
    // with a host after `//` they parse (as protocol-relative URLs) and simply match no route
    for (const path of ['//x/y', '/\\status']) expect((await send('GET', path, {})).status, path).toBe(404)
  })

  it('huge inputs: a 12 KB path, a 60 KB query and a declared 2 GB body are refused with 4xx', async () => {
    expect((await send('GET', '/headers/' + '9'.repeat(12_000), {})).status).toBe(400)
    expect([400, 404, 431]).toContain((await send('GET', `/accounts/0x${hex(20)}?` + 'prove=true&'.repeat(6_000), {})).status)
    const big = await send('POST', '/tx', { 'content-type': 'application/octet-stream', 'content-length': String(2 ** 31) }, new Uint8Array(10))
    expect([0, 413]).toContain(big.status)
  })
})

describe('fuzz: the edge gateway routes (handleGateway, real file and segment source)', () => {
  const source: SegmentSource = {
    peers: () => ['a', 'b'],
    async segment (_peer, r, index) {
      if (!equalBytes(r, root) || index < 0 || index >= layout.segments) throw Object.assign(new Error('not found'), { code: 'NOT_FOUND' })
      return { bytes: segment(index), proof: tree.proof(index) }
    },
    reportPeer () {}
  }
  const ctx: GatewayContext = {
    status: () => ({ peerId: 'p', peers: 2, verifiedHeight: 10, sampledBlocks: 3, lastConfidence: 0.99, cachedBytes: 0, challengesAnswered: 0, challengesFailed: 0 }),
    availability: async (height) => height % 2 === 0 ? { height, available: true, confidence: 0.99, columns: [1, 2] } : undefined,
    fileSize: async (r) => { if (!equalBytes(r, root)) throw new GatewayError(404, 'FILE_NOT_FOUND', 'no such file'); return data.length },
    source
  }
  const GW_PATHS = ['/v1/status', '/v1/availability/4', '/v1/availability/7', `/v1/file/${rootHex}`, '/v1/storage', '/v1/verify-inference', '/ipfs/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy']
  const RANGES = ['bytes=0-99', 'bytes=-500', `bytes=${SEGMENT_SIZE - 10}-${SEGMENT_SIZE + 10}`, 'bytes=600000-', 'bytes=0-0']

  it('mutated paths, methods, Range headers and bodies: a JSON answer with CORS, bytes equal to the file, never a 5xx', async () => {
    const seen = new Map<number, number>()
    const arb = fc.record({
      method: fc.constantFrom('GET', 'GET', 'HEAD', 'POST', 'OPTIONS', 'PUT'),
      path: fc.oneof(hostileText(fc.constantFrom(...GW_PATHS)), templated(['/v1/availability/{a}', '/v1/file/{a}', `/v1/file/${rootHex}`, '/ipfs/{a}', '/v1/{a}', '/{a}/{b}'])),
      range: fc.option(hostileText(fc.constantFrom(...RANGES)), { nil: undefined }),
      body: fc.option(fc.uint8Array({ maxLength: 200 }), { nil: undefined })
    })
    await fuzzAsync('http/gateway', [arb], async ({ method, path, range, body }) => {
      let url: string
      try { url = new URL(path, 'http://gw.test').href } catch { url = 'http://gw.test/v1/status' }
      const headers = new Headers()
      try { if (range !== undefined) headers.set('range', range) } catch { /* not a valid header value: fetch would refuse to send it */ }
      const req = new Request(url, { method, headers, body: method === 'POST' || method === 'PUT' ? body : undefined, signal: AbortSignal.timeout(HANG_MS) })
      const res = await handleGateway(req, ctx)
      seen.set(res.status, (seen.get(res.status) ?? 0) + 1)
      // 501 is the documented answer of a gateway without an inference verifier (this context passes none)
      const noVerifier = res.status === 501 && new URL(url).pathname.split('/').filter((p) => p !== '').join('/') === 'v1/verify-inference'
      if (!noVerifier) expect(res.status, `${method} ${path} (${range ?? '-'}) → ${res.status}`).toBeLessThan(500)
      expect(res.headers.get('access-control-allow-origin')).toBe('*')
      const bytes = new Uint8Array(await res.arrayBuffer())
      if (res.status >= 400) expect(JSON.parse(new TextDecoder().decode(bytes))).toEqual({ code: expect.stringMatching(/^[A-Z][A-Z0-9_]*$/), message: expect.any(String) })
      if ((res.status === 200 || res.status === 206) && res.headers.get('x-glowmesh-root') !== null && method === 'GET') {
        const r = res.status === 206 ? parseRange(res.headers.get('content-range')!.replace(/^bytes (\d+)-(\d+)\/\d+$/, 'bytes=$1-$2'), data.length)! : { start: 0, end: data.length - 1 }
        expect(equalBytes(bytes, data.subarray(r.start, r.end + 1))).toBe(true)
      }
    }, 0.5)
    console.log(`[bench] fuzz http/gateway statuses: ${[...seen].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(' ')}`)
  })

  it('parseRange: any header either gives a range inside the file or a 416 GatewayError', async () => {
    await fuzz('http/range', [hostileText(fc.constantFrom(...RANGES)), fc.integer({ min: 0, max: 2 ** 40 })], (header, size) => {
      const r = typedOrOk(() => parseRange(header, size), ['GatewayError'])
      if (r !== undefined) expect(r.start >= 0 && r.start <= r.end && r.end < size).toBe(true)
    })
  })
})
