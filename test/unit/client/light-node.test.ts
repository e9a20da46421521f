// The light node core against a fake transport built from real signed light blocks and real KZG
// cells: genesis pinning, lying peers beside honest ones, bisection, DA sampling outcomes, status.
import { afterEach, describe, expect, it } from 'vitest'
import { sha256 } from '@noble/hashes/sha2.js'
import { createLightNode, GenesisMismatchError, readHeaderLog, type LightNode } from '../../../client/index.js'
import { confidence } from '../../../protocol/da/index.js'
import { toHex } from '../../../protocol/bytes.js'
import { makeChain, fakeTransport, memoryStore, forged, underSigned, type Chain, type PeerBehaviour, until } from './harness.js'
import type { LightTransport, LightStore } from '../../../client/types.js'
import type { LightBlock } from '../../../protocol/chain/index.js'

const nodes: LightNode[] = []
afterEach(async () => { await Promise.all(nodes.splice(0).map(async n => await n.stop())) })

function start (chain: Chain, transport: LightTransport, store: LightStore = memoryStore(), extra: Record<string, unknown> = {}): LightNode {
  const node = createLightNode({ transport, store, genesis: chain.genesis, pollMs: 50, retryDelayMs: 5, ...extra })
  nodes.push(node)
  return node
}

