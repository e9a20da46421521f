// The adversary's lies on their own (no devnet): each one, fed to protocol/chain's verifier or
// protocol/storage's proof check, is refused with the right typed error; the JSON it serves
// round-trips through the parsers a client uses; bad behaviours are typed errors.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import {
  BlockIdFlag, signedHeaderFromJson, validatorsFromJson, verifyAdjacent, verifyCommitLight, verifyNonAdjacent, verifySkipping,
  InsufficientSignaturesError, InvalidHeaderError, NotEnoughTrustError
} from '../../../protocol/chain/index.js'
import { fileLayout } from '../../../protocol/storage/layout.js'
import { SegmentTree, segmentBytes, verifySegmentProof } from '../../../protocol/storage/proofs.js'
import { makeTestChain, defaultTime } from '../../unit/chain/fixtures.js'
import { patternBytes } from '../../helpers/bytes.js'
import {
  createAdversary, corruptSegment, fakeValidatorKeys, forgeCommit, forgeHeader, insufficientCommit, signedHeaderToJson,
  validatorsToJson, wrongProof, startAdversaryRpc, AdversaryConfigError
} from '../../adversary/index.js'

const chain = makeTestChain({ length: 20 })
const now = Number(defaultTime(21n).seconds) * 1000
const base = { trustingPeriodMs: 3_600_000, now }
const trusted = chain.lightBlock(2n)

