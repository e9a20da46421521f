// DA end to end on a real 4-validator devnet: `glowmesh da submit` (both modes) → every full node
// holds the cells → a real libp2p client samples 16 columns from two nodes and verifies them (DA-tx
// inclusion under the *verified* header's data_hash, cells with the pure-JS verifier); a withheld
// blob is NOT_AVAILABLE everywhere; bad submissions are refused and the node stays up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { sha256 } from '@noble/hashes/sha2.js'
import { multiaddr } from '@multiformats/multiaddr'
import type { Libp2p } from 'libp2p'
import { startTestDevnet, type TestDevnet } from '../../helpers/devnet.js'
import { runCli } from '../../helpers/cli.js'
import { patternBytes } from '../../helpers/bytes.js'
import { clientLibp2p } from '../net/fixtures.js'
import { request } from '../../../fullnode/net/client.js'
import { requestLightBlocks } from '../../../fullnode/net/index.js'
import { createDaClient, type DaSubmitted } from '../../../fullnode/da/client.js'
import { encodeSubmission } from '../../../fullnode/da/submission.js'
import { createNativeKzg } from '../../../fullnode/da/native-kzg.js'
import {
  bytesToBase64, decodeTx, encodeTx, hashHeader, keyFromFile, merkleLeafHash, signTx, validatorSetHash, verifyCommitLight,
  verifyMerkleInclusion, verifySkipping, type LightBlock
} from '../../../protocol/chain/index.js'
import { decodeBody, encodeBody } from '../../../protocol/chain/bodies.js'
import { jsKzg, packBlob, sampleColumns, verifyColumn } from '../../../protocol/da/index.js'
import { SAMPLE_PROTOCOL, SampleStatus, type SampleResponse } from '../../../protocol/wire/index.js'
import { equalBytes, toHex } from '../../../protocol/bytes.js'
import { RpcError } from '../../../fullnode/rpc/client.js'
import { startDemoTraffic } from '../../../fullnode/traffic.js'
import { readFileSync } from 'node:fs'

let devnet: TestDevnet
let libp2p: Libp2p
let addrs: string[][] = []
let genesis: any
beforeAll(async () => {
  devnet = await startTestDevnet({ blockTimeMs: 200 })
  libp2p = await clientLibp2p()
  for (let i = 0; i < 4; i++) addrs.push((await devnet.rpc(i).status()).multiaddrs.filter((a) => a.includes('/tcp/') && !a.includes('/ws')))
  genesis = JSON.parse(readFileSync(devnet.genesisPath, 'utf8'))
}, 240_000)
afterAll(async () => {
  await libp2p?.stop()
  await devnet?.cleanup()
}, 60_000)

const cli = async (...args: string[]) => await runCli(...args, '--home', devnet.home)
const peer = (i: number) => addrs[i].map((a) => multiaddr(a))
const sleep = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms))

async function sample (node: number, height: number, columns: number[]): Promise<SampleResponse> {
  return await request(libp2p, peer(node), SAMPLE_PROTOCOL, { height: BigInt(height), columns }, { timeoutMs: 20_000 })
}

/** Light block `h` from node `i` over p2p, verified by skipping from block 1, itself checked against the genesis validators. */
let trusted: LightBlock | undefined
async function verifiedHeader (i: number, h: number): Promise<LightBlock> {
  const fetch = async (height: bigint): Promise<LightBlock> => (await requestLightBlocks(libp2p, peer(i), { from: height }))[0]
  if (trusted === undefined) {
    const lb1 = await fetch(1n)
    const keys = lb1.validators.map((v) => bytesToBase64(v.pubKey)).sort()
    expect(keys).toEqual(genesis.validators.map((v: any) => v.publicKey).sort())
    expect(equalBytes(validatorSetHash(lb1.validators), lb1.signedHeader.header.validatorsHash)).toBe(true)
    const { commit } = lb1.signedHeader
    expect(equalBytes(hashHeader(lb1.signedHeader.header), commit.blockId.hash)).toBe(true)
    verifyCommitLight(genesis.chainId, lb1.validators, commit.blockId, 1n, commit)
    trusted = lb1
  }
  const target = await fetch(BigInt(h))
  await verifySkipping({ trusted, untrusted: target.signedHeader, untrustedVals: target.validators, trustingPeriodMs: 3_600_000, now: Date.now(), maxClockDriftMs: 10_000, fetchLightBlock: async (x) => await fetch(x) })
  return target
}

