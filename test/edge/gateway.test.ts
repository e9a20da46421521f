// The edge worker in real workerd, started by `glowmesh edge` (miniflare, edge/local.ts) against a
// real 4-validator devnet on loopback: its Durable Object light node verifies headers and samples a
// block over the full nodes' WebSockets; a stored file comes back byte-identical through /v1/file
// (whole and ranges) and /ipfs/{cid} (bytes, raw, CAR, and a stock @helia/verified-fetch using the
// edge as its only gateway); malformed and hostile requests each get a 4xx while it keeps serving.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sha256 } from '@noble/hashes/sha2.js'
import { startTestDevnet, type TestDevnet } from '../helpers/devnet.js'
import { spawnCli } from '../helpers/cli.js'
import { startEdgeCli } from '../helpers/edge.js'
import { CarReader } from '@ipld/car'
import { CID } from 'multiformats/cid'
import { createHeliaLight } from 'helia'
import { withHTTP } from '@helia/http'
import { createVerifiedFetch } from '@helia/verified-fetch'
import { waitFor } from '../helpers/wait.js'

let devnet: TestDevnet
let edge: { url: string, close: () => Promise<void> }
let dir: string
let stored: { root: string, cid: string, data: Uint8Array } | undefined

const until = async <T>(probe: () => Promise<T | undefined>, what: string, ms = 120_000): Promise<T> => await waitFor(what, probe, { timeoutMs: ms, everyMs: 300 })

