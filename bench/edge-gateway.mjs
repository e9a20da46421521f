// The edge gateway (issue 12) on a real 4-node devnet, in one run: a SIZE MiB file through the edge
// worker in workerd (miniflare) at GET /v1/file/{root} — every 256 KiB segment verified against the
// 0G root before it is sent — vs the same bytes fetched unverified from a full node's RPC
// (GET /files/{root}/segments/{i}, same prefetch depth), and vs the full node's own gateway bytes.
// Prints throughput, the ratio (issue goal ≥ 50%) and first-byte latency.
// Then CPU per request: workerd freezes timers while it runs a request (and miniflare enforces no
// CPU limit), so the workerd process's own CPU time is read from /proc/<pid>/stat (utime + stime)
// across N requests of each kind — /v1/status, /v1/availability/{h} of a sampled block, one 256 KiB
// segment via /v1/file with Range — minus an idle baseline over the same wall time (the object keeps
// syncing headers meanwhile). Linux only.
// Usage: node bench/edge-gateway.mjs [SIZE_MIB=64]   (needs `npm run build`)
import '../cli/polyfills.js'
import { spawnSync } from 'node:child_process'
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { createHash, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startBenchDevnet, sleep, writeRandomFile } from './chain-common.mjs'
import { startLocalEdge } from '../dist/edge/local.js'

const SIZE_MIB = Number(process.argv[2] ?? 64)
const SEGMENT = 256 * 1024
const DEPTH = 4
const LAUNCHER = fileURLToPath(new URL('../cli/glowmesh.js', import.meta.url))

