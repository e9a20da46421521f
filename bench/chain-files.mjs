// Files through the chain, and a full node's footprint after many blocks, on a real 4-validator devnet:
//  1. `glowmesh put` / `glowmesh get` (the built CLI, `node cli/glowmesh.js … --rpc`) of a SIZE-MiB
//     file against node0, MB/s, beside the 0G SDK's ZgFile root of the same file in the same run
//     (the reference: put must at least hash the file that way, then submit, upload and verify);
//  2. a fresh devnet at 50 ms blocks run to BLOCKS blocks: node0's `glowmesh node` process RSS
//     (/proc/<node.pid>/status VmRSS; its cometbft child's too) at height ~1 and at the end, and the
//     size of node0's data/ and cometbft/data/.
// Run: npm run build && node --experimental-websocket --import ./cli/polyfills.js bench/chain-files.mjs [sizeMiB=256] [blocks=10000]
//      (blocks=0 skips part 2; on 2 cores 10,000 blocks take ~20–45 min)
import { spawnSync } from 'node:child_process'
import { readFileSync, statSync, readdirSync, lstatSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ZgFile } from '@0gfoundation/0g-ts-sdk'
import { startBenchDevnet, sleep, writeRandomFile } from './chain-common.mjs'

const SIZE_MIB = Number(process.argv[2] ?? 256)
const BLOCKS = Number(process.argv[3] ?? 10_000)
const LAUNCHER = fileURLToPath(new URL('../cli/glowmesh.js', import.meta.url))
const MB = 1e6

function cli (args) {
  const t = performance.now()
  const r = spawnSync(process.execPath, ['--experimental-websocket', LAUNCHER, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  if (r.status !== 0) throw new Error(`glowmesh ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`)
  return { stdout: r.stdout, s: (performance.now() - t) / 1000 }
}

function duBytes (path) {
  let total = 0
  const st = lstatSync(path, { throwIfNoEntry: false })
  if (st === undefined) return 0
  if (!st.isDirectory()) return st.size
  for (const e of readdirSync(path)) total += duBytes(join(path, e))
  return total
}

const rssKiB = (pid) => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/)[1])
const pidOf = (dir, name) => Number(readFileSync(join(dir, name), 'utf8'))

async function files () {
  const bench = await startBenchDevnet({ blockTimeMs: 200 })
  try {
    const home = bench.home
    const path = join(home, 'big.bin')
    const size = writeRandomFile(path, SIZE_MIB)

    const t = performance.now()
    const zg = await ZgFile.fromFilePath(path)
    const [tree, err] = await zg.merkleTree()
    await zg.close()
    if (err !== null) throw err
    const sdkS = (performance.now() - t) / 1000
    const sdkRoot = tree.rootHash()

    const url = bench.devnet.nodes[0].rpcUrl
    cli(['keys', 'new', '--home', home])
    cli(['faucet', '--home', home])
    const put = cli(['put', path, '--json', '--rpc', url, '--home', home])
    const out = JSON.parse(put.stdout)
    if (out.root !== sdkRoot) throw new Error(`root ${out.root} differs from the SDK's ${sdkRoot}`)
    const get = cli(['get', out.root, '--out', join(home, 'back.bin'), '--rpc', url, '--home', home])
    if (statSync(join(home, 'back.bin')).size !== size) throw new Error('get returned a different size')
    // Replication to the other full nodes (over libp2p), then a get from node3.
    const r3 = bench.rpc(3)
    const r0 = performance.now()
    for (;;) { const f = await r3.file(out.root).catch(() => undefined); if (f?.local?.status === 'complete') break; if (performance.now() - r0 > 600_000) throw new Error('node3 never completed'); await sleep(200) }
    const replicatedS = (performance.now() - r0) / 1000
    const get3 = cli(['get', out.root, '--out', join(home, 'back3.bin'), '--rpc', bench.devnet.nodes[3].rpcUrl, '--home', home])
    const mbs = (s) => (size / MB / s).toFixed(1)
    console.log(`${SIZE_MIB} MiB file, 4-validator devnet (200 ms blocks), built CLI against node0's RPC:`)
    console.log(`  0G SDK ZgFile root (reference): ${sdkS.toFixed(1)} s = ${mbs(sdkS)} MB/s; roots equal`)
    console.log(`  glowmesh put: ${put.s.toFixed(1)} s = ${mbs(put.s)} MB/s (${(sdkS / put.s).toFixed(2)}× the SDK root's speed)`)
    console.log(`  glowmesh get: ${get.s.toFixed(1)} s = ${mbs(get.s)} MB/s (${(sdkS / get.s).toFixed(2)}× the SDK root's speed), every segment verified`)
    console.log(`  replicated to node3 over libp2p: complete ${replicatedS.toFixed(1)} s after the get from node0 ended; get from node3: ${get3.s.toFixed(1)} s = ${mbs(get3.s)} MB/s`)
  } finally {
    await bench.stop()
  }
}

async function footprint () {
  const bench = await startBenchDevnet({ blockTimeMs: 50 })
  try {
    const dir = bench.devnet.nodes[0].dir
    const rpc = bench.rpc(0)
    const h0 = (await rpc.status()).height
    const start = { node: rssKiB(pidOf(dir, 'node.pid')), engine: rssKiB(pidOf(dir, 'cometbft.pid')) }
    const t0 = performance.now()
    let h = h0
    let lastLog = t0
    while (h < BLOCKS) {
      await sleep(1000)
      h = (await rpc.status()).height
      if (performance.now() - lastLog > 60_000) { lastLog = performance.now(); console.error(`  … height ${h} (${(h / ((performance.now() - t0) / 1000)).toFixed(1)} blocks/s), node RSS ${(rssKiB(pidOf(dir, 'node.pid')) / 1024).toFixed(0)} MiB`) }
    }
    const s = (performance.now() - t0) / 1000
    const end = { node: rssKiB(pidOf(dir, 'node.pid')), engine: rssKiB(pidOf(dir, 'cometbft.pid')) }
    const mib = (k) => (k / 1024).toFixed(0)
    console.log(`50 ms blocks: height ${h0} → ${h} in ${s.toFixed(0)} s (${((h - h0) / s).toFixed(1)} blocks/s)`)
    console.log(`  node0 glowmesh node RSS: ${mib(start.node)} MiB at height ${h0} → ${mib(end.node)} MiB at ${h} (${(end.node / start.node).toFixed(2)}×); its cometbft: ${mib(start.engine)} → ${mib(end.engine)} MiB`)
    console.log(`  node0 disk: data/ ${(duBytes(join(dir, 'data')) / MB).toFixed(1)} MB, cometbft/data/ ${(duBytes(join(dir, 'cometbft', 'data')) / MB).toFixed(1)} MB (${(duBytes(join(dir, 'cometbft', 'data')) / h).toFixed(0)} B/block)`)
  } finally {
    await bench.stop()
  }
}

if (SIZE_MIB > 0) await files()
if (BLOCKS > 0) await footprint()
