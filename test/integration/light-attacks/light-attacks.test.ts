// Issue 8 item 5, the light node's side, on a real 4-validator devnet with real `glowmesh light`
// processes and the adversary's libp2p face (test/adversary) in front of real full nodes:
//  1. a withheld blob (da.submit tx committed, cells never delivered) is reported unavailable by
//     every light node and never counted as sampled; a normal blob afterwards is sampled, > 0.99999;
//  2. an adversary that forges headers / re-signs them with strangers / strips signatures is
//     reported and dropped, the honest head keeps verifying, and no accepted hash differs from the chain;
//  3. an adversary that withholds or corrupts DA cells is reported, the columns come from honest
//     peers, confidence still > 0.99999.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { sha256 } from '@noble/hashes/sha2.js'
import { startTestDevnet, type TestDevnet } from '../../helpers/devnet.js'
import { runCli, spawnCli } from '../../helpers/cli.js'
import { patternBytes } from '../../helpers/bytes.js'
import { createNativeKzg } from '../../../fullnode/da/native-kzg.js'
import { createRpcClient, type RpcClient } from '../../../fullnode/rpc/client.js'
import { encodeBody, encodeTx, keyFromFile, signTx } from '../../../protocol/chain/index.js'
import { packBlob } from '../../../protocol/da/index.js'
import { toHex } from '../../../protocol/bytes.js'
import { startAdversaryNet, type AdversaryMode, type AdversaryNet } from '../../adversary/index.js'
import { last, spawnLight, stopLight, until, type Light } from './lights.js'

const CONFIDENCE = 0.99999
let devnet: TestDevnet
let genesisHash: string
let chainId: string
const tmp: string[] = []
const lights: Light[] = []
const advs = new Map<string, AdversaryNet>()
// light name → its adversary's mode
const HEADER_LIES: Record<string, AdversaryMode> = { 'forge-header': 'forge-header', 'forge-commit': 'forge-commit', 'insufficient-commit': 'insufficient-commit' }
const CELL_LIES: Record<string, AdversaryMode> = { 'withhold-cells': 'withhold-cells', 'corrupt-cells': 'corrupt-cells' }

const tcpAddrs = (addrs: string[]): string[] => addrs.filter(a => a.includes('/tcp/') && !a.includes('/ws'))
const light = (name: string): Light => lights.find(l => l.name === name)!
const advId = (name: string): string => advs.get(name)!.net.peerId.toString()
// offences that say "this peer lied" (timeouts and withheld answers can befall honest peers too)
const LIES = ['forged-header', 'insufficient-commit', 'bad-sample', 'bad-segment', 'malformed']
const liesAbout = (l: Light, honest: (peer: string) => boolean): string[] => l.reports.filter(r => honest(r.peer) && LIES.includes(r.offence)).map(r => `${r.peer}: ${r.offence}: ${r.detail}`)
// what a light node said about its adversary, for the log
const summary = (name: string): string => {
  const counts = new Map<string, number>()
  for (const r of light(name).reports) if (r.peer === advId(name)) counts.set(r.offence, (counts.get(r.offence) ?? 0) + 1)
  const lies = Object.entries(advs.get(name)!.adversary.lies).filter(([, n]) => n > 0).map(([m, n]) => `${m}×${n}`).join(' ')
  return `${name}: adversary told ${lies}; light node reported it ${[...counts].map(([o, n]) => `${o}×${n}`).join(' ')}; first: ${light(name).reports.find(r => r.peer === advId(name))?.detail.slice(0, 160)}`
}
// a printed figure (no assertion on time): when each light node said something about `height`
const figure = (what: string, height: number, since: number): string => {
  const ms = lights.map(l => (l.seenAt.get(height) ?? NaN) - since).sort((a, b) => a - b)
  return `${what} by all ${lights.length} light nodes: ${ms.map(x => Math.max(0, Math.round(x))).join(', ')} ms after ${what.includes('withheld') ? 'submitTx' : '`da submit` printed its height'} (7 processes + devnet on ${availableParallelism()} cores)`
}
const sleep = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))

const rpc = (i: number): RpcClient => createRpcClient({ url: devnet.nodes[i].rpcUrl, timeoutMs: 10_000 })

