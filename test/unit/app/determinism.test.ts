// Four independent apps over separate LevelDB folders, fed the same ABCI requests (thousands of
// random txs, valid and invalid mixed, misbehaviour, validator updates), reach the same app hash at
// every height. One of them is closed and reopened mid-way; another is "killed" between
// FinalizeBlock and Commit (its folder copied at that moment and reopened), replays the block, and
// must still agree.
import { afterAll, describe, expect, it } from 'vitest'
import { cp } from 'node:fs/promises'
import { sha256 } from '@noble/hashes/sha2.js'
import { encodeTx, signTx } from '../../../protocol/chain/tx.js'
import { signReceipt, encodeReceipt, type ReceiptVerdict } from '../../../protocol/pora/receipt.js'
import { toHex } from '../../../protocol/bytes.js'
import { createGlowmeshApp, type GlowmeshApp } from '../../../fullnode/app/app.js'
import { tempDir, newApp, finalize, tx, users, validators, faucet, addr, commitment, key, CHAIN_ID, type TestKey } from './helpers.js'

/** xorshift32: a tiny seeded generator, so a failure reproduces. */
function rng (seed: number): (n: number) => number {
  let x = seed >>> 0 || 1
  return (n: number) => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x % n }
}

const TXS = 2400
const BLOCKS = 48
const extra = Array.from({ length: 4 }, (_, i) => key(`extra${i}`)) // unfunded at first

function generate (seed: number): { blocks: Uint8Array[][], misbehaviour: Map<number, any[]> } {
  const r = rng(seed)
  const senders: TestKey[] = [...users, faucet, ...extra]
  const nonce = new Map<string, number>([[faucet.address, extra.length]]) // the faucet funds the extras first
  const roots = Array.from({ length: 40 }, (_, i) => sha256(Uint8Array.of(i, 9)))
  const pick = <T>(a: T[]): T => a[r(a.length)]
  const blocks: Uint8Array[][] = []
  const misbehaviour = new Map<number, any[]>()
  for (let b = 0; b < BLOCKS; b++) {
    const txs: Uint8Array[] = []
    for (let i = 0; i < TXS / BLOCKS; i++) {
      const s = pick(senders)
      let n = nonce.get(s.address) ?? 0
      let advance = true // the generator's guess of whether the ledger will use this nonce
      const roll = r(100)
      if (roll < 4) { n += 1 + r(3); advance = false } // a gap
      else if (roll < 7 && n > 0) { n -= 1; advance = false } // a replay
      let bytes: Uint8Array
      const k = r(20)
      if (k < 7) bytes = tx(s, n, 'transfer', { to: addr(pick([...senders, ...validators])), amount: BigInt(1 + r(r(10) === 0 ? 2_000_000_000 : 50_000)) })
      else if (k < 9) bytes = tx(s, n, 'storage.submit', { root: pick(roots), cid: new Uint8Array(r(3) === 0 ? 0 : 36).fill(r(256)), size: 1 + r(3_000_000), durationEpochs: 1 + r(4) })
      else if (k < 10) bytes = tx(s, n, 'storage.renew', { root: pick(roots), extraEpochs: 1 + r(3) })
      else if (k < 12) { const blobs = 1 + r(3); bytes = tx(s, n, 'da.submit', { size: (blobs - 1) * 126_976 + 1 + r(126_976), commitments: Array.from({ length: blobs }, () => commitment(r(1000))) }) }
      else if (k < 13) bytes = tx(s, n, 'registry.register', { pledgeBytes: r(4) === 0 ? 1000 : (1 + r(64)) << 20, commR: new Uint8Array() })
      else if (k < 14) bytes = tx(s, n, 'registry.unregister', {})
      else if (k < 16) {
        const verdict: ReceiptVerdict = pick(['valid', 'late', 'missing', 'invalid'])
        const answered = verdict !== 'missing'
        const latency = verdict === 'late' ? 600 + r(400) : r(500)
        const challenger = r(5) === 0 ? users[0] : pick(validators)
        const receipt = encodeReceipt(signReceipt({ challengeId: sha256(Uint8Array.of(r(256), r(256))), nodeId: pick(senders).publicKey, answerHash: answered ? sha256(Uint8Array.of(r(256))) : new Uint8Array(32), latencyMs: latency, deadlineMs: 500, verdict }, challenger.secretKey))
        bytes = tx(s, n, 'pora.receipt', { receipt })
      } else if (k < 17) bytes = tx(r(2) === 0 ? faucet : s, n, 'validator.update', { publicKey: pick([...validators, ...extra]).publicKey, power: BigInt(r(3) === 0 ? 0 : 1 + r(20)) })
      else if (k < 18) { const fee = BigInt(r(20)); if (fee < 10n) advance = false; bytes = tx(s, n, 'transfer', { to: addr(s), amount: 1n }, { fee }) }
      else if (k < 19) { // bad signature or wrong chain
        const t = signTx({ chainId: r(2) === 0 ? CHAIN_ID : 'other', nonce: BigInt(n), fee: 10n, kind: 'transfer', body: new Uint8Array([0x0a, 20, ...addr(s), 0x12, 1, 1]) }, s.secretKey)
        bytes = encodeTx(r(2) === 0 ? { ...t, signature: t.signature.map((x, j) => j === 5 ? x ^ 4 : x) } : t)
        advance = false
      } else { bytes = Uint8Array.from({ length: 1 + r(60) }, () => r(256)); advance = false } // garbage
      if (advance) nonce.set(s.address, n + 1)
      txs.push(bytes)
    }
    blocks.push(txs)
    if (r(6) === 0) {
      const v = pick(validators)
      misbehaviour.set(b, [{ type: 1 + r(2), validator: { address: addr(v), power: 10n }, height: BigInt(Math.max(1, b - r(4))), time: { seconds: 0n, nanos: 0 }, totalVotingPower: 40n }])
    }
  }
  // Fund the extra keys early so their txs do something.
  blocks[0].unshift(...extra.map((e, i) => tx(faucet, i, 'transfer', { to: addr(e), amount: 50_000_000n })))
  return { blocks, misbehaviour }
}

