#!/usr/bin/env -S node --experimental-websocket
// Soak (issue 13 part 6): the 4-validator devnet (fullnode/devnet-run.ts, real `glowmesh node` +
// CometBFT processes) under steady load for --minutes — file uploads and downloads, DA blob
// submissions, PoRA challenges answered by a `glowmesh light --pledge` node, two plain light nodes
// sampling — printing once a minute one line per process (RSS, heap, fds/sockets, disk, CPU, errors)
// and the minute's latencies, then a verdict on leaks (scripts/soak/verdict.mjs). Not in CI.
//   npm run soak -- --minutes 30 [--seed N] [--out test-output/soak] [--block-time 1s]
//                   [--sample-every 10s] [--da-window 120] [--keep] [--heap-snapshots node1,light-a]
// Exit status: 0 no leak; 1 suspected leak (the reasons are printed); 2 the soak itself failed (a
// process died or restarted, an operation kind failed more than 5 % of the time, or bad usage).
// See scripts/README.md for how to read the output.
import '../cli/polyfills.js'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { createHash, randomInt } from 'node:crypto'
import { setMaxListeners } from 'node:events'

const root = join(import.meta.dirname, '..')
if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) { process.stderr.write('soak: dist/ is missing; run `npm run build` first\n'); process.exit(2) }
const { ensureDevnetHome, linkDevnetPeers, devnetNodeDir } = await import('../dist/fullnode/devnet.js')
const { runDevnet } = await import('../dist/fullnode/devnet-run.js')
const { freeBasePort } = await import('../dist/fullnode/ports.js')
const { createRpcClient } = await import('../dist/fullnode/rpc/client.js')
const { createNativeKzg } = await import('../dist/fullnode/da/native-kzg.js')
const { loadKey } = await import('../dist/cli/commands/keys.js')
const { CELLS_PER_EXT_BLOB, BYTES_PER_CELL, BYTES_PER_PROOF } = await import('../dist/protocol/da/constants.js')
const { sampleProcess, diskUsage, readHeapProbe, readPidFile, createLogTail, CLOCK_TICKS } = await import('./soak/probe.mjs')
const { spawnLight, lightHome } = await import('./soak/lights.mjs')
const { startLoad, createRng, randomBytesFrom, cli } = await import('./soak/load.mjs')
const { leakVerdict, fmt, DEFAULT_THRESHOLDS } = await import('./soak/verdict.mjs')
const { formatMinute, summarizeOps } = await import('./soak/report.mjs')

const duration = (s, name) => {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(String(s))
  if (m === null) { process.stderr.write(`soak: bad ${name} '${s}' (e.g. 10s, 500ms)\n`); process.exit(2) }
  return Math.round(Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000))
}
const { values: opt } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    seed: { type: 'string' },
    out: { type: 'string', default: join('test-output', 'soak') },
    'block-time': { type: 'string', default: '1s' },
    'sample-every': { type: 'string', default: '10s' },
    'da-window': { type: 'string', default: '120' },
    keep: { type: 'boolean', default: false },
    'heap-snapshots': { type: 'string' }
  }
})
const minutes = Number(opt.minutes)
const seed = opt.seed === undefined ? randomInt(2 ** 31) : Number(opt.seed)
const daWindow = Number(opt['da-window'])
if (!(minutes > 0) || !Number.isInteger(seed) || !(Number.isInteger(daWindow) && daWindow > 0)) { process.stderr.write('soak: --minutes > 0, an integer --seed and a positive --da-window, please\n'); process.exit(2) }
const blockTimeMs = duration(opt['block-time'], '--block-time')
const sampleEveryMs = duration(opt['sample-every'], '--sample-every')
const out = opt.out
mkdirSync(out, { recursive: true })
for (const f of ['samples.jsonl', 'ops.jsonl', 'minutes.jsonl', 'report.txt']) rmSync(join(out, f), { force: true })
const say = (line) => { process.stdout.write(line + '\n'); appendFileSync(join(out, 'report.txt'), line + '\n') }
const jsonl = (file, obj) => appendFileSync(join(out, file), JSON.stringify(obj) + '\n')