const get = async (path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Response> => await fetch(`${edge.url}${path}`, { headers, method })

beforeAll(async () => {
  devnet = await startTestDevnet({ blockTimeMs: 300 })
  await devnet.waitForHeight(3)
  dir = mkdtempSync(join(tmpdir(), 'glowmesh-edge-'))
  // `glowmesh edge` (the built CLI) finds the devnet's full nodes and genesis under the home folder
  const t0 = performance.now()
  edge = await startEdgeCli(devnet.home)
  console.log(`[bench] edge: \`glowmesh edge\` bundled the worker and started workerd in ${(performance.now() - t0).toFixed(0)} ms at ${edge.url}`)
  await spawnCli(['keys', 'new', '--home', devnet.home], { timeoutMs: 60_000 })
  await spawnCli(['faucet', '--home', devnet.home], { timeoutMs: 60_000 })
}, 300_000)

afterAll(async () => {
  await edge?.close()
  await devnet?.cleanup()
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

describe('edge worker in workerd', () => {
  it('GET /v1/status: the Durable Object light node verifies the rising head (DESIGN §8 fields, CORS)', async () => {
    const head = (await devnet.rpc(0).status()).height
    const st = await until(async () => {
      const res = await get('/v1/status')
      const body = await res.json() as Record<string, number>
      return res.status === 200 && body.verifiedHeight >= head + 2 && body.peers >= 2 ? { res, body } : undefined
    }, 'verified headers')
    expect(Object.keys(st.body)).toEqual(['peerId', 'peers', 'verifiedHeight', 'sampledBlocks', 'lastConfidence', 'cachedBytes', 'challengesAnswered', 'challengesFailed'])
    expect(st.res.headers.get('access-control-allow-origin')).toBe('*')
    expect(String(st.body.peerId)).toMatch(/^12D3KooW/)
  })

  it('GET /v1/availability/{height}: a block with a blob is sampled (confidence > 0.99999)', async () => {
    const path = join(dir, 'blob.bin')
    writeFileSync(path, new Uint8Array(120_000).map((_, i) => (i * 11) % 251))
    const r = await spawnCli(['da', 'submit', path, '--json', '--home', devnet.home], { timeoutMs: 120_000 })
    expect(r.code, r.stderr).toBe(0)
    const { height } = JSON.parse(r.stdout)
    const body = await until(async () => {
      const res = await get(`/v1/availability/${height}`)
      const b = await res.json() as Record<string, unknown>
      return res.status === 200 ? b : undefined
    }, `availability of block ${height}`)
    expect(body.status).toBe('available')
    expect(body.confidence as number).toBeGreaterThan(0.99999)
    expect((body.columns as number[]).length).toBe(16)
  })

  it('GET /v1/file/{root}: byte-identical, and Range requests work', async () => {
    // 2.5 MiB: 10 segments, 3 IPFS leaves under a dag-pb root
    const data = new Uint8Array(2_600_000).map((_, i) => (i * 31 + (i >> 9)) % 256)
    const path = join(dir, 'file.bin')
    writeFileSync(path, data)
    const r = await spawnCli(['put', path, '--json', '--home', devnet.home], { timeoutMs: 180_000 })
    expect(r.code, r.stderr).toBe(0)
    const { root, cid } = JSON.parse(r.stdout) as { root: string, cid: string }
    stored = { root, cid, data }
    const whole = await until(async () => {
      const res = await get(`/v1/file/${root}`)
      return res.status === 200 ? res : undefined
    }, 'the file through the edge')
    expect(whole.headers.get('content-length')).toBe(String(data.length))
    expect(whole.headers.get('access-control-allow-origin')).toBe('*')
    expect(Buffer.from(await whole.arrayBuffer()).equals(Buffer.from(data))).toBe(true)
    // a range across the first segment boundary (262144)
    const part = await get(`/v1/file/${root}`, { range: 'bytes=262000-262999' })
    expect(part.status).toBe(206)
    expect(part.headers.get('content-range')).toBe(`bytes 262000-262999/${data.length}`)
    expect(Buffer.from(await part.arrayBuffer()).equals(Buffer.from(data.subarray(262000, 263000)))).toBe(true)
    const suffix = await get(`/v1/file/${root}`, { range: 'bytes=-100' })
    expect(suffix.status).toBe(206)
    expect(Buffer.from(await suffix.arrayBuffer()).equals(Buffer.from(data.subarray(data.length - 100)))).toBe(true)
    const bad = await get(`/v1/file/${root}`, { range: `bytes=${data.length}-` })
    expect(bad.status).toBe(416)
    expect(bad.headers.get('content-range')).toBe(`bytes */${data.length}`)
    expect((await get(`/v1/file/${root}`, { range: 'bytes=0-1,5-9' })).status).toBe(416)
  })

  it('GET /ipfs/{cid}: verified bytes for browsers, raw blocks and a CAR for trustless clients, and stock @helia/verified-fetch over the edge', async () => {
    expect(stored, 'the /v1/file test stores the file').toBeDefined()
    const { cid, data } = stored!
    const plain = await until(async () => { const res = await get(`/ipfs/${cid}`); return res.status === 200 ? res : undefined }, 'the file through /ipfs')
    expect(Buffer.from(await plain.arrayBuffer()).equals(Buffer.from(data))).toBe(true)
    const raw = await get(`/ipfs/${cid}`, { accept: 'application/vnd.ipld.raw' })
    expect(raw.status).toBe(200)
    const rootBlock = new Uint8Array(await raw.arrayBuffer())
    expect(CID.parse(cid).multihash.digest).toEqual(sha256(rootBlock))
    const car = await get(`/ipfs/${cid}?format=car`)
    expect(car.status).toBe(200)
    const reader = await CarReader.fromBytes(new Uint8Array(await car.arrayBuffer()))
    expect((await reader.getRoots()).map(String)).toEqual([cid])
    const blocks = []
    for await (const b of reader.blocks()) { expect(b.cid.multihash.digest).toEqual(sha256(b.bytes)); blocks.push(b) }
    expect(blocks.length).toBe(4) // the dag-pb root + 3 raw leaves
    expect(Buffer.concat(blocks.slice(1).map((b) => b.bytes)).equals(Buffer.from(data))).toBe(true)
    // a stock verified-fetch whose only gateway is the edge
    const h = withHTTP(createHeliaLight({ routers: [{ name: 'empty', async * findProviders () {} } as any] }), { delegatedRouters: [], recursiveGateways: [edge.url], allowLocal: true, allowInsecure: true } as any)
    await h.start()
    try {
      const vf = await createVerifiedFetch(h as any)
      const res = await vf(`ipfs://${cid}`, { signal: AbortSignal.timeout(120_000) })
      expect(res.status).toBe(200)
      expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(data))).toBe(true)
      await vf.stop()
    } finally { await h.stop() }
    for (const [path, headers, status, code] of [['/ipfs/not-a-cid', {}, 400, 'INVALID_CID'], [`/ipfs/${cid}?format=tar`, {}, 406, 'IPFS_UNSUPPORTED_FORMAT'],
      [`/ipfs/${cid}/sub/path`, {}, 400, 'IPFS_PATH_UNSUPPORTED'], ['/ipfs/bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku', { accept: 'application/vnd.ipld.raw' }, 404, 'IPFS_BLOCK_NOT_FOUND']] as const) {
      const res = await get(path, headers)
      expect(res.status, path).toBe(status)
      expect((await res.json() as { code: string }).code, path).toBe(code)
    }
  })

  it('malformed and hostile requests each get a 4xx JSON error, and the worker keeps serving', async () => {
    const cases: Array<[string, Record<string, string>, string, number, string]> = [
      ['/v1/file/not-a-root', {}, 'GET', 400, 'BAD_ROOT'],
      ['/v1/file/0x' + 'ab'.repeat(31), {}, 'GET', 400, 'BAD_ROOT'],
      ['/v1/file/0x' + '12'.repeat(32), {}, 'GET', 404, 'FILE_NOT_FOUND'],
      ['/v1/availability/abc', {}, 'GET', 400, 'BAD_HEIGHT'],
      ['/v1/availability/-1', {}, 'GET', 400, 'BAD_HEIGHT'],
      ['/v1/availability/99999999999', {}, 'GET', 404, 'NOT_VERIFIED'],
      ['/v1/status', {}, 'POST', 405, 'METHOD_NOT_ALLOWED'],
      ['/v1/nothing', {}, 'GET', 404, 'NOT_FOUND'],
      ['/' + 'a'.repeat(5000), {}, 'GET', 414, 'URI_TOO_LONG'],
      ['/v1/file/%00%ff', {}, 'GET', 400, 'BAD_ROOT']
    ]
    for (const [path, headers, method, status, code] of cases) {
      const res = await get(path, headers, method)
      expect(res.status, `${method} ${path.slice(0, 40)}`).toBe(status)
      expect((await res.json() as { code: string }).code, path.slice(0, 40)).toBe(code)
      expect(res.headers.get('access-control-allow-origin')).toBe('*')
    }
    // a burst of junk at once, then an honest request
    await Promise.all(Array.from({ length: 50 }, async (_, i) => await (await get(`/v1/file/${'z'.repeat(i)}`)).arrayBuffer()))
    const pre = await get('/v1/status', { origin: 'https://some.app' }, 'OPTIONS')
    expect(pre.status).toBe(204)
    expect(pre.headers.get('access-control-allow-methods')).toMatch(/GET/)
    const ok = await get('/v1/status')
    expect(ok.status).toBe(200)
    expect((await ok.json() as { verifiedHeight: number }).verifiedHeight).toBeGreaterThan(0)
  })
})
