// A light node started from a checkpoint (issue 13 item 3) against the fake transport of real
// signed light blocks: it anchors at the operator's header, verifies the head without history,
// blames peers that serve anything else, and refuses wrong, stale or malformed checkpoints.
import { afterEach, describe, expect, it } from 'vitest'
import { createLightNode, parseCheckpoint, validateCheckpoint, InvalidCheckpointError, type LightNode } from '../../../client/index.js'
import { toHex } from '../../../protocol/bytes.js'
import { makeChain, fakeTransport, memoryStore, forged, underSigned, type Chain, type FakeTransport, type PeerBehaviour, until } from './harness.js'
import type { LightStore } from '../../../client/types.js'

const nodes: LightNode[] = []
afterEach(async () => { await Promise.all(nodes.splice(0).map(async n => await n.stop())) })

const hashAt = (chain: Chain, h: bigint): string => toHex(chain.lightBlock(h).signedHeader.commit.blockId.hash)

// a fake transport that records every height asked for
function recording (chain: Chain, peers: Record<string, PeerBehaviour>): FakeTransport & { asked: bigint[] } {
  const t = fakeTransport(chain, peers)
  const asked: bigint[] = []
  const inner = t.lightBlock.bind(t)
  const lightBlocks = t.lightBlocks?.bind(t)
  return Object.assign(t, {
    asked,
    lightBlock: async (peer: string, h: bigint | 'latest', o?: { signal?: AbortSignal }) => { if (h !== 'latest') asked.push(h); return await inner(peer, h, o) },
    ...(lightBlocks === undefined ? {} : { lightBlocks: async (peer: string, from: bigint, n: number, o?: { signal?: AbortSignal }) => { for (let i = 0; i < n; i++) asked.push(from + BigInt(i)); return await lightBlocks(peer, from, n, o) } })
  })
}

function start (chain: Chain, t: FakeTransport, checkpoint: unknown, extra: Record<string, unknown> = {}, store: LightStore = memoryStore()): LightNode {
  const node = createLightNode({ transport: t, store, genesis: chain.genesis, pollMs: 50, retryDelayMs: 5, checkpoint: checkpoint as any, ...extra })
  nodes.push(node)
  return node
}

