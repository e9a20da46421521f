// The glowmesh chain's block production: a 4-validator devnet of real `glowmesh node` processes
// (CometBFT v0.38 + the TypeScript ABCI app) on loopback, at each block-time setting:
//  1. block time (mean header interval, blocks/s) and commit latency under light load: one wallet
//     POSTs a transfer to /tx now and then; latency = POST → the NewBlock event (fired after Commit)
//     of the block holding it, on node0, p50/p99;
//  2. saturation: W funded wallets each POST N transfers back to back (concurrently across wallets);
//     committed tx/s, and where a block's time goes — the app's own time per block (FinalizeBlock +
//     Commit, and CheckTx between blocks) from node0's GLOWMESH_TIMINGS=1 log, the rest is engine
//     (consensus rounds, gossip, WAL, the configured wait) and RPC.
// Run: npm run build && node --experimental-websocket --import ./cli/polyfills.js bench/chain-blocks.mjs [windowSeconds=10] [wallets=20] [txsPerWallet=50] [blockTimesMs=1000,100]
import { startBenchDevnet, subscribeBlocks, fundedKeys, transfer, appTimings, q, sleep } from './chain-common.mjs'
import { generateKey } from '../dist/protocol/chain/index.js'

const WINDOW_S = Number(process.argv[2] ?? 10)
const WALLETS = Number(process.argv[3] ?? 20)
const PER_WALLET = Number(process.argv[4] ?? 50)
const MODES = (process.argv[5] ?? '1000,100').split(',').map(Number)
process.env.GLOWMESH_TIMINGS = '1' // inherited by the node processes

async function run (blockTimeMs) {
  const bench = await startBenchDevnet({ blockTimeMs })
  let unsubscribe = () => {}
  try {
    const rpc = bench.rpc(0)
    const blocks = []
    const committedAt = new Map() // tx hash → performance.now() of its block's NewBlock on node0
    unsubscribe = await subscribeBlocks(bench, 0, (b) => { blocks.push(b); for (const h of b.txHashes) committedAt.set(h, b.at) })
    const keys = await fundedKeys(bench, WALLETS + 1)
    const sink = generateKey().address

    // 1. light load
    const light = keys[WALLETS]
    const sent = []
    const h0 = blocks.at(-1).height
    const t0 = performance.now()
    for (let nonce = 0; performance.now() - t0 < WINDOW_S * 1000; nonce++) {
      const { tx, hash } = transfer(bench.genesis, light, nonce, sink)
      const at = performance.now()
      const r = await rpc.submitTx(tx)
      if (r.code !== 0) throw new Error(`CheckTx ${r.code}: ${r.log}`)
      sent.push({ hash, at })
      // spread submissions over the block interval so latency isn't phase-locked to proposals
      await sleep(Math.random() * blockTimeMs * 0.7 + 5)
    }
    const elapsed = (performance.now() - t0) / 1000
    await sleep(blockTimeMs * 3 + 500)
    const window = blocks.filter((b) => b.height >= h0 && b.at <= t0 + elapsed * 1000)
    const interval = (window.at(-1).time - window[0].time) / (window.at(-1).height - window[0].height)
    const lat = sent.filter((s) => committedAt.has(s.hash)).map((s) => committedAt.get(s.hash) - s.at)
    console.log(`block time setting ${blockTimeMs} ms: mean header interval ${interval.toFixed(0)} ms (${(interval / blockTimeMs).toFixed(2)}× the setting), ${(window.length / elapsed).toFixed(2)} blocks/s`)
    console.log(`  commit latency (POST /tx → NewBlock after Commit, node0), ${lat.length}/${sent.length} txs: p50 ${q(lat, 50).toFixed(0)} ms, p99 ${q(lat, 99).toFixed(0)} ms (p50 = ${(q(lat, 50) / interval).toFixed(2)} block intervals)`)

    // 2. saturation
    const total = WALLETS * PER_WALLET
    const hashes = []
    const s0 = performance.now()
    const hStart = blocks.at(-1).height
    let refused = 0
    await Promise.all(keys.slice(0, WALLETS).map(async (key) => {
      for (let nonce = 0; nonce < PER_WALLET; nonce++) {
        const { tx, hash } = transfer(bench.genesis, key, nonce, sink)
        const r = await rpc.submitTx(tx)
        if (r.code !== 0) { refused++; break }
        hashes.push(hash)
      }
    }))
    const submitS = (performance.now() - s0) / 1000
    const deadline = performance.now() + 120_000
    while (hashes.some((h) => !committedAt.has(h)) && performance.now() < deadline) await sleep(50)
    const done = hashes.filter((h) => committedAt.has(h))
    const lastAt = Math.max(...done.map((h) => committedAt.get(h)))
    const satS = (lastAt - s0) / 1000
    const satBlocks = blocks.filter((b) => b.height > hStart && b.at <= lastAt && b.txHashes.length > 0)
    const timings = appTimings(bench, 0)
    const app = satBlocks.map((b) => timings.get(b.height)).filter(Boolean)
    const sum = (k) => app.reduce((s, t) => s + t[k], 0)
    const satInterval = satBlocks.length > 1 ? (satBlocks.at(-1).at - satBlocks[0].at) / (satBlocks.length - 1) : NaN
    const appPerBlock = (sum('finalize') + sum('commit') + sum('check')) / app.length
    console.log(`  saturation: ${WALLETS} wallets × ${PER_WALLET} transfers = ${total} (${refused} wallets stopped by a refusal): ${done.length} committed in ${satS.toFixed(1)} s = ${(done.length / satS).toFixed(0)} tx/s; submitting took ${submitS.toFixed(1)} s (${(hashes.length / submitS).toFixed(0)} tx/s accepted by CheckTx)`)
    console.log(`    ${satBlocks.length} blocks, ${(done.length / satBlocks.length).toFixed(0)} txs/block, one every ${satInterval.toFixed(0)} ms; node0 app time per block: FinalizeBlock ${(sum('finalize') / app.length).toFixed(1)} ms + Commit ${(sum('commit') / app.length).toFixed(1)} ms + CheckTx ${(sum('check') / app.length).toFixed(1)} ms (${(sum('check') / Math.max(1, sum('checks'))).toFixed(2)} ms each) = ${appPerBlock.toFixed(1)} ms = ${(appPerBlock / satInterval * 100).toFixed(0)} % of the interval; engine + RPC the other ${(100 - appPerBlock / satInterval * 100).toFixed(0)} %`)
    console.log(`    app cost per tx: ${((sum('finalize') + sum('commit')) / Math.max(1, sum('txs'))).toFixed(2)} ms to execute and commit, ${(sum('check') / Math.max(1, sum('checks'))).toFixed(2)} ms to check`)
  } finally {
    unsubscribe()
    await bench.stop()
  }
}

console.log(`4-validator glowmesh devnet on loopback (real glowmesh app, CometBFT v0.38), ${WINDOW_S} s light-load window per setting`)
for (const m of MODES) await run(m)