describe('determinism', () => {
  const cleanups: Array<() => Promise<void>> = []
  const apps: GlowmeshApp[] = []
  afterAll(async () => { for (const a of apps) await a.close().catch(() => {}); for (const c of cleanups) await c() })

  it(`${TXS} random txs in ${BLOCKS} blocks: 4 apps agree on every app hash, across a restart and a crash`, async () => {
    const { blocks, misbehaviour } = generate(0xC0FFEE)
    // The faucet's own funding txs use nonces 0..3: keep the generator's faucet txs after them.
    const dirs: string[] = []
    for (let i = 0; i < 4; i++) { const t = await tempDir(); cleanups.push(t.cleanup); dirs.push(t.dir); apps.push(await newApp(t.dir)) }
    expect(new Set(apps.map((a) => toHex(a.state.workingRoot))).size).toBe(1)
    const crashCopy = await tempDir(); cleanups.push(crashCopy.cleanup)
    let okTxs = 0; let failed = 0; let valUpdates = 0; let slashes = 0
    const hashes: string[] = []
    for (let b = 0; b < blocks.length; b++) {
      const o = { proposer: validators[b % 4], misbehavior: misbehaviour.get(b) ?? [] }
      const results = []
      for (let i = 0; i < apps.length; i++) {
        // PrepareProposal/ProcessProposal must agree too (ProcessProposal is deterministic; the block is used as is).
        const res = await finalize(apps[i], blocks[b], o)
        if (i === 3 && b === 30) {
          // kill -9 between FinalizeBlock and Commit: what is on disk now is all a restart gets.
          await cp(dirs[3], crashCopy.dir, { recursive: true })
        }
        await apps[i].commit()
        results.push(res)
      }
      const summary = results.map((r) => JSON.stringify({ h: toHex(r.appHash), c: r.txResults.map((x) => x.code), v: r.validatorUpdates.map((u) => [toHex(u.pubKey.ed25519!), String(u.power)]), e: r.events.map((e) => e.type) }))
      expect(new Set(summary).size, `height ${b + 1}`).toBe(1)
      hashes.push(toHex(results[0].appHash))
      okTxs += results[0].txResults.filter((x) => x.code === 0).length
      failed += results[0].txResults.filter((x) => x.code !== 0).length
      valUpdates += results[0].validatorUpdates.length
      slashes += results[0].events.filter((e) => e.type === 'slash').length
      if (b === 20) { // clean restart of app 1
        await apps[1].close()
        apps[1] = await createGlowmeshApp({ dataDir: dirs[1], snapshotInterval: 0 })
        expect(apps[1].state.height).toBe(b + 1)
        expect(toHex(apps[1].state.appHash)).toBe(hashes[b])
      }
    }
    // The crashed copy reopens at height 30 (block 31 not committed) and replays to the same hashes.
    const crashed = await createGlowmeshApp({ dataDir: crashCopy.dir, snapshotInterval: 0 })
    apps.push(crashed)
    const info = await crashed.info({ version: '', blockVersion: 0n, p2pVersion: 0n, abciVersion: '' })
    expect(info.lastBlockHeight).toBe(30n)
    expect(toHex(info.lastBlockAppHash)).toBe(hashes[29])
    for (let b = 30; b < blocks.length; b++) {
      const res = await finalize(crashed, blocks[b], { proposer: validators[b % 4], misbehavior: misbehaviour.get(b) ?? [] })
      await crashed.commit()
      expect(toHex(res.appHash), `replayed height ${b + 1}`).toBe(hashes[b])
    }
    // The mix really exercised the ledger.
    expect(okTxs).toBeGreaterThan(TXS / 8)
    expect(failed).toBeGreaterThan(TXS / 5)
    expect(valUpdates).toBeGreaterThan(0)
    expect(slashes).toBeGreaterThan(0)
    console.log(`determinism: ${okTxs} ok, ${failed} failed txs; ${valUpdates} validator updates; ${slashes} slashes; final app hash ${hashes[hashes.length - 1]}`)
  }, 120_000)
})
