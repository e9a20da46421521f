// The chain end to end: a 4-validator devnet of real `glowmesh node` processes with real CometBFT.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Comet38Client } from '@cosmjs/tendermint-rpc'
import { startTestDevnet, type TestDevnet } from '../../helpers/devnet.js'
import { runCli } from '../../helpers/cli.js'
import { sdkRootOfFile } from '../../helpers/zg-sdk.js'
import { patternBytes } from '../../helpers/bytes.js'
import { createWallet } from '../../../fullnode/rpc/wallet.js'
import { parseNodeConfig } from '../../../fullnode/config.js'
import {
  keyFromFile, generateKey, encodeTx, signTx, signedHeaderFromJson, validatorsFromJson, verifySkipping,
  validatorSetHash, type LightBlock
} from '../../../protocol/chain/index.js'
import { encodeBody } from '../../../protocol/chain/bodies.js'
import { fromHex, toHex, equalBytes } from '../../../protocol/bytes.js'
import type { RpcClient } from '../../../fullnode/rpc/client.js'

let devnet: TestDevnet
beforeAll(async () => { devnet = await startTestDevnet({ blockTimeMs: 200 }) }, 180_000)
afterAll(async () => { await devnet?.cleanup() }, 60_000)

const cli = async (...args: string[]) => await runCli(...args, '--home', devnet.home)

async function lightBlock (rpc: RpcClient, height: bigint): Promise<LightBlock> {
  const h = await rpc.header(height)
  const v = await rpc.validators(height)
  return { signedHeader: signedHeaderFromJson({ header: h.header, commit: h.commit }), validators: validatorsFromJson(v.validators) }
}

