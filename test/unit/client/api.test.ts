// The library calls (client/api.ts) on the light node core, against the fake transport over real
// signed light blocks and real KZG cells: verifyHeader above, at and below the trusted head (liars
// reported, heights beyond the chain refused), checkAvailability reused / sampled now / withheld.
import { afterEach, describe, expect, it } from 'vitest'
import { createLightNode, type LightNode } from '../../../client/index.js'
import { confidence } from '../../../protocol/da/index.js'
import { toHex } from '../../../protocol/bytes.js'
import { makeChain, fakeTransport, memoryStore, forged, type Chain, type PeerBehaviour } from './harness.js'

const nodes: LightNode[] = []
afterEach(async () => { await Promise.all(nodes.splice(0).map(async n => await n.stop())) })

const hashAt = (chain: Chain, h: number): string => toHex(chain.lightBlocks[h - 1].signedHeader.commit.blockId.hash)

/** A node whose peers' head is `head.at` (mutable); it polls rarely, so its trusted height stays put. */
async function started (chain: Chain, peers: Record<string, PeerBehaviour>, extra: Record<string, unknown> = {}): Promise<{ node: LightNode, t: ReturnType<typeof fakeTransport> }> {
  const t = fakeTransport(chain, peers)
  const node = createLightNode({ transport: t, store: memoryStore(), genesis: chain.genesis, pollMs: 60_000, retryDelayMs: 5, ...extra })
  nodes.push(node)
  await node.start()
  return { node, t }
}

describe('verifyHeader', () => {
  it('verifies a height above the trusted head by skipping, refuses one above the chain, returns logged ones as logged', async () => {
    const chain = await makeChain({ length: 40 })
    const head = { at: 20n }
    const honest: PeerBehaviour = { head: () => chain.lightBlock(head.at) }
    const { node, t } = await started(chain, { a: honest, b: honest })
    await node.waitForHeight(20)
    head.at = 40n
    const h35 = await node.verifyHeader(35)
    expect(h35).toMatchObject({ height: 35, hash: hashAt(chain, 35), verifiedBy: 'skipping', from: 20 })
    expect(node.status().verifiedHeight).toBe(20) // the node's own sync state is untouched
    expect(await node.verifyHeader(20)).toEqual(node.headers().find(h => h.height === 20))
    await expect(node.verifyHeader(41)).rejects.toMatchObject({ name: 'HeightNotAvailableError', code: 'HEIGHT_NOT_AVAILABLE', height: 41, chainHeight: 40 })
    await expect(node.verifyHeader(0)).rejects.toMatchObject({ name: 'InvalidHeightError', code: 'INVALID_HEIGHT' })
    await expect(node.verifyHeader(2.5)).rejects.toMatchObject({ name: 'InvalidHeightError' })
    await expect(node.verifyHeader(30, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'QueryAbortedError', code: 'QUERY_ABORTED' })
    expect(t.reports).toEqual([])
  })

  it('never takes a forged header: the liar is reported, and with no honest peer the call fails typed', async () => {
    const chain = await makeChain({ length: 30 })
    const head = { at: 10n }
    const liar: PeerBehaviour = { head: () => chain.lightBlock(head.at), lightBlock: (h) => h === 25n ? forged(chain, 25n) : undefined }
    const { node, t } = await started(chain, { liar })
    await node.waitForHeight(10)
    head.at = 30n
    await expect(node.verifyHeader(25)).rejects.toMatchObject({ name: 'HeaderVerificationError', code: 'HEADER_VERIFICATION' })
    expect(t.reports.map(r => [r.peer, r.offence])).toContainEqual(['liar', 'forged-header'])
  })

  it('verifies a height below the logged window by hash links down from a logged header', async () => {
    const chain = await makeChain({ length: 40 })
    const { node } = await started(chain, { a: {}, b: {} }, { backfillBlocks: 5 })
    await node.waitForHeight(40)
    expect(node.headers().some(h => h.height === 12)).toBe(false)
    expect(await node.verifyHeader(12)).toMatchObject({ height: 12, hash: hashAt(chain, 12), verifiedBy: 'backwards', from: 13 })
  })
})

describe('checkAvailability', () => {
  it('reuses the sampler\'s result, samples a height it never sampled, and says empty for a block without blobs', async () => {
    const chain = await makeChain({ length: 30, daHeights: [10n, 28n] })
    const { node } = await started(chain, { a: {}, b: {} }, { backfillBlocks: 5 })
    await node.waitForHeight(30)
    const deadline = Date.now() + 20_000
    while (node.status().sampledBlocks < 1 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 20))
    const reused = await node.checkAvailability(28)
    expect(reused).toMatchObject({ height: 28, available: true, outcome: 'sampled', reused: true, blobs: 2, verifiedHeader: hashAt(chain, 28), confidence: confidence(16) })
    expect(reused.sampledColumns).toHaveLength(16)
    expect(reused.cost.bytes).toBeGreaterThan(16 * 2 * 2048)
    expect(reused.cost.cells).toBe(32)
    const now = await node.checkAvailability(10)
    expect(now).toMatchObject({ height: 10, available: true, outcome: 'sampled', reused: false, blobs: 2, verifiedHeader: hashAt(chain, 10) })
    expect(now.cost.cells).toBeGreaterThanOrEqual(32)
    expect(now.peers.length).toBeGreaterThan(0)
    expect(await node.checkAvailability(11)).toMatchObject({ available: true, outcome: 'empty', blobs: 0, confidence: 1 })
    expect(node.recentAvailability().map(r => r.height)).toEqual([10, 28])
  })

  it('reports a withheld block as unavailable (a report, not an error)', async () => {
    const chain = await makeChain({ length: 12, daHeights: [5n] })
    const withhold = new Set(Array.from({ length: 128 }, (_, i) => i))
    const { node } = await started(chain, { a: { withhold }, b: { withhold } }, { backfillBlocks: 2, sampleAttempts: 2 })
    await node.waitForHeight(12)
    const r = await node.checkAvailability(5)
    expect(r).toMatchObject({ height: 5, available: false, outcome: 'unavailable', confidence: 0, reused: false })
    expect(r.missing?.length).toBe(16)
    expect(r.reason).toMatch(/NOT_AVAILABLE/)
  })
})
