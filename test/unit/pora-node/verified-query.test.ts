// The contributor's verified state reads: values are accepted only with an MPT proof against a
// verified app hash; a lying peer is reported and the next one asked; bad requests are typed errors.
import { describe, expect, it } from 'vitest'
import { createMPT, createMerkleProof } from '@ethereumjs/mpt'
import { createVerifiedQuery, stateKeyOf, UnverifiedStateError } from '../../../client/storage/index.js'
import { parseStateRequest, PoraStateError } from '../../../fullnode/pora/index.js'
import { encodeStateProof, stateKeys } from '../../../protocol/chain/state-proof.js'

async function trie (): Promise<{ root: Uint8Array, proof: (k: Uint8Array) => Promise<Uint8Array> }> {
  const t = await createMPT({ useKeyHashing: true })
  await t.put(stateKeys.epoch(), new TextEncoder().encode('epoch-7'))
  await t.put(stateKeys.flow(), new TextEncoder().encode('flow-8192'))
  return { root: t.root(), proof: async (k) => encodeStateProof(await createMerkleProof(t, k)) }
}

describe('createVerifiedQuery', () => {
  it('accepts a proven value, reports a peer whose value or proof lies and asks the next', async () => {
    const t = await trie()
    const lies: string[] = []
    const query = createVerifiedQuery({
      peers: () => ['liar', 'forger', 'honest'],
      fetch: async (peer, path) => {
        const proof = await t.proof(stateKeyOf(path))
        if (peer === 'liar') return { height: 9, value: new TextEncoder().encode('epoch-666'), proof }
        if (peer === 'forger') return { height: 9, value: new TextEncoder().encode('epoch-7'), proof: await t.proof(stateKeys.flow()) }
        return { height: 9, value: new TextEncoder().encode('epoch-7'), proof }
      },
      appHashAt: async (h) => { expect(h).toBe(10); return t.root },
      onLie: (peer) => { lies.push(peer) }
    })
    expect(new TextDecoder().decode((await query('epoch'))!)).toBe('epoch-7')
    expect(lies).toEqual(['liar', 'forger'])
  })

  it('an absent key is null only with a proof of absence; all peers lying is UnverifiedStateError', async () => {
    const t = await trie()
    const node = 'node/0x' + '11'.repeat(32)
    const ok = createVerifiedQuery({ peers: () => ['a'], fetch: async () => ({ height: 1, value: new Uint8Array(), proof: await t.proof(stateKeyOf(node)) }), appHashAt: async () => t.root })
    expect(await ok(node)).toBeNull()
    const hiding = createVerifiedQuery({ peers: () => ['a'], fetch: async () => ({ height: 1, value: new Uint8Array(), proof: await t.proof(stateKeys.epoch()) }), appHashAt: async () => t.root })
    const err = await hiding('epoch').catch((e) => e)
    expect(err).toBeInstanceOf(UnverifiedStateError)
    expect(err.code).toBe('UNVERIFIED_STATE')
    expect(() => stateKeyOf('bhash/3')).toThrow(UnverifiedStateError)
  })
})

describe('parseStateRequest', () => {
  it('takes 1..8 known paths, refuses anything else with PoraStateError', () => {
    const enc = (x: unknown): Uint8Array => new TextEncoder().encode(typeof x === 'string' ? x : JSON.stringify(x))
    expect(parseStateRequest(enc({ paths: ['params', 'epoch', 'flow', 'node/0x' + 'ab'.repeat(32), 'account/0x' + 'cd'.repeat(20)] }))).toHaveLength(5)
    for (const bad of ['not json', { paths: [] }, { paths: ['nodes'] }, { paths: Array(9).fill('epoch') }, { paths: ['node/0xAB'] }, { paths: [3] }]) {
      const e = (() => { try { parseStateRequest(enc(bad)) } catch (err) { return err } })() as PoraStateError
      expect(e).toBeInstanceOf(PoraStateError)
      expect(e.name).toBe('PoraStateError')
      expect(e.code).toBe('PORA_STATE')
    }
  })
})