// ---- the devnet: created here so its genesis gets the soak's sampling window, then run as usual
const home = mkdtempSync(join(tmpdir(), 'glowmesh-soak-'))
const probeDir = join(home, 'probe')
const work = join(home, 'work')
mkdirSync(probeDir); mkdirSync(work)
const basePort = await freeBasePort(4)
await ensureDevnetHome({ home, validators: 4, blockTimeMs, basePort })
const genesisPath = join(home, 'devnet', 'genesis.json')
const genesis = JSON.parse(readFileSync(genesisPath, 'utf8'))
genesis.params.daWindowBlocks = daWindow // short, so DA pruning runs (and is judged) within the soak
writeFileSync(genesisPath, JSON.stringify(genesis, null, 2) + '\n')
await linkDevnetPeers(home)
const genesisHash = '0x' + createHash('sha256').update(readFileSync(genesisPath)).digest('hex')
// every Node process below (nodes, light nodes) preloads the heap probe; the challengers' deadline
// is widened as in the PoRA integration test (a loaded 2-core box must not turn honest answers late)
process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import=${pathToFileURL(join(root, 'scripts', 'soak', 'heap-probe.mjs')).href}`.trim()
// --heap-snapshots node1,light-a: those processes write V8 heap snapshots into OUT/heap when the
// second half starts and at the end (SIGUSR2), to diff in Chrome DevTools (Memory → Comparison)
const snapshotOf = opt['heap-snapshots'] === undefined ? [] : opt['heap-snapshots'].split(',').filter((x) => x !== '')
if (snapshotOf.length > 0) {
  mkdirSync(join(out, 'heap'), { recursive: true })
  process.env.NODE_OPTIONS += ` --heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${join(process.cwd(), out, 'heap')}`
}
process.env.GLOWMESH_SOAK_PROBE_DIR = probeDir
process.env.GLOWMESH_PORA_DEADLINE_MS ??= '3000'
const deaths = []
say(`[soak] seed ${seed} · ${minutes} min · block time ${blockTimeMs} ms · DA window ${daWindow} blocks · PoRA deadline ${process.env.GLOWMESH_PORA_DEADLINE_MS} ms · home ${home}`)
const devnet = await runDevnet({ home, blockTimeMs, basePort, log: (l) => { say(`[soak] devnet: ${l}`); if (/exited/.test(l)) deaths.push(l) } })
const rpc = (i) => createRpcClient({ url: devnet.nodes[i].rpcUrl, timeoutMs: 30_000 })
const controller = new AbortController()
setMaxListeners(0, controller.signal) // one listener per pending sampling wait
const lights = []
let stopping = false
const shutdown = async () => {
  if (stopping) return
  stopping = true
  controller.abort()
  await Promise.allSettled(lights.map(async (l) => await l.stop()))
  await devnet.stop()
  if (!opt.keep) rmSync(home, { recursive: true, force: true })
}
for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => { say(`[soak] ${sig}: stopping`); shutdown().finally(() => process.exit(2)) })

// ---- an account, a long-lived 2 MiB file (whole 1 MiB sectors for the pledging node), light nodes
const epochs = Math.ceil((minutes * 60_000 / blockTimeMs) / genesis.params.epochBlocks) + 5 // nothing expires during the run
const rng = { put: createRng(seed ^ 0x1111), get: createRng(seed ^ 0x2222), da: createRng(seed ^ 0x3333) }
try {
  // one account per loop that sends transactions, so their nonces never race
  for (const name of ['default', 'da']) {
    await cli(['keys', 'new', '--name', name, '--home', home])
    await cli(['faucet', '--name', name, '--home', home])
  }
  const first = join(work, 'sectors.bin')
  writeFileSync(first, randomBytesFrom(createRng(seed), 2 * 1024 * 1024))
  await cli(['put', first, '--json', '--epochs', String(epochs), '--home', home])
  rmSync(first)
} catch (err) { say(`[soak] setup failed: ${err.message}`); await shutdown(); process.exit(2) }
const launcher = join(root, 'cli', 'glowmesh.js')
const lightSpecs = [{ name: 'light-pledge', node: 1, pledge: '4MiB' }, { name: 'light-a', node: 2 }, { name: 'light-b', node: 3 }]
for (const s of lightSpecs) lights.push(spawnLight({ name: s.name, home: lightHome(home, s.name), log: join(home, 'logs', `${s.name}.stderr`), launcher, rpcUrl: devnet.nodes[s.node].rpcUrl, genesisHash, pledge: s.pledge, env: process.env }))
const key = await loadKey(home, 'da')
const kzg = await createNativeKzg({ precompute: false })

// ---- load, sampling once per --sample-every, a report once a minute
const start = Date.now()
const ops = []
const record = (op) => { const o = { t: (Date.now() - start) / 60_000, ...op }; ops.push(o); jsonl('ops.jsonl', o) }
const load = startLoad({ home, work, nodes: devnet.nodes.length, rpc, kzg, key, lights, rng, epochs, record, signal: controller.signal })
const blobBytes = CELLS_PER_EXT_BLOB * (BYTES_PER_CELL + BYTES_PER_PROOF)
const logTails = new Map()
const logErrors = async (name, path, re) => {
  if (!logTails.has(path)) logTails.set(path, createLogTail(path))
  return (await logTails.get(path).read()).filter((l) => re.test(l)).length
}
const NODE_ERR = /\b(error|exception|fatal|uncaught)\b/i
const COMET_ERR = /^E\[|\blevel=(error|err)\b|\bERR\b/
const samples = []
const errorsSoFar = new Map()

async function sample () {
  const t = (Date.now() - start) / 60_000
  let height
  try { height = (await rpc(0).status()).height } catch {}
  const stored = load.files.reduce((a, f) => a + f.size, 2 * 1024 * 1024)
  const daHeld = load.blobs.filter((b) => height === undefined || b.height > height - daWindow).reduce((a, b) => a + b.blobs, 0) * blobBytes
  const procs = {}
  const add = async (name, pid, extra) => {
    const p = await sampleProcess(pid)
    const h = p.alive ? await readHeapProbe(probeDir, pid) : undefined
    procs[name] = { pid, ...p, heap: h?.heapAfterGc ?? h?.heapUsed, heapUsed: h?.heapUsed, heapTotal: h?.heapTotal, external: h?.external, ...extra }
  }
  for (const n of devnet.nodes) {
    const dir = devnetNodeDir(home, n.index)
    const [all, comet] = await Promise.all([diskUsage(dir), diskUsage(join(dir, 'cometbft'))])
    let cometLog = 0
    try { cometLog = statSync(join(dir, 'cometbft.log')).blocks * 512 } catch {}
    errorsSoFar.set(`node${n.index}`, (errorsSoFar.get(`node${n.index}`) ?? 0) + await logErrors(`node${n.index}`, join(dir, 'node.log'), NODE_ERR))
    errorsSoFar.set(`comet${n.index}`, (errorsSoFar.get(`comet${n.index}`) ?? 0) + await logErrors(`comet${n.index}`, join(dir, 'cometbft.log'), COMET_ERR))
    await add(`node${n.index}`, n.process()?.pid, { disk: all - comet - cometLog, deliberate: stored + daHeld, errors: errorsSoFar.get(`node${n.index}`) })
    await add(`comet${n.index}`, await readPidFile(join(dir, 'cometbft.pid')), { disk: comet + cometLog, errors: errorsSoFar.get(`comet${n.index}`) })
  }
  for (const l of lights) {
    await add(l.name, l.exited === undefined ? l.pid : undefined, {
      disk: await diskUsage(l.home),
      errors: l.errors,
      lastError: l.lastErrors.at(-1),
      lag: height === undefined || l.status === undefined ? undefined : height - l.status.verifiedHeight,
      verifiedHeight: l.status?.verifiedHeight,
      sampledBlocks: l.status?.sampledBlocks,
      challengesAnswered: l.status?.challengesAnswered,
      challengesFailed: l.status?.challengesFailed
    })
  }
  const m = process.memoryUsage()
  const self = await sampleProcess(process.pid)
  procs.soak = { pid: process.pid, ...self, heap: m.heapUsed, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, errors: ops.filter((o) => !o.ok).length }
  const s = { t, at: new Date().toISOString(), height, stored, daHeld, procs }
  samples.push(s)
  jsonl('samples.jsonl', s)
  return s
}

const minutesOut = []
let lastMinute = { sample: undefined, opIndex: 0 }
const sleep = async (ms) => await new Promise((resolve) => setTimeout(resolve, ms))
try {
  lastMinute.sample = await sample()
  for (let k = 1, minute = 1; ; k++) {
    await sleep(Math.max(0, start + k * sampleEveryMs - Date.now()))
    const s = await sample()
    const half = k * sampleEveryMs >= minutes * 30_000 && (k - 1) * sampleEveryMs < minutes * 30_000
    const last = (k + 1) * sampleEveryMs >= minutes * 60_000 && k * sampleEveryMs < minutes * 60_000 // one sample before the end: a snapshot takes seconds
    if (half || last) {
      for (const name of snapshotOf) {
        const pid = s.procs[name]?.pid
        if (pid === undefined || !s.procs[name].alive) { say(`[soak] heap snapshot: no running process '${name}'`); continue }
        process.kill(pid, 'SIGUSR2')
        say(`[soak] heap snapshot of ${name} (pid ${pid}) requested: ${join(out, 'heap')}`)
      }
    }
    if (k * sampleEveryMs < minute * 60_000) continue
    const m = formatMinute({ minute, sample: s, prev: lastMinute.sample, ops: ops.slice(lastMinute.opIndex), samplesInMinute: samples.filter((x) => x.t > lastMinute.sample.t), clockTicks: CLOCK_TICKS })
    for (const line of m.lines) say(line)
    jsonl('minutes.jsonl', m.record)
    minutesOut.push(m.record)
    lastMinute = { sample: s, opIndex: ops.length }
    if (minute >= minutes) break
    minute++
  }
} catch (err) {
  say(`[soak] harness error: ${err.stack ?? err}`)
  deaths.push(`harness: ${err.message}`)
}

// ---- stop the load (pending sampling waits end with it), the light nodes and the devnet; judge
controller.abort()
await load.stopped
const died = lights.filter((l) => l.exited !== undefined).map((l) => `${l.name} exited (code ${l.exited.code}, signal ${l.exited.signal}); last stderr: ${l.stderrTail.split('\n').slice(-4).join(' | ')}`)
await shutdown()
const verdict = leakVerdict({ samples, exclude: ['soak'], skip: Object.fromEntries(snapshotOf.map((n) => [n, ['rss']])) })
const totals = summarizeOps(ops)
const failing = Object.entries(totals).filter(([, v]) => v.n > 0 && v.failed / v.n > 0.05).map(([k, v]) => `${k}: ${v.failed} of ${v.n} failed (last: ${v.lastError})`)
say(`[soak] totals: ${Object.entries(totals).map(([k, v]) => `${k} ${v.n - v.failed}/${v.n} ok, p50 ${v.p50} ms, p99 ${v.p99} ms`).join(' · ')}`)
say(`[soak] stored on purpose: ${load.files.length + 1} files (${(samples.at(-1)?.stored / 2 ** 20).toFixed(1)} MiB), ${load.blobs.length} DA submissions (${load.blobs.reduce((a, b) => a + b.blobs, 0)} blobs); chain ${samples.at(-1)?.height} blocks, ${verdict.blocksPerMinute.toFixed(1)} blocks/min in the second half`)
say(`[soak] verdict over minutes ${verdict.fromMinute.toFixed(1)}–${samples.at(-1)?.t.toFixed(1)} (least squares; suspected leak = slope above the threshold and slope − 2·SE > 0); thresholds: RSS ${fmt('rss', DEFAULT_THRESHOLDS.rss)}, heap after GC ${fmt('heap', DEFAULT_THRESHOLDS.heap)}, fds ${fmt('fds', DEFAULT_THRESHOLDS.fds)}, disk beyond stored data ${fmt('disk', DEFAULT_THRESHOLDS.disk)}`)
for (const f of verdict.fits) say(`[soak]   ${f.name.padEnd(12)} ${f.metric.padEnd(4)} ${fmt(f.metric, f.slope).padStart(16)} ± ${fmt(f.metric, f.se)}${verdict.flagged.some((x) => x.name === f.name && x.metric === f.metric) ? '  ← SUSPECTED LEAK' : ''}`)
for (const n of verdict.notes) say(`[soak] note: ${n}`)
const failures = [...deaths, ...died, ...failing]
let code = 0
let result = 'NO LEAK'
if (verdict.leak) { code = 1; result = 'SUSPECTED LEAK' }
if (failures.length > 0) { code = verdict.leak ? 1 : 2; result += ' · SOAK FAILED' }
for (const f of verdict.flagged) say(`[soak] leak: ${f.reason}`)
for (const f of failures) say(`[soak] failure: ${f}`)
say(`[soak] verdict: ${result} (exit ${code}); seed ${seed}; output in ${out}`)
writeFileSync(join(out, 'summary.json'), JSON.stringify({ seed, minutes, blockTimeMs, daWindow, sampleEveryMs, startedAt: new Date(start).toISOString(), result, exitCode: code, totals, verdict, failures, minutes: minutesOut }, null, 2) + '\n')
process.exit(code)