describe('adversary lies (offline)', () => {
  it('serves CometBFT JSON that parses back to the same light block', () => {
    const lb = chain.lightBlock(7n)
    expect(signedHeaderFromJson(signedHeaderToJson(lb.signedHeader))).toEqual(lb.signedHeader)
    expect(validatorsFromJson(validatorsToJson(lb.validators))).toEqual(lb.validators)
  })

  it('forge-header: every field change breaks the header hash (InvalidHeaderError)', () => {
    for (const field of ['appHash', 'dataHash', 'height', 'time'] as const) {
      const lie = forgeHeader(chain.lightBlock(3n), field)
      expect(() => verifyAdjacent({ ...base, trusted, untrusted: lie.signedHeader, untrustedVals: lie.validators })).toThrow(field === 'height' ? Error : InvalidHeaderError)
      const far = forgeHeader(chain.lightBlock(12n), field)
      expect(() => verifyNonAdjacent({ ...base, trusted, untrusted: far.signedHeader, untrustedVals: far.validators })).toThrow(InvalidHeaderError)
    }
  })

  it('forge-commit: a well-formed commit by strangers; skipping finds no trusted power, adjacency no matching set', async () => {
    const keys = fakeValidatorKeys(4)
    const lie = forgeCommit(chain.lightBlock(12n), keys)
    // Internally consistent: the strangers' own check passes.
    expect(verifyCommitLight(chain.chainId, lie.validators, lie.signedHeader.commit.blockId, 12n, lie.signedHeader.commit).tallied).toBeGreaterThan(0n)
    expect(() => verifyNonAdjacent({ ...base, trusted, untrusted: lie.signedHeader, untrustedVals: lie.validators })).toThrow(NotEnoughTrustError)
    const next = forgeCommit(chain.lightBlock(3n), keys)
    expect(() => verifyAdjacent({ ...base, trusted, untrusted: next.signedHeader, untrustedVals: next.validators })).toThrow(InvalidHeaderError)
    // Bisection over an all-forged chain ends at an adjacent step that fails.
    await expect(verifySkipping({ ...base, trusted, untrusted: lie.signedHeader, untrustedVals: lie.validators, fetchLightBlock: async (h) => forgeCommit(chain.lightBlock(h), keys) }))
      .rejects.toBeInstanceOf(InvalidHeaderError)
  })

  it('insufficient-commit: genuine signatures of at most 2/3 (InsufficientSignaturesError)', async () => {
    const lie = insufficientCommit(chain.lightBlock(3n))
    expect(lie.signedHeader.commit.signatures.filter((s) => s.blockIdFlag === BlockIdFlag.Commit)).toHaveLength(2)
    expect(() => verifyAdjacent({ ...base, trusted, untrusted: lie.signedHeader, untrustedVals: lie.validators })).toThrow(InsufficientSignaturesError)
    const far = insufficientCommit(chain.lightBlock(15n))
    await expect(verifySkipping({ ...base, trusted, untrusted: far.signedHeader, untrustedVals: far.validators, fetchLightBlock: async (h) => insufficientCommit(chain.lightBlock(h)) }))
      .rejects.toBeInstanceOf(InsufficientSignaturesError)
  })

  it('corrupt-segment and wrong-proof fail the segment proof', () => {
    const data = patternBytes(5 * 262_144 + 99, 4)
    const layout = fileLayout(data.length)
    const tree = SegmentTree.fromBytes(layout, data)
    for (let i = 0; i < layout.dataSegments; i++) {
      const bytes = segmentBytes(data, i)
      expect(verifySegmentProof(tree.root, layout, bytes, tree.proof(i))).toBe(true)
      expect(verifySegmentProof(tree.root, layout, corruptSegment(bytes), tree.proof(i))).toBe(false)
      const other = tree.proof(i === 0 ? 1 : i - 1)
      const proof = wrongProof(i, other, tree.proof(i))
      expect(proof.index).toBe(i)
      let ok: boolean
      try { ok = verifySegmentProof(tree.root, layout, bytes, proof) } catch { ok = false }
      expect(ok).toBe(false)
    }
  })

  it('switches modes at run time, scopes lies to heights and segments, counts them; bad settings are typed errors', async () => {
    const adv = createAdversary()
    const lb = chain.lightBlock(5n)
    expect(adv.lieAboutLightBlock(lb)).toBe(lb)
    adv.set({ modes: ['forge-header', 'insufficient-commit'], heights: [5] })
    expect(adv.lieAboutLightBlock(lb)).not.toBe(lb)
    expect(adv.lieAboutLightBlock(chain.lightBlock(6n))).toEqual(chain.lightBlock(6n))
    expect(adv.lies['forge-header']).toBe(1)
    adv.set({ modes: ['withhold'], segments: [1] })
    const honest = { bytes: new Uint8Array(4), proof: { index: 0, leafCount: 2, siblings: [] } }
    expect(await adv.lieAboutSegment(0, honest, async () => honest)).toBe(honest)
    await expect(adv.lieAboutSegment(1, honest, async () => honest)).rejects.toMatchObject({ name: 'WithheldError', code: 'NOT_FOUND' })
    adv.set({ modes: ['stale'] })
    expect(adv.head(100)).toBe(100)
    expect(adv.head(140)).toBe(100)
    expect(adv.lies.stale).toBe(1)
    expect(() => adv.set({ modes: ['lie-loudly' as any] })).toThrow(AdversaryConfigError)
    expect(() => adv.set({ lateMs: -1 })).toThrow(expect.objectContaining({ code: 'ADVERSARY_CONFIG' }))
    expect(() => createAdversary({ segments: [1.5] })).toThrow(AdversaryConfigError)
  })

  it("the RPC face lists its `bootstrap` multiaddrs first in GET /bootstrap (for browsers); a bad list is a typed error", async () => {
    const honest = ['/ip4/127.0.0.1/tcp/1/ws/p2p/12D3KooWHonest', '/ip4/127.0.0.1/tcp/2/p2p/12D3KooWHonest']
    const upstream = createServer((req, res) => {
      res.writeHead(req.url === '/bootstrap' ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(req.url === '/bootstrap' ? { multiaddrs: honest } : { error: { code: 'NOT_FOUND', message: 'no' } }))
    })
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`
    let liar = ['/ip4/127.0.0.1/tcp/3/ws/p2p/12D3KooWLiar']
    const adv = await startAdversaryRpc({ upstream: url, bootstrap: () => liar })
    try {
      expect(await (await fetch(`${adv.url}/bootstrap`)).json()).toEqual({ multiaddrs: [...liar, ...honest] })
      liar = [honest[0]] // read on every request; no duplicates
      expect(await (await fetch(`${adv.url}/bootstrap`)).json()).toEqual({ multiaddrs: honest })
    } finally {
      await adv.close()
      await new Promise((resolve) => upstream.close(resolve))
    }
    await expect(startAdversaryRpc({ upstream: url, bootstrap: [1 as any] })).rejects.toMatchObject({ name: 'AdversaryConfigError', code: 'ADVERSARY_CONFIG' })
  })
})