describe('checkpoint start', () => {
  it('anchors at the checkpoint, verifies the head by skipping, and never asks for a header below it', async () => {
    const chain = await makeChain({ length: 60 })
    const t = recording(chain, { a: {}, b: {} })
    const node = start(chain, t, { height: 40n, hash: hashAt(chain, 40n) })
    await node.start()
    await node.waitForHeight(60)
    const log = node.headers()
    expect(log[0]).toMatchObject({ height: 40, verifiedBy: 'checkpoint', hash: hashAt(chain, 40n) })
    expect(log.map(h => h.height)).toEqual(Array.from({ length: 21 }, (_, i) => 40 + i))
    expect(log.at(-1)).toMatchObject({ height: 60, verifiedBy: 'skipping', from: 40 })
    expect(log.every(h => h.hash === hashAt(chain, BigInt(h.height)))).toBe(true)
    expect(t.asked.length).toBeGreaterThan(0)
    expect(t.asked.filter(h => h < 40n)).toEqual([])
    expect(t.reports).toEqual([])
  })

  it('blames a peer serving a forged or under-signed checkpoint block and anchors from the next peer', async () => {
    const chain = await makeChain({ length: 30 })
    const peers: Record<string, PeerBehaviour> = {
      liar: { lightBlock: (h) => h === 20n ? forged(chain, 20n) : undefined },
      weak: { lightBlock: (h) => h === 20n ? underSigned(chain, 20n, 2) : undefined }
    }
    // the liars are alone at first, so both are surely asked; the honest peer joins later
    const t = fakeTransport(chain, peers)
    const node = start(chain, t, { height: 20, hash: hashAt(chain, 20n).toUpperCase().replace('0X', '0x') })
    await node.start()
    await until(() => t.reports.length >= 2, 'both liars reported')
    expect(node.status().verifiedHeight).toBe(0)
    peers.honest = {}
    await node.waitForHeight(30)
    expect(node.headers()[0]).toMatchObject({ height: 20, verifiedBy: 'checkpoint' })
    expect(t.reports.map(r => `${r.peer}:${r.offence}`)).toEqual(expect.arrayContaining(['liar:forged-header', 'weak:insufficient-commit']))
    expect(t.reports.filter(r => r.peer === 'honest')).toEqual([])
  })

  it('a wrong hash is a CheckpointMismatchError; honest peers are not blamed and nothing is trusted', async () => {
    const chain = await makeChain({ length: 30 })
    const t = fakeTransport(chain, { a: {}, b: {} })
    const errors: Array<{ name: string, code: string, message: string }> = []
    const node = start(chain, t, { height: 20n, hash: hashAt(chain, 21n) })
    node.on('error', e => errors.push(e.error as any))
    await node.start()
    await until(() => errors.length > 0, 'an error')
    expect(errors[0]).toMatchObject({ name: 'CheckpointMismatchError', code: 'CHECKPOINT_MISMATCH' })
    expect(errors[0].message).toContain(hashAt(chain, 20n))
    expect(node.status().verifiedHeight).toBe(0)
    expect(node.headers()).toEqual([])
    expect(t.reports).toEqual([])
  })

  it('a checkpoint older than the trusting period is a TrustExpiredError that says so', async () => {
    const chain = await makeChain({ length: 30 }) // header h is about (40 - h) seconds old
    const t = fakeTransport(chain, { a: {} })
    const errors: Array<{ name: string, message: string }> = []
    const node = start(chain, t, { height: 10n, hash: hashAt(chain, 10n) }, { trustingPeriodMs: 5_000 })
    node.on('error', e => errors.push(e.error as any))
    await node.start()
    await until(() => errors.length > 0, 'an error')
    expect(errors[0].name).toBe('TrustExpiredError')
    expect(errors[0].message).toMatch(/checkpoint 10 .* older than the trusting period/)
    expect(node.status().verifiedHeight).toBe(0)
  })

  it('a checkpoint of another chain is refused with InvalidCheckpointError', async () => {
    const chain = await makeChain({ length: 10 })
    const errors: Array<{ name: string, code: string }> = []
    const node = start(chain, fakeTransport(chain, { a: {} }), { height: 5n, hash: hashAt(chain, 5n), chainId: 'other-chain' })
    node.on('error', e => errors.push(e.error as any))
    await node.start()
    await until(() => errors.length > 0, 'an error')
    expect(errors[0]).toMatchObject({ name: 'InvalidCheckpointError', code: 'INVALID_CHECKPOINT' })
    expect(node.status().verifiedHeight).toBe(0)
  })

  it('a stored unexpired trusted block wins over the checkpoint (a restart resumes)', async () => {
    const chain = await makeChain({ length: 30 })
    const store = memoryStore()
    const first = start(chain, fakeTransport(chain, { a: {} }), undefined, {}, store)
    await first.start()
    await first.waitForHeight(30)
    await first.stop()
    const t = recording(chain, { a: {} })
    const node = start(chain, t, { height: 20n, hash: hashAt(chain, 21n) }, {}, store) // wrong hash: unused
    await node.start()
    await node.waitForHeight(30)
    expect(node.headers()[0]).toMatchObject({ height: 1, verifiedBy: 'genesis' })
    expect(t.asked.includes(20n)).toBe(false)
  })

  it('malformed checkpoints are typed errors', () => {
    const good = '0x' + 'ab'.repeat(32)
    expect(parseCheckpoint(`120:${good}`)).toEqual({ height: 120n, hash: good })
    for (const bad of ['120', `x:${good}`, `0:${good}`, '120:0x1234', `120:${good}00`, `-1:${good}`, `:${good}`]) {
      expect(() => parseCheckpoint(bad), bad).toThrow(InvalidCheckpointError)
    }
    for (const bad of [null, 5, { height: 1.5, hash: good }, { height: 3n }, { height: 3n, hash: 'ab'.repeat(32) }, { height: 3n, hash: good, chainId: '' }]) {
      expect(() => validateCheckpoint(bad)).toThrow(expect.objectContaining({ name: 'InvalidCheckpointError', code: 'INVALID_CHECKPOINT', exitCode: 2 }))
    }
    expect(() => createLightNode({ transport: {} as any, store: memoryStore(), genesis: { bytes: new Uint8Array(), hash: good }, checkpoint: { height: 0n, hash: good } }))
      .toThrow(InvalidCheckpointError)
  })
})