describe('devnet', () => {
  it('commits blocks on every node; status has the DESIGN §8 fields', async () => {
    const start = (await devnet.rpc(0).status()).height
    await devnet.waitForHeight(start + 5)
    for (let i = 0; i < 4; i++) {
      // CometBFT's peer links may still be (re)forming on a loaded machine: wait for all three.
      for (let t = 0; (await devnet.rpc(i).status()).peers !== 3; t++) {
        if (t > 150) throw new Error(`node${i} never reached 3 CometBFT peers`)
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
      const st = await devnet.rpc(i).status()
      expect(st.height).toBeGreaterThan(start)
      expect(st.validators).toHaveLength(4)
      expect(st.peers).toBe(3)
      expect(st.multiaddrs.every((a) => /\/p2p\/12D3Koo/.test(a))).toBe(true)
      expect(new Date(st.lastBlockTime).toISOString()).toBe(st.lastBlockTime)
    }
    const status = await cli('status', '--json', '--node', '2')
    expect(Object.keys(JSON.parse(status.stdout))).toEqual(expect.arrayContaining(['height', 'lastBlockTime', 'validators', 'peers', 'multiaddrs']))
  })

  it('keeps CometBFT RPC reachable for Cosmos tooling (@cosmjs/tendermint-rpc)', async () => {
    const config = parseNodeConfig(readFileSync(join(devnet.nodes[1].dir, 'config.json'), 'utf8'))
    const client = await Comet38Client.connect(`http://127.0.0.1:${config.cometbft.rpcPort}`)
    const st = await client.status()
    expect(st.nodeInfo.network).toBe('glowmesh-devnet')
    const block = await client.block(3)
    expect(block.block.header.height).toBe(3)
    client.disconnect()
  })

  it('keys, faucet, transfer, balance; put then get returns identical bytes, root equal to the 0G SDK', async () => {
    expect((await cli('keys', 'new')).code).toBe(0)
    const faucet = await cli('faucet', '--json')
    expect(faucet.code).toBe(0)
    const other = generateKey()
    const t = await cli('transfer', other.address, '12345', '--json')
    expect(t.stderr).toBe('')
    expect(JSON.parse(t.stdout).height).toBeGreaterThan(0)
    expect((await cli('balance', other.address)).stdout).toBe('12345\n')

    const path = join(devnet.home, 'payload.bin')
    writeFileSync(path, patternBytes(3 * 262_144 + 4321, 77))
    const put = await cli('put', path, '--json')
    expect(put.stderr).toMatch(/upload/)
    const out = JSON.parse(put.stdout)
    expect(out.root).toBe(await sdkRootOfFile(path))
    expect(out).toMatchObject({ size: 3 * 262_144 + 4321 })
    // Replicated to every full node: fetch it from another one.
    const back = join(devnet.home, 'back.bin')
    for (let attempt = 0; ; attempt++) {
      const get = await cli('get', out.root, '--out', back, '--node', '3')
      if (get.code === 0) break
      if (attempt > 50) throw new Error(get.stderr)
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    expect(readFileSync(back).equals(readFileSync(path))).toBe(true)
  })

  it('rejects bad input while every node stays up', async () => {
    const rpc = devnet.rpc(0)
    const st = await rpc.status()
    // A malformed tx, a tx with a bad signature, an oversized body, a wrong segment, bad routes.
    expect((await rpc.submitTx(new Uint8Array([1, 2, 3]))).code).not.toBe(0)
    const key = generateKey()
    const tx = signTx({ chainId: st.chainId, nonce: 0n, fee: 1000n, kind: 'transfer', body: encodeBody('transfer', { to: new Uint8Array(20), amount: 1n }) }, key.privateKey)
    tx.signature[0] ^= 1
    expect((await rpc.submitTx(encodeTx(tx))).code).not.toBe(0)
    const big = await fetch(rpc.url + '/tx', { method: 'POST', body: new Uint8Array(2 * 1024 * 1024), headers: { 'content-type': 'application/octet-stream' } })
    expect(big.status).toBe(413)
    expect((await fetch(rpc.url + '/headers/abc')).status).toBe(400)
    expect((await fetch(rpc.url + '/files/0x1234')).status).toBe(400)
    expect((await fetch(rpc.url + '/nope')).status).toBe(404)
    const body = await (await fetch(rpc.url + '/headers/-1')).json() as any
    expect(body.error.code).toBe('BAD_HEIGHT')
    const put = await cli('put', join(devnet.home, 'payload.bin'), '--json')
    const root = JSON.parse(put.stdout).root
    const seg = await rpc.getSegment(root, 1)
    const bad = seg.bytes.slice(); bad[7] ^= 0xff
    await expect(rpc.putSegment(root, 1, bad, seg.proof)).rejects.toMatchObject({ status: 400 })
    await expect(rpc.putSegment(root, 2, seg.bytes, seg.proof)).rejects.toMatchObject({ status: 400 })
    for (let i = 0; i < 4; i++) expect((await devnet.rpc(i).status()).height).toBeGreaterThanOrEqual(st.height)
  })

  it('verifies real CometBFT headers with our light client across a validator-set change made by a transaction', async () => {
    const rpc = devnet.rpc(0)
    const genesis = JSON.parse(readFileSync(devnet.genesisPath, 'utf8'))
    const authority = createWallet({ rpc, key: keyFromFile(genesis.faucet), chainId: genesis.chainId })
    const target = fromHex(toHex(Buffer.from(genesis.validators[3].publicKey, 'base64')))
    const sent = await authority.send('validator.update', { publicKey: target, power: 25n })
    // The new power applies at height + 2.
    await devnet.waitForHeight(sent.height + 4)
    const before = await lightBlock(rpc, 2n)
    const latest = BigInt((await rpc.status()).height - 1)
    const after = await lightBlock(rpc, latest)
    expect(equalBytes(validatorSetHash(before.validators), validatorSetHash(after.validators))).toBe(false)
    expect(after.validators.map((v) => Number(v.votingPower)).sort()).toEqual([10, 10, 10, 25])
    const fetched: bigint[] = []
    const result = await verifySkipping({
      trusted: before,
      untrusted: after.signedHeader,
      untrustedVals: after.validators,
      trustingPeriodMs: 3_600_000,
      now: Date.now(),
      fetchLightBlock: async (h) => { fetched.push(h); return await lightBlock(rpc, h) }
    })
    expect(result.trace[result.trace.length - 1].height).toBe(latest)
    // A header whose app hash was altered no longer matches the signed block id.
    const forged = structuredClone(after.signedHeader)
    forged.header.appHash = new Uint8Array(32).fill(7)
    await expect(verifySkipping({ trusted: before, untrusted: forged, untrustedVals: after.validators, trustingPeriodMs: 3_600_000, now: Date.now(), fetchLightBlock: async (h) => await lightBlock(rpc, h) })).rejects.toThrow()
  })

  it('survives kill -9 of a validator app and of a validator engine, and catches up losing nothing', async () => {
    const root = JSON.parse((await cli('put', join(devnet.home, 'payload.bin'), '--json')).stdout).root
    // kill -9 the node process (the app) of node1: the devnet restarts it
    const before = (await devnet.rpc(0).status()).height
    devnet.nodes[1].kill('SIGKILL')
    await devnet.waitForHeight(before + 5, 0)
    // kill -9 node2's cometbft child: the node stops, the devnet restarts it
    const enginePid = Number(readFileSync(join(devnet.nodes[2].dir, 'cometbft.pid'), 'utf8'))
    process.kill(enginePid, 'SIGKILL')
    const mid = (await devnet.rpc(0).status()).height
    await devnet.waitForHeight(mid + 5, 0)
    const target = (await devnet.rpc(0).status()).height
    await devnet.waitForHeight(target, 1, 90_000)
    await devnet.waitForHeight(target, 2, 90_000)
    // Same chain everywhere: the header at `target - 1` hashes the same on every node.
    const hashes = await Promise.all([0, 1, 2, 3].map(async (i) => (await devnet.rpc(i).header(target - 1)).hash))
    expect(new Set(hashes).size).toBe(1)
    // Nothing committed was lost: the file is still complete and served by the restarted nodes.
    for (const i of [1, 2]) {
      const f = await devnet.rpc(i).file(root)
      expect(f.local.status).toBe('complete')
      await devnet.rpc(i).getSegment(root, 0)
    }
  })
})