/** Everything a light node checks about one sample answer. */
async function checkSample (res: SampleResponse, header: LightBlock, columns: number[], want: DaSubmitted[]): Promise<void> {
  expect(res.status).toBe(SampleStatus.OK)
  const dataHash = header.signedHeader.header.dataHash
  const byIndex = new Map<number, Uint8Array[]>()
  for (const t of res.txs) {
    const leaf = sha256(t.tx)
    expect(verifyMerkleInclusion(dataHash, leaf, { total: t.total, index: t.index, leafHash: merkleLeafHash(leaf), aunts: t.aunts })).toBe(true)
    const tx = decodeTx(t.tx)
    expect(tx.kind).toBe('da.submit')
    byIndex.set(t.index, decodeBody('da.submit', tx.body).commitments)
  }
  // blob commitments are exactly those of the included txs, in order
  const fromTxs = [...new Set(res.blobs.map((b) => b.txIndex))].flatMap((i) => byIndex.get(i)!)
  expect(res.blobs.map((b) => toHex(b.commitment))).toEqual(fromTxs.map(toHex))
  for (const w of want) for (const c of w.commitments) expect(res.blobs.map((b) => toHex(b.commitment))).toContain(c)
  expect(res.columns.map((c) => c.index)).toEqual(columns)
  const backend = jsKzg()
  for (const col of res.columns) {
    expect(await verifyColumn({ column: col.index, commitments: res.blobs.map((b) => b.commitment), cells: col.cells, proofs: col.proofs }, { backend })).toBe(true)
  }
}

async function waitHeld (height: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (let i = 0; i < 4; i++) {
    for (;;) {
      const b = await createDaClient({ url: devnet.nodes[i].rpcUrl }).block(height).catch(() => undefined)
      if (b?.held === true && b.blobs > 0) break
      if (Date.now() > deadline) throw new Error(`node${i} does not hold the cells of block ${height}: ${JSON.stringify(b)}`)
      await sleep(250)
    }
  }
}

let submitted: DaSubmitted
let raw: DaSubmitted

