// Attack tests against a real 4-validator devnet: the adversary (test/adversary) sits in front of
// node0 over HTTP and over libp2p and lies; the CLI, protocol/chain's light client and
// fullnode/net's client must refuse every lie with a typed error, and the honest devnet keeps going.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Libp2p } from 'libp2p'
import { multiaddr } from '@multiformats/multiaddr'
import { startTestDevnet, type TestDevnet } from '../../helpers/devnet.js'
import { runCli } from '../../helpers/cli.js'
import { patternBytes } from '../../helpers/bytes.js'
import { clientLibp2p } from '../net/fixtures.js'
import { createRpcClient, RpcError, type RpcClient } from '../../../fullnode/rpc/client.js'
import { InvalidResponseError, NotFoundError, RequestTimeoutError, requestLightBlocks, requestSegment } from '../../../fullnode/net/index.js'
import {
  signedHeaderFromJson, validatorsFromJson, verifyAdjacent, verifySkipping, verifyCommitLight,
  InsufficientSignaturesError, InvalidHeaderError, type LightBlock
} from '../../../protocol/chain/index.js'
import { fromHex } from '../../../protocol/bytes.js'
import { SEGMENT_SIZE } from '../../../protocol/storage/index.js'
import { startAdversaryNet, startAdversaryRpc, signedHeaderToJson, validatorsToJson, type AdversaryNet, type AdversaryRpc } from '../../adversary/index.js'

const SIZE = 6 * 262_144 + 777 // 7 segments
let devnet: TestDevnet
let adv: AdversaryRpc
let advNet: AdversaryNet
let client: Libp2p
let root: string
let payload: Uint8Array
const startHeights: number[] = []

beforeAll(async () => {
  devnet = await startTestDevnet({ blockTimeMs: 200 })
  for (let i = 0; i < 4; i++) startHeights.push((await devnet.rpc(i).status()).height)
  const cli = async (...args: string[]) => await runCli(...args, '--home', devnet.home)
  expect((await cli('keys', 'new')).code).toBe(0)
  expect((await cli('faucet', '--json')).code).toBe(0)
  payload = patternBytes(SIZE, 31)
  const path = join(devnet.home, 'payload.bin')
  writeFileSync(path, payload)
  const put = await cli('put', path, '--json')
  expect(put.code).toBe(0)
  root = JSON.parse(put.stdout).root
  adv = await startAdversaryRpc({ upstream: devnet.nodes[0].rpcUrl })
  // The libp2p face shares the HTTP face's behaviour: one switch changes both.
  advNet = await startAdversaryNet({ upstream: devnet.nodes[0].rpcUrl, adversary: adv.adversary })
  client = await clientLibp2p()
  await devnet.waitForHeight(24)
}, 180_000)

afterAll(async () => {
  await client?.stop()
  await advNet?.stop().catch(() => {})
  await adv?.close().catch(() => {})
  await devnet?.cleanup()
}, 60_000)

const honest = (): RpcClient => devnet.rpc(0)
const via = (): RpcClient => createRpcClient({ url: adv.url, timeoutMs: 10_000 })
const tcpAddr = () => multiaddr(advNet.multiaddrs().find((a) => a.includes('/tcp/') && !a.includes('/ws'))!)

async function lightBlock (rpc: RpcClient, height: number | bigint): Promise<LightBlock> {
  const [h, v] = await Promise.all([rpc.header(height), rpc.validators(height)])
  return { signedHeader: signedHeaderFromJson({ header: h.header, commit: h.commit }), validators: validatorsFromJson(v.validators) }
}

const verifyOpts = (trusted: LightBlock, target: LightBlock, fetchFrom: RpcClient) => ({
  trusted, untrusted: target.signedHeader, untrustedVals: target.validators, trustingPeriodMs: 3_600_000, now: Date.now(),
  fetchLightBlock: async (h: bigint) => await lightBlock(fetchFrom, h)
})

async function get (out: string) {
  return await runCli('get', root, '--out', out, '--rpc', adv.url, '--home', devnet.home)
}

