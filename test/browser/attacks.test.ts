// Hostile full nodes against the browser light node (issue 10, "Done when"): a real 4-validator devnet,
// real headless Chromium, the page's light node bundled with vite 8, and the adversary (test/adversary)
// as a real libp2p full node listening on WebSockets. Each page bootstraps through the adversary's RPC
// proxy, whose `/bootstrap` lists the liar first and then every honest node, so the page dials both.
//  1. a full node serving forged headers, headers re-signed by strangers, or headers with too few
//     signatures is reported with the right offence, hung up on and not redialled, and the page keeps
//     verifying the honest head (page 1 faces a forger and a stranger-signer, page 2 a signature stripper);
//  2. a withheld blob (da.submit committed, cells never delivered) is reported unavailable and never
//     counted as sampled; a later honest blob is sampled with confidence > 0.99999;
//  3. the page's accepted-header log is exactly the chain's hashes.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sha256 } from '@noble/hashes/sha2.js'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toHex } from '../../protocol/bytes.js'
import { encodeBody, encodeTx, keyFromFile, signTx } from '../../protocol/chain/index.js'
import { packBlob } from '../../protocol/da/index.js'
import { createNativeKzg } from '../../fullnode/da/native-kzg.js'
import { startAdversaryNet, startAdversaryRpc, type AdversaryNet, type AdversaryRpc } from '../adversary/index.js'
import { patternBytes } from '../helpers/bytes.js'
import { runCli, spawnCli } from '../helpers/cli.js'
import { startBrowserHarness, type BrowserHarness } from '../helpers/page.js'
import type { TestDevnet } from '../helpers/devnet.js'
import type { AttackProbe } from './fixtures/attacks/main.js'

const fixture = fileURLToPath(new URL('./fixtures/attacks/', import.meta.url))
const CONFIDENCE = 0.99999
/** Offences that say "this peer lied" (unavailable / timeout can befall honest peers too). */
const LIES = ['forged-header', 'insufficient-commit', 'bad-sample', 'bad-segment', 'malformed']
/** Each liar's mode → the offences the page may report it for (stranger signatures fail trust first, or the adjacent check). */
const LIARS = { 'forge-header': ['forged-header'], 'forge-commit': ['forged-header', 'insufficient-commit'], 'insufficient-commit': ['insufficient-commit'] } as const
type Lie = keyof typeof LIARS
/** The liars each page faces (one browser context each). */
const PAGES: Lie[][] = [['forge-header', 'forge-commit'], ['insufficient-commit']]

interface Liar { lie: Lie, net: AdversaryNet, id: string }
interface Attacked { name: string, liars: Liar[], rpc: AdversaryRpc, page: Page, pageErrors: string[] }
interface PageView { probe: AttackProbe, verifiedHeight: number, peers: string[], connected: string[], log: Array<{ height: number, hash: string }> }

