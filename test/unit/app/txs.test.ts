// Every tx kind through the real app (LevelDB on disk), every rejection with its code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sha256 } from '@noble/hashes/sha2.js'
import { encodeTx, signTx, MAX_TX_BYTES } from '../../../protocol/chain/tx.js'
import { encodeBody } from '../../../protocol/chain/bodies.js'
import { decodeRecord } from '../../../protocol/chain/state-proof.js'
import { signReceipt, encodeReceipt } from '../../../protocol/pora/receipt.js'
import { fileLayout } from '../../../protocol/storage/layout.js'
import { toHex } from '../../../protocol/bytes.js'
import { TxCode } from '../../../fullnode/ledger/ledger.js'
import type { GlowmeshApp } from '../../../fullnode/app/app.js'
import { tempDir, newApp, block, tx, users, validators, faucet, addr, balance, commitment, CHAIN_ID, key, finalize } from './helpers.js'

const q = async (app: GlowmeshApp, path: string): Promise<Uint8Array> => (await app.query({ path, data: new Uint8Array(), height: 0n, prove: false })).value
const check = async (app: GlowmeshApp, bytes: Uint8Array): Promise<number> => (await app.checkTx({ tx: bytes, type: 0 })).code
const nonceOf = async (app: GlowmeshApp, k: { address: string }): Promise<bigint> => { const v = await q(app, `/account/${k.address}`); return v.length === 0 ? 0n : decodeRecord('account', v).nonce }

