// Block time and commit latency of a 4-validator CometBFT devnet on loopback, each engine driving
// an in-process ABCI server with a counter app (8-byte txs, sha256 state hash, fsync'd state file
// per Commit — the shape of test/helpers/counter-app.ts). For each block time: blocks/s and mean
// header-time interval over the window, and per tx the time from broadcast_tx_sync to (a) its
// CheckTx answer, (b) the FinalizeBlock that includes it on node0, (c) node0's Commit of that block.
// Run: npm run build && node bench/engine-blocks.mjs [windowSeconds=10] [blockTimesMs=1000,100,50]
import { createServer } from 'node:net'
import { createHash } from 'node:crypto'
import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKey, keyToFile } from '../dist/protocol/chain/keyfile.js'
import { writeEngineHome } from '../dist/fullnode/engine/home.js'
import { startEngine } from '../dist/fullnode/engine/supervisor.js'
import { startAbciServer } from '../dist/fullnode/app/abci-server.js'

const WINDOW_S = Number(process.argv[2] ?? 10)
const MODES = (process.argv[3] ?? '1000,100,50').split(',').map(Number)
const E = new Uint8Array()
const res0 = { code: 0, data: E, log: '', info: '', gasWanted: 0n, gasUsed: 0n, events: [], codespace: '' }

function counterApp (dir, hooks) {
  let committed = { height: 0, count: 0 }
  let pending
  const hash = (s) => new Uint8Array(createHash('sha256').update(JSON.stringify(s)).digest())
  return {
    info: async () => ({ data: 'counter', version: '1', appVersion: 0n, lastBlockHeight: BigInt(committed.height), lastBlockAppHash: committed.height === 0 ? E : hash(committed) }),
    initChain: async () => ({ validators: [], appHash: E }),
    query: async () => ({ ...res0, index: 0n, key: E, value: E, height: 0n }),
    checkTx: async (r) => ({ ...res0, code: r.tx.length === 8 ? 0 : 2 }),
    prepareProposal: async (r) => ({ txs: r.txs.filter((t) => t.length === 8) }),
    processProposal: async () => ({ status: 1 }),
    finalizeBlock: async (r) => {
      pending = { height: Number(r.height), count: committed.count + r.txs.length }
      hooks.finalize?.(Number(r.height), r.txs)
      return { events: [], txResults: r.txs.map(() => res0), validatorUpdates: [], appHash: hash(pending) }
    },
    commit: async () => {
      const tmp = join(dir, 'state.json.tmp')
      const fd = openSync(tmp, 'w'); writeSync(fd, JSON.stringify(pending)); fsyncSync(fd); closeSync(fd)
      renameSync(tmp, join(dir, 'state.json'))
      committed = pending
      hooks.commit?.(committed.height)
      return { retainHeight: 0n }
    },
    listSnapshots: async () => ({ snapshots: [] }),
    offerSnapshot: async () => ({ result: 3 }),
    loadSnapshotChunk: async () => ({ chunk: E }),
    applySnapshotChunk: async () => ({ result: 2, refetchChunks: [], rejectSenders: [] })
  }
}

async function freePorts (n) {
  const ss = []
  for (let i = 0; i < n; i++) { const s = createServer(); await new Promise((r) => s.listen(0, '127.0.0.1', r)); ss.push(s) }
  const ports = ss.map((s) => s.address().port)
  await Promise.all(ss.map((s) => new Promise((r) => s.close(r))))
  return ports
}

const q = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(p / 100 * s.length))] }
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