describe('DA end to end', () => {
  it('da submit (client encodes) and da submit --raw (node encodes) commit blobs; every full node holds their cells', async () => {
    expect((await cli('keys', 'new')).code).toBe(0)
    expect((await cli('faucet', '--json')).code).toBe(0)
    const a = join(devnet.home, 'a.bin')
    const b = join(devnet.home, 'b.bin')
    writeFileSync(a, patternBytes(300_000, 11)) // 3 blobs
    writeFileSync(b, patternBytes(50_000, 12)) // 1 blob
    const r1 = await cli('da', 'submit', a, '--json')
    expect(r1.code, r1.stderr).toBe(0)
    submitted = JSON.parse(r1.stdout)
    expect(Object.keys(submitted).sort()).toEqual(['commitments', 'height', 'size', 'txHash'])
    expect(submitted.size).toBe(300_000)
    expect(submitted.commitments).toHaveLength(3)
    // the same commitments `da encode` computes
    const enc = JSON.parse((await runCli('da', 'encode', a)).stdout)
    expect(enc.blobs.map((x: any) => x.commitment)).toEqual(submitted.commitments)

    const r2 = await cli('da', 'submit', b, '--raw', '--json', '--node', '2')
    expect(r2.code, r2.stderr).toBe(0)
    raw = JSON.parse(r2.stdout)
    expect(raw).toMatchObject({ size: 50_000 })
    expect(raw.commitments).toHaveLength(1)

    await waitHeld(submitted.height)
    await waitHeld(raw.height)
    const view = await createDaClient({ url: devnet.nodes[3].rpcUrl }).block(submitted.height)
    expect(view.submissions.find((s) => s.txHash === submitted.txHash)?.blobs.map((x) => x.commitment)).toEqual(submitted.commitments)
  })

  it('a libp2p client samples 16 columns of the block from two full nodes and verifies everything', async () => {
    for (const d of [submitted, raw]) {
      await devnet.waitForHeight(d.height + 2)
      const columns = sampleColumns(16)
      for (const node of [1, 3]) {
        const header = await verifiedHeader(node, d.height)
        await checkSample(await sample(node, d.height, columns), header, columns, [d])
      }
    }
    // a forged cell in an otherwise valid answer fails the check
    const columns = sampleColumns(16)
    const res = await sample(0, submitted.height, columns)
    res.columns[0].cells[0] = res.columns[0].cells[0].slice()
    res.columns[0].cells[0][5] ^= 1
    expect(await verifyColumn({ column: res.columns[0].index, commitments: res.blobs.map((b) => b.commitment), cells: res.columns[0].cells, proofs: res.columns[0].proofs }, { backend: jsKzg() })).toBe(false)
  })

  it('answers empty blocks with no blobs, unknown heights NOT_FOUND', async () => {
    const head = (await devnet.rpc(0).status()).height
    let empty = 0
    for (let h = 2; h < head && empty === 0; h++) if ((await createDaClient({ url: devnet.nodes[0].rpcUrl }).block(h)).blobs === 0) empty = h
    const res = await sample(0, empty, [1, 2])
    expect(res).toMatchObject({ status: SampleStatus.OK, blobs: [], txs: [] })
    expect((await sample(0, head + 10_000, [1])).status).toBe(SampleStatus.NOT_FOUND)
  })

  it('a withheld blob (tx committed, cells never sent) is NOT_AVAILABLE on every node, and stays so', async () => {
    const key = keyFromFile(readFileSync(join(devnet.home, 'keys', 'default.json'), 'utf8'))
    const kzg = await createNativeKzg({ precompute: false })
    const payload = patternBytes(10_000, 99)
    const { commitment } = await kzg.encodeBlob(packBlob(payload, 0))
    const rpc = devnet.rpc(0)
    const acct = await rpc.account(key.address)
    const tx = encodeTx(signTx({ chainId: genesis.chainId, nonce: BigInt(acct.nonce), fee: 1000n, kind: 'da.submit', body: encodeBody('da.submit', { size: payload.length, commitments: [commitment] }) }, key.privateKey))
    expect((await rpc.submitTx(tx)).code).toBe(0)
    let height = 0
    for (let i = 0; i < 100 && height === 0; i++) { try { height = (await rpc.tx(toHex(sha256(tx)))).height } catch { await sleep(200) } }
    expect(height).toBeGreaterThan(0)
    await devnet.waitForHeight(height + 10) // replication has had several rounds
    for (let node = 0; node < 4; node++) {
      const res = await sample(node, height, sampleColumns(16))
      expect(res.status).toBe(SampleStatus.NOT_AVAILABLE)
      const view = await createDaClient({ url: devnet.nodes[node].rpcUrl }).block(height)
      expect(view).toMatchObject({ held: false, blobs: 1 })
    }
  })

  it('refuses bad submissions with typed 400s, keeps nothing, and stays up', async () => {
    const da = createDaClient({ url: devnet.nodes[1].rpcUrl })
    const key = keyFromFile(readFileSync(join(devnet.home, 'keys', 'default.json'), 'utf8'))
    const kzg = await createNativeKzg({ precompute: false })
    const blob = await kzg.encodeBlob(packBlob(patternBytes(1000, 55), 0))
    const tx = encodeTx(signTx({ chainId: genesis.chainId, nonce: 0n, fee: 1000n, kind: 'da.submit', body: encodeBody('da.submit', { size: 1000, commitments: [blob.commitment] }) }, key.privateKey))
    const flipped = { ...blob, cells: blob.cells.map((c, i) => { const x = c.slice(); if (i === 64) x[9] ^= 1; return x }) }
    const expectCode = async (p: Promise<unknown>, status: number, code: string): Promise<void> => {
      const err = await p.catch((e) => e)
      expect(err).toBeInstanceOf(RpcError)
      expect(err).toMatchObject({ status, code })
    }
    await expectCode(da.submit(new Uint8Array([1, 2, 3])), 400, 'MALFORMED_SUBMISSION')
    await expectCode(da.submit(encodeSubmission({ tx, blobs: [flipped] })), 400, 'INVALID_CELLS')
    await expectCode(da.submit(encodeSubmission({ tx, blobs: [blob, blob] })), 400, 'COMMITMENT_MISMATCH')
    const big = encodeSubmission({ tx, blobs: [blob] })
    big[5] = 65
    await expectCode(da.submit(big), 400, 'SUBMISSION_TOO_LARGE')
    // a stale nonce: the cells verify, CheckTx refuses → nothing kept
    await expectCode(da.submit(encodeSubmission({ tx, blobs: [blob] })), 400, 'TX_REJECTED')
    await expectCode(da.submitRaw('0'.repeat(32), tx), 400, 'UNKNOWN_TOKEN')
    await expectCode(da.block(0), 400, 'BAD_HEIGHT')
    // still serving
    expect((await devnet.rpc(1).status()).height).toBeGreaterThan(0)
    expect((await sample(1, submitted.height, [0])).status).toBe(SampleStatus.OK)
  })

  it('demo traffic: a funded key sends blobs every few blocks and a file now and then; its blobs are held and sampleable', async () => {
    const controller = new AbortController()
    const lines: string[] = []
    const traffic = await startDemoTraffic({ rpcUrl: devnet.nodes[0].rpcUrl, home: devnet.home, signal: controller.signal, log: (l) => lines.push(l), blobEveryBlocks: 2, fileEveryBlocks: 1000 })
    try {
      const deadline = Date.now() + 90_000
      while ((traffic.stats.blobs < 2 || traffic.stats.files < 1) && Date.now() < deadline) await sleep(250)
      expect(traffic.stats, lines.join('\n')).toMatchObject({ errors: 0 })
      expect(traffic.stats.blobs).toBeGreaterThanOrEqual(2)
      expect(traffic.stats.files).toBe(1)
    } finally {
      controller.abort()
      await traffic.stopped
    }
    await waitHeld(traffic.stats.lastBlobHeight)
    await devnet.waitForHeight(traffic.stats.lastBlobHeight + 2)
    const columns = sampleColumns(16)
    await checkSample(await sample(2, traffic.stats.lastBlobHeight, columns), await verifiedHeader(2, traffic.stats.lastBlobHeight), columns, [])
  })
})
