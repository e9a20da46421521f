// Benchmark (issue 13 part 1): one full node loaded with N light clients at 1 block/s. A real 4-validator
// devnet (real CometBFT, real `glowmesh node` processes); every light client connects to node0 only.
// Most clients are protocol-level load generators (bench/fanout/harness.mjs: real libp2p connections,
// the real header-gossip / sync / sample / segment protocols and codecs, no local verification), spread
// over a few harness processes; a few are complete `glowmesh light` processes that verify everything.
// A DA blob is submitted to node1 every block (pre-encoded before each window), so samples carry cells.
// For N = 0 (the reference, same run), 10, 100, 1,000 it prints, over a window at steady state:
// sample latency p50/p99, headers and samples served per second, node0's CPU (its app process and
// its cometbft, from /proc) and RSS per connected client, the harness's own CPU, and how many
// complete light nodes fell behind. Headline: full-node CPU ms per light client per block =
// (node0 CPU in the window − the N = 0 window's, per block) / N.
// Run: npm run build && node --experimental-websocket --import ./cli/polyfills.js bench/fanout.mjs
//        [--clients 10,100,1000] [--full 3] [--window 20] [--procs 4] [--segment-every 30] [--ramp-max 120] [--before] [--untuned] [--router-gossip] [--fresh-poll-ms 10000]
import { spawn, fork, execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sha256 } from '@noble/hashes/sha2.js'
import { startBenchDevnet, fundedKeys, sleep, writeRandomFile } from './chain-common.mjs'
import { cpuMs, cpuOf, nodePids, q, rssBytes } from './fanout/proc.mjs'
import { startDaTraffic } from './fanout/traffic.mjs'
import { startProfile, summarize } from './fanout/profile.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const launcher = join(here, '..', 'cli', 'glowmesh.js')
const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : dflt }
const CLIENTS = String(arg('--clients', '10,100,1000')).split(',').map(Number)
const FULL = Number(arg('--full', 3))
const WINDOW_S = Number(arg('--window', 20))
const PROCS = Number(arg('--procs', 4))
const SEGMENT_EVERY = Number(arg('--segment-every', 30))
const SETTLE_S = 5
const RAMP_MAX_S = Number(arg('--ramp-max', 120))
// like client/light-node.ts's freshGossipPollMs: while gossip brings each next header a client asks
// for `latest` only this often (1000 = every second, the light node's poll before issue 13)
const FRESH_POLL_MS = Number(arg('--fresh-poll-ms', 10_000))
// --before: the full nodes run as before issue 13's changes (no light-block cache, 300 connections)
const BEFORE = process.argv.includes('--before')
if (BEFORE) process.env.GLOWMESH_NET_BEFORE = '1'
// --untuned: the full nodes keep js-libp2p's per-frame socket writes and gossipsub's defaults
// (author+seqno message ids, D = 6, IDONTWANT, per-peer encoding): fullnode/net/coalesce.ts and
// gossip-params.ts off, to measure what they remove in the same machine state
const UNTUNED = process.argv.includes('--untuned')
// --router-gossip: each load client runs a whole gossipsub router instead of the leaf (fanout/leaf-gossip.mjs)
const ROUTER_GOSSIP = process.argv.includes('--router-gossip')
if (UNTUNED) process.env.GLOWMESH_NET_UNTUNED = '1'
// FANOUT_PROFILE=DIR: a V8 CPU profile of node0's app process over each window (fanout/profile.mjs),
// written to DIR/node0-N<n>.cpuprofile and summarised per client per block
const PROFILE_DIR = process.env.FANOUT_PROFILE
let inspectPort
if (PROFILE_DIR !== undefined) {
  inspectPort = await new Promise((resolve) => { const srv = createServer().listen(0, '127.0.0.1', () => { const p = srv.address().port; srv.close(() => resolve(p)) }) })
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --inspect-port=127.0.0.1:${inspectPort}`.trim()
}

const bench = await startBenchDevnet({ blockTimeMs: 1000 })
const children = []
const cleanup = async () => {
  for (const c of children) { try { c.kill('SIGKILL') } catch {} }
  await bench.stop()
}
process.once('SIGINT', () => { cleanup().finally(() => process.exit(130)) })
try {
  const rpc0 = bench.rpc(0)
  const node0 = bench.devnet.nodes[0]
  const pids = nodePids(node0)
  const genesisBytes = readFileSync(bench.devnet.genesisPath)
  const genesisHash = '0x' + Buffer.from(sha256(genesisBytes)).toString('hex')
  const addr = (await rpc0.status()).multiaddrs.find((m) => m.includes('/tcp/') && !m.includes('/ws'))

  // a 4 MiB file (16 segments) the clients fetch segments of, put through node0 with the real CLI
  const cli = (args) => execFileSync(process.execPath, ['--experimental-websocket', launcher, ...args], { encoding: 'utf8' })
  const file = join(bench.home, 'file.bin')
  writeRandomFile(file, 4)
  cli(['keys', 'new', '--home', bench.home]); cli(['faucet', '--home', bench.home])
  const put = JSON.parse(cli(['put', file, '--json', '--rpc', node0.rpcUrl, '--home', bench.home]))
  const traffic = await startDaTraffic({ rpc: bench.rpc(1), keys: await fundedKeys(bench, 3), chainId: bench.genesis.chainId, log: (m) => console.error(m), blobs: Math.ceil((CLIENTS.length + 1) * (WINDOW_S + SETTLE_S + 5) * 1.1) })

  // the complete light nodes: real `glowmesh light` processes, node0 their only full node
  const full = []
  for (let i = 0; i < FULL; i++) {
    const home = mkdtempSync(join(tmpdir(), 'glowmesh-fanout-light-'))
    const child = spawn(process.execPath, ['--experimental-websocket', launcher, 'light', '--json', '--home', home, '--rpc', node0.rpcUrl, '--genesis-hash', genesisHash, '--peer', addr], { stdio: ['ignore', 'pipe', 'pipe'] })
    children.push(child)
    const ln = { child, home, last: undefined, stderr: '' }
    let buf = ''
    child.stdout.on('data', (d) => { buf += d; const lines = buf.split('\n'); buf = lines.pop(); for (const l of lines) { try { ln.last = JSON.parse(l) } catch {} } })
    child.stderr.on('data', (d) => { ln.stderr = (ln.stderr + d).slice(-2000) })
    full.push(ln)
  }
  const deadline = Date.now() + 120_000
  while (full.some((l) => (l.last?.verifiedHeight ?? 0) === 0)) {
    if (Date.now() > deadline) throw new Error(`complete light nodes never verified a head:\n${full.map((l) => l.stderr).join('\n---\n')}`)
    await sleep(500)
  }

  // the chain's height from node1 (not under load): node0 may itself fall behind at large N
  const rpc1 = bench.rpc(1)
  const height = async () => Number((await rpc1.status()).height)
  const harnessCpu = (procs) => cpuOf([process.pid, ...procs.map((p) => p.pid), ...full.map((l) => l.child.pid)])
  const ask = (p, m) => new Promise((resolve) => { const on = (r) => { if (r.stats !== undefined) { p.off('message', on); resolve(r) } }; p.on('message', on); p.send(m) })

  console.log(`fanout${BEFORE ? ' (--before: no light-block cache, 300 connections)' : ''}${UNTUNED ? ' (--untuned: per-frame writes, default gossipsub)' : ''}: node0 = 1 of a 4-validator devnet at 1 block/s, ${FULL} complete glowmesh light nodes, ${PROCS} harness processes, window ${WINDOW_S} s, segment every ${SEGMENT_EVERY} blocks per client; machine shared (2 cores, load ${loadavg()[0].toFixed(2)})`)
  let ref
  for (const n of [0, ...CLIENTS]) {
    // start the load generators, wait until all are connected
    const procs = []
    const tRamp = performance.now()
    const per = Math.ceil(n / PROCS)
    for (let i = 0; i < PROCS && i * per < n; i++) {
      // with FANOUT_PROFILE the first harness process of each N is profiled too (DIR/harness-N<n>/)
      const prof = PROFILE_DIR !== undefined && i === 0 && n > 0 ? ['--cpu-prof', `--cpu-prof-dir=${join(PROFILE_DIR, `harness-N${n}`)}`] : []
      // DEBUG_COLORS: libp2p makes a logger per connection and stream, each asking isatty(2) otherwise
      const p = fork(join(here, 'fanout', 'harness.mjs'), [], { env: { ...process.env, DEBUG_COLORS: '0' }, execArgv: ['--experimental-websocket', '--import', join(here, '..', 'cli', 'polyfills.js'), ...prof], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
      children.push(p)
      procs.push(p)
      const count = Math.min(per, n - i * per)
      p.send({ start: { addr, chainId: bench.genesis.chainId, count, sampleCount: 16, pollMs: 1000, freshPollMs: FRESH_POLL_MS, leafGossip: !ROUTER_GOSSIP, segmentEvery: SEGMENT_EVERY, root: put.root, segments: 16, dialEveryMs: Math.ceil(PROCS * 1000 / 40) } })
    }
    // every dial done, or RAMP_MAX_S passed (a saturated machine): then measure whoever is connected
    const ready = await Promise.all(procs.map((p) => Promise.race([new Promise((resolve) => p.once('message', resolve)), sleep(RAMP_MAX_S * 1000).then(() => ({ ready: false, timedOut: true }))])))
    const failed = ready.reduce((x, r) => x + (r.failed ?? 0) + (r.ready || r.timedOut ? 0 : 1), 0)
    const rampS = (performance.now() - tRamp) / 1000
    traffic.start()
    await sleep(SETTLE_S * 1000)
    if (process.env.FANOUT_DEBUG) console.log('before reset', JSON.stringify(await Promise.all(procs.map((p) => ask(p, 'stats'))), (k, v) => k === 'lat' ? v.length : v))
    for (const p of procs) p.send('reset')
    const h0 = await height()
    const c0 = { app: cpuMs(pids.app), comet: cpuMs(pids.comet), harness: harnessCpu(procs) }
    const full0 = full.map((l) => l.last?.sampledBlocks ?? 0)
    const prof = PROFILE_DIR === undefined ? undefined : await startProfile(pids.app, inspectPort)
    const t0 = performance.now()
    await sleep(WINDOW_S * 1000)
    const profile = await prof?.stop(join(PROFILE_DIR, `node0-N${n}.cpuprofile`))
    const s = (performance.now() - t0) / 1000
    const stats = await Promise.all(procs.map((p) => ask(p, 'stats')))
    if (process.env.FANOUT_DEBUG) console.log(JSON.stringify(stats, (k, v) => k === 'lat' ? v.length : v))
    const c1 = { app: cpuMs(pids.app), comet: cpuMs(pids.comet), harness: harnessCpu(procs) }
    const h1 = await height()
    const rss = rssBytes(pids.app)
    traffic.stop()
    const blocks = Math.max(1, h1 - h0)
    const sum = (f) => stats.reduce((x, r) => x + f(r.stats), 0)
    const all = (f) => stats.flatMap((r) => f(r.stats))
    const connected = sum((x) => x.connected)
    const nodeCpu = (c1.app - c0.app) + (c1.comet - c0.comet)
    const node0Lag = h1 - Number((await rpc0.status().catch(() => ({ height: 0 }))).height)
    const behind = full.filter((l) => h1 - (l.last?.verifiedHeight ?? 0) > 3).length
    const fullSampled = full.map((l, i) => (l.last?.sampledBlocks ?? 0) - full0[i])
    const sampleLat = all((x) => x.sample.lat)
    const row = {
      n, connected, failed, rampS, blocks, seconds: s,
      appMsPerBlock: (c1.app - c0.app) / blocks, cometMsPerBlock: (c1.comet - c0.comet) / blocks, nodeMsPerBlock: nodeCpu / blocks,
      harnessMsPerBlock: (c1.harness - c0.harness) / blocks, rss,
      gossipPerS: sum((x) => x.gossipHeaders) / s, syncPerS: sum((x) => x.sync.ok) / s, samplesPerS: sum((x) => x.sample.ok) / s,
      withBlobs: sum((x) => x.sample.withBlobs), cellsPerS: sum((x) => x.sample.cells) / s, segmentsPerS: sum((x) => x.segment.ok) / s,
      syncP50: q(all((x) => x.sync.lat), 50), syncP99: q(all((x) => x.sync.lat), 99), sampleP50: q(sampleLat, 50), sampleP99: q(sampleLat, 99),
      segP50: q(all((x) => x.segment.lat), 50), errors: sum((x) => x.sync.err + x.sample.err + x.sample.notOk + x.segment.err)
    }
    if (n === 0) ref = row
    console.log(`\n[bench] N=${n}: ${connected}/${n} connected (${failed} failed, ramp ${rampS.toFixed(1)} s), ${blocks} blocks in ${s.toFixed(1)} s; node0 ${node0Lag} blocks behind the chain`)
    console.log(`[bench]   node0 CPU per block: app ${row.appMsPerBlock.toFixed(1)} ms + cometbft ${row.cometMsPerBlock.toFixed(1)} ms = ${row.nodeMsPerBlock.toFixed(1)} ms (${(row.nodeMsPerBlock / 10).toFixed(1)} % of a core); RSS ${(rss / 2 ** 20).toFixed(0)} MiB; harness CPU ${row.harnessMsPerBlock.toFixed(0)} ms per block`)
    if (n > 0) {
      const perClient = (row.nodeMsPerBlock - ref.nodeMsPerBlock) / Math.max(1, connected)
      console.log(`[bench]   served/s: ${row.gossipPerS.toFixed(0)} gossip headers, ${row.syncPerS.toFixed(0)} sync answers, ${row.samplesPerS.toFixed(0)} samples (${row.withBlobs} with cells, ${row.cellsPerS.toFixed(0)} cells/s), ${row.segmentsPerS.toFixed(1)} segments; ${row.errors} failed requests`)
      console.log(`[bench]   latency: sample p50 ${row.sampleP50.toFixed(1)} ms p99 ${row.sampleP99.toFixed(1)} ms; sync p50 ${row.syncP50.toFixed(1)} ms p99 ${row.syncP99.toFixed(1)} ms; segment p50 ${row.segP50.toFixed(1)} ms`)
      // under saturation clients complete fewer than one block's work per block: per completed one too
      const clientBlocks = sum((x) => x.sample.ok)
      console.log(`[bench]   full-node CPU per client-block served (one sync + one sample, segments pro rata): ${((nodeCpu - ref.nodeMsPerBlock * blocks) / Math.max(1, clientBlocks)).toFixed(3)} ms (${clientBlocks} served = ${(clientBlocks / Math.max(1, connected) / blocks * 100).toFixed(0)} % of ${connected} clients × ${blocks} blocks)`)
      console.log(`[bench]   HEADLINE full-node CPU per light client per block: ${perClient.toFixed(3)} ms (goal ≤ 1 ms; (${row.nodeMsPerBlock.toFixed(1)} − ${ref.nodeMsPerBlock.toFixed(1)} at N=0) / ${connected}); RSS per client ${((rss - ref.rss) / Math.max(1, connected) / 1024).toFixed(0)} KiB`)
      const sc = stats.map((r) => r.stats.fullNodeScore).filter((x) => x !== undefined)
      if (sc.length > 0) console.log(`[bench]   clients' gossipsub score of node0: ${Math.min(...sc.map((x) => x.min)).toFixed(1)} .. ${Math.max(...sc.map((x) => x.max)).toFixed(1)} (< -80: graylisted, its gossip ignored)`)
      const errs = {}
      for (const r of stats) for (const [k, v] of Object.entries(r.stats.errors)) errs[k] = (errs[k] ?? 0) + v
      if (Object.keys(errs).length > 0) console.log(`[bench]   errors: ${JSON.stringify(Object.entries(errs).sort((a, b) => b[1] - a[1]).slice(0, 5))}`)
    }
    if (profile !== undefined) {
      const { categories, top } = summarize(profile)
      const per = (ms) => n === 0 ? `${(ms / blocks).toFixed(1)} ms/block` : `${(ms / blocks / Math.max(1, connected)).toFixed(3)} ms/client/block`
      console.log(`[bench]   node0 app self time by category: ${categories.map(([c, ms]) => `${c} ${per(ms)}`).join(', ')}`)
      for (const [f, ms] of top) console.log(`[bench]     ${per(ms).padStart(22)}  ${f}`)
    }
    console.log(`[bench]   complete light nodes: ${behind}/${FULL} fell behind (head ${h1}; verified ${full.map((l) => l.last?.verifiedHeight).join(', ')}; sampled in window ${fullSampled.join(', ')})`)
    await Promise.all(procs.map((p) => new Promise((resolve) => { p.once('exit', resolve); p.send('stop'); setTimeout(() => { p.kill('SIGKILL'); resolve() }, 20_000) })))
    await sleep(2000)
  }
  for (const l of full) { l.child.kill('SIGTERM'); rmSync(l.home, { recursive: true, force: true }) }
  await traffic.close()
} finally {
  await cleanup()
}
process.exit(0)
