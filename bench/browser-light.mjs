#!/usr/bin/env -S node --experimental-websocket
// The browser light node's figures (issue 10 "Performance"), real parts only: a 4-validator devnet on
// loopback, headless Debian Chromium (playwright-core), bench/browser-page bundled with vite 8.
//  1. page load → first verified header (genesis anchor) and → first verified head, fresh context per run, p50;
//     the same for a Node light node (createNodeTransport, TCP) in the same run, as the reference
//  2. header verification per block: the core's verify() on N adjacent light blocks, in the page vs in Node
//  3. one block's k = 16 KZG batch (what the sampler checks per peer): pure JS in the page, in the
//     dedicated Worker (worker/), vs pure JS in Node; and a live block sampled end to end in the page
//  4. leader hand-over after the leader tab closes (two tabs, one context), p50
//  5. page memory (CDP Performance.getMetrics JSHeapUsedSize) over N minutes of a running node, blobs every 30 s
// Run under the shared lock after `npm run build` (not part of `npm test`):
//   node --experimental-websocket --import ./cli/polyfills.js bench/browser-light.mjs [--runs 5] [--headers 100] [--minutes 10] [--block-time 300]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { sha256 } from '@noble/hashes/sha2.js'
import { buildBenchPage, cli, freeBasePort, launchChromium, line, ms, p50, serveDir, sleep } from './browser-common.mjs'

const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : dflt }
const RUNS = arg('--runs', 5)
const HEADERS = arg('--headers', 100)
const MINUTES = arg('--minutes', 10)
const BLOCK_TIME = arg('--block-time', 300)
const setup = `4-validator devnet, ${BLOCK_TIME} ms blocks, headless Chromium, ${availableParallelism()} cores`

const { runDevnet } = await import('../dist/fullnode/devnet-run.js')
const { createRpcClient } = await import('../dist/fullnode/rpc/client.js')
const { createLightNode } = await import('../dist/client/index.js')
const { createNodeTransport } = await import('../dist/client/node/index.js')
const chain = await import('../dist/protocol/chain/index.js')
const da = await import('../dist/protocol/da/index.js')
const { toHex } = await import('../dist/protocol/bytes.js')
const { createNativeKzg } = await import('../dist/fullnode/da/index.js')

const tmp = mkdtempSync(join(tmpdir(), 'glowmesh-bench-browser-'))
const home = join(tmp, 'devnet')
const pageDir = join(tmp, 'page')
const [devnet] = await Promise.all([
  runDevnet({ home, validators: 4, blockTimeMs: BLOCK_TIME, basePort: await freeBasePort(4), log: () => {} }),
  buildBenchPage(pageDir)
])
const browser = await launchChromium()
const site = await serveDir(pageDir)
// the ratios compare JIT engines too: Node 20 ships V8 11.3, Debian's Chromium a much newer V8 (BigInt-heavy noble code gains)
const engines = `Node ${process.version} V8 ${process.versions.v8} vs Chromium ${browser.version()}`
const rpcUrl = devnet.nodes[0].rpcUrl
const rpc = createRpcClient({ url: rpcUrl, timeoutMs: 10_000 })
const genesisBytes = new Uint8Array(readFileSync(devnet.genesisPath))
const genesisHash = toHex(sha256(genesisBytes))
const chainId = JSON.parse(new TextDecoder().decode(genesisBytes)).chainId
const pageUrl = (mode) => `${site.url}?mode=${mode}&rpc=${encodeURIComponent(rpcUrl)}&genesis=${genesisHash}`
const waitHeight = async (h) => { for (;;) { if ((await rpc.status()).height >= h) return; await sleep(200) } }
const memStore = () => ({ m: new Map(), async get (k) { return this.m.get(k) }, async put (k, v) { this.m.set(k, v) }, async delete (k) { this.m.delete(k) }, async keys (p) { return [...this.m.keys()].filter(k => k.startsWith(p)).sort() }, async close () {} })

