// POST /v1/verify-inference through handleGateway: the report for a real document (200, ok true or
// false), and the route's errors — malformed JSON 400, too big 413 (declared or streamed), wrong
// method 405, bad parameters 400, a slow verification 504 — all JSON with CORS.
import { describe, expect, it } from 'vitest'
import { handleGateway, type GatewayContext } from '../../../edge/gateway.js'
import { MAX_VERIFY_BODY_BYTES, type VerifyRouteContext } from '../../../edge/verify.js'
import { verifyInference, type InferenceReport } from '../../../client/compute/index.js'
import { buildWorld } from '../client/inference-world.js'

const base: GatewayContext = {
  status: () => ({ peerId: 'p', peers: 1, verifiedHeight: 10, sampledBlocks: 0, lastConfidence: 0, cachedBytes: 0, challengesAnswered: 0, challengesFailed: 0 }),
  availability: async () => undefined,
  fileSize: async () => 0,
  source: { peers: () => [], segment: async () => { throw new Error('unused') }, reportPeer: () => {} }
}

async function gateway (): Promise<{ call: (init: RequestInit, query?: string) => Promise<Response>, doc: unknown, seen: Array<{ reexecute?: number, targetBits?: number }> }> {
  const w = await buildWorld()
  const seen: Array<{ reexecute?: number, targetBits?: number }> = []
  const verify: VerifyRouteContext = {
    verify: async (doc, o) => { seen.push({ reexecute: o.reexecute, targetBits: o.targetBits }); return await verifyInference(doc, { chain: w.chain, fetchFile: w.fetchFile, ...o }) }
  }
  const ctx = { ...base, verify }
  return { call: async (init, query = '') => await handleGateway(new Request(`http://edge/v1/verify-inference${query}`, init), ctx), doc: w.doc, seen }
}

describe('POST /v1/verify-inference', () => {
  it('answers the report: 200 ok true for an honest document, 200 ok false for a tampered one; passes reexecute/targetBits', async () => {
    const g = await gateway()
    const res = await g.call({ method: 'POST', body: JSON.stringify(g.doc), headers: { 'content-type': 'application/json' } }, '?reexecute=3&targetBits=48')
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(res.headers.get('access-control-allow-methods')).toContain('POST')
    const report = await res.json() as InferenceReport
    expect(report.ok).toBe(true)
    expect(report.confidence).toBe(1)
    expect(report.checks.map(c => c.name)).toContain('reexecute[2]')
    expect(g.seen).toEqual([{ reexecute: 3, targetBits: 48 }])
    const bad = structuredClone(g.doc) as { output: { logits: number[][] } }
    bad.output.logits[0][0] += 1
    const res2 = await g.call({ method: 'POST', body: JSON.stringify(bad) })
    expect(res2.status).toBe(200)
    const r2 = await res2.json() as InferenceReport
    expect(r2.ok).toBe(false)
    expect(r2.checks.find(c => c.name === 'signature')?.ok).toBe(false)
    const notDoc = await (await g.call({ method: 'POST', body: '{"hello":1}' })).json() as InferenceReport
    expect(notDoc.ok).toBe(false)
    expect(notDoc.checks.map(c => c.name)).toEqual(['format'])
  })

  it('malformed JSON → 400, too big → 413 (declared or streamed), GET → 405, bad parameters → 400, preflight → 204', async () => {
    const g = await gateway()
    const expectError = async (res: Response, status: number, code: string): Promise<void> => {
      expect(res.status).toBe(status)
      expect(res.headers.get('access-control-allow-origin')).toBe('*')
      expect((await res.json() as { code: string }).code).toBe(code)
    }
    await expectError(await g.call({ method: 'POST', body: '{"version": 1,' }), 400, 'BAD_JSON')
    await expectError(await g.call({ method: 'POST', body: new Uint8Array([0x7b, 0xff, 0x7d]) }), 400, 'BAD_JSON')
    await expectError(await g.call({ method: 'POST' }), 400, 'BAD_JSON')
    const big = new Uint8Array(MAX_VERIFY_BODY_BYTES + 1).fill(0x20)
    await expectError(await g.call({ method: 'POST', body: big }), 413, 'BODY_TOO_LARGE')
    // streamed without a Content-Length: cut off at the limit
    let sent = 0
    const stream = new ReadableStream<Uint8Array>({
      pull (c) { if (sent > 2 * MAX_VERIFY_BODY_BYTES) { c.close(); return } sent += 65536; c.enqueue(new Uint8Array(65536).fill(0x20)) }
    })
    await expectError(await g.call({ method: 'POST', body: stream, duplex: 'half' } as RequestInit), 413, 'BODY_TOO_LARGE')
    expect(sent).toBeLessThan(2 * MAX_VERIFY_BODY_BYTES)
    await expectError(await g.call({ method: 'GET' }), 405, 'METHOD_NOT_ALLOWED')
    await expectError(await g.call({ method: 'POST', body: JSON.stringify(g.doc) }, '?reexecute=abc'), 400, 'BAD_PARAM')
    await expectError(await g.call({ method: 'POST', body: JSON.stringify(g.doc) }, '?targetBits=0'), 400, 'BAD_PARAM')
    expect((await g.call({ method: 'OPTIONS' })).status).toBe(204)
    expect(g.seen).toEqual([])
  })

  it('a verifier that fails unexpectedly is a JSON error, not a hang; without a verifier the route says 501', async () => {
    const ctx: GatewayContext = { ...base, verify: { verify: async () => { throw Object.assign(new Error('no peer proved state job/0x…'), { code: 'UNVERIFIED_STATE' }) } } }
    const res = await handleGateway(new Request('http://edge/v1/verify-inference', { method: 'POST', body: '{}' }), ctx)
    expect(res.status).toBe(502)
    expect(await res.json()).toMatchObject({ code: 'UNVERIFIED_STATE' })
    const none = await handleGateway(new Request('http://edge/v1/verify-inference', { method: 'POST', body: '{}' }), base)
    expect(none.status).toBe(501)
  })
})