describe('adversary over HTTP (glowmesh RPC proxy)', () => {
  it('is an honest proxy with no modes: get works, headers verify, JSON round-trips', async () => {
    adv.set({ modes: [] })
    const out = join(devnet.home, 'honest.bin')
    const r = await get(out)
    expect(r.code).toBe(0)
    expect(readFileSync(out).equals(Buffer.from(payload))).toBe(true)
    const trusted = await lightBlock(honest(), 2)
    const target = await lightBlock(via(), (await via().status()).height - 1)
    expect((await verifySkipping(verifyOpts(trusted, target, via()))).trace.at(-1)!.height).toBe(target.signedHeader.header.height)
    // Our JSON writer reproduces what real CometBFT served, field for field.
    const raw = await honest().header(5)
    expect(signedHeaderFromJson(signedHeaderToJson(signedHeaderFromJson(raw)))).toEqual(signedHeaderFromJson(raw))
    const vals = validatorsFromJson((await honest().validators(5)).validators)
    expect(validatorsFromJson(validatorsToJson(vals))).toEqual(vals)
  })

  it('corrupt-segment: glowmesh get fails with BAD_SEGMENT and writes nothing past the bad segment', async () => {
    adv.set({ modes: ['corrupt-segment'], segments: [3] })
    const out = join(devnet.home, 'corrupt.bin')
    const r = await get(out)
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/segment 3 .*does not verify/)
    expect(statSync(out).size).toBe(3 * SEGMENT_SIZE)
    expect(readFileSync(out).equals(Buffer.from(payload.subarray(0, 3 * SEGMENT_SIZE)))).toBe(true)
    expect(adv.adversary.lies['corrupt-segment']).toBeGreaterThan(0)
  })

  it('wrong-proof: glowmesh get fails at that segment, nothing past it written', async () => {
    adv.set({ modes: ['wrong-proof'], segments: [0] })
    const out = join(devnet.home, 'wrong.bin')
    const r = await get(out)
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/segment 0 .*does not verify/)
    expect(statSync(out).size).toBe(0)
  })

  it('withhold: get fails with a clear not-found error', async () => {
    adv.set({ modes: ['withhold'], segments: [5] })
    const r = await get(join(devnet.home, 'withheld.bin'))
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/SEGMENT_MISSING|not held/)
  })

  it('forge-header: the light client rejects a changed app hash, time or height (InvalidHeaderError)', async () => {
    const trusted = await lightBlock(honest(), 2)
    for (const forgeField of ['appHash', 'time', 'height'] as const) {
      adv.set({ modes: ['forge-header'], segments: undefined, forgeField })
      const next = await lightBlock(via(), 3)
      if (forgeField !== 'height') await expect(async () => verifyAdjacent(verifyOpts(trusted, next, via()))).rejects.toBeInstanceOf(InvalidHeaderError)
      const far = await lightBlock(via(), 20)
      await expect(verifySkipping(verifyOpts(trusted, far, via()))).rejects.toBeInstanceOf(InvalidHeaderError)
    }
  })

  it('forge-commit: strangers\' well-formed commit is rejected — no trusted power, not the next validators', async () => {
    adv.set({ modes: ['forge-commit'], forgeField: 'appHash' })
    const trusted = await lightBlock(honest(), 2)
    const far = await lightBlock(via(), 20)
    expect(verifyCommitLight(far.signedHeader.header.chainId, far.validators, far.signedHeader.commit.blockId, 20n, far.signedHeader.commit).tallied).toBeGreaterThan(0n)
    const fetched: bigint[] = []
    await expect(verifySkipping({ ...verifyOpts(trusted, far, via()), fetchLightBlock: async (h) => { fetched.push(h); return await lightBlock(via(), h) } }))
      .rejects.toBeInstanceOf(InvalidHeaderError)
    expect(fetched.length).toBeGreaterThan(0) // it bisected down to an adjacent step
    await expect(async () => verifyAdjacent(verifyOpts(trusted, await lightBlock(via(), 3), via()))).rejects.toThrow(/not the trusted header's next validators/)
  })

  it('insufficient-commit: ≤ 2/3 genuine signatures are refused (InsufficientSignaturesError)', async () => {
    adv.set({ modes: ['insufficient-commit'] })
    const trusted = await lightBlock(honest(), 2)
    await expect(async () => verifyAdjacent(verifyOpts(trusted, await lightBlock(via(), 3), via()))).rejects.toBeInstanceOf(InsufficientSignaturesError)
    await expect(verifySkipping(verifyOpts(trusted, await lightBlock(via(), 20), via()))).rejects.toBeInstanceOf(InsufficientSignaturesError)
  })

  it('stale and late, switched on through POST /_adversary', async () => {
    const set = async (body: unknown) => await (await fetch(adv.url + '/_adversary', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })).json() as any
    expect((await set({ modes: ['stale'] })).behaviour.modes).toEqual(['stale'])
    const frozen = (await via().status()).height
    await devnet.waitForHeight(frozen + 3)
    expect((await via().status()).height).toBe(frozen)
    expect((await via().header('latest')).height).toBe(frozen - 1)
    expect((await honest().status()).height).toBeGreaterThanOrEqual(frozen + 3)
    await set({ modes: ['late'], lateMs: 1500 })
    await expect(createRpcClient({ url: adv.url, timeoutMs: 300 }).status()).rejects.toMatchObject({ name: 'RpcError', code: 'UNREACHABLE' })
    expect((await fetch(adv.url + '/_adversary').then(async (r) => await r.json()) as any).lies.late).toBeGreaterThan(0)
    await set({ modes: ['withhold'], lateMs: 1000 })
    expect((await fetch(adv.url + '/_adversary', { method: 'POST', body: '{"modes":["nope"]}' })).status).toBe(400)
    await expect(via().getSegment(root, 1)).rejects.toBeInstanceOf(RpcError)
  })
})

