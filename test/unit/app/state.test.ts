// Proofs against the app hash, height-aware queries, snapshots (take → restore elsewhere), onCommit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sha256 } from '@noble/hashes/sha2.js'
import { verifyStateProof, stateKeys, decodeRecord, encodeRecord, decodeStateProof, InvalidStateProofError, STATE_PROOF_TYPE } from '../../../protocol/chain/state-proof.js'
import { toHex } from '../../../protocol/bytes.js'
import { createGlowmeshApp, type GlowmeshApp, type AppEvent } from '../../../fullnode/app/app.js'
import { unpackChunk, packChunks } from '../../../fullnode/app/snapshots.js'
import { tempDir, newApp, block, tx, users, addr } from './helpers.js'

const query = (app: GlowmeshApp, path: string, height = 0n) => app.query({ path, data: new Uint8Array(), height, prove: true })

describe('state: proofs, snapshots, commit hook', () => {
  let app: GlowmeshApp
  const cleanups: Array<() => Promise<void>> = []
  const committed: Array<[number, AppEvent[]]> = []
  let dir: string
  beforeAll(async () => {
    const t = await tempDir(); cleanups.push(t.cleanup); dir = t.dir
    app = await newApp(t.dir, undefined, { snapshotInterval: 5, snapshotChunkBytes: 2000, onCommit: (h, e) => { committed.push([h, e]) } })
    for (let i = 0; i < 10; i++) {
      await block(app, [
        tx(users[0], i, 'transfer', { to: addr(users[1 + (i % 3)]), amount: BigInt(100 + i) }),
        tx(users[5], i, 'storage.submit', { root: sha256(Uint8Array.of(i)), cid: new Uint8Array(), size: 1000 * (i + 1), durationEpochs: 50 })
      ])
    }
  })
  afterAll(async () => { await app?.close(); for (const c of cleanups) await c() })

  it('Info reports the last committed height and app hash', async () => {
    const info = await app.info({ version: '', blockVersion: 0n, p2pVersion: 0n, abciVersion: '' })
    expect(info.lastBlockHeight).toBe(10n)
    expect(info.lastBlockAppHash).toEqual(app.state.appHash)
  })

  it('query proofs verify against the app hash; a tampered value or root fails; absence is provable', async () => {
    const res = await query(app, `/account/${users[1].address}`)
    expect(res.code).toBe(0)
    expect(res.height).toBe(10n)
    expect(res.proofOps!.ops[0].type).toBe(STATE_PROOF_TYPE)
    const proof = res.proofOps!.ops[0].data
    const value = await verifyStateProof({ appHash: app.state.appHash, key: stateKeys.account(users[1].address), proof })
    expect(value).toEqual(res.value)
    expect(decodeRecord('account', value!).balance).toBeGreaterThan(100_000_000n)
    // A light node that is told another balance: the proof proves the real one, so the lie shows.
    const lie = encodeRecord('account', { balance: 10n ** 20n, nonce: 0n })
    expect(await verifyStateProof({ appHash: app.state.appHash, key: stateKeys.account(users[1].address), proof })).not.toEqual(lie)
    // Tampered proof node or wrong root: rejected.
    const nodes = decodeStateProof(proof)
    const last = nodes[nodes.length - 1].slice(); last[last.length - 1] ^= 1
    await expect(verifyStateProof({ appHash: app.state.appHash, key: stateKeys.account(users[1].address), proof: [...nodes.slice(0, -1), last] })).rejects.toBeInstanceOf(InvalidStateProofError)
    await expect(verifyStateProof({ appHash: sha256(Uint8Array.of(1)), key: stateKeys.account(users[1].address), proof })).rejects.toBeInstanceOf(InvalidStateProofError)
    // Absence.
    const none = await query(app, '/account/0x' + '00'.repeat(20))
    expect(none.value.length).toBe(0)
    expect(await verifyStateProof({ appHash: app.state.appHash, key: stateKeys.account('0x' + '00'.repeat(20)), proof: none.proofOps!.ops[0].data })).toBeNull()
    // Files and registry entries prove the same way.
    const f = await query(app, `/file/${toHex(sha256(Uint8Array.of(3)))}`)
    expect(decodeRecord('file', (await verifyStateProof({ appHash: app.state.appHash, key: stateKeys.file(sha256(Uint8Array.of(3))), proof: f.proofOps!.ops[0].data }))!).size).toBe(4000)
  })

  it('queries are height-aware and reject bad paths with codes', async () => {
    const old = await query(app, `/account/${users[0].address}`, 2n)
    expect(old.height).toBe(2n)
    expect(decodeRecord('account', old.value).nonce).toBe(2n)
    const root2 = await app.state.rootAt(2)
    expect(await verifyStateProof({ appHash: root2, key: stateKeys.account(users[0].address), proof: old.proofOps!.ops[0].data })).toEqual(old.value)
    expect((await query(app, '/nope')).code).toBe(1)
    expect((await query(app, '/account/xyz')).code).toBe(2)
    expect((await query(app, '/account/' + users[0].address, 99n)).code).toBe(3)
    const params = JSON.parse(new TextDecoder().decode((await query(app, '/params')).value))
    expect(params.chainId).toBe('glowmesh-test')
  })

  it('onCommit gets each height with its events (storage submissions carry root and flowStart)', () => {
    expect(committed.map(([h]) => h)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    const sub = committed[2][1].find((e) => e.type === 'storage.submit')!
    expect(sub.attributes.root).toBe(toHex(sha256(Uint8Array.of(2))))
    expect(sub.txHash).toMatch(/^0x[0-9a-f]{64}$/)
    expect(Number(sub.attributes.flowStart)).toBeGreaterThan(0)
  })

  it('snapshot → restore in a fresh app gives the same app hash; bad chunks are refetched; incomplete ones rejected', async () => {
    const { snapshots } = await app.listSnapshots({})
    expect(snapshots.map((s) => s.height)).toEqual([10n, 5n])
    const snap = snapshots[0]
    expect(snap.chunks).toBeGreaterThan(1) // 2000-byte chunks
    const chunks: Uint8Array[] = []
    for (let i = 0; i < snap.chunks; i++) {
      const c = (await app.loadSnapshotChunk({ height: snap.height, format: snap.format, chunk: i })).chunk
      expect(c.length).toBeLessThanOrEqual(2000 + 600) // one node may push a chunk past the soft limit
      chunks.push(c)
    }
    const t = await tempDir(); cleanups.push(t.cleanup)
    const fresh = await createGlowmeshApp({ dataDir: t.dir, snapshotInterval: 0 })
    try {
      expect((await fresh.offerSnapshot({ snapshot: { ...snap, format: 2 }, appHash: app.state.appHash })).result).toBe(4)
      expect((await fresh.offerSnapshot({ snapshot: { ...snap, hash: new Uint8Array(32) }, appHash: app.state.appHash })).result).toBe(3)
      expect((await fresh.offerSnapshot({ snapshot: snap, appHash: app.state.appHash })).result).toBe(1)
      const bad = new Uint8Array(chunks[0]); bad[5] ^= 1
      const r0 = await fresh.applySnapshotChunk({ index: 0, chunk: bad, sender: 'peerX' })
      expect(r0).toEqual({ result: 3, refetchChunks: [0], rejectSenders: ['peerX'] })
      // a real chunk of the same snapshot at the wrong index, or an empty one (the peer lacks it): RETRY from someone else, sender blamed
      expect(await fresh.applySnapshotChunk({ index: 0, chunk: chunks[1], sender: 'peerZ' })).toEqual({ result: 3, refetchChunks: [0], rejectSenders: ['peerZ'] })
      expect(await fresh.applySnapshotChunk({ index: 0, chunk: new Uint8Array(), sender: 'peerW' })).toEqual({ result: 3, refetchChunks: [0], rejectSenders: ['peerW'] })
      expect(fresh.state.height).toBe(0)
      for (let i = 0; i < chunks.length; i++) {
        expect((await fresh.applySnapshotChunk({ index: i, chunk: chunks[i], sender: "peerY" })).result).toBe(1)
      }
      expect(fresh.state.height).toBe(10)
      expect(toHex(fresh.state.appHash)).toBe(toHex(app.state.appHash))
      const info = await fresh.info({ version: '', blockVersion: 0n, p2pVersion: 0n, abciVersion: '' })
      expect(info.lastBlockHeight).toBe(10n)
      // The restored node goes on executing blocks exactly like the original.
      const next = [tx(users[0], 10, 'transfer', { to: addr(users[2]), amount: 5n })]
      const a = await block(app, next); const b = await block(fresh, next)
      expect(toHex(b.appHash)).toBe(toHex(a.appHash))
    } finally { await fresh.close() }

    // A snapshot whose chunks do not hold the whole trie under the trusted app hash is rejected.
    const t2 = await tempDir(); cleanups.push(t2.cleanup)
    const other = await createGlowmeshApp({ dataDir: t2.dir, snapshotInterval: 0 })
    try {
      const nodes = unpackChunk(chunks[0]).slice(0, 1) // only the root node
      const [partial] = await packChunks((async function * () { yield * nodes })(), 10_000_000)
      const meta = sha256(partial)
      const offered = { height: 10n, format: 1, chunks: 1, hash: sha256(meta), metadata: meta }
      expect((await other.offerSnapshot({ snapshot: offered, appHash: snap.height === 10n ? (await app.state.rootAt(10)) : app.state.appHash })).result).toBe(1)
      expect((await other.applySnapshotChunk({ index: 0, chunk: partial, sender: 'p' })).result).toBe(5)
      expect(other.state.height).toBe(0)
    } finally { await other.close() }
  })

  it('reopening the folder gives the same state (clean restart)', async () => {
    const h = app.state.height; const hash = toHex(app.state.appHash)
    await app.close()
    app = await createGlowmeshApp({ dataDir: dir, snapshotInterval: 0 })
    expect(app.state.height).toBe(h)
    expect(toHex(app.state.appHash)).toBe(hash)
    expect(app.params?.chainId).toBe('glowmesh-test')
  })
})