describe('genesis pinning', () => {
  it('refuses genesis bytes whose sha256 is not the pinned hash', async () => {
    const chain = await makeChain({ length: 3 })
    const node = createLightNode({ transport: fakeTransport(chain, { a: {} }), store: memoryStore(), genesis: { bytes: chain.genesis.bytes, hash: toHex(sha256(new Uint8Array([1]))) } })
    await expect(node.start()).rejects.toBeInstanceOf(GenesisMismatchError)
    await expect(createLightNode({ transport: fakeTransport(chain, { a: {} }), store: memoryStore(), genesis: { bytes: chain.genesis.bytes, hash: 'nothex' } }).start())
      .rejects.toMatchObject({ name: 'InvalidGenesisError', code: 'INVALID_GENESIS' })
  })

  it('anchors header 1 on the genesis validators, then verifies the head and fills the gap backwards', async () => {
    const chain = await makeChain({ length: 40 })
    const t = fakeTransport(chain, { a: {}, b: {} })
    const node = start(chain, t)
    await node.start()
    await node.waitForHeight(40)
    const log = node.headers()
    expect(log.map(h => h.height)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
    expect(log[0]).toMatchObject({ height: 1, verifiedBy: 'genesis', from: 0 })
    expect(log[39]).toMatchObject({ verifiedBy: 'skipping', from: 1 })
    expect(log.slice(1, 39).every(h => h.verifiedBy === 'backwards')).toBe(true)
    expect(log.every((h, i) => h.hash === toHex(chain.lightBlocks[i].signedHeader.commit.blockId.hash))).toBe(true)
    expect(t.reports).toEqual([])
  })

  it('rejects a header 1 not signed by the genesis validators, and reports its peer', async () => {
    const chain = await makeChain({ length: 5 })
    // the liar is alone at first, so it is surely asked; the honest peer joins later
    const peers: Record<string, PeerBehaviour> = { liar: { lightBlock: (h) => h === 1n ? forged(chain, 1n) : undefined } }
    const t = fakeTransport(chain, peers)
    const errors: string[] = []
    const node = start(chain, t)
    node.on('error', e => errors.push((e.error as any).code))
    await node.start()
    await until(() => t.reports.length > 0, 'report')
    expect(t.reports[0]).toMatchObject({ peer: 'liar', offence: 'forged-header' })
    await until(() => errors.includes('NO_PEERS'), 'NO_PEERS error')
    expect(node.status().verifiedHeight).toBe(0)
    peers.honest = {}
    await node.waitForHeight(5)
    expect(node.headers()[0]).toMatchObject({ height: 1, verifiedBy: 'genesis', hash: toHex(chain.lightBlocks[0].signedHeader.commit.blockId.hash) })
  })
})

describe('several peers, never one peer\'s word', () => {
  it('a peer serving a forged head is reported and the honest head still verifies', async () => {
    const chain = await makeChain({ length: 30 })
    const t = fakeTransport(chain, { liar: { head: () => forged(chain, 30n) }, honest: { head: () => chain.lightBlock(29n) } })
    const node = start(chain, t)
    await node.start()
    await node.waitForHeight(29)
    expect(t.reports.find(r => r.peer === 'liar')?.offence).toBe('forged-header')
    expect(node.headers().at(-1)?.hash).toBe(toHex(chain.lightBlock(29n).signedHeader.commit.blockId.hash))
    const events: string[] = []
    node.on('peer:report', r => events.push(r.peer))
    expect(node.status().verifiedHeight).toBe(29)
  })

  it('a head signed by too few validators is an insufficient-commit offence', async () => {
    const chain = await makeChain({ length: 12 })
    const t = fakeTransport(chain, { weak: { head: () => underSigned(chain, 12n, 2) }, honest: { head: () => chain.lightBlock(11n) } })
    const reports: string[] = []
    const node = start(chain, t)
    node.on('peer:report', r => reports.push(`${r.peer}:${r.offence}`))
    await node.start()
    await node.waitForHeight(11)
    expect(reports).toContain('weak:insufficient-commit')
    expect(node.status().verifiedHeight).toBe(11)
  })

  it('a lower head with a genuine header but too few signatures is reported too (not only a head we need)', async () => {
    const chain = await makeChain({ length: 12 })
    const t = fakeTransport(chain, { weak: { head: () => underSigned(chain, 11n, 2) }, honest: { head: () => chain.lightBlock(12n) } })
    const reports: string[] = []
    const node = start(chain, t)
    node.on('peer:report', r => reports.push(`${r.peer}:${r.offence}`))
    await node.start()
    await node.waitForHeight(12)
    await until(() => reports.includes('weak:insufficient-commit'), 'the weak peer reported')
    expect(reports.filter(r => r.startsWith('honest:'))).toEqual([])
    expect(node.headers().find(h => h.height === 11)?.hash).toBe(toHex(chain.lightBlock(11n).signedHeader.commit.blockId.hash))
  })

  it('bisects when the validator set changed too much to skip, and logs the pivots', async () => {
    // custom chain: the set rotates completely at height 20 (adjacent steps keep it verifiable)
    const { makeTestChain, testKeys } = await import('../chain/fixtures.js')
    const a = testKeys(4, 'set-a')
    const b = testKeys(4, 'set-b')
    const now = BigInt(Math.floor(Date.now() / 1000))
    const tc = makeTestChain({ length: 40, setAt: h => ({ keys: h < 20n ? a : b }), timeAt: h => ({ seconds: now - 100n + h, nanos: 1 }) })
    const genesisDoc = { chainId: tc.chainId, genesisTime: 'x', validators: a.map(k => ({ publicKey: Buffer.from(k.pubKey).toString('base64'), power: 10 })) }
    const bytes = new TextEncoder().encode(JSON.stringify(genesisDoc))
    const chain = { genesis: { bytes, hash: toHex(sha256(bytes)) }, head: 40n, lightBlock: tc.lightBlock, da: new Map(), lightBlocks: [], keys: [], validators: [] } as unknown as Chain
    const t = fakeTransport(chain, { a: {}, b: {} })
    const node = start(chain, t)
    await node.start()
    await node.waitForHeight(40)
    const by = node.headers().map(h => h.verifiedBy)
    expect(by).toContain('skipping')
    expect(by).toContain('adjacent') // the change of set can only be crossed step by step
    expect(node.headers().find(h => h.height === 40)?.hash).toBe(toHex(tc.lightBlock(40n).signedHeader.commit.blockId.hash))
    expect(t.reports).toEqual([])
  })

  it('polls peers for their head rarely while gossip brings each next header, and every pollMs again once gossip stops', async () => {
    const chain = await makeChain({ length: 40 })
    let head = 10n
    let latest = 0
    const asked = (): LightBlock => { latest++; return chain.lightBlock(head) }
    const t = fakeTransport(chain, { a: { head: asked }, b: { head: asked } })
    const node = start(chain, t, memoryStore(), { pollMs: 50, freshGossipPollMs: 5_000 })
    await node.start()
    await node.waitForHeight(10)
    // gossip 20 next headers, one every 50 ms: the node stays at the head without asking for it
    const before = latest
    const t0 = Date.now()
    for (let h = 11n; h <= 30n; h++) {
      head = h
      for (const l of t.headerListeners) l(chain.lightBlock(h), 'a')
      await node.waitForHeight(Number(h))
      await new Promise(resolve => setTimeout(resolve, 50))
    }
    const elapsed = Date.now() - t0
    // at most one poll (of 2 peers) per freshGossipPollMs, plus the one that may have been under way
    // (every pollMs this would be ≈ 2 · elapsed / 50 requests)
    expect(latest - before).toBeLessThanOrEqual(2 * (2 + Math.floor(elapsed / 5_000)))
    expect(node.headers().at(-1)).toMatchObject({ height: 30, verifiedBy: 'adjacent' })
    // gossip stops: polling every pollMs resumes, and finds the head that gossip didn't bring
    head = 35n
    await until(() => node.status().verifiedHeight === 35, 'the head found by polling', 10_000)
    const quiet = latest
    await until(() => latest >= quiet + 6, 'polls every pollMs again', 10_000)
    expect(t.reports).toEqual([])
  })

  it('follows gossiped heads (adjacent) and resumes from the store without re-anchoring at genesis', async () => {
    const chain = await makeChain({ length: 20 })
    let head = 10n
    const t = fakeTransport(chain, { a: { head: () => chain.lightBlock(head) }, b: { head: () => chain.lightBlock(head) } })
    const store = memoryStore()
    const node = start(chain, t, store, { pollMs: 60_000 })
    await node.start()
    await node.waitForHeight(10)
    head = 11n
    for (const l of t.headerListeners) l(chain.lightBlock(11n), 'a')
    await node.waitForHeight(11)
    expect(node.headers().at(-1)).toMatchObject({ height: 11, verifiedBy: 'adjacent', from: 10 })
    // a forged gossiped header is blamed on its sender
    for (const l of t.headerListeners) l(forged(chain, 12n), 'b')
    await until(() => t.reports.some(r => r.peer === 'b'), 'report of b')
    await node.stop()

    head = 20n
    const t2 = fakeTransport(chain, { a: {}, c: {} })
    const asked: bigint[] = []
    const orig = t2.lightBlock
    t2.lightBlock = async (p, h, o) => { if (h !== 'latest') asked.push(h); return await orig(p, h, o) }
    const again = start(chain, t2, store)
    await again.start()
    await again.waitForHeight(20)
    expect(asked).not.toContain(1n)
    expect((await readHeaderLog(store)).map(h => h.height)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
  })
})

describe('DA sampling', () => {
  it('samples blocks with blobs (k distinct columns, ≥ 2 peers), skips empty ones, reports status', async () => {
    const chain = await makeChain({ length: 6, daHeights: [4n], txOnlyHeights: [5n] })
    const t = fakeTransport(chain, { a: {}, b: {}, c: {} })
    const sampled: any[] = []
    const node = start(chain, t)
    node.on('sampled', s => sampled.push(s))
    await node.start()
    await until(() => node.samplingStats().backlog === 0 && node.status().verifiedHeight === 6 && sampled.length === 1, 'sampling')
    expect(sampled[0]).toMatchObject({ height: 4, blobs: 2, confidence: confidence(16) })
    expect(new Set(sampled[0].columns).size).toBe(16)
    expect(sampled[0].peers.length).toBeGreaterThanOrEqual(2)
    // empty blocks (no txs) are not even asked for; a block with txs but no blobs is asked, not counted
    expect(new Set(t.sampleRequests.map(r => r.height))).toEqual(new Set([4n, 5n]))
    const st = node.status()
    expect(st).toEqual({ peerId: 'light-test-node', peers: 3, verifiedHeight: 6, sampledBlocks: 1, lastConfidence: confidence(16), cachedBytes: 0, challengesAnswered: 0, challengesFailed: 0 })
    expect(st.lastConfidence).toBeGreaterThan(0.99999)
    expect(node.samplingStats()).toMatchObject({ emptyBlocks: 5, unavailableBlocks: 0 })
  })

  it('retries a withheld column from other peers, then reports the block unavailable', async () => {
    const chain = await makeChain({ length: 4, daHeights: [3n] })
    const all = new Set(Array.from({ length: 128 }, (_, i) => i))
    // both peers withhold the odd columns (a withholder keeping ≤ 63 columns): every draw of 16 hits one
    const odd = new Set([...all].filter(c => c % 2 === 1))
    const t = fakeTransport(chain, { a: { withhold: odd }, b: { withhold: odd } })
    const unavailable: any[] = []
    const node = start(chain, t)
    node.on('unavailable', u => unavailable.push(u))
    await node.start()
    await until(() => unavailable.length === 1, 'unavailable event')
    expect(unavailable[0].height).toBe(3)
    expect(unavailable[0].missing.length).toBeGreaterThan(0)
    expect(unavailable[0].missing.some((c: number) => c % 2 === 1)).toBe(true)
    // each withheld column was asked of both peers before giving up
    const asked = new Map<number, Set<string>>()
    for (const r of t.sampleRequests) for (const c of r.columns) asked.set(c, (asked.get(c) ?? new Set()).add(r.peer))
    expect(unavailable[0].missing.every((c: number) => asked.get(c)?.size === 2)).toBe(true)
    expect(node.status().sampledBlocks).toBe(0)
    expect(node.status().lastConfidence).toBe(0)
  })

  it('a block whose cells reach every peer only after the retries is sampled in the late round, not judged unavailable', async () => {
    const chain = await makeChain({ length: 4, daHeights: [3n] })
    // both peers are honest but late: they refuse everything until their cells arrive, 400 ms in,
    // long after the two quick rounds (20 ms apart) are over
    const late = new Set(Array.from({ length: 128 }, (_, i) => i))
    const t = fakeTransport(chain, { a: { withhold: late }, b: { withhold: late } })
    const unavailable: any[] = []
    const node = start(chain, t, memoryStore(), { sampleAttempts: 2, retryDelayMs: 20, refusalGraceMs: 800 })
    node.on('unavailable', u => unavailable.push(u))
    setTimeout(() => { late.clear() }, 400)
    await node.start()
    await until(() => node.status().sampledBlocks === 1, 'block 3 sampled in the late round', 10_000)
    expect(unavailable).toEqual([])
    expect(node.samplingStats().unavailableBlocks).toBe(0)
    // asked in both quick rounds and once more after the grace; nobody is reported for being late
    const rounds = t.sampleRequests.filter(r => r.height === 3n)
    expect(rounds.length).toBeGreaterThanOrEqual(3)
    await new Promise(resolve => setTimeout(resolve, 900))
    expect(t.reports).toEqual([])
  })

  it('a refusal is an offence only when it persists: a peer still receiving the cells is not reported, a withholder is', async () => {
    const chain = await makeChain({ length: 4, daHeights: [3n] })
    const all = new Set(Array.from({ length: 128 }, (_, i) => i))
    // a: honest but late (refuses everything until its cells arrive, 50 ms in); b: withholds for good; c: serves
    const late = new Set(all)
    const t = fakeTransport(chain, { a: { withhold: late }, b: { withhold: new Set(all) }, c: {} })
    const node = start(chain, t, memoryStore(), { refusalGraceMs: 200, samplePeers: 3 })
    setTimeout(() => { late.clear() }, 50)
    await node.start()
    await until(() => node.status().sampledBlocks === 1, 'block 3 sampled from c')
    await until(() => t.reports.some(r => r.peer === 'b'), 'the withholder reported after the grace')
    // b refused, and again 200 ms later: one report; a refused once and then had the cells: none
    const asked = (p: string): number => t.sampleRequests.filter(r => r.peer === p && r.height === 3n).length
    await until(() => asked('a') >= 2, 'a asked again after the grace')
    await new Promise(resolve => setTimeout(resolve, 100))
    expect(t.reports.filter(r => r.peer === 'b').map(r => r.offence)).toEqual(['unavailable'])
    expect(t.reports.find(r => r.peer === 'b')?.detail).toMatch(/NOT_AVAILABLE, and again 200 ms later/)
    expect(t.reports.filter(r => r.peer === 'a')).toEqual([])
    expect(t.reports.filter(r => r.peer === 'c')).toEqual([])
  })

  it('gets a withheld column from an honest peer instead, and reports corrupt cells and omitted blobs', async () => {
    const chain = await makeChain({ length: 4, daHeights: [3n] })
    const all = new Set(Array.from({ length: 128 }, (_, i) => i))
    const t = fakeTransport(chain, { withholder: { withhold: all }, corrupter: { corrupt: all }, omitter: { omitBlobs: true }, honest: {} })
    const node = start(chain, t, memoryStore(), { samplePeers: 4, refusalGraceMs: 50 })
    const sampled: any[] = []
    node.on('sampled', s => sampled.push(s))
    await node.start()
    await until(() => sampled.length === 1, 'sampled')
    expect(sampled[0].peers).toEqual(['honest'])
    // a refusal is confirmed by asking again after the grace (refusalGraceMs)
    await until(() => t.reports.some(r => r.peer === 'withholder'), 'the withholder reported')
    const offences = new Map(t.reports.map(r => [r.peer, r.offence]))
    expect(offences.get('corrupter')).toBe('bad-sample')
    expect(offences.get('omitter')).toBe('bad-sample')
    expect(offences.get('withholder')).toBe('unavailable')
    expect(offences.has('honest')).toBe(false)
  })
})