function cli (args) {
  const r = spawnSync(process.execPath, ['--experimental-websocket', LAUNCHER, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  if (r.status !== 0) throw new Error(`glowmesh ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`)
  return r.stdout
}

/** Reads a response body, timing the first byte; returns { bytes, firstByteMs, s, sha }. */
async function timedGet (url, t0 = performance.now()) {
  const res = await fetch(url)
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`)
  const reader = res.body.getReader()
  const hash = createHash('sha256')
  let n = 0
  let firstByteMs
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    if (firstByteMs === undefined) firstByteMs = performance.now() - t0
    n += value.length
    hash.update(value)
  }
  return { bytes: n, firstByteMs, s: (performance.now() - t0) / 1000, sha: hash.digest('hex') }
}

/** The unverified baseline: raw segments from one full node's RPC, DEPTH in flight, in order. */
async function rpcSegments (rpcUrl, root, size) {
  const t0 = performance.now()
  const segments = Math.ceil(size / SEGMENT)
  const hash = createHash('sha256')
  let firstByteMs
  let n = 0
  const get = async (i) => new Uint8Array(await (await fetch(`${rpcUrl}/files/${root}/segments/${i}`)).arrayBuffer())
  const queue = []
  let next = 0
  while (next < Math.min(DEPTH, segments)) queue.push(get(next++))
  for (let i = 0; i < segments; i++) {
    const body = await queue.shift()
    if (next < segments) queue.push(get(next++))
    if (firstByteMs === undefined) firstByteMs = performance.now() - t0
    // the body is a SegmentResponse protobuf; its data field is the segment (not checked: unverified)
    n += Math.min(SEGMENT, size - i * SEGMENT)
    hash.update(body)
  }
  return { bytes: n, firstByteMs, s: (performance.now() - t0) / 1000 }
}

/** Clock ticks per second of /proc/<pid>/stat's utime/stime (USER_HZ). */
function clockTicks () {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })
  return Number(r.stdout.trim()) || 100
}

/** pid → { ppid, comm, ticks (utime + stime) } for every process we can read. */
function processTable () {
  const out = new Map()
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8')
      const close = stat.lastIndexOf(')')
      const comm = stat.slice(stat.indexOf('(') + 1, close)
      const f = stat.slice(close + 2).split(' ') // f[0] = state (field 3)
      out.set(Number(d), { ppid: Number(f[1]), comm, ticks: Number(f[11]) + Number(f[12]) })
    } catch {}
  }
  return out
}

/** The workerd processes miniflare started under this process. */
function workerdPids () {
  const table = processTable()
  const mine = (pid) => { for (let p = pid, i = 0; p > 1 && i < 16; p = table.get(p)?.ppid ?? 0, i++) if (p === process.pid) return true; return false }
  return [...table].filter(([pid, p]) => /workerd/.test(p.comm) && mine(pid)).map(([pid]) => pid)
}

function cpuTicks (pids) {
  let t = 0
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      t += Number(f[11]) + Number(f[12])
    } catch {}
  }
  return t
}

/**
 * workerd CPU ms per request for `n` sequential calls of `call`, minus workerd's idle CPU over the
 * same wall time measured right after. Returns { perRequestMs, idleMs, wallMs }.
 */
async function cpuPerRequest (pids, hz, n, call) {
  await call(0) // warm
  const c0 = cpuTicks(pids)
  const t0 = performance.now()
  for (let i = 0; i < n; i++) await call(i + 1)
  const wallMs = performance.now() - t0
  const busy = (cpuTicks(pids) - c0) * 1000 / hz
  const c1 = cpuTicks(pids)
  await sleep(wallMs)
  const idleMs = (cpuTicks(pids) - c1) * 1000 / hz
  return { perRequestMs: Math.max(0, busy - idleMs) / n, busyMs: busy, idleMs, wallMs }
}

async function main () {
  const bench = await startBenchDevnet({ blockTimeMs: 200 })
  let edge
  try {
    const home = bench.home
    const path = join(home, 'big.bin')
    const size = writeRandomFile(path, SIZE_MIB)
    const want = createHash('sha256').update(readFileSync(path)).digest('hex')
    const rpc0 = bench.devnet.nodes[0].rpcUrl
    cli(['keys', 'new', '--home', home])
    cli(['faucet', '--home', home])
    const out = JSON.parse(cli(['put', path, '--json', '--rpc', rpc0, '--home', home]))
    // every full node holds it (the replicator mirrors it)
    for (const n of bench.devnet.nodes) {
      for (let k = 0; ; k++) {
        const f = await fetch(`${n.rpcUrl}/files/${out.root}`).then(async (r) => await r.json(), () => ({})) // a dropped keep-alive: ask again
        if (f.local?.status === 'complete' || f.local?.status === 'finalized') break
        if (k > 2400) throw new Error(`${n.rpcUrl} never completed ${out.root}: ${JSON.stringify(f.local)}`)
        await sleep(250)
      }
    }
    const urls = (await Promise.all(bench.devnet.nodes.map(async (n) => (await (await fetch(`${n.rpcUrl}/bootstrap`)).json()).websockets))).flat()
    const genesisHash = '0x' + createHash('sha256').update(readFileSync(bench.devnet.genesisPath)).digest('hex')
    const tEdge = performance.now()
    edge = await startLocalEdge({ fullNodes: urls, genesisHash })
    for (let k = 0; ; k++) {
      const st = await (await fetch(`${edge.url}/v1/status`)).json().catch(() => ({}))
      if (st.verifiedHeight > 0 && st.peers >= 4) break
      if (k > 600) throw new Error(`edge never verified a header: ${JSON.stringify(st)}`)
      await sleep(200)
    }
    console.log(`edge-gateway: ${SIZE_MIB} MiB file ${out.root}, 4-node devnet on loopback; edge up (bundle + workerd + first header) in ${((performance.now() - tEdge) / 1000).toFixed(1)} s`)
    const mbs = (r) => (r.bytes / 1e6 / r.s).toFixed(1)
    const base = await rpcSegments(rpc0, out.root, size)
    console.log(`  unverified: node0 RPC segments (${DEPTH} in flight)           ${base.s.toFixed(2)} s  ${mbs(base)} MB/s  first byte ${base.firstByteMs.toFixed(0)} ms`)
    const gw = (await (await fetch(`${rpc0}/status`)).json()).gateway
    const ipfs = await timedGet(`${gw}/ipfs/${out.cid}`)
    console.log(`  node0 gateway GET /ipfs/{cid} (its own bytes)               ${ipfs.s.toFixed(2)} s  ${mbs(ipfs)} MB/s  first byte ${ipfs.firstByteMs.toFixed(0)} ms`)
    const v = await timedGet(`${edge.url}/v1/file/${out.root}`)
    if (v.bytes !== size || v.sha !== want) throw new Error(`edge returned ${v.bytes} bytes, sha ${v.sha} (want ${size}, ${want})`)
    console.log(`  edge GET /v1/file/{root} (verified, byte-identical)         ${v.s.toFixed(2)} s  ${mbs(v)} MB/s  first byte ${v.firstByteMs.toFixed(0)} ms`)
    const r = await timedGet(`${edge.url}/v1/file/${out.root}`)
    console.log(`  edge GET /v1/file/{root} again (warm)                       ${r.s.toFixed(2)} s  ${mbs(r)} MB/s  first byte ${r.firstByteMs.toFixed(0)} ms`)
    const st = performance.now()
    for (let i = 0; i < 20; i++) await (await fetch(`${edge.url}/v1/status`)).arrayBuffer()
    console.log(`  edge GET /v1/status: ${((performance.now() - st) / 20).toFixed(1)} ms per request (wall, 20 sequential)`)
    console.log(`  ratio verified edge / unverified RPC: ${(base.s / Math.min(v.s, r.s) * 100).toFixed(0)}% (goal ≥ 50%)`)

    // CPU per request (workerd's own CPU time from /proc, idle baseline subtracted)
    const pids = workerdPids()
    if (pids.length === 0) throw new Error('no workerd process found under this one (/proc)')
    const hz = clockTicks()
    const blob = join(home, 'blob.bin')
    writeFileSync(blob, randomBytes(120_000))
    const { height } = JSON.parse(cli(['da', 'submit', blob, '--json', '--home', home]))
    for (let k = 0; ; k++) {
      const res = await fetch(`${edge.url}/v1/availability/${height}`)
      const b = await res.json()
      if (res.status === 200 && b.outcome === 'sampled') break
      if (k > 600) throw new Error(`block ${height} never sampled: ${JSON.stringify(b)}`)
      await sleep(200)
    }
    const ok = async (res) => { if (res.status !== 200 && res.status !== 206) throw new Error(`${res.url}: ${res.status}`); await res.arrayBuffer() }
    const segments = Math.floor(size / SEGMENT)
    const kinds = [
      ['GET /v1/status', 200, async () => await ok(await fetch(`${edge.url}/v1/status`))],
      [`GET /v1/availability/${height} (sampled block)`, 200, async () => await ok(await fetch(`${edge.url}/v1/availability/${height}`))],
      ['GET /v1/file/{root} Range: one 256 KiB segment (fetched + verified)', 64, async (i) => {
        const s0 = (i * 7) % segments * SEGMENT
        await ok(await fetch(`${edge.url}/v1/file/${out.root}`, { headers: { range: `bytes=${s0}-${s0 + SEGMENT - 1}` } }))
      }]
    ]
    console.log(`  workerd CPU per request (/proc/${pids.join(',')}/stat utime+stime, ${hz} ticks/s; idle baseline over the same wall time subtracted):`)
    for (const [name, n, call] of kinds) {
      const r = await cpuPerRequest(pids, hz, n, call)
      console.log(`    ${name.padEnd(68)} ${r.perRequestMs.toFixed(2)} ms CPU  (${n} requests: ${r.busyMs.toFixed(0)} ms busy − ${r.idleMs.toFixed(0)} ms idle over ${r.wallMs.toFixed(0)} ms wall)`)
    }
  } finally {
    await edge?.close()
    await bench.stop()
  }
}

main().then(() => process.exit(0), (err) => { console.error(err); process.exit(1) })
