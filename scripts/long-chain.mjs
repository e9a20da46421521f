#!/usr/bin/env node
// `npm run long-chain [-- --blocks 10000 --block-time 25 --keep]` (issue 13 part 3): a 4-validator
// devnet in fast-block mode builds a long chain (a transfer, a stored file and a DA blob early on),
// then a 5th full node joins by state sync (`glowmesh init --state-sync`, real `glowmesh node`) and
// a `glowmesh light --checkpoint` starts from a recent header. Prints `[long-chain] …` lines: chain
// build rate, snapshot size and chunk count (the validators' own log), restore time, block-sync
// replay rate, the joiner's catch-up, the light node's checkpoint start, disk sizes. Not in CI.
// Runs the built CLI (dist/): `npm run build` first. Shares the machine: run it under the lock.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync, statSync, existsSync } from 'node:fs'
import { tmpdir, loadavg } from 'node:os'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { runDevnet, repoRoot } from '../dist/fullnode/devnet-run.js'
import { joinByStateSync } from '../dist/fullnode/devnet-join.js'
import { freeBasePort } from '../dist/fullnode/ports.js'
import { createRpcClient } from '../dist/fullnode/rpc/client.js'

const arg = (name, dflt) => { const i = process.argv.indexOf(`--${name}`); return i === -1 ? dflt : process.argv[i + 1] }
const BLOCKS = Number(arg('blocks', '10000'))
const BLOCK_MS = Number(arg('block-time', '25'))
const KEEP = process.argv.includes('--keep')
const home = mkdtempSync(join(tmpdir(), 'glowmesh-long-'))
const launcher = join(repoRoot(), 'cli', 'glowmesh.js')
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const out = (line) => console.log(`[long-chain] ${line}`)
const s = (ms) => `${(ms / 1000).toFixed(1)} s`
const mb = (b) => `${(b / 1e6).toFixed(1)} MB`

function du (dir) {
  if (!existsSync(dir)) return 0
  let n = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    n += e.isDirectory() ? du(p) : e.isFile() ? statSync(p).blocks * 512 : 0
  }
  return n
}

function cli (args, { timeoutMs = 180_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--experimental-websocket', launcher, ...args, '--home', home], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''; let stderr = ''
    const t = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`glowmesh ${args.join(' ')} timed out`)) }, timeoutMs)
    child.stdout.on('data', (d) => { stdout += d }); child.stderr.on('data', (d) => { stderr += d })
    child.on('close', (code) => { clearTimeout(t); code === 0 ? resolve(stdout) : reject(new Error(`glowmesh ${args.join(' ')} exited ${code}: ${stderr.slice(-800)}`)) })
  })
}

// CPU seconds (user + system) of a process, from /proc (Linux); 0 when it is gone.
function cpuS (pid) {
  try { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) / 100 } catch { return 0 }
}
const pidsOf = (dirs) => dirs.flatMap((d) => ['node.pid', 'cometbft.pid'].map((f) => { try { return [f, Number(readFileSync(join(d, f), 'utf8'))] } catch { return [f, 0] } }))
function cpuSplit (dirs) { const p = pidsOf(dirs); return { node: p.filter(([f]) => f === 'node.pid').reduce((n, [, pid]) => n + cpuS(pid), 0), engine: p.filter(([f]) => f === 'cometbft.pid').reduce((n, [, pid]) => n + cpuS(pid), 0) } }

