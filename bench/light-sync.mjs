#!/usr/bin/env -S node --experimental-websocket
// Light node figures (issue 8): time from start to the first verified head, headers accepted per
// second while catching up (a devnet run with fast blocks for a while, then a fresh light node over
// libp2p), and the time to sample-verify one block (k = 16 columns, one KZG batch each) in pure JS
// vs native. Run after `npm run build`:
//   node --experimental-websocket --import ./cli/polyfills.js bench/light-sync.mjs [--blocks N] [--block-time MS] [--kzg-only]
import { performance } from 'node:perf_hooks'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:net'
import { sha256 } from '@noble/hashes/sha2.js'

const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : dflt }
const BLOCKS = arg('--blocks', 300)
const BLOCK_TIME = arg('--block-time', 100)
const row = (what, value, extra = '') => console.log(`${what.padEnd(52)} ${value.padStart(12)}  ${extra}`)
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] }

const { runDevnet } = await import('../dist/fullnode/devnet-run.js')
const { createRpcClient } = await import('../dist/fullnode/rpc/client.js')
const { createLightNode } = await import('../dist/client/index.js')
const { createNodeTransport } = await import('../dist/client/node/index.js')
const { generateKey } = await import('../dist/protocol/chain/index.js')
const { toHex } = await import('../dist/protocol/bytes.js')
const da = await import('../dist/protocol/da/index.js')
const { createNativeKzg } = await import('../dist/fullnode/da/index.js')

// --- 1. sample-verify one block, k = 16: pure JS vs native -------------------------------------
const native = await createNativeKzg({ precompute: false })
const blob = da.packBlobs(new Uint8Array(100_000).map((_, i) => (i * 31) % 251))[0]
const enc = await native.encodeBlob(blob)
const js = da.jsKzg()
await js.preload()
const verifyBlock = async (backend) => {
  const cols = da.sampleColumns(16)
  for (const c of cols) {
    const ok = await da.verifyColumn({ column: c, commitments: [enc.commitment], cells: [enc.cells[c]], proofs: [enc.proofs[c]] }, { backend })
    if (!ok) throw new Error('verification failed')
  }
}
const timeIt = async (fn, runs) => { const xs = []; for (let i = 0; i < runs; i++) { const t = performance.now(); await fn(); xs.push(performance.now() - t) } return median(xs) }
// what the sampler does: all 16 columns of a peer in one batch
const verifyOneBatch = async (backend) => {
  const cols = da.sampleColumns(16)
  const ok = await backend.verifyCells({ commitments: cols.map(() => enc.commitment), cellIndices: cols, cells: cols.map(c => enc.cells[c]), proofs: cols.map(c => enc.proofs[c]) })
  if (!ok) throw new Error('verification failed')
}
let t = performance.now(); await verifyBlock(js); const jsFirst = performance.now() - t
const jsWarm = await timeIt(() => verifyBlock(js), 5)
const nativeWarm = await timeIt(() => verifyBlock(native), 5)
row('sample-verify 1 block, 1 blob, k=16 (pure JS, first)', `${jsFirst.toFixed(1)} ms`)
row('sample-verify 1 block, 1 blob, k=16 (pure JS, warm)', `${jsWarm.toFixed(1)} ms`, '16 column batches, median of 5')
row('sample-verify 1 block, 1 blob, k=16 (native, warm)', `${nativeWarm.toFixed(1)} ms`, '@crate-crypto/node-eth-kzg')
row('ratio pure JS / native (per-column batches)', `${(jsWarm / nativeWarm).toFixed(1)}x`)
const jsOne = await timeIt(() => verifyOneBatch(js), 5)
const nativeOne = await timeIt(() => verifyOneBatch(native), 5)
row('sample-verify 1 block, k=16, ONE batch (pure JS)', `${jsOne.toFixed(1)} ms`, 'what the sampler does per peer')
row('sample-verify 1 block, k=16, ONE batch (native)', `${nativeOne.toFixed(1)} ms`)
row('ratio pure JS / native (one batch)', `${(jsOne / nativeOne).toFixed(1)}x`)
if (process.argv.includes('--kzg-only')) process.exit(0)

// --- 2. a devnet with fast blocks, then a fresh light node --------------------------------------
async function portFree (port) { return await new Promise((resolve) => { const s = createServer(); s.once('error', () => resolve(false)); s.listen(port, '127.0.0.1', () => s.close(() => resolve(true))) }) }
let basePort
for (let a = 0; a < 50 && basePort === undefined; a++) {
  const b = 20000 + Math.floor(Math.random() * 400) * 100
  let ok = true
  for (let i = 0; i < 40 && ok; i++) ok = await portFree(b + i)
  if (ok) basePort = b
}
const home = mkdtempSync(join(tmpdir(), 'glowmesh-bench-light-'))
const devnet = await runDevnet({ home, validators: 4, blockTimeMs: BLOCK_TIME, basePort, log: () => {} })
let transport, node
try {
  const rpc = createRpcClient({ url: devnet.nodes[0].rpcUrl })
  const tBuild = performance.now()
  for (;;) { if ((await rpc.status()).height >= BLOCKS) break; await new Promise(resolve => setTimeout(resolve, 250)) }
  row(`devnet chain built (${BLOCKS} blocks at ${BLOCK_TIME} ms)`, `${((performance.now() - tBuild) / 1000).toFixed(1)} s`)
  const genesisBytes = new Uint8Array(readFileSync(devnet.genesisPath))
  const hash = toHex(sha256(genesisBytes))
  const store = { m: new Map(), async get (k) { return this.m.get(k) }, async put (k, v) { this.m.set(k, v) }, async delete (k) { this.m.delete(k) }, async keys (p) { return [...this.m.keys()].filter(k => k.startsWith(p)).sort() }, async close () {} }
  const peers = (await rpc.bootstrap()).multiaddrs

  const t0 = performance.now()
  transport = await createNodeTransport({ key: generateKey(), chainId: 'glowmesh-devnet', peers })
  await transport.waitForPeers(1)
  const tPeer = performance.now() - t0
  node = createLightNode({ transport, store, genesis: { bytes: genesisBytes, hash }, backfillBlocks: 100_000 })
  let firstHead
  node.on('header', (h) => { if (firstHead === undefined && h.verifiedBy !== 'genesis') firstHead = performance.now() - t0 })
  await node.start()
  const head = Number((await rpc.status()).height) - 1
  await node.waitForHeight(head)
  const tHead = performance.now() - t0
  const accepted = node.headers().length
  const start = (await rpc.header(1)).height
  row('start → first peer connected', `${tPeer.toFixed(0)} ms`, 'libp2p through Helia, TCP, loopback')
  row('start → first verified head (genesis anchor + skip)', `${firstHead.toFixed(0)} ms`)
  row(`start → head ${head} verified with its gap filled`, `${tHead.toFixed(0)} ms`)
  row('headers accepted per second while catching up', `${(accepted / (tHead / 1000)).toFixed(0)} /s`, `${accepted} headers (${node.headers().filter(h => h.verifiedBy === 'backwards').length} by hash link), from height ${start}`)
} finally {
  await node?.stop()
  await transport?.close()
  await devnet.stop()
  rmSync(home, { recursive: true, force: true })
}
