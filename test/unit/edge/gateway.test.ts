// The edge gateway's pure parts: Range parsing, verified segment reads (a corrupt segment from one
// full node is reported and fetched from another; never passed on), routes and JSON errors.
import { describe, expect, it } from 'vitest'
import { fileRoot, fileLayout, SegmentTree, SEGMENT_SIZE } from '../../../protocol/storage/index.js'
import { parseRange, GatewayError } from '../../../edge/http.js'
import { openVerifiedFile, verifiedSegment, type SegmentSource } from '../../../edge/files.js'
import { handleGateway, type GatewayContext } from '../../../edge/gateway.js'
import { toHex } from '../../../protocol/bytes.js'
import { parsePledge } from '../../../edge/pora.js'

const data = new Uint8Array(SEGMENT_SIZE * 2 + 1000).map((_, i) => (i * 7 + (i >> 11)) % 256)
const root = fileRoot(data)
const tree = SegmentTree.fromBytes(fileLayout(data.length), data)

/** Full nodes 'a', 'b', 'c'; `corrupt` ones flip a byte of every segment they serve. */
function source (corrupt: string[] = [], missing: string[] = []): SegmentSource & { reports: string[], asked: string[] } {
  const reports: string[] = []
  const asked: string[] = []
  return {
    reports,
    asked,
    peers: () => ['a', 'b', 'c'],
    async segment (peer, _root, index) {
      asked.push(`${peer}:${index}`)
      if (missing.includes(peer)) throw Object.assign(new Error('not found'), { code: 'NOT_FOUND' })
      const bytes = data.slice(index * SEGMENT_SIZE, Math.min(data.length, (index + 1) * SEGMENT_SIZE))
      if (corrupt.includes(peer)) bytes[5] ^= 1
      return { bytes, proof: tree.proof(index) }
    },
    reportPeer (peer, offence) { reports.push(`${peer}:${offence}`) }
  }
}

async function readAll (s: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(s).arrayBuffer())
}

describe('parseRange', () => {
  it('parses one byte range and refuses the rest with 416', () => {
    expect(parseRange(null, 100)).toBeUndefined()
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 })
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 })
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 })
    expect(parseRange('bytes=50-1000', 100)).toEqual({ start: 50, end: 99 })
    for (const bad of ['bytes=100-', 'bytes=5-4', 'bytes=0-1,3-4', 'items=0-1', 'bytes=-0', 'bytes=-', 'bytes=x-1']) {
      let err: unknown
      try { parseRange(bad, 100) } catch (e) { err = e }
      expect(err, bad).toBeInstanceOf(GatewayError)
      expect((err as GatewayError).status).toBe(416)
      expect((err as GatewayError).headers['content-range']).toBe('bytes */100')
    }
  })
})

describe('parsePledge (EDGE_PLEDGE_BYTES, --pledge)', () => {
  it('takes bytes or k/M/G (1024-based); refuses anything else with a typed error', () => {
    expect(parsePledge('4MiB')).toBe(4 << 20)
    expect(parsePledge('1048576')).toBe(1 << 20)
    expect(parsePledge(' 2g ')).toBe(2 * 1024 ** 3)
    expect(parsePledge(undefined)).toBeUndefined()
    expect(parsePledge('')).toBeUndefined()
    for (const bad of ['0', '-1', '4 TiB', '1.5MiB', 'lots']) expect(() => parsePledge(bad), bad).toThrow(expect.objectContaining({ name: 'PledgeSizeError', code: 'INVALID_INPUT' }))
  })
})

describe('verified segment reads', () => {
  it('a corrupt segment is reported and the segment comes from the next full node', async () => {
    const src = source(['a'])
    const bytes = await verifiedSegment({ source: src, root, layout: fileLayout(data.length), index: 0 })
    expect(bytes).toEqual(data.subarray(0, SEGMENT_SIZE))
    expect(src.reports).toEqual(['a:bad-segment'])
  })

  it('fails with SEGMENT_UNAVAILABLE when every copy is corrupt, FILE_NOT_FOUND when none has it', async () => {
    await expect(verifiedSegment({ source: source(['a', 'b', 'c']), root, layout: fileLayout(data.length), index: 1 })).rejects.toMatchObject({ status: 502, code: 'SEGMENT_UNAVAILABLE' })
    await expect(verifiedSegment({ source: source([], ['a', 'b', 'c']), root, layout: fileLayout(data.length), index: 1 })).rejects.toMatchObject({ status: 404, code: 'FILE_NOT_FOUND' })
  })

  it('streams a whole file and ranges across segment boundaries, byte-identical', async () => {
    const whole = await openVerifiedFile({ source: source(['b']), root, size: data.length })
    expect(await readAll(whole.body)).toEqual(data)
    const part = await openVerifiedFile({ source: source(), root, size: data.length, range: { start: SEGMENT_SIZE - 10, end: 2 * SEGMENT_SIZE + 5 } })
    expect(await readAll(part.body)).toEqual(data.subarray(SEGMENT_SIZE - 10, 2 * SEGMENT_SIZE + 6))
  })

  it('a later segment with no good copy errors the stream instead of sending bad bytes', async () => {
    const src = source()
    const seg = src.segment.bind(src)
    src.segment = async (peer, r, index) => { const s = await seg(peer, r, index); if (index === 2) s.bytes[0] ^= 1; return s }
    const f = await openVerifiedFile({ source: src, root, size: data.length })
    await expect(readAll(f.body)).rejects.toMatchObject({ code: 'SEGMENT_UNAVAILABLE' })
  })
})