describe('glowmesh app: transactions', () => {
  let app: GlowmeshApp
  let cleanup: () => Promise<void>
  beforeAll(async () => { const t = await tempDir(); cleanup = t.cleanup; app = await newApp(t.dir) })
  afterAll(async () => { await app?.close(); await cleanup?.() })

  it('checkTx accepts a good transfer and rejects every kind of bad one with its code', async () => {
    const u = users[0]
    const good = tx(u, 0, 'transfer', { to: addr(users[1]), amount: 5n })
    const signed = signTx({ chainId: CHAIN_ID, nonce: 0n, fee: 10n, kind: 'transfer', body: encodeBody('transfer', { to: addr(users[1]), amount: 5n }) }, u.secretKey)
    const badSig = encodeTx({ ...signed, signature: signed.signature.map((b, i) => i === 0 ? b ^ 1 : b) })
    const rawBody = (kind: string, body: Uint8Array): Uint8Array => encodeTx(signTx({ chainId: CHAIN_ID, nonce: 0n, fee: 10n, kind, body }, u.secretKey))
    const poor = key('nobody')
    expect(await check(app, badSig)).toBe(TxCode.BAD_SIGNATURE)
    expect(await check(app, tx(u, 0, 'transfer', { to: addr(users[1]), amount: 5n }, { chainId: 'other-chain' }))).toBe(TxCode.WRONG_CHAIN)
    expect(await check(app, tx(u, 1, 'transfer', { to: addr(users[1]), amount: 5n }))).toBe(TxCode.NONCE_TOO_HIGH)
    expect(await check(app, tx(u, 0, 'transfer', { to: addr(users[1]), amount: 5n }, { fee: 9n }))).toBe(TxCode.FEE_TOO_LOW)
    expect(await check(app, tx(poor, 0, 'transfer', { to: addr(users[1]), amount: 5n }))).toBe(TxCode.INSUFFICIENT_FUNDS)
    expect(await check(app, tx(u, 0, 'transfer', { to: addr(users[1]), amount: 10n ** 12n }))).toBe(TxCode.INSUFFICIENT_FUNDS)
    expect(await check(app, new Uint8Array(MAX_TX_BYTES + 1))).toBe(TxCode.TX_TOO_LARGE)
    expect(await check(app, Uint8Array.of(0x0a, 0x05, 0x61))).toBe(TxCode.MALFORMED_TX)
    expect(await check(app, rawBody('transfer', Uint8Array.of(0x0a, 0x01, 0x00)))).toBe(TxCode.MALFORMED_BODY)
    expect(await check(app, rawBody('compute.job', new Uint8Array()))).toBe(TxCode.UNKNOWN_KIND)
    const res = await app.checkTx({ tx: badSig, type: 0 })
    expect(res.codespace).toBe('glowmesh')
    expect(res.log).toMatch(/signature/)
    // Mempool sequences: nonce 0 then 1 pass; a replay of 0 is too low; after Commit the check state resets.
    expect(await check(app, good)).toBe(TxCode.OK)
    expect(await check(app, good)).toBe(TxCode.NONCE_TOO_LOW)
    expect(await check(app, tx(u, 1, 'transfer', { to: addr(users[1]), amount: 5n }))).toBe(TxCode.OK)
    expect(await check(app, tx(u, 3, 'transfer', { to: addr(users[1]), amount: 5n }))).toBe(TxCode.NONCE_TOO_HIGH)
    await block(app, [])
    expect(await check(app, tx(u, 1, 'transfer', { to: addr(users[1]), amount: 5n }))).toBe(TxCode.NONCE_TOO_HIGH)
  })

  it('transfer: moves funds, pays the fee to the proposer; a failing tx still pays its fee', async () => {
    const [a, b] = [users[0], users[1]]
    const before = { a: await balance(app, a), b: await balance(app, b), p: await balance(app, validators[0]) }
    const res = await block(app, [
      tx(a, 0, 'transfer', { to: addr(b), amount: 1000n }),
      tx(a, 1, 'transfer', { to: addr(b), amount: 10n ** 15n }), // too much: fee charged, nonce used
      tx(a, 1, 'transfer', { to: addr(b), amount: 1n }) // replayed nonce: nothing happens
    ], { proposer: validators[0] })
    expect(res.txResults.map((r) => r.code)).toEqual([TxCode.OK, TxCode.INSUFFICIENT_FUNDS, TxCode.NONCE_TOO_LOW])
    expect(await balance(app, a)).toBe(before.a - 1000n - 20n)
    expect(await balance(app, b)).toBe(before.b + 1000n)
    expect(await nonceOf(app, a)).toBe(2n)
    // The proposer got both fees (and possibly its inflation share).
    expect(await balance(app, validators[0]) - before.p).toBeGreaterThanOrEqual(20n)
    expect(res.txResults[0].events.find((e) => e.type === 'transfer')?.attributes.find((x) => x.key === 'amount')?.value).toBe('1000')
  })

  it('storage.submit appends to the flow; renew extends; expiry prunes; duplicates and unknown roots are rejected', async () => {
    const u = users[2]
    const r1 = sha256(Uint8Array.of(1)); const r2 = sha256(Uint8Array.of(2))
    const before = await balance(app, u)
    const res = await block(app, [
      tx(u, 0, 'storage.submit', { root: r1, cid: new Uint8Array(), size: 300_000, durationEpochs: 1 }),
      tx(u, 1, 'storage.submit', { root: r2, cid: Uint8Array.of(1, 85), size: 1000, durationEpochs: 3 }),
      tx(u, 2, 'storage.submit', { root: r1, cid: new Uint8Array(), size: 5, durationEpochs: 1 }),
      tx(u, 3, 'storage.renew', { root: sha256(Uint8Array.of(3)), extraEpochs: 1 })
    ])
    expect(res.txResults.map((r) => r.code)).toEqual([TxCode.OK, TxCode.OK, TxCode.FILE_EXISTS, TxCode.FILE_NOT_FOUND])
    const ev = res.txResults[1].events.find((e) => e.type === 'storage.submit')!
    const attr = (n: string): string => ev.attributes.find((x) => x.key === n)!.value
    expect(Number(attr('flowStart'))).toBe(fileLayout(300_000).paddedChunks)
    expect(attr('root')).toBe(toHex(r2))
    expect(await balance(app, u)).toBe(before - 40n - 300_000n - 3000n)
    const flow = decodeRecord('flow', await q(app, '/flow'))
    expect(flow).toEqual({ length: fileLayout(300_000).paddedChunks + fileLayout(1000).paddedChunks, submissions: 2 })
    const f1 = decodeRecord('file', await q(app, `/file/${toHex(r1)}`))
    expect(f1.expired).toBe(0)
    // Renew r2 by 2 epochs; then run past r1's expiry (epoch 1 starts at height 6).
    expect((await block(app, [tx(u, 4, 'storage.renew', { root: r2, extraEpochs: 2 })])).txResults[0].code).toBe(TxCode.OK)
    expect(decodeRecord('file', await q(app, `/file/${toHex(r2)}`)).expiryEpoch).toBe(f1.expiryEpoch + 4)
    let expired = false
    while (app.state.height < 7) {
      const r = await block(app, [])
      if (r.events.some((e) => e.type === 'storage.expire')) expired = true
    }
    expect(expired).toBe(true)
    expect(decodeRecord('file', await q(app, `/file/${toHex(r1)}`)).expired).toBe(1)
    expect(decodeRecord('file', await q(app, `/file/${toHex(r2)}`)).expired).toBe(0)
    expect((await block(app, [tx(u, 5, 'storage.renew', { root: r1, extraEpochs: 1 })])).txResults[0].code).toBe(TxCode.FILE_EXPIRED)
    // An expired root may be submitted again: it gets a new flow range.
    expect((await block(app, [tx(u, 6, 'storage.submit', { root: r1, cid: new Uint8Array(), size: 10, durationEpochs: 1 })])).txResults[0].code).toBe(TxCode.OK)
  })

  it('da.submit: charges per byte, records commitments for the sampling window, then prunes them', async () => {
    const u = users[3]
    const before = await balance(app, u)
    const res = await block(app, [tx(u, 0, 'da.submit', { size: 130_000, commitments: [commitment(1), commitment(2)] })])
    expect(res.txResults[0].code).toBe(TxCode.OK)
    const h = app.state.height
    const ev = res.txResults[0].events.find((e) => e.type === 'da.submit')!
    expect(ev.attributes.find((a) => a.key === 'commitments')!.value.split(',')).toEqual([toHex(commitment(1)), toHex(commitment(2))])
    expect(await balance(app, u)).toBe(before - 10n - 130_000n)
    const rec = decodeRecord('blob', await q(app, `/blob/${h}/0`))
    expect(rec.size).toBe(130_000)
    expect(rec.commitments).toEqual([commitment(1), commitment(2)])
    for (let i = 0; i < 3; i++) await block(app, [])
    expect((await q(app, `/blob/${h}/0`)).length).toBe(0)
  })

  it('registry: register bonds the pledge, unregister returns it after the delay', async () => {
    const u = users[4]
    const before = await balance(app, u)
    const res = await block(app, [
      tx(u, 0, 'registry.register', { pledgeBytes: 1 << 29, commR: new Uint8Array() }), // 0.5 GiB → bond 500000
      tx(u, 1, 'registry.register', { pledgeBytes: 1 << 29, commR: new Uint8Array() }),
      tx(users[5], 0, 'registry.register', { pledgeBytes: 1000, commR: new Uint8Array() }),
      tx(users[5], 1, 'registry.unregister', {})
    ])
    expect(res.txResults.map((r) => r.code)).toEqual([TxCode.OK, TxCode.NODE_EXISTS, TxCode.PLEDGE_TOO_SMALL, TxCode.NODE_NOT_FOUND])
    expect(await balance(app, u)).toBe(before - 20n - 500_000n)
    const node = decodeRecord('node', await q(app, `/node/${toHex(u.publicKey)}`))
    expect(node.bond).toBe(500_000n)
    const assigned = JSON.parse(new TextDecoder().decode(await q(app, `/assign/${toHex(u.publicKey)}`)))
    // Assignment is over whole sectors (64 MiB by default): this small flow has none yet.
    expect(assigned.seal.sectorChunks).toBe(1 << 18)
    expect(assigned.ranges).toEqual([])
    const un = await block(app, [tx(u, 2, 'registry.unregister', {})])
    expect(un.txResults[0].code).toBe(TxCode.OK)
    expect((await q(app, `/node/${toHex(u.publicKey)}`)).length).toBe(0)
    const mid = await balance(app, u)
    let released = false
    for (let i = 0; i < 3; i++) if ((await block(app, [])).events.some((e) => e.type === 'unbond.release')) released = true
    expect(released).toBe(true)
    expect(await balance(app, u)).toBe(mid + 500_000n)
  })

  it('pora.receipt: validators\' receipts pay or penalise; replays, outsiders and forgeries are rejected', async () => {
    const n = users[6]
    await block(app, [tx(n, 0, 'registry.register', { pledgeBytes: 1 << 30, commR: new Uint8Array(32).fill(7) })])
    const fields = (i: number, verdict: 'valid' | 'missing') => ({
      challengeId: sha256(Uint8Array.of(i)), nodeId: n.publicKey, answerHash: verdict === 'missing' ? new Uint8Array(32) : sha256(Uint8Array.of(i, 1)),
      latencyMs: 100, deadlineMs: 500, verdict
    })
    const valid = encodeReceipt(signReceipt(fields(1, 'valid'), validators[1].secretKey))
    const missing = encodeReceipt(signReceipt(fields(2, 'missing'), validators[2].secretKey))
    const outsider = encodeReceipt(signReceipt(fields(3, 'valid'), users[7].secretKey))
    const forged = valid.slice(); forged[100] ^= 1
    const sender = users[7]
    const before = await balance(app, n)
    const res = await block(app, [
      tx(sender, 0, 'pora.receipt', { receipt: valid }),
      tx(sender, 1, 'pora.receipt', { receipt: valid }),
      tx(sender, 2, 'pora.receipt', { receipt: missing }),
      tx(sender, 3, 'pora.receipt', { receipt: outsider })
    ])
    expect(res.txResults.map((r) => r.code)).toEqual([TxCode.OK, TxCode.RECEIPT_REPLAYED, TxCode.OK, TxCode.NOT_A_VALIDATOR])
    const rec = decodeRecord('node', await q(app, `/node/${toHex(n.publicKey)}`))
    expect(rec.receipts).toBe(2)
    // No proven sector (pora.prove) yet: a valid receipt earns nothing, a missing one still costs
    // the full weight (test/unit/pora-node covers rewards of proven sectors).
    expect(rec.rewards).toBe(0n)
    expect(rec.penalties).toBe(4096n) // missing: −base (1 GiB fully bonded × poraRewardPerGiB)
    expect(rec.bond).toBe(1_000_000n - 4096n)
    expect(await balance(app, n)).toBe(before)
    // A forged receipt fails statelessly: CheckTx says BAD_RECEIPT and a block carrying it is rejected.
    const forgedTx = tx(sender, 4, 'pora.receipt', { receipt: forged })
    expect(await check(app, forgedTx)).toBe(TxCode.BAD_RECEIPT)
    const pp = await app.processProposal({ txs: [forgedTx], proposedLastCommit: { round: 0, votes: [] }, misbehavior: [], hash: new Uint8Array(32), height: BigInt(app.state.height + 1), time: { seconds: 0n, nanos: 0 }, nextValidatorsHash: new Uint8Array(), proposerAddress: new Uint8Array() })
    expect(pp.status).toBe(2)
  })

  it('validator.update: only the authority; returns validatorUpdates; never empties the set', async () => {
    const newVal = key('validator-new')
    const res = await block(app, [
      tx(users[0], 2, 'validator.update', { publicKey: newVal.publicKey, power: 7n }),
      tx(faucet, 0, 'validator.update', { publicKey: newVal.publicKey, power: 7n }),
      tx(faucet, 1, 'validator.update', { publicKey: validators[3].publicKey, power: 0n }),
      tx(faucet, 2, 'validator.update', { publicKey: key('ghost').publicKey, power: 0n })
    ])
    expect(res.txResults.map((r) => r.code)).toEqual([TxCode.UNAUTHORIZED, TxCode.OK, TxCode.OK, TxCode.INVALID_VALIDATOR_UPDATE])
    expect(res.validatorUpdates.map((u) => [toHex(u.pubKey.ed25519!), u.power])).toEqual(
      [[toHex(newVal.publicKey), 7n], [toHex(validators[3].publicKey), 0n]].sort((a, b) => (a[0] as string) < (b[0] as string) ? -1 : 1)
    )
    // Removing everyone else, then the last one, is refused.
    const rm = await block(app, [0, 1, 2].map((i) => tx(faucet, 3 + i, 'validator.update', { publicKey: validators[i].publicKey, power: 0n })))
    expect(rm.txResults.every((r) => r.code === TxCode.OK)).toBe(true)
    const last = await block(app, [tx(faucet, 6, 'validator.update', { publicKey: newVal.publicKey, power: 0n })])
    expect(last.txResults[0].code).toBe(TxCode.INVALID_VALIDATOR_UPDATE)
    expect(last.validatorUpdates).toEqual([])
    // Added and removed in the same block: CometBFT never hears of it.
    const flip = key('validator-flip')
    const f = await block(app, [tx(faucet, 7, 'validator.update', { publicKey: flip.publicKey, power: 3n }), tx(faucet, 8, 'validator.update', { publicKey: flip.publicKey, power: 0n })])
    expect(f.txResults.map((r) => r.code)).toEqual([TxCode.OK, TxCode.OK])
    expect(f.validatorUpdates).toEqual([])
    // Restore the genesis set for later tests.
    await block(app, [0, 1, 2, 3].map((i) => tx(faucet, 9 + i, 'validator.update', { publicKey: validators[i].publicKey, power: 10n })))
  })

  it('slashes and jails a validator for a DuplicateVote reported blocks later, once', async () => {
    const v = validators[2]
    const m = { type: 1, validator: { address: addr(v), power: 10n }, height: 3n, time: { seconds: 0n, nanos: 0 }, totalVotingPower: 47n }
    const res = await block(app, [], { misbehavior: [m] })
    const slash = res.events.find((e) => e.type === 'slash')!
    expect(slash.attributes.find((a) => a.key === 'amount')!.value).toBe('0') // 5 % of 10 rounds down to 0
    expect(slash.attributes.find((a) => a.key === 'jailed')!.value).toBe('1')
    expect(res.validatorUpdates).toEqual([{ pubKey: { ed25519: v.publicKey }, power: 0n }])
    const again = await block(app, [], { misbehavior: [m] })
    expect(again.events.some((e) => e.type === 'slash')).toBe(false)
    expect(again.validatorUpdates).toEqual([])
  })

  it('prepareProposal drops failing txs and respects maxTxBytes; processProposal rejects malformed txs', async () => {
    const u = users[1]
    const n0 = await nonceOf(app, u)
    const t0 = tx(u, n0, 'transfer', { to: addr(users[0]), amount: 1n })
    const bad = tx(u, n0 + 5n, 'transfer', { to: addr(users[0]), amount: 1n })
    const t1 = tx(u, n0 + 1n, 'transfer', { to: addr(users[0]), amount: 1n })
    const base = { localLastCommit: { round: 0, votes: [] }, misbehavior: [], height: BigInt(app.state.height + 1), time: { seconds: 0n, nanos: 0 }, nextValidatorsHash: new Uint8Array(), proposerAddress: addr(validators[0]) }
    const p = await app.prepareProposal({ ...base, maxTxBytes: 10_000n, txs: [t0, bad, t1] })
    expect(p.txs).toEqual([t0, t1])
    const small = await app.prepareProposal({ ...base, maxTxBytes: BigInt(t0.length + 3), txs: [t0, t1] })
    expect(small.txs).toEqual([t0])
    const pp = (txs: Uint8Array[]) => app.processProposal({ txs, proposedLastCommit: { round: 0, votes: [] }, misbehavior: [], hash: new Uint8Array(32), height: base.height, time: base.time, nextValidatorsHash: new Uint8Array(), proposerAddress: new Uint8Array() })
    expect((await pp([t0, t1])).status).toBe(1)
    expect((await pp([t0, Uint8Array.of(1, 2, 3)])).status).toBe(2)
    const badDa = encodeTx(signTx({ chainId: CHAIN_ID, nonce: 0n, fee: 10n, kind: 'da.submit', body: Uint8Array.of(0x08, 0x0a, 0x12, 0x01, 0x80) }, u.secretKey))
    expect((await pp([badDa])).status).toBe(2)
  })

  it('finalizeBlock refuses a wrong height (a bug, not a tx failure) and commit without a block is a no-op', async () => {
    await expect(app.finalizeBlock({ txs: [], decidedLastCommit: { round: 0, votes: [] }, misbehavior: [], hash: new Uint8Array(32), height: BigInt(app.state.height + 5), time: { seconds: 0n, nanos: 0 }, nextValidatorsHash: new Uint8Array(), proposerAddress: new Uint8Array() }))
      .rejects.toMatchObject({ name: 'AppStateError' })
    expect(await app.commit()).toEqual({ retainHeight: 0n })
    await finalize(app, [])
    await app.commit()
  })
  it('da.submit: a block holds at most 64 blobs (what one sample answer can prove); the overflowing tx fails, the next block takes it', async () => {
    const u = users[7]
    const n0 = Number(decodeRecord('account', await q(app, `/account/${u.address}`)).nonce)
    const thirty = Array.from({ length: 30 }, (_, i) => commitment(100 + i))
    const size = 29 * 126_976 + 1
    const res = await block(app, [0, 1, 2].map((n) => tx(u, n0 + n, 'da.submit', { size, commitments: thirty })))
    expect(res.txResults.map((r) => r.code)).toEqual([TxCode.OK, TxCode.OK, TxCode.BLOCK_BLOB_LIMIT])
    expect(res.txResults[2].log).toMatch(/already holds 60 blobs/)
    expect((await block(app, [tx(u, n0 + 3, 'da.submit', { size, commitments: thirty })])).txResults[0].code).toBe(TxCode.OK)
  })
})