async function until (what, cond, timeoutMs, everyMs = 250) {
  const end = Date.now() + timeoutMs
  let last = ''
  for (;;) {
    try { const v = await cond(); if (v !== undefined && v !== false) return v } catch (err) { last = err.message }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} ${last}`)
    await sleep(everyMs)
  }
}

out(`${BLOCKS} blocks at a ${BLOCK_MS} ms setting, 4 validators + 1 joiner + 1 light node on ${home}; load ${loadavg()[0].toFixed(2)} (machine shared)`)
const t0 = Date.now()
const devnet = await runDevnet({ home, validators: 4, blockTimeMs: BLOCK_MS, basePort: await freeBasePort(4), log: () => {} })
let joiner
let light
// Ctrl-C / timeout: stop every process this script started before exiting (never leave a devnet running).
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    out(`${sig}: stopping the devnet, the joiner and the light node`)
    light?.kill('SIGKILL')
    Promise.allSettled([joiner?.stop(), devnet.stop()]).finally(() => { if (!KEEP) rmSync(home, { recursive: true, force: true }); process.exit(130) })
  })
}
try {
  const rpc = createRpcClient({ url: devnet.nodes[0].rpcUrl, timeoutMs: 10_000 })
  out(`devnet up in ${s(Date.now() - t0)}`)
  // a little of everything early on, so the snapshot holds accounts, a file and a DA record
  await cli(['keys', 'new'])
  await cli(['faucet', '--json'])
  const to = '0x' + createHash('sha256').update('long-chain').digest('hex').slice(0, 40)
  await cli(['transfer', to, '777', '--json'])
  const file = join(home, 'file.bin'); writeFileSync(file, Buffer.alloc(600_000, 7))
  await cli(['put', file, '--json'])
  const blob = join(home, 'blob.bin'); writeFileSync(blob, Buffer.alloc(100_000, 9))
  await cli(['da', 'submit', blob, '--json'])
  out(`txs committed by height ${(await rpc.status()).height}`)

  const tBuild = Date.now()
  const h0 = (await rpc.status()).height
  const cpu0 = cpuSplit(devnet.nodes.map((n) => n.dir))
  let lastLog = Date.now()
  const head = await until(`height ${BLOCKS}`, async () => {
    const h = (await rpc.status()).height
    if (Date.now() - lastLog > 60_000) { lastLog = Date.now(); console.error(`  … height ${h} (${((h - h0) / ((Date.now() - tBuild) / 1000)).toFixed(1)} blocks/s)`) }
    return h >= BLOCKS ? h : undefined
  }, 4 * 3600_000, 1000)
  const buildMs = Date.now() - t0
  const cpu1 = cpuSplit(devnet.nodes.map((n) => n.dir))
  const built = head - h0
  out(`build CPU per block (4 validators together): glowmesh node processes ${(1000 * (cpu1.node - cpu0.node) / built).toFixed(0)} ms, their cometbft ${(1000 * (cpu1.engine - cpu0.engine) / built).toFixed(0)} ms; wall ${((Date.now() - tBuild) / built).toFixed(0)} ms/block on 2 shared cores`)
  out(`chain built: height ${head} in ${s(buildMs)} since the devnet start (${(head / (buildMs / 1000)).toFixed(1)} blocks/s overall, ${((head - h0) / ((Date.now() - tBuild) / 1000)).toFixed(1)} blocks/s once the txs were in)`)
  const snaps = readFileSync(join(devnet.nodes[0].dir, 'node.log'), 'utf8').split('\n').filter((l) => /^snapshot at height/.test(l))
  out(`node0 snapshots taken: ${snaps.length}; last: ${snaps.at(-1) ?? 'none'}`)
  const nodeDisk = { state: du(join(devnet.nodes[0].dir, 'data', 'state')), engine: du(join(devnet.nodes[0].dir, 'cometbft', 'data')) }
  out(`node0 disk: app state (LevelDB, with its snapshots) ${mb(nodeDisk.state)}, CometBFT data ${mb(nodeDisk.engine)} (${(nodeDisk.engine / head).toFixed(0)} B/block)`)

  // the join
  const tJoin = Date.now()
  joiner = await joinByStateSync({ genesisPath: devnet.genesisPath, validatorDirs: devnet.nodes.map((n) => n.dir), dir: join(home, 'joiner'), blockTimeMs: BLOCK_MS, initArgs: ['--discovery-time', '5s'] })
  const jlog = () => { try { return readFileSync(join(joiner.dir, 'node.log'), 'utf8') } catch { return '' } }
  out(`joiner: trusting height ${joiner.trust.height} (RPC1's latest commit)`)
  const offered = await until('the snapshot offer', async () => /restoring snapshot at height (\d+): (\d+) chunks/.exec(jlog()) ?? undefined, 600_000)
  const tOffer = Date.now()
  const restored = await until('the restore', async () => /restored snapshot at height (\d+), app hash \S+ \((\d+) chunk\(s\), (\d+) bytes, (\d+) ms/.exec(jlog()) ?? undefined, 600_000, 100)
  const tRestored = Date.now()
  const snapHeight = Number(restored[1])
  out(`snapshot at height ${snapHeight}: ${restored[2]} chunk(s), ${mb(Number(restored[3]))} (${restored[3]} bytes); offered ${s(tOffer - tJoin)} after init (5 s discovery included), restored in ${restored[4]} ms (app: offer → last chunk applied and checked)`)
  const jr = createRpcClient({ url: joiner.rpcUrl, timeoutMs: 10_000 })
  const caught = await until('the joiner to reach the head', async () => {
    const [mine, theirs] = await Promise.all([jr.status(), rpc.status()])
    return !mine.catchingUp && mine.height >= theirs.height - 2 ? mine.height : undefined
  }, 1800_000, 250)
  const tCaught = Date.now()
  const replayed = caught - snapHeight
  out(`joiner at the head (${caught}) ${s(tCaught - tJoin)} after init: ${replayed} blocks block-synced/replayed in ${s(tCaught - tRestored)} (${(replayed / ((tCaught - tRestored) / 1000)).toFixed(1)} blocks/s, while the chain kept growing)`)
  const info = await (await fetch(`${joiner.engineUrl}/abci_info`)).json()
  const lh = Number(info.result.response.last_block_height)
  const next = await until(`header ${lh + 1}`, async () => await rpc.header(lh + 1), 60_000)
  const same = Buffer.from(info.result.response.last_block_app_hash, 'base64').toString('hex') === next.header.app_hash.toLowerCase()
  out(`joiner app hash at ${lh} ${same ? 'equals' : 'DIFFERS FROM'} the validators'`)
  out(`joiner disk: app state ${mb(du(join(joiner.dir, 'data', 'state')))}, CometBFT data ${mb(du(join(joiner.dir, 'cometbft', 'data')))}`)

  // a light node from a recent checkpoint
  const cpHeight = (await rpc.status()).height - 20
  const cp = await rpc.header(cpHeight)
  const genesisHash = '0x' + createHash('sha256').update(readFileSync(devnet.genesisPath)).digest('hex')
  const tLight = Date.now()
  light = spawn(process.execPath, ['--experimental-websocket', launcher, 'light', '--json', '--home', join(home, 'light'), '--rpc', devnet.nodes[2].rpcUrl, '--genesis-hash', genesisHash, '--checkpoint', `${cpHeight}:${cp.hash}`, '--sample-count', '4'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let verified = 0; let buf = ''; let lerr = ''
  light.stdout.on('data', (d) => { buf += d; let i; while ((i = buf.indexOf('\n')) >= 0) { try { verified = JSON.parse(buf.slice(0, i)).verifiedHeight ?? verified } catch {} buf = buf.slice(i + 1) } })
  light.stderr.on('data', (d) => { lerr += d })
  const target = (await rpc.status()).height - 1
  await until(`the light node to verify ${target}`, async () => { if (light.exitCode !== null) throw new Error(`light exited: ${lerr.slice(-800)}`); return verified >= target }, 300_000, 100)
  out(`light node from checkpoint ${cpHeight} (chain height ${target + 1}): verified the head in ${s(Date.now() - tLight)} (process start included)`)
  out(`total ${s(Date.now() - t0)}`)
} finally {
  light?.kill('SIGINT')
  await joiner?.stop()
  await devnet.stop()
  if (KEEP) console.error(`kept ${home}`)
  else rmSync(home, { recursive: true, force: true })
}
