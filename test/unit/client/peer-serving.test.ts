// What a light node serves to peers and fetches from them (issue 10, WebRTC peers): the verified-cell
// cache the sampler fills, sampleFrom against one peer (honest, lying, refusing), the segment cache,
// fetchFile over an in-memory transport (a corrupt segment is reported and fetched elsewhere, exact
// bytes, typed errors, abort), and the light-peers announcement codec.
import { afterEach, describe, expect, it } from 'vitest'
import { createLightNode, type LightNode } from '../../../client/index.js'
import { openCellCache } from '../../../client/cell-cache.js'
import { openSegmentCache } from '../../../client/segment-cache.js'
import { createFileResolver, fetchFile, parseFileRef, type FetchFileComponents } from '../../../client/files.js'
import type { LightTransport, PeerOffence } from '../../../client/types.js'
import { encodeRecord } from '../../../protocol/chain/state-proof.js'
import { rawLeafCid } from '../../../protocol/cid/unixfs.js'
import { cidToSubmission } from '../../../protocol/cid/index.js'
import { toHex } from '../../../protocol/bytes.js'
import { fileLayout } from '../../../protocol/storage/layout.js'
import { SegmentTree, segmentBytes } from '../../../protocol/storage/proofs.js'
import { decodeLightPeerAnnounce, encodeLightPeerAnnounce } from '../../../fullnode/net/light-peers.js'
import { fakeTransport, makeChain, memoryStore, type Chain, until } from './harness.js'

const nodes: LightNode[] = []
afterEach(async () => { await Promise.all(nodes.splice(0).map(async n => await n.stop())) })

function start (chain: Chain, transport: LightTransport, extra: Record<string, unknown> = {}): LightNode {
  const node = createLightNode({ transport, store: memoryStore(), genesis: chain.genesis, pollMs: 50, retryDelayMs: 5, ...extra })
  nodes.push(node)
  return node
}

describe('verified cells: kept, served, asked of one peer', () => {
  it('keeps the sampled columns, answers them (and NOT_AVAILABLE for others), and a second node verifies them from it', async () => {
    const chain = await makeChain({ length: 6, daHeights: [4n] })
    const cells = await openCellCache(memoryStore(), { maxHeights: 8 })
    const a = start(chain, fakeTransport(chain, { f1: {}, f2: {} }), { cells })
    const sampled: number[][] = []
    a.on('sampled', s => sampled.push(s.columns))
    await a.start()
    await until(() => sampled.length === 1 && cells.held().length === 1, 'A samples height 4 and keeps its cells')
    expect(cells.held()).toEqual([{ height: 4, columns: [...sampled[0]].sort((x, y) => x - y) }])
    const notHeld = [...Array(128).keys()].find(c => !sampled[0].includes(c))!
    await expect(cells.answer(4n, [notHeld])).rejects.toMatchObject({ name: 'CellsNotHeldError', code: 'NOT_AVAILABLE' })
    await expect(cells.answer(5n, [sampled[0][0]])).rejects.toMatchObject({ code: 'NOT_AVAILABLE' })

    // B asks "browser A" only: the answer comes from A's cache and passes the sampler's checks
    const t = fakeTransport(chain, { f1: {}, liar: { corrupt: new Set(sampled[0]) } })
    t.sample = (async (peer: string, height: bigint, columns: number[], o?: unknown) => {
      if (peer !== 'browserA') return await fakeTransport(chain, { f1: {}, liar: { corrupt: new Set(sampled[0]) } }).sample(peer, height, columns, o as any)
      try { return { status: 'OK', message: '', ...(await cells.answer(height, columns)) } } catch (err) {
        return { status: 'NOT_AVAILABLE', message: (err as Error).message, height, blobs: [], txs: [], columns: [] }
      }
    }) as any
    const b = start(chain, t)
    await b.start()
    await b.waitForHeight(6)
    const cols = sampled[0].slice(0, 4)
    await expect(b.sampleFrom('browserA', 4, cols)).resolves.toEqual({ height: 4, columns: cols, blobs: 2, peer: 'browserA' })
    await expect(b.sampleFrom('browserA', 4, [notHeld])).rejects.toMatchObject({ name: 'SampleRefusedError', status: 'NOT_AVAILABLE' })
    // a peer whose cells are wrong is caught by KZG and reported like any sample peer
    await expect(b.sampleFrom('liar', 4, cols)).rejects.toMatchObject({ name: 'InvalidSampleResponseError' })
    expect(t.reports.some(r => r.peer === 'liar' && r.offence === 'bad-sample')).toBe(true)
    await expect(b.sampleFrom('browserA', 99, cols)).rejects.toMatchObject({ name: 'CellsNotHeldError' })
  })

  it('evicts the oldest heights beyond the window, and survives a restart', async () => {
    const chain = await makeChain({ length: 8, daHeights: [3n, 5n, 7n] })
    const store = memoryStore()
    const cells = await openCellCache(store, { maxHeights: 2 })
    const a = start(chain, fakeTransport(chain, { f1: {}, f2: {} }), { cells })
    await a.start()
    await until(() => a.status().sampledBlocks === 3, 'three sampled heights')
    await until(() => cells.held().map(h => h.height).join() === '5,7', 'window of the newest 2')
    expect([...store.map.keys()].filter(k => k.startsWith('cells/'))).toHaveLength(2)
    const again = await openCellCache(store, { maxHeights: 2 })
    expect(again.held().map(h => h.height)).toEqual([5, 7])
  })
})

