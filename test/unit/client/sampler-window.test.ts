// The light node's sampling window (issue 13 part 3): heights that fell out of the chain's DA window
// (genesis `daWindowBlocks`) are dropped from the sampler's queue and counted as expired, never
// sampled or reported unavailable, so a node far behind (or sampling slower than the chain) keeps
// a bounded queue; the window comes from the pinned genesis.
import { describe, expect, it } from 'vitest'
import { sha256 } from '@noble/hashes/sha2.js'
import { Sampler, type SamplerComponents } from '../../../client/sampler.js'
import { pinGenesis } from '../../../client/genesis.js'
import { toHex } from '../../../protocol/bytes.js'
import type { Header } from '../../../protocol/chain/index.js'

const header = (height: number): Header => ({ height: BigInt(height), dataHash: sha256(new Uint8Array([height & 255, height >> 8])) }) as unknown as Header
const options = { sampleCount: 4, samplePeers: 2, sampleAttempts: 1, retryDelayMs: 1, requestTimeoutMs: 1000, concurrency: 1 }
// enqueue() touches no component: the queue is what is under test (sampling itself: sampler tests in light-node.test.ts)
const components = {} as SamplerComponents

describe('Sampler window', () => {
  it('keeps only the newest windowBlocks heights queued; the rest are counted as expired', () => {
    const s = new Sampler(components, { ...options, windowBlocks: 100 })
    for (let h = 1; h <= 1000; h++) s.enqueue(header(h))
    expect(s.backlog).toBe(100)
    expect(s.stats.expiredBlocks).toBe(900)
    expect(s.stats.unavailableBlocks).toBe(0)
    // a late, old header (a backfill) is dropped at once; one inside the window stays
    s.enqueue(header(850))
    s.enqueue(header(950))
    expect(s.backlog).toBe(100)
    expect(s.stats.expiredBlocks).toBe(901)
  })

  it('without a window the queue keeps everything (the old behaviour)', () => {
    const s = new Sampler(components, options)
    for (let h = 1; h <= 300; h++) s.enqueue(header(h))
    expect(s.backlog).toBe(300)
    expect(s.stats.expiredBlocks).toBe(0)
  })

  it('the window is the genesis daWindowBlocks', () => {
    const doc = { chainId: 'c', validators: [{ publicKey: Buffer.alloc(32, 1).toString('base64'), power: 1 }], params: { daWindowBlocks: 600 } }
    const bytes = new TextEncoder().encode(JSON.stringify(doc))
    expect(pinGenesis({ bytes, hash: toHex(sha256(bytes)) }).daWindowBlocks).toBe(600)
    const none = new TextEncoder().encode(JSON.stringify({ ...doc, params: {} }))
    expect(pinGenesis({ bytes: none, hash: toHex(sha256(none)) }).daWindowBlocks).toBeUndefined()
  })
})
