#!/usr/bin/env node
// Ledger throughput (fullnode/app + fullnode/ledger): transfers per second through FinalizeBlock +
// Commit on a real LevelDB, ed25519 verification included, and where the time goes: signature
// verification vs MPT (trie puts + hashing) vs LevelDB (the commit batch). Run after `npm run build`:
//   node bench/ledger-apply.mjs [--blocks N] [--txs PER_BLOCK]
import { performance } from 'node:perf_hooks'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sha256 } from '@noble/hashes/sha2.js'
import { ed25519 } from '@noble/curves/ed25519.js'

const arg = (name, d) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : d }
const BLOCKS = arg('--blocks', 10)
const PER_BLOCK = arg('--txs', 500)

const { createGlowmeshApp } = await import('../dist/fullnode/app/app.js')
const { encodeTx, signTx, addressFromPublicKey, decodeTx, verifyTx } = await import('../dist/protocol/chain/tx.js')
const { encodeBody } = await import('../dist/protocol/chain/bodies.js')
const { fromHex } = await import('../dist/protocol/bytes.js')

const key = (l) => { const secretKey = sha256(new TextEncoder().encode(l)); const publicKey = ed25519.getPublicKey(secretKey); return { secretKey, publicKey, address: addressFromPublicKey(publicKey) } }
const senders = Array.from({ length: 200 }, (_, i) => key(`bench-sender-${i}`))
const validator = key('bench-validator')
const chainId = 'glowmesh-bench'
const genesis = {
  chainId, genesisTime: '2025-01-01T00:00:00Z',
  validators: [{ publicKey: Buffer.from(validator.publicKey).toString('base64'), power: 10, moniker: 'v0' }],
  accounts: senders.map((s) => ({ address: s.address, balance: '1000000000000' })),
  params: { minFee: '10', storagePricePerByteEpoch: '1', epochBlocks: 100, daPricePerByte: '1', daWindowBlocks: 10, minPledgeBytes: 1048576, bondPerGiB: '1000', inflationBps: 500, slashDoubleSignBps: 500 }
}

// Pre-sign every tx (signing is the client's cost, not the chain's).
const nonces = new Map()
const blocks = []
for (let b = 0; b < BLOCKS; b++) {
  const txs = []
  for (let i = 0; i < PER_BLOCK; i++) {
    const s = senders[(b * PER_BLOCK + i) % senders.length]
    const n = nonces.get(s.address) ?? 0n
    nonces.set(s.address, n + 1n)
    // Each transfer goes to a fresh address: every tx writes two accounts (a worst case for the trie).
    const to = sha256(new TextEncoder().encode(`to-${b}-${i}`)).subarray(0, 20)
    txs.push(encodeTx(signTx({ chainId, nonce: n, fee: 10n, kind: 'transfer', body: encodeBody('transfer', { to, amount: 1n }) }, s.secretKey)))
  }
  blocks.push(txs)
}

const dir = mkdtempSync(join(tmpdir(), 'glowmesh-bench-'))
try {
  const app = await createGlowmeshApp({ dataDir: dir, snapshotInterval: 0 })
  await app.initChain({ time: { seconds: 0n, nanos: 0 }, chainId, validators: [], appStateBytes: new TextEncoder().encode(JSON.stringify(genesis)), initialHeight: 1n })
  // Instrument: time spent in MPT writes (applyWrites) and the LevelDB commit batch.
  let mptMs = 0; let levelMs = 0
  const applyWrites = app.state.applyWrites.bind(app.state)
  app.state.applyWrites = async (w) => { const t = performance.now(); try { return await applyWrites(w) } finally { mptMs += performance.now() - t } }
  const batch = app.state.level.batch.bind(app.state.level)
  app.state.level.batch = async (...a) => { const t = performance.now(); try { return await batch(...a) } finally { levelMs += performance.now() - t } }
  let finalizeMs = 0; let commitMs = 0; let ok = 0
  for (let b = 0; b < BLOCKS; b++) {
    const h = b + 1
    let t = performance.now()
    const res = await app.finalizeBlock({ txs: blocks[b], decidedLastCommit: { round: 0, votes: [] }, misbehavior: [], hash: sha256(Uint8Array.of(h)), height: BigInt(h), time: { seconds: BigInt(h), nanos: 0 }, nextValidatorsHash: new Uint8Array(32), proposerAddress: fromHex(validator.address, 20) })
    finalizeMs += performance.now() - t
    ok += res.txResults.filter((r) => r.code === 0).length
    t = performance.now()
    await app.commit()
    commitMs += performance.now() - t
  }
  await app.close()
  const total = BLOCKS * PER_BLOCK
  if (ok !== total) throw new Error(`only ${ok}/${total} txs succeeded`)
  // Signature verification alone, same txs (fresh objects: no cache).
  let t = performance.now()
  for (const txs of blocks) for (const x of txs) if (!verifyTx(decodeTx(x))) throw new Error('bad sig')
  const verifyMs = performance.now() - t
  const wall = finalizeMs + commitMs
  const row = (what, value, extra = '') => console.log(`${what.padEnd(48)} ${value.padStart(12)}  ${extra}`)
  console.log(`${total} transfers in ${BLOCKS} blocks of ${PER_BLOCK}; ${senders.length} senders, each to a fresh address; node ${process.version}`)
  row('throughput (FinalizeBlock + Commit)', `${(total / (wall / 1000)).toFixed(0)} tx/s`, `${(wall / total * 1000).toFixed(0)} µs/tx`)
  row('FinalizeBlock total', `${finalizeMs.toFixed(0)} ms`, `${(finalizeMs / BLOCKS).toFixed(1)} ms/block`)
  row('  of which ed25519 verify (decode+verify alone)', `${verifyMs.toFixed(0)} ms`, `${(100 * verifyMs / wall).toFixed(0)} % of total`)
  row('  of which MPT writes + hashing (applyWrites)', `${mptMs.toFixed(0)} ms`, `${(100 * mptMs / wall).toFixed(0)} % of total`)
  row('  rest: ledger logic, overlay reads via trie', `${(finalizeMs - verifyMs - mptMs).toFixed(0)} ms`, `${(100 * (finalizeMs - verifyMs - mptMs) / wall).toFixed(0)} % of total`)
  row('Commit total (LevelDB batch)', `${commitMs.toFixed(0)} ms`, `${(commitMs / BLOCKS).toFixed(1)} ms/block; batch itself ${levelMs.toFixed(0)} ms`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