/** A file served by named in-memory peers; `corrupt` peers flip a byte of the segments listed. */
function fileWorld (size: number, peers: Record<string, { corrupt?: number[], missing?: boolean }>): { data: Uint8Array, root: Uint8Array, cid: string, transport: LightTransport & { reports: Array<{ peer: string, offence: PeerOffence }>, asked: string[] } } {
  const data = new Uint8Array(size).map((_, i) => (i * 31 + 7) % 251)
  const layout = fileLayout(size)
  const tree = SegmentTree.fromBytes(layout, data)
  const reports: Array<{ peer: string, offence: PeerOffence }> = []
  const asked: string[] = []
  const transport = {
    reports,
    asked,
    peers: () => Object.keys(peers),
    async lightBlock () { throw new Error('unused') },
    async sample () { throw new Error('unused') },
    async submitTx () { throw new Error('unused') },
    async segment (peer: string, _root: Uint8Array, index: number) {
      asked.push(`${peer}:${index}`)
      if (peers[peer].missing === true) throw Object.assign(new Error('not found'), { name: 'NotFoundError', code: 'NOT_FOUND' })
      const bytes = segmentBytes(data, index).slice()
      if (peers[peer].corrupt?.includes(index) === true) bytes[17] ^= 1
      return { bytes, proof: tree.proof(index) }
    },
    reportPeer (peer: string, offence: PeerOffence) { reports.push({ peer, offence }) },
    localPeerId: () => 'me',
    async close () {}
  }
  return { data, root: tree.root, cid: rawLeafCid(data).toString(), transport }
}

const readAll = async (stream: ReadableStream<Uint8Array>): Promise<Uint8Array> => {
  const parts: Uint8Array[] = []
  const reader = stream.getReader()
  for (let r = await reader.read(); r.done !== true; r = await reader.read()) parts.push(r.value)
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let off = 0
  for (const p of parts) { out.set(p, off); off += p.length }
  return out
}