beforeAll(async () => {
  devnet = await startTestDevnet({ blockTimeMs: 400 })
  await devnet.waitForHeight(3)
  // the submitter's key and funds (in-process CLI: the RPC sockets are fresh from waitForHeight)
  expect((await runCli('keys', 'new', '--home', devnet.home)).code).toBe(0)
  expect((await runCli('faucet', '--json', '--home', devnet.home)).code).toBe(0)
  genesisHash = toHex(sha256(readFileSync(devnet.genesisPath)))
  chainId = JSON.parse(readFileSync(devnet.genesisPath, 'utf8')).chainId
  const addrs = await Promise.all([0, 1, 2, 3].map(async i => tcpAddrs((await rpc(i).status()).multiaddrs)))
  const home = (name: string): string => { const d = mkdtempSync(join(tmpdir(), `glowmesh-la-${name}-`)); tmp.push(d); return d }
  const pinned = (h: string, rpc: number): string[] => ['--home', h, '--rpc', devnet.nodes[rpc].rpcUrl, '--genesis-hash', genesisHash]

  // Two plain light nodes: every full node is a peer (from /bootstrap).
  lights.push(spawnLight('plain-0', ['--home', devnet.home], devnet.home))
  const h1 = home('plain-1')
  lights.push(spawnLight('plain-1', pinned(h1, 1), h1))
  // One adversary per lie, each in front of a real node; its light node also has two honest peers.
  // Header liars sit before node3 (honest peers node1, node2); cell liars proxy node0, which holds
  // submitted cells from the start (honest peers node0 itself and node1).
  for (const [name, mode] of Object.entries(HEADER_LIES)) {
    const adv = await startAdversaryNet({ upstream: devnet.nodes[3].rpcUrl, mode })
    advs.set(name, adv)
    const h = home(name)
    lights.push(spawnLight(name, [...pinned(h, 1), '--peer', tcpAddrs(adv.multiaddrs())[0], '--peer', addrs[1][0], '--peer', addrs[2][0]], h))
  }
  for (const [name, mode] of Object.entries(CELL_LIES)) {
    const adv = await startAdversaryNet({ upstream: devnet.nodes[0].rpcUrl, mode })
    advs.set(name, adv)
    const h = home(name)
    lights.push(spawnLight(name, [...pinned(h, 2), '--peer', tcpAddrs(adv.multiaddrs())[0], '--peer', addrs[0][0], '--peer', addrs[1][0]], h))
  }
  const head = (await rpc(0).status()).height
  await until(() => lights.every(l => (last(l)?.verifiedHeight ?? 0) >= head), `every light node verifying height ${head}`, lights, 120_000)
}, 240_000)

afterAll(async () => {
  await Promise.all(lights.map(stopLight))
  // GLOWMESH_TEST_LOGS=DIR keeps every light node's stderr (debugging)
  const keep = process.env.GLOWMESH_TEST_LOGS
  if (keep !== undefined) for (const l of lights) writeFileSync(join(keep, `${l.name}.stderr.log`), l.stderr)
  await Promise.all([...advs.values()].map(async a => await a.stop().catch(() => {})))
  await devnet?.cleanup()
  for (const d of tmp) rmSync(d, { recursive: true, force: true })
}, 120_000)

let withheldHeight = 0
let blobHeight = 0