const sleep = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms))
const wsAddrs = (addrs: string[]): string[] => addrs.filter((a) => /\/tcp\/\d+\/ws\//.test(a))

async function view (page: Page): Promise<PageView> {
  return await page.evaluate(() => {
    const gm = window.glowmesh
    const node = gm !== undefined && 'transport' in gm ? gm : undefined
    return {
      probe: window.attackProbe,
      verifiedHeight: node?.status().verifiedHeight ?? 0,
      peers: node?.transport.peers() ?? [],
      connected: node?.transport.libp2p.getConnections().map((c) => c.remotePeer.toString()) ?? [],
      log: (node?.headers() ?? []).map((h) => ({ height: h.height, hash: h.hash }))
    }
  })
}

/** Reports that blame an honest peer for a lie (there must be none). */
const honestBlamed = (a: Attacked, v: PageView): string[] =>
  v.probe.reports.filter((r) => !a.liars.some((l) => l.id === r.peer) && LIES.includes(r.offence)).map((r) => `${r.peer}: ${r.offence}: ${r.detail}`)

/** Polls `check` on the page's view until it holds (says what it waited for, and the last view, if not). */
async function until (a: Attacked, what: string, check: (v: PageView) => boolean, timeoutMs = 60_000): Promise<PageView> {
  let v = await view(a.page)
  for (const deadline = Date.now() + timeoutMs; !check(v); v = await view(a.page)) {
    if (Date.now() > deadline) throw new Error(`${a.name} page: timed out waiting for ${what}; reports ${JSON.stringify(v.probe.reports.slice(-5))}, errors ${JSON.stringify(v.probe.errors.slice(-5))}, fatal ${JSON.stringify(v.probe.fatal)}, height ${v.verifiedHeight}, peers ${v.peers.length}`)
    await sleep(250)
  }
  return v
}

describe('browser light node against hostile full nodes (real devnet, real Chromium)', () => {
  let harness: BrowserHarness | undefined
  let devnet: TestDevnet | undefined
  const attacked: Attacked[] = []
  let genesisHash = ''
  let chainId = ''
  let withheldHeight = 0

  beforeAll(async () => {
    harness = await startBrowserHarness({ fixture, tmpPrefix: 'glowmesh-attacks-', blockTimeMs: 500 })
    ;({ devnet, genesisHash } = harness)
    chainId = JSON.parse(readFileSync(devnet.genesisPath, 'utf8')).chainId
    // funds for the withheld blob's da.submit tx and the honest `da submit`
    expect((await runCli('keys', 'new', '--home', devnet.home)).code).toBe(0)
    expect((await runCli('faucet', '--json', '--home', devnet.home)).code).toBe(0)
    const honestWs = (await Promise.all(devnet.nodes.map(async (_, i) => wsAddrs((await devnet!.rpc(i).status()).multiaddrs)))).flat()
    for (const lies of PAGES) {
      // each liar fronts node3 over libp2p; the page's RPC is an (honest) proxy of node0 that lists the liars first
      const liars: Liar[] = []
      for (const lie of lies) {
        const net = await startAdversaryNet({ upstream: devnet.nodes[3].rpcUrl, mode: lie })
        expect(wsAddrs(net.multiaddrs()), 'the adversary listens on WebSockets').not.toEqual([])
        liars.push({ lie, net, id: net.net.peerId.toString() })
      }
      const rpc = await startAdversaryRpc({ upstream: devnet.nodes[0].rpcUrl, bootstrap: () => [...liars.flatMap((l) => wsAddrs(l.net.multiaddrs())), ...honestWs] })
      const context = await harness.newContext()
      const page = await context.newPage()
      const pageErrors: string[] = []
      page.on('pageerror', (e) => { pageErrors.push(e.message) })
      await page.goto(`${harness.url}?rpc=${encodeURIComponent(rpc.url)}&genesis=${genesisHash}`)
      attacked.push({ name: lies.join('+'), liars, rpc, page, pageErrors })
    }
    for (const a of attacked) await until(a, 'the node to start and verify a header', (v) => v.probe.started && v.verifiedHeight > 0)
  }, 240_000)

  afterAll(async () => {
    for (const a of attacked) {
      for (const l of a.liars) await l.net.stop().catch(() => {})
      await a.rpc.close().catch(() => {})
    }
    await harness?.close()
  }, 60_000)

  it('a full node serving forged headers, stranger-signed headers or too few signatures is reported, hung up on and not redialled; the honest head keeps verifying', async () => {
    for (const a of attacked) {
      for (const l of a.liars) {
        const want: readonly string[] = LIARS[l.lie]
        const reported = await until(a, `a ${want.join('/')} report on the ${l.lie} liar`, (v) => v.probe.reports.some((r) => r.peer === l.id && want.includes(r.offence)))
        expect(l.net.adversary.lies[l.lie], `${l.lie}: the adversary really lied`).toBeGreaterThan(0)
        const first = reported.probe.reports.find((r) => r.peer === l.id)!
        console.log(`[bench] ${l.lie} liar: reported ${first.offence} ${Math.round(first.at)} ms after page load (${first.detail.slice(0, 140)})`)
        for (const r of reported.probe.reports.filter((r) => r.peer === l.id)) expect(want, `${r.offence}: ${r.detail}`).toContain(r.offence)
        // hung up on: no connection to it, not among the peers the core may ask
        await until(a, `the ${l.lie} liar hung up on`, (v) => !v.connected.includes(l.id) && !v.peers.includes(l.id))
      }
    }
    // not redialled: over a few redial periods (5 s each) no liar comes back, while the head keeps rising
    const from = await Promise.all(attacked.map(async (a) => (await view(a.page)).verifiedHeight))
    for (const deadline = Date.now() + 12_000; Date.now() < deadline; await sleep(500)) {
      for (const a of attacked) {
        const connected = (await view(a.page)).connected
        for (const l of a.liars) expect(connected, `${l.lie}: liar redialled`).not.toContain(l.id)
      }
    }
    const head = (await devnet!.rpc(0).status()).height
    for (const [i, a] of attacked.entries()) {
      const v = await until(a, `verifying past ${from[i]} up to ~${head - 2}`, (v) => v.verifiedHeight > from[i] && v.verifiedHeight >= head - 2)
      expect(v.peers.length, `${a.name}: honest peers left`).toBeGreaterThanOrEqual(2)
      expect(honestBlamed(a, v)).toEqual([])
    }
  })

  it('a withheld blob is reported unavailable and never counted as sampled', async () => {
    // A well-formed da.submit (real commitment of a real blob) sent straight to /tx: its cells never
    // reach any full node, so nobody can serve them.
    const key = keyFromFile(readFileSync(join(devnet!.home, 'keys', 'default.json'), 'utf8'))
    const kzg = await createNativeKzg({ precompute: false })
    const payload = patternBytes(20_000, 91)
    const { commitment } = await kzg.encodeBlob(packBlob(payload, 0))
    const node0 = devnet!.rpc(0)
    const nonce = BigInt((await node0.account(key.address)).nonce)
    const tx = encodeTx(signTx({ chainId, nonce, fee: 1000n, kind: 'da.submit', body: encodeBody('da.submit', { size: payload.length, commitments: [commitment] }) }, key.privateKey))
    const sent = Date.now()
    expect((await node0.submitTx(tx)).code).toBe(0)
    for (let i = 0; i < 150 && withheldHeight === 0; i++) { try { withheldHeight = (await node0.tx(toHex(sha256(tx)))).height } catch { await sleep(200) } }
    expect(withheldHeight).toBeGreaterThan(0)
    for (const a of attacked) {
      const v = await until(a, `block ${withheldHeight} reported unavailable`, (v) => v.probe.unavailable[withheldHeight] !== undefined, 90_000)
      console.log(`[bench] ${a.name} page: withheld block ${withheldHeight} reported unavailable ${Date.now() - sent} ms after submitTx (${v.probe.unavailable[withheldHeight].slice(0, 100)})`)
      expect(v.probe.sampled[withheldHeight], 'the withheld block counted as sampled').toBeUndefined()
      // the refusals become `unavailable` offences once confirmed after the sampler's grace (refusalGraceMs)
      await until(a, `the refusing peers of ${withheldHeight} reported`, (x) => x.probe.reports.some((r) => r.offence === 'unavailable' && r.detail.startsWith(`height ${withheldHeight}:`)), 30_000)
    }
  })

  it('a later honest blob is sampled with confidence > 0.99999; the withheld one still is not', async () => {
    const file = join(devnet!.home, 'blob.bin')
    writeFileSync(file, patternBytes(100_000, 92))
    const r = await spawnCli(['da', 'submit', file, '--json', '--home', devnet!.home], { timeoutMs: 120_000 })
    expect(r.code, r.stderr).toBe(0)
    const blobHeight = JSON.parse(r.stdout).height as number
    expect(blobHeight).toBeGreaterThan(withheldHeight)
    const committed = Date.now()
    for (const a of attacked) {
      const v = await until(a, `block ${blobHeight} sampled`, (v) => v.probe.sampled[blobHeight] !== undefined || v.probe.unavailable[blobHeight] !== undefined, 90_000)
      console.log(`[bench] ${a.name} page: honest blob block ${blobHeight} sampled (k=16, pure-JS KZG in the page) ${Date.now() - committed} ms after \`da submit\` returned, confidence ${v.probe.sampled[blobHeight]}`)
      expect(v.probe.unavailable[blobHeight]).toBeUndefined()
      expect(v.probe.sampled[blobHeight]).toBeGreaterThan(CONFIDENCE)
      expect(v.probe.sampled[withheldHeight]).toBeUndefined()
      expect(honestBlamed(a, v)).toEqual([])
    }
  })

  it("the page's accepted-header log is gap-free from height 1 and equals the chain's hashes", async () => {
    for (const a of attacked) {
      const v = await until(a, 'the log to reach the verified height', (v) => v.log.length > 0 && v.log[v.log.length - 1].height >= v.verifiedHeight)
      expect(v.log.map((h) => h.height)).toEqual(Array.from({ length: v.log.length }, (_, i) => i + 1))
      for (const h of v.log) expect(h.hash.toLowerCase(), `${a.name} page, height ${h.height}`).toBe(String((await devnet!.rpc(1).header(h.height)).hash).toLowerCase())
      expect(a.pageErrors).toEqual([])
    }
  })
})