describe('fetchFile', () => {
  it('streams exactly the file, each segment verified; a corrupt segment is reported and fetched from another peer; verified segments are kept and served', async () => {
    const size = 600_000 // 3 segments, the last one short
    const w = fileWorld(size, { liar: { corrupt: [0, 1, 2] }, gone: { missing: true }, honest: {} })
    const segments = await openSegmentCache(memoryStore())
    const record = encodeRecord('file', { owner: new Uint8Array(20), cid: cidToSubmission(w.cid), size, flowStart: 0, paddedChunks: fileLayout(size).paddedChunks, submittedHeight: 1, expiryEpoch: 9, expired: 0 })
    const resolve = createFileResolver({ query: async (path) => path === `file/${toHex(w.root)}` ? record : null, lookupCid: async (cid) => cid === w.cid ? w.root : undefined })
    const c: FetchFileComponents = { transport: w.transport, resolve, segments }
    const stream = await fetchFile(c, w.cid, { peers: ['liar', 'gone', 'honest'] })
    expect(stream.file).toMatchObject({ size, verified: true })
    expect(await readAll(stream)).toEqual(w.data)
    expect(w.transport.reports.filter(r => r.peer === 'liar').map(r => r.offence)).toEqual(['bad-segment', 'bad-segment', 'bad-segment'])
    expect(w.transport.reports.some(r => r.peer === 'gone' || r.peer === 'honest')).toBe(false)
    expect(segments.held()).toEqual([{ root: toHex(w.root), segments: [0, 1, 2] }])
    expect((await segments.answer(w.root, 2n)).bytes.length).toBe(size - 2 * 262_144)
    await expect(segments.answer(w.root, 3n)).rejects.toMatchObject({ name: 'SegmentNotHeldError', code: 'NOT_FOUND' })
    // from the cache now (re-verified): nobody is asked
    const asked = w.transport.asked.length
    expect(await readAll(await fetchFile(c, toHex(w.root), { peers: [] }))).toEqual(w.data)
    expect(w.transport.asked.length).toBe(asked)
  })

  it('fails with typed errors: only liars, unknown file, CID not declared by the proven record, bad input, abort', async () => {
    const size = 300_000
    const w = fileWorld(size, { liar: { corrupt: [1] }, honest: {} })
    const record = (cid: Uint8Array): Uint8Array => encodeRecord('file', { owner: new Uint8Array(20), cid, size, flowStart: 0, paddedChunks: fileLayout(size).paddedChunks, submittedHeight: 1, expiryEpoch: 9, expired: 0 })
    const resolve = createFileResolver({ query: async (path) => path === `file/${toHex(w.root)}` ? record(cidToSubmission(w.cid)) : null, lookupCid: async () => w.root })
    const c: FetchFileComponents = { transport: w.transport, resolve }
    const onlyLiar = await fetchFile(c, toHex(w.root), { peers: ['liar'] })
    await expect(readAll(onlyLiar)).rejects.toMatchObject({ name: 'SegmentUnavailableError', code: 'SEGMENT_UNAVAILABLE', index: 1 })
    await expect(fetchFile(c, '0x' + 'ab'.repeat(32))).rejects.toMatchObject({ name: 'FileNotFoundError', code: 'FILE_NOT_FOUND' })
    const otherCid = rawLeafCid(new Uint8Array([1, 2, 3])).toString()
    await expect(fetchFile(c, otherCid)).rejects.toMatchObject({ name: 'FileRecordMismatchError' })
    const expired = createFileResolver({ query: async () => encodeRecord('file', { owner: new Uint8Array(20), cid: new Uint8Array(), size, flowStart: 0, paddedChunks: 2048, submittedHeight: 1, expiryEpoch: 1, expired: 1 }) })
    await expect(fetchFile({ ...c, resolve: expired }, toHex(w.root))).rejects.toMatchObject({ name: 'FileExpiredError', code: 'FILE_EXPIRED' })
    expect(() => parseFileRef('not a ref!')).toThrow(expect.objectContaining({ name: 'InvalidFileRefError', code: 'INVALID_FILE_REF' }))
    const ac = new AbortController()
    const s = await fetchFile(c, toHex(w.root), { peers: ['honest'], signal: ac.signal })
    const reader = s.getReader()
    expect((await reader.read()).value?.length).toBe(262_144)
    ac.abort()
    await expect(reader.read()).rejects.toMatchObject({ name: 'AbortError' })
  })
})

describe('light-peers announcements', () => {
  const id = '12D3KooWQptzJKanm99kctCf1LyFu2BRo4SmRo4ZQiTgfHd3gFRJ'
  const addr = `/ip4/127.0.0.1/tcp/4/ws/p2p/12D3KooWGRzkypcn6Jcc36qtkzcJ2GFkCLaxeuW12Q5p9CkduZTE/p2p-circuit/webrtc/p2p/${id}`
  it('round-trips a relayed WebRTC address and refuses anything else', () => {
    const bytes = encodeLightPeerAnnounce({ peerId: id, addrs: [addr] })
    expect(decodeLightPeerAnnounce(bytes, id)).toEqual({ peerId: id, addrs: [addr] })
    const bad = (v: unknown, from?: string): unknown => { try { decodeLightPeerAnnounce(new TextEncoder().encode(JSON.stringify(v)), from); return 'accepted' } catch (err) { return (err as { code?: string }).code } }
    expect(bad({ peerId: id, addrs: [addr] }, '12D3KooWGRzkypcn6Jcc36qtkzcJ2GFkCLaxeuW12Q5p9CkduZTE')).toBe('INVALID_ANNOUNCE')
    expect(bad({ peerId: id, addrs: ['/ip4/127.0.0.1/tcp/4/ws/p2p/' + id] })).toBe('INVALID_ANNOUNCE')
    expect(bad({ peerId: id, addrs: [] })).toBe('INVALID_ANNOUNCE')
    expect(bad({ peerId: id, addrs: Array(9).fill(addr) })).toBe('INVALID_ANNOUNCE')
    expect(bad({ peerId: 'x', addrs: [addr] })).toBe('INVALID_ANNOUNCE')
    expect(() => decodeLightPeerAnnounce(new Uint8Array(3000))).toThrow(expect.objectContaining({ code: 'INVALID_ANNOUNCE' }))
    expect(() => decodeLightPeerAnnounce(new TextEncoder().encode('{'))).toThrow(expect.objectContaining({ code: 'INVALID_ANNOUNCE' }))
  })
})
