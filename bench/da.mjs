// Benchmark (issue 13 part 2): DA off the consensus path on the real 4-validator devnet (1 block/s).
// 1, 2 and 4 concurrent submitter processes (bench/da/submitter.mjs) encode their payloads (native
// KZG, DESIGN §3), sign, POST them to full node i mod 4 and wait for the block, encoding the next
// payload meanwhile. A complete `glowmesh light` process (all 4 full nodes as peers) samples every
// block and reports what it sampled. Per case it prints the committed-and-sampled payload MB/s, the
// full nodes' CPU (app process + cometbft, /proc) per MB of payload — the headline, goal ≤ 0.15
// core-s/MB per full node — net of the idle cost measured with 0 submitters in the same run, the
// submitters' and the light node's CPU, and the whole machine's CPU use (what bounds the end-to-end
// figure on a shared 2-core box).
// Run: npm run build && node --experimental-websocket --import ./cli/polyfills.js bench/da.mjs
//        [--submitters 1,2,4] [--blobs 8] [--window 30]
import { fork, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sha256 } from '@noble/hashes/sha2.js'
import { startBenchDevnet, fundedKeys, sleep } from './chain-common.mjs'
import { cpuMs, cpuOf, nodePids } from './fanout/proc.mjs'
import { threadCpu } from './da/threads.mjs'
import { enableChildInspectors, profileNode } from './da/profile.mjs'
import { summarize } from './fanout/profile.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const launcher = join(here, '..', 'cli', 'glowmesh.js')
const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : dflt }
const SUBMITTERS = String(arg('--submitters', '1,2,4')).split(',').map(Number)
const BLOBS = Number(arg('--blobs', 8))
const WINDOW_S = Number(arg('--window', 30))

/** Busy and total jiffies of the whole machine (/proc/stat). */
function machine () {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
  const idle = f[3] + f[4]
  const total = f.reduce((a, b) => a + b, 0)
  return { busy: total - idle, total }
}

// DA_PROFILE=DIR: V8 CPU profiles of node0 (receives submitter 0's blobs) and node1 (gets blobs by
// replication only while 1 submitter runs) over each window: DIR/node<i>-S<s>.cpuprofile, summarised
const PROFILE_DIR = process.env.DA_PROFILE
if (PROFILE_DIR !== undefined) enableChildInspectors()