describe('adversary over libp2p (fullnode/net client)', () => {
  it('serves honest light blocks and segments when told no lies', async () => {
    adv.set({ modes: [], segments: undefined })
    const [head] = await requestLightBlocks(client, tcpAddr(), { from: 'latest' })
    expect(head.signedHeader.header.height).toBeGreaterThan(3n)
    const seg = await requestSegment(client, tcpAddr(), { root: fromHex(root), index: 2, size: SIZE })
    expect(Buffer.from(seg.bytes).equals(Buffer.from(payload.subarray(2 * SEGMENT_SIZE, 3 * SEGMENT_SIZE)))).toBe(true)
  })

  it('corrupt-segment and wrong-proof → InvalidResponseError; withhold → NotFoundError; late → RequestTimeoutError', async () => {
    const ask = async (index: number, timeoutMs?: number) => await requestSegment(client, tcpAddr(), { root: fromHex(root), index, size: SIZE, timeoutMs })
    adv.set({ modes: ['corrupt-segment'] })
    await expect(ask(1)).rejects.toBeInstanceOf(InvalidResponseError)
    adv.set({ modes: ['wrong-proof'] })
    await expect(ask(4)).rejects.toBeInstanceOf(InvalidResponseError)
    await expect(ask(6)).rejects.toBeInstanceOf(InvalidResponseError) // the short last segment
    adv.set({ modes: ['withhold'] })
    await expect(ask(0)).rejects.toBeInstanceOf(NotFoundError)
    adv.set({ modes: ['late'], lateMs: 2000 })
    await expect(ask(0, 400)).rejects.toBeInstanceOf(RequestTimeoutError)
  })

  it('forged light blocks: wrong height → InvalidResponseError; forged hash, strangers\' commit, thin commit → rejected by the verifier', async () => {
    const trusted = await lightBlock(honest(), 2)
    const opts = (lb: LightBlock) => ({ trusted, untrusted: lb.signedHeader, untrustedVals: lb.validators, trustingPeriodMs: 3_600_000, now: Date.now() })
    adv.set({ modes: ['forge-header'], forgeField: 'height' })
    await expect(requestLightBlocks(client, tcpAddr(), { from: 3n, count: 2 })).rejects.toBeInstanceOf(InvalidResponseError)
    adv.set({ modes: ['forge-header'], forgeField: 'appHash' })
    const [forged] = await requestLightBlocks(client, tcpAddr(), { from: 3n })
    expect(() => verifyAdjacent(opts(forged))).toThrow(InvalidHeaderError)
    adv.set({ modes: ['forge-commit'] })
    const [strangers] = await requestLightBlocks(client, tcpAddr(), { from: 3n })
    expect(() => verifyAdjacent(opts(strangers))).toThrow(InvalidHeaderError)
    adv.set({ modes: ['insufficient-commit'] })
    const [thin] = await requestLightBlocks(client, tcpAddr(), { from: 3n })
    expect(() => verifyAdjacent(opts(thin))).toThrow(InsufficientSignaturesError)
    adv.set({ modes: [] })
  })
})

describe('the honest devnet', () => {
  it('kept committing the same chain on every node throughout', async () => {
    const h = Math.max(...await Promise.all([0, 1, 2, 3].map(async (i) => (await devnet.rpc(i).status()).height)))
    for (let i = 0; i < 4; i++) expect(await devnet.waitForHeight(h, i)).toBeGreaterThan(startHeights[i])
    const hashes = await Promise.all([0, 1, 2, 3].map(async (i) => (await devnet.rpc(i).header(h - 1)).hash))
    expect(new Set(hashes).size).toBe(1)
  })
})