describe('light nodes under attack (real devnet, real `glowmesh light` processes)', () => {
  it('a withheld blob is reported unavailable by every light node and never counted as sampled', async () => {
    // A well-formed da.submit (real commitment of a real blob) sent straight to /tx: its cells
    // never reach any full node, so no one can serve them.
    const key = keyFromFile(readFileSync(join(devnet.home, 'keys', 'default.json'), 'utf8'))
    const kzg = await createNativeKzg({ precompute: false })
    const payload = patternBytes(20_000, 77)
    const { commitment } = await kzg.encodeBlob(packBlob(payload, 0))
    const node0 = rpc(0)
    const nonce = BigInt((await node0.account(key.address)).nonce)
    const tx = encodeTx(signTx({ chainId, nonce, fee: 1000n, kind: 'da.submit', body: encodeBody('da.submit', { size: payload.length, commitments: [commitment] }) }, key.privateKey))
    const sent = Date.now()
    expect((await node0.submitTx(tx)).code).toBe(0)
    for (let i = 0; i < 150 && withheldHeight === 0; i++) { try { withheldHeight = (await node0.tx(toHex(sha256(tx)))).height } catch { await sleep(200) } }
    expect(withheldHeight).toBeGreaterThan(0)

    await until(() => lights.every(l => l.unavailable.has(withheldHeight)), `every light node reporting block ${withheldHeight} unavailable`, lights)
    // the peers' refusals become `unavailable` offences once confirmed after the sampler's grace (refusalGraceMs)
    await until(() => lights.every(l => l.reports.some(r => r.offence === 'unavailable' && r.detail.startsWith(`height ${withheldHeight}:`))), `every light node reporting the refusing peers of ${withheldHeight}`, lights)
    console.log(figure(`block ${withheldHeight} (withheld) reported UNAVAILABLE`, withheldHeight, sent))
    for (const l of lights) {
      expect(l.sampled.has(withheldHeight), `${l.name} counted the withheld block as sampled`).toBe(false)
      expect(l.stderr).toMatch(new RegExp(`block ${withheldHeight} UNAVAILABLE: columns [0-9,]+ not served`))
      // every peer it asked said so (the `unavailable` offence: evidence, not a ban)
      expect(l.reports.some(r => r.offence === 'unavailable' && r.detail.startsWith(`height ${withheldHeight}:`)), l.name).toBe(true)
      expect(last(l)!.sampledBlocks).toBe(0)
    }
  })

  it('a normal blob afterwards is sampled by every light node with confidence > 0.99999', async () => {
    const path = join(tmp[0], 'blob.bin')
    writeFileSync(path, patternBytes(150_000, 78)) // 2 blobs
    const r = await spawnCli(['da', 'submit', path, '--json', '--home', devnet.home], { timeoutMs: 120_000 })
    expect(r.code, r.stderr).toBe(0)
    blobHeight = JSON.parse(r.stdout).height
    const committed = Date.now()
    expect(blobHeight).toBeGreaterThan(withheldHeight)
    await until(() => lights.every(l => l.sampled.has(blobHeight) && (last(l)?.lastConfidence ?? 0) > CONFIDENCE), `every light node sampling block ${blobHeight}`, lights)
    console.log(figure(`block ${blobHeight} (2 blobs) sampled`, blobHeight, committed))
    for (const l of lights) {
      expect(l.sampled.get(blobHeight)).toBeGreaterThan(CONFIDENCE)
      expect(l.unavailable.has(blobHeight), l.name).toBe(false)
      expect(last(l)!.sampledBlocks).toBe(l.sampled.size)
      expect(l.sampled.has(withheldHeight)).toBe(false)
      if (l.name.startsWith('plain')) expect(liesAbout(l, () => true), l.name).toEqual([])
    }
  })

  it('header liars (forge-header, forge-commit, insufficient-commit) are reported and dropped; the honest head keeps verifying', async () => {
    for (const [name, mode] of Object.entries(HEADER_LIES)) {
      const l = light(name)
      const adv = advs.get(name)!
      expect(adv.adversary.lies[mode], `${name}: the adversary lied`).toBeGreaterThan(0)
      const mine = l.reports.filter(r => r.peer === advId(name))
      const want = mode === 'insufficient-commit' ? ['insufficient-commit'] : mode === 'forge-header' ? ['forged-header'] : ['forged-header', 'insufficient-commit']
      expect(mine.length, `${name} reported its adversary`).toBeGreaterThan(0)
      for (const r of mine) expect(want, `${name}: ${r.offence}: ${r.detail}`).toContain(r.offence)
      // honest peers are never blamed for a lie
      expect(liesAbout(l, p => p !== advId(name)), name).toEqual([])
    }
    for (const name of Object.keys(HEADER_LIES)) console.log(summary(name))
    // dropped: the transport hangs up on a liar and doesn't redial it (peers counts connected full nodes)
    await until(() => Object.keys(HEADER_LIES).every(n => last(light(n))!.peers === 2), 'liars dropped (2 peers each)', lights)
    const target = (await rpc(0).status()).height + 3
    await devnet.waitForHeight(target)
    await until(() => lights.every(l => last(l)!.verifiedHeight >= target - 1), `every light node verifying ≥ ${target - 1}`, lights)
  })

  it('cell liars: a withholding peer is reported unavailable, a corrupting one bad-sample; the columns come from honest peers', async () => {
    const w = light('withhold-cells')
    const c = light('corrupt-cells')
    expect(advs.get('withhold-cells')!.adversary.lies['withhold-cells']).toBeGreaterThan(0)
    expect(advs.get('corrupt-cells')!.adversary.lies['corrupt-cells']).toBeGreaterThan(0)
    await until(() => w.reports.some(r => r.peer === advId('withhold-cells') && r.offence === 'unavailable' && r.detail.startsWith(`height ${blobHeight}:`)), 'the withholder reported after the refusal grace', [w])
    expect(c.reports.some(r => r.peer === advId('corrupt-cells') && r.offence === 'bad-sample' && r.detail.startsWith(`height ${blobHeight}:`)), c.stderr.slice(-3000)).toBe(true)
    for (const l of [w, c]) {
      expect(l.sampled.get(blobHeight)).toBeGreaterThan(CONFIDENCE)
      expect(liesAbout(l, p => p !== advId(l.name)), l.name).toEqual([])
    }
    for (const name of Object.keys(CELL_LIES)) console.log(summary(name))
    // withholding is not provably a lie (an honest node may lack cells): still a peer; corrupting is
    await until(() => last(c)!.peers === 2, 'the corrupting peer dropped', lights)
    expect(last(w)!.peers).toBe(3)
  })

  it('no light node ever accepted a header the chain does not have (`--headers` against the chain)', async () => {
    await Promise.all(lights.map(stopLight))
    const chain = new Map<number, string>()
    const hashAt = async (h: number): Promise<string> => {
      if (!chain.has(h)) chain.set(h, (await rpc(h % 4).header(BigInt(h))).hash)
      return chain.get(h)!
    }
    const printed = await Promise.all(lights.map(async l => await spawnCli(['light', '--headers', '--home', l.home], { timeoutMs: 60_000 })))
    for (const [i, l] of lights.entries()) {
      const r = printed[i]
      expect(r.code, r.stderr).toBe(0)
      const log = r.stdout.trim().split('\n').map(line => JSON.parse(line))
      expect(log[0]).toMatchObject({ height: 1, verifiedBy: 'genesis', from: 0 })
      expect(log.map((h: any) => h.height)).toEqual(Array.from({ length: log.length }, (_, i) => i + 1))
      expect(log.length).toBeGreaterThan(blobHeight)
      for (const h of log) expect(h.hash, `${l.name} at ${h.height}`).toBe(await hashAt(h.height))
    }
  })
})