async function run (blockTimeMs) {
  const dir = mkdtempSync(join(tmpdir(), 'glowmesh-bench-engine-'))
  const keys = Array.from({ length: 4 }, () => keyToFile(generateKey()))
  const ports = await freePorts(8)
  const chainId = 'glowmesh-bench'
  const genesis = {
    chainId, genesisTime: new Date().toISOString(),
    validators: keys.map((k, i) => ({ publicKey: k.publicKey, power: 10, moniker: `node${i}` })),
    accounts: [], params: { minFee: '1', storagePricePerByteEpoch: '1', epochBlocks: 100, daPricePerByte: '1', daWindowBlocks: 100, minPledgeBytes: 1, bondPerGiB: '1', inflationBps: 0, slashDoubleSignBps: 500 }
  }
  const peers = keys.map((k, i) => ({ publicKey: k.publicKey, host: '127.0.0.1', p2pPort: ports[2 * i + 1] }))
  const hooks = {}
  const nodes = []
  try {
    for (let i = 0; i < 4; i++) {
      const home = join(dir, `node${i}`)
      mkdirSync(home, { recursive: true })
      const abci = await startAbciServer({ app: counterApp(home, i === 0 ? hooks : {}), port: 0 })
      const config = { chainId, moniker: `node${i}`, rpc: { host: '127.0.0.1', port: 1 }, p2p: { host: '127.0.0.1', tcp: 1, ws: 1, webrtcDirect: 1 }, gateway: { port: 1 }, cometbft: { rpcPort: ports[2 * i], p2pPort: ports[2 * i + 1], abciPort: abci.port }, dataDir: 'data', blockTimeMs }
      await writeEngineHome({ cometHome: join(home, 'cometbft'), genesis: JSON.stringify(genesis), config, key: keys[i], peers })
      nodes.push({ home, abci })
    }
    await Promise.all(nodes.map(async (n) => { n.engine = await startEngine({ home: n.home, cometHome: join(n.home, 'cometbft') }) }))
    const rpc = nodes[0].engine.rpc
    while ((await rpc.status()).latestBlockHeight < 3n) await sleep(20)

    const sent = new Map() // counter value → { t0, t1, t2, t3, height }
    const byHeight = new Map()
    hooks.finalize = (h, txs) => { const now = performance.now(); for (const tx of txs) { const e = sent.get(Buffer.from(tx).readBigUInt64BE(0)); if (e) { e.t2 = now; e.height = h; (byHeight.get(h) ?? byHeight.set(h, []).get(h)).push(e) } } }
    hooks.commit = (h) => { const now = performance.now(); for (const e of byHeight.get(h) ?? []) e.t3 = now; byHeight.delete(h) }

    const startStatus = await rpc.status()
    const tStart = performance.now()
    let n = 0n
    while (performance.now() - tStart < WINDOW_S * 1000) {
      const id = ++n
      const tx = Buffer.alloc(8); tx.writeBigUInt64BE(id)
      const e = { t0: performance.now() }
      sent.set(id, e)
      const r = await rpc.broadcastTxSync(tx)
      e.t1 = performance.now()
      if (r.code !== 0) throw new Error(`CheckTx ${r.code}`)
      // Spread submissions over the block interval so inclusion latency isn't phase-locked.
      await sleep(Math.random() * blockTimeMs * 0.7 + 5)
    }
    const endStatus = await rpc.status()
    const elapsed = (performance.now() - tStart) / 1000
    await sleep(blockTimeMs * 3 + 300)
    const h0 = startStatus.latestBlockHeight
    const h1 = endStatus.latestBlockHeight
    const b0 = await rpc.block(h0)
    const b1 = await rpc.block(h1)
    const secs = (t) => Number(t.seconds) + t.nanos / 1e9
    const headerInterval = (secs(b1.header.time) - secs(b0.header.time)) / Number(h1 - h0) * 1000
    const done = [...sent.values()].filter((e) => e.t3 !== undefined)
    const fmt = (k) => `p50 ${q(done.map((e) => e[k] - e.t0), 50).toFixed(0)} / p90 ${q(done.map((e) => e[k] - e.t0), 90).toFixed(0)} ms`
    console.log(`block time setting ${blockTimeMs} ms: ${(Number(h1 - h0) / elapsed).toFixed(2)} blocks/s, mean header interval ${headerInterval.toFixed(0)} ms (${h1 - h0} blocks in ${elapsed.toFixed(1)} s)`)
    console.log(`  ${done.length}/${sent.size} txs: broadcast_tx_sync ${fmt('t1')}; included (FinalizeBlock on node0) ${fmt('t2')}; committed (Commit on node0) ${fmt('t3')}`)
  } finally {
    await Promise.allSettled(nodes.map((n) => n.engine?.stop({ timeoutMs: 5000 })))
    await Promise.allSettled(nodes.map((n) => n.abci.close()))
    rmSync(dir, { recursive: true, force: true })
  }
}


console.log(`4 validators on loopback, CometBFT ${(await import('../dist/fullnode/engine/bin.js')).COMETBFT_VERSION}, window ${WINDOW_S} s per setting`)
for (const m of MODES) await run(m)