describe('handleGateway', () => {
  const ctx: GatewayContext = {
    status: () => ({ peerId: 'p', peers: 3, verifiedHeight: 10, sampledBlocks: 1, lastConfidence: 0.99, cachedBytes: 0, challengesAnswered: 0, challengesFailed: 0 }),
    availability: async (h) => h === 7 ? { height: 7, available: true, confidence: 0.9999, columns: [1, 2] } : undefined,
    fileSize: async (r) => { if (toHex(r) !== toHex(root)) throw new GatewayError(404, 'FILE_NOT_FOUND', 'no such file'); return data.length },
    source: source()
  }
  const call = async (path: string, init?: RequestInit): Promise<Response> => await handleGateway(new Request(`http://edge${path}`, init), ctx)

  it('answers status, availability and files with CORS; bad input gets 4xx JSON', async () => {
    expect(await (await call('/v1/status')).json()).toMatchObject({ verifiedHeight: 10 })
    expect(await (await call('/v1/availability/7')).json()).toMatchObject({ status: 'available', confidence: 0.9999 })
    expect((await call('/v1/availability/8')).status).toBe(202)
    const file = await call(`/v1/file/${toHex(root)}`, { headers: { range: 'bytes=10-19' } })
    expect(file.status).toBe(206)
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(data.subarray(10, 20))
    const head = await call(`/v1/file/${toHex(root)}`, { method: 'HEAD' })
    expect(head.headers.get('content-length')).toBe(String(data.length))
    for (const [path, status, code] of [['/v1/availability/11', 404, 'NOT_VERIFIED'], ['/v1/availability/0', 400, 'BAD_HEIGHT'], ['/v1/file/xyz', 400, 'BAD_ROOT'],
      [`/v1/file/0x${'00'.repeat(32)}`, 404, 'FILE_NOT_FOUND'], ['/v2/status', 404, 'NOT_FOUND'], ['/v1/status/extra', 404, 'NOT_FOUND']] as const) {
      const res = await call(path)
      expect(res.status, path).toBe(status)
      expect(res.headers.get('access-control-allow-origin')).toBe('*')
      expect((await res.json() as { code: string }).code).toBe(code)
    }
    expect((await call('/v1/status', { method: 'DELETE' })).status).toBe(405)
    expect((await call('/v1/status', { method: 'OPTIONS' })).status).toBe(204)
    expect(await (await call('/v1/storage')).json()).toMatchObject({ code: 'STORAGE_DISABLED' })
    // no verifier in this context (edge/verify.ts is tested in verify-route.test.ts): a plain 501, not a 404 or a fake report
    const infer = await call('/v1/verify-inference', { method: 'POST', body: '{}' })
    expect(infer.status).toBe(501)
    expect(await infer.json()).toMatchObject({ code: 'NOT_IMPLEMENTED' })
  })

  it('availability gets the request signal (on-demand sampling) and passes typed errors on; /v1/storage answers when pledged', async () => {
    let seen: AbortSignal | undefined
    const c2: GatewayContext = {
      ...ctx,
      availability: async (h, signal) => {
        seen = signal
        if (h === 5) throw new GatewayError(504, 'AVAILABILITY_TIMEOUT', 'slow')
        return { height: h, available: true, outcome: 'empty', confidence: 1, columns: [], blobs: 0 }
      },
      storage: () => ({ nodeId: '0xab', sectors: 2 })
    }
    const res = await handleGateway(new Request('http://edge/v1/availability/3'), c2)
    expect(await res.json()).toMatchObject({ height: 3, status: 'available', outcome: 'empty', confidence: 1 })
    expect(seen).toBeInstanceOf(AbortSignal)
    const slow = await handleGateway(new Request('http://edge/v1/availability/5'), c2)
    expect(slow.status).toBe(504)
    expect(await (await handleGateway(new Request('http://edge/v1/storage'), c2)).json()).toEqual({ nodeId: '0xab', sectors: 2 })
  })
})