try {
  await waitHeight(3)
  // --- 1. page load → first verified header / head (fresh context = empty IndexedDB each run) ------
  const pageFirst = []
  const pageHead = []
  for (let r = 0; r < RUNS; r++) {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(pageUrl('node'))
    await page.waitForFunction(() => window.benchProbe?.firstVerifiedMs !== undefined || window.benchProbe?.error !== undefined, undefined, { timeout: 60_000 })
    const head = (await rpc.status()).height - 2
    // the core moves its trusted height before it records (and emits) the headers: wait for the event
    await page.waitForFunction((h) => Object.keys(window.benchProbe.headerAt).some((k) => Number(k) >= h) || window.benchProbe?.error !== undefined, head, { timeout: 60_000, polling: 10 })
    // when the first header at or above the chain's head (as it was) was accepted
    const p = await page.evaluate((h) => ({ first: window.benchProbe.firstVerifiedMs, head: Math.min(...Object.entries(window.benchProbe.headerAt).filter(([k]) => Number(k) >= h).map(([, t]) => t)), error: window.benchProbe.error }), head)
    if (p.error !== undefined) throw new Error(p.error)
    pageFirst.push(p.first)
    pageHead.push(p.head)
    await context.close()
  }
  const nodeFirst = []
  const nodeHead = []
  const peers = (await rpc.bootstrap()).multiaddrs
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now()
    const transport = await createNodeTransport({ key: chain.generateKey(), chainId, peers })
    const node = createLightNode({ transport, store: memStore(), genesis: { bytes: genesisBytes, hash: genesisHash } })
    let first
    let head = Infinity
    let atHead
    const reached = new Promise((resolve) => { atHead = resolve })
    node.on('header', (h) => { first ??= performance.now() - t0; if (h.height >= head) atHead() })
    await node.start()
    head = (await rpc.status()).height - 2
    if (node.headers().some((h) => h.height >= head)) atHead()
    await reached
    nodeHead.push(performance.now() - t0)
    nodeFirst.push(first)
    await node.stop()
    await transport.close()
  }
  line('page load → first verified header (genesis anchor), p50', ms(p50(pageFirst)), `${RUNS} runs: ${pageFirst.map(x => x.toFixed(0)).join(', ')} ms; ${setup}`)
  line('Node light node start → first verified header, p50', ms(p50(nodeFirst)), `${RUNS} runs, libp2p TCP; ratio page/Node ${(p50(pageFirst) / p50(nodeFirst)).toFixed(2)}x (the page's figure includes page load, GET /genesis and /bootstrap)`)
  line('page load → verified chain head, p50', ms(p50(pageHead)), `${RUNS} runs: ${pageHead.map(x => x.toFixed(0)).join(', ')} ms; Node start → head p50 ${ms(p50(nodeHead))}, ratio ${(p50(pageHead) / p50(nodeHead)).toFixed(2)}x`)

  // --- 2. header verification per block: the core's verify() on adjacent light blocks ---------------
  const calc = await (await browser.newContext()).newPage()
  await calc.goto(pageUrl('calc'))
  await waitHeight(HEADERS + 2)
  const rounds = 5
  const inPage = await calc.evaluate(async ([u, n, r]) => await window.benchPage.verifyHeaders(u, 1, n, r), [rpcUrl, HEADERS, rounds])
  const lbs = []
  for (let h = 1; h <= HEADERS + 1; h++) {
    const [hd, vals] = await Promise.all([rpc.header(h), rpc.validators(h)])
    lbs.push({ signedHeader: chain.signedHeaderFromJson({ header: hd.header, commit: hd.commit }), validators: chain.validatorsFromJson(vals.validators) })
  }
  const inNode = []
  for (let r = 0; r < rounds; r++) {
    const t = performance.now()
    for (let i = 1; i < lbs.length; i++) chain.verify({ trusted: lbs[i - 1], untrusted: lbs[i].signedHeader, untrustedVals: lbs[i].validators, trustingPeriodMs: 14 * 86_400_000, now: Date.now(), maxClockDriftMs: 10_000 })
    inNode.push((performance.now() - t) / (lbs.length - 1))
  }
  line('header verification per block in Chromium (adjacent, 4 validators), p50', ms(p50(inPage.perBlockMs)), `${inPage.blocks} blocks × ${rounds} rounds; first round ${ms(inPage.perBlockMs[0])}`)
  line('header verification per block in Node, p50', ms(p50(inNode)), `same blocks; ratio Chromium/Node ${(p50(inPage.perBlockMs) / p50(inNode)).toFixed(2)}x; ${engines}`)

  // --- 3. one block's k = 16 KZG batch: page, Worker, Node ------------------------------------------
  const native = await createNativeKzg({ precompute: false })
  const blob = da.packBlobs(new Uint8Array(100_000).map((_, i) => (i * 31) % 251))[0]
  const enc = await native.encodeBlob(blob)
  const cols = da.sampleColumns(16)
  const batch = { commitments: cols.map(() => enc.commitment), cellIndices: cols, cells: cols.map(c => enc.cells[c]), proofs: cols.map(c => enc.proofs[c]) }
  const b64 = (u) => Buffer.from(u).toString('base64')
  const wire = { commitments: batch.commitments.map(b64), cellIndices: cols, cells: batch.cells.map(b64), proofs: batch.proofs.map(b64) }
  const KZG_RUNS = 5
  const kzgPage = await calc.evaluate(async ([b, n]) => await window.benchPage.verifyCells(b, n, 'page'), [wire, KZG_RUNS])
  const js = da.jsKzg()
  let t = performance.now(); await js.preload(); const nodePreload = performance.now() - t
  t = performance.now(); await js.verifyCells(batch); const nodeFirstKzg = performance.now() - t
  const kzgNode = []
  for (let i = 0; i < KZG_RUNS; i++) { t = performance.now(); if (!await js.verifyCells(batch)) throw new Error('KZG batch did not verify in Node'); kzgNode.push(performance.now() - t) }
  line('verify one block k=16 (one KZG batch, 1 blob) in Chromium, pure JS, p50', ms(p50(kzgPage.runsMs)), `${KZG_RUNS} warm runs; first ${ms(kzgPage.firstMs)}, trusted-setup preload ${ms(kzgPage.preloadMs)}`)
  line('verify one block k=16 in Node, pure JS, p50', ms(p50(kzgNode)), `first ${ms(nodeFirstKzg)}, preload ${ms(nodePreload)}; ratio Chromium/Node ${(p50(kzgPage.runsMs) / p50(kzgNode)).toFixed(2)}x; ${engines}`)
  try {
    const kzgWorker = await calc.evaluate(async ([b, n]) => await window.benchPage.verifyCells(b, n, 'worker'), [wire, KZG_RUNS])
    line('verify one block k=16 through the dedicated Worker (worker/), p50', ms(p50(kzgWorker.runsMs)), `incl. postMessage; first ${ms(kzgWorker.firstMs)}, preload in the Worker ${ms(kzgWorker.preloadMs)}; ratio Worker/page ${(p50(kzgWorker.runsMs) / p50(kzgPage.runsMs)).toFixed(2)}x`)
  } catch (err) { line('verify one block k=16 through the dedicated Worker', 'n/a', String(err.message).split('\n')[0].slice(0, 160)) }
  await calc.context().close()

  // --- 4. leader hand-over: two tabs of one context, the leader closes -------------------------------
  const toLeader = []
  const toHeader = []
  for (let r = 0; r < 3; r++) {
    const context = await browser.newContext()
    const a = await context.newPage()
    await a.goto(pageUrl('tab'))
    await a.waitForFunction(() => (window.glowmesh?.status().verifiedHeight ?? 0) > 0 || window.benchProbe?.error !== undefined, undefined, { timeout: 60_000 })
    const b = await context.newPage()
    await b.goto(pageUrl('tab'))
    await b.waitForFunction(() => window.glowmesh?.role === 'follower' && window.glowmesh.status().verifiedHeight > 0, undefined, { timeout: 60_000 })
    const closed = Date.now()
    await a.close()
    await b.waitForFunction(() => window.glowmesh?.role === 'leader', undefined, { timeout: 60_000, polling: 10 })
    toLeader.push(Date.now() - closed)
    const resumed = await b.evaluate(() => window.glowmesh.resumedFrom)
    await b.waitForFunction((h) => (window.glowmesh?.status().verifiedHeight ?? 0) > h, resumed, { timeout: 60_000, polling: 10 })
    toHeader.push(Date.now() - closed)
    await context.close()
  }
  line('leader hand-over: leader tab closed → follower leads (node started), p50', ms(p50(toLeader)), `3 runs: ${toLeader.join(', ')} ms`)
  line('leader hand-over: leader tab closed → first newly verified header, p50', ms(p50(toHeader)), `3 runs: ${toHeader.join(', ')} ms`)

  // --- 5. a running node for MINUTES: blobs every 30 s (end-to-end sampling), heap each minute ------
  await cli(['keys', 'new', '--home', home])
  await cli(['faucet', '--json', '--home', home])
  const context = await browser.newContext()
  const page = await context.newPage()
  await page.goto(pageUrl('node'))
  await page.waitForFunction(() => window.benchProbe?.firstVerifiedMs !== undefined || window.benchProbe?.error !== undefined, undefined, { timeout: 60_000 })
  const cdp = await context.newCDPSession(page)
  await cdp.send('Performance.enable')
  const heap = async () => { const { metrics } = await cdp.send('Performance.getMetrics'); const m = Object.fromEntries(metrics.map(x => [x.name, x.value])); return { used: m.JSHeapUsedSize / 2 ** 20, total: m.JSHeapTotalSize / 2 ** 20, nodes: m.Nodes } }
  const mib = (x) => `${x.toFixed(1)} MiB`
  const start = await heap()
  const blobFile = join(tmp, 'blob.bin')
  const submitted = []
  const t0 = Date.now()
  let nextBlob = t0
  let nextMinute = t0 + 60_000
  while (Date.now() - t0 < MINUTES * 60_000) {
    if (Date.now() >= nextBlob) {
      writeFileSync(blobFile, new Uint8Array(60_000).map((_, i) => (i * 7 + submitted.length) % 251))
      try { submitted.push(JSON.parse(await cli(['da', 'submit', blobFile, '--json', '--home', home])).height) } catch (err) { console.log(`(blob not submitted: ${String(err.message).split('\n')[0]})`) }
      nextBlob += 30_000
    }
    if (Date.now() >= nextMinute) {
      const h = await heap()
      console.log(`  minute ${Math.round((Date.now() - t0) / 60_000)}: JSHeapUsedSize ${mib(h.used)} (total ${mib(h.total)}), verified height ${await page.evaluate(() => window.glowmesh?.status().verifiedHeight)}`)
      nextMinute += 60_000
    }
    await sleep(1000)
  }
  const end = await heap()
  await cdp.send('HeapProfiler.enable')
  await cdp.send('HeapProfiler.collectGarbage')
  const gc = await heap()
  const probe = await page.evaluate(() => ({ p: window.benchProbe, status: window.glowmesh?.status(), mem: performance.memory?.usedJSHeapSize }))
  const e2e = submitted.filter(h => probe.p.sampledAt[h] !== undefined && probe.p.headerAt[h] !== undefined).map(h => probe.p.sampledAt[h][0] - probe.p.headerAt[h])
  if (e2e.length > 0) line('live block sampled in Chromium (header accepted → 16 columns fetched and KZG-verified), p50', ms(p50(e2e)), `${e2e.length}/${submitted.length} blobs sampled, ${probe.p.unavailable.length} unavailable; confidence ${probe.p.sampledAt[submitted.find(h => probe.p.sampledAt[h] !== undefined)]?.[1]}`)
  line(`page memory after ${MINUTES} min running (CDP JSHeapUsedSize)`, mib(end.used), `at start ${mib(start.used)}; after a forced GC ${mib(gc.used)}; performance.memory ${mib((probe.mem ?? NaN) / 2 ** 20)}; ${probe.status?.sampledBlocks} blocks sampled, verified height ${probe.status?.verifiedHeight}, DOM nodes ${end.nodes}`)
  await context.close()
} finally {
  await browser.close().catch(() => {})
  await site.close()
  await devnet.stop()
  rmSync(tmp, { recursive: true, force: true })
}