const bench = await startBenchDevnet({ blockTimeMs: 1000 })
const children = []
try {
  const nodes = bench.devnet.nodes.map((n) => nodePids(n))
  const nodeCpu = () => nodes.map((p) => cpuMs(p.app) + cpuMs(p.comet))
  // where a node's CPU goes: the app's main thread (JS), its other threads (libuv pool: native KZG,
  // file writes, fsync; V8: GC), and cometbft
  const nodeSplit = () => nodes.map((p) => ({ ...threadCpu(p.app), comet: cpuMs(p.comet) }))
  const genesisHash = '0x' + Buffer.from(sha256(readFileSync(bench.devnet.genesisPath))).toString('hex')
  const maxS = Math.max(...SUBMITTERS)
  const keys = await fundedKeys(bench, maxS)

  // the complete light node: verifies headers and samples (KZG) every block from the 4 full nodes
  const lightHome = mkdtempSync(join(tmpdir(), 'glowmesh-da-light-'))
  const light = spawn(process.execPath, ['--experimental-websocket', launcher, 'light', '--json', '--verbose', '--home', lightHome, '--rpc', bench.devnet.nodes[0].rpcUrl, '--genesis-hash', genesisHash], { stdio: ['ignore', 'ignore', 'pipe'] })
  children.push(light)
  const sampled = new Map() // height → blobs
  const unavailable = new Set()
  let errBuf = ''
  light.stderr.on('data', (d) => {
    errBuf += d
    const lines = errBuf.split('\n'); errBuf = lines.pop()
    for (const l of lines) {
      const m = l.match(/^sampled (\d+): (\d+) blob/)
      if (m !== null) sampled.set(Number(m[1]), Number(m[2]))
      const u = l.match(/^block (\d+) UNAVAILABLE/)
      if (u !== null) unavailable.add(Number(u[1]))
    }
  })

  /** Runs `count` submitters (from key `first`) until each has one payload committed and `more()` is false. */
  async function runSubmitters (count, first, more) {
    const procs = []
    const done = new Set()
    for (let i = first; i < first + count; i++) {
      const p = fork(join(here, 'da', 'submitter.mjs'), [], { execArgv: ['--experimental-websocket', '--import', join(here, '..', 'cli', 'polyfills.js')], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
      children.push(p)
      procs.push(p)
      p.on('message', (m) => { if (m.committed !== undefined) done.add(m.committed.id) })
      p.send({ start: { id: i, rpcUrl: bench.devnet.nodes[i % 4].rpcUrl, seed: Buffer.from(keys[i % keys.length].privateKey).toString('hex'), chainId: bench.genesis.chainId, blobs: 1 } })
    }
    const until = Date.now() + 120_000
    while ((done.size < count || more()) && Date.now() < until) await sleep(200)
    await Promise.all(procs.map((p) => new Promise((resolve) => { p.once('exit', resolve); p.send('stop'); setTimeout(() => { p.kill('SIGKILL'); resolve() }, 30_000) })))
  }

  console.log(`da: 4-validator devnet at 1 block/s, payloads of ${BLOBS} blobs (${(BLOBS * 126_976 / 1e6).toFixed(2)} MB), window ${WINDOW_S} s; machine shared (2 cores, load ${loadavg()[0].toFixed(2)})`)
  // warm-up (not measured): each full node sets up its native KZG verifier on its first blobs
  // (seconds of CPU), so every node receives one payload before the reference window
  for (let i = 0; i < 4; i++) await runSubmitters(1, i, () => false)

  let idlePerS
  let idleSplit
  for (const s of [0, ...SUBMITTERS]) {
    const procs = []
    const committed = []
    const errors = []
    for (let i = 0; i < s; i++) {
      const p = fork(join(here, 'da', 'submitter.mjs'), [], { execArgv: ['--experimental-websocket', '--import', join(here, '..', 'cli', 'polyfills.js')], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
      children.push(p)
      procs.push(p)
      p.on('message', (m) => {
        if (m.committed !== undefined) committed.push({ ...m.committed, at: performance.now() })
        if (m.error !== undefined) errors.push(m.error)
      })
      p.send({ start: { id: i, rpcUrl: bench.devnet.nodes[i % 4].rpcUrl, seed: Buffer.from(keys[i].privateKey).toString('hex'), chainId: bench.genesis.chainId, blobs: BLOBS } })
    }
    // steady state: every submitter has had one payload committed
    const warm = Date.now() + 120_000
    while (new Set(committed.map((c) => c.id)).size < s) { if (Date.now() > warm) break; await sleep(200) }
    const profs = PROFILE_DIR === undefined || s === 0 ? [] : await Promise.all([0, 1].map(async (i) => await profileNode(nodes[i].app, join(bench.devnet.nodes[i].dir, 'node.log'))))
    const t0 = performance.now()
    const s0 = nodeSplit(); const c0 = nodeCpu(); const m0 = machine(); const h0 = cpuOf([...procs.map((p) => p.pid)]); const l0 = cpuMs(light.pid)
    const first = committed.length
    await sleep(WINDOW_S * 1000)
    const secs = (performance.now() - t0) / 1000
    const c1 = nodeCpu(); const s1 = nodeSplit(); const m1 = machine(); const h1 = cpuOf([...procs.map((p) => p.pid)]); const l1 = cpuMs(light.pid)
    const inWindow = committed.slice(first)
    for (const [i, p] of profs.entries()) {
      const sum = summarize(await p.stop(join(PROFILE_DIR, `node${i}-S${s}.cpuprofile`)), 12)
      console.log(`[bench]   profile node${i} (main thread, ms): ${sum.categories.map(([c, ms]) => `${c} ${ms.toFixed(0)}`).join(', ')}`)
      for (const [f, ms] of sum.top) console.log(`[bench]     ${ms.toFixed(0).padStart(6)} ms  ${f}`)
    }
    await Promise.all(procs.map((p) => new Promise((resolve) => { p.once('exit', resolve); p.send('stop'); setTimeout(() => { p.kill('SIGKILL'); resolve() }, 30_000) })))
    // give the light node time to sample the window's last blocks
    const last = Math.max(0, ...inWindow.map((c) => c.height))
    const until = Date.now() + 30_000
    while (last > 0 && ![...sampled.keys()].some((h) => h >= last) && Date.now() < until) await sleep(500)
    const mb = inWindow.reduce((x, c) => x + c.size, 0) / 1e6
    const mbSampled = inWindow.filter((c) => sampled.has(c.height)).reduce((x, c) => x + c.size, 0) / 1e6
    const perNode = c1.map((c, i) => (c - c0[i]) / 1000) // core-s per node in the window
    const busyCores = (m1.busy - m0.busy) / (m1.total - m0.total) * 2
    const split = s1.map((x, i) => ({ main: (x.main - s0[i].main) / 1000, kzg: (x.kzg - s0[i].kzg) / 1000, other: (x.other - s0[i].other) / 1000, comet: (x.comet - s0[i].comet) / 1000 }))
    if (s === 0) {
      idlePerS = perNode.map((x) => x / secs)
      idleSplit = split.map((x) => ({ main: x.main / secs, kzg: x.kzg / secs, other: x.other / secs, comet: x.comet / secs }))
      console.log(`[bench] reference, 0 submitters: full nodes idle at ${idlePerS.map((x) => (x * 1000).toFixed(0)).join(' / ')} ms CPU per s (node0..3, app + cometbft); machine busy ${busyCores.toFixed(2)} of 2 cores`)
      continue
    }
    const net = perNode.map((x, i) => Math.max(0, x - idlePerS[i] * secs))
    const receiving = [...new Set(procs.map((_, i) => i % 4))]
    const mean = net.reduce((a, b) => a + b, 0) / 4
    const worst = Math.max(...net)
    const encMs = inWindow.length === 0 ? NaN : inWindow.reduce((x, c) => x + c.encodeMs, 0) / inWindow.length
    console.log(`\n[bench] ${s} submitter(s): ${inWindow.length} payloads committed in ${secs.toFixed(1)} s = ${(mb / secs).toFixed(2)} MB/s committed, ${(mbSampled / secs).toFixed(2)} MB/s committed-and-sampled (${inWindow.filter((c) => sampled.has(c.height)).length} sampled by the light node${unavailable.size > 0 ? `, ${unavailable.size} blocks reported unavailable` : ''}); ${errors.length} errors${errors.length > 0 ? ` (${errors[0]})` : ''}`)
    console.log(`[bench]   HEADLINE full-node CPU per MB of payload: ${(mean / mb).toFixed(3)} core-s/MB per full node (mean of 4; worst node ${(worst / mb).toFixed(3)}; goal ≤ 0.15), net of idle; gross ${(perNode.reduce((a, b) => a + b, 0) / 4 / mb).toFixed(3)}`)
    console.log(`[bench]   per node (receiving: node${receiving.join(', node')}): ${net.map((x) => (x / mb).toFixed(3)).join(' / ')} core-s/MB; all 4 together ${(net.reduce((a, b) => a + b, 0) / mb).toFixed(3)} core-s/MB`)
    const fmt = (x, i, k) => (Math.max(0, x[k] - idleSplit[i][k] * secs) / mb).toFixed(3)
    console.log(`[bench]   split, net of idle, core-s/MB (app main thread + native KZG threads + app other threads [libuv pool: fs; V8: GC] + cometbft): ${split.map((x, i) => `node${i} ${fmt(x, i, 'main')} + ${fmt(x, i, 'kzg')} + ${fmt(x, i, 'other')} + ${fmt(x, i, 'comet')}`).join('; ')}`)
    console.log(`[bench]   submitters: ${((h1 - h0) / 1000 / mb).toFixed(2)} core-s/MB (encode ${(encMs / BLOBS).toFixed(0)} ms per blob, wall, ${s} sharing the cores); light node ${((l1 - l0) / 1000 / secs).toFixed(2)} cores; machine busy ${busyCores.toFixed(2)} of 2 cores`)
  }
  light.kill('SIGTERM')
  await sleep(500)
  rmSync(lightHome, { recursive: true, force: true })
} finally {
  for (const c of children) { try { c.kill('SIGKILL') } catch {} }
  await bench.stop()
}
process.exit(0)
