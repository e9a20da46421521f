// The engine meets reality: 4 real cometbft validators on loopback, each driving an in-process
// ABCI server with the counter app, at fast-block speed. Commits verify with protocol/chain's
// light-client verifier; kill -9 of one engine leaves 3 of 4 (> 2/3) committing; the restarted
// engine replays and catches up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { existsSync, readFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { verifyCommitLight } from '../../../protocol/chain/commit.js'
import { verifySkipping, verifyAdjacent } from '../../../protocol/chain/light.js'
import { hashHeader } from '../../../protocol/chain/header.js'
import { counterTx } from '../../helpers/counter-app.js'
import { startLocalnet, until } from './localnet.js'
import type { Localnet } from './localnet.js'

let dir: string
let net: Localnet | undefined
const height = async (i: number): Promise<bigint> => (await net!.nodes[i].rpc.status({ timeoutMs: 1000 })).latestBlockHeight

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glowmesh-engine-'))
  net = await startLocalnet({ dir, n: 4, blockTimeMs: 100 })
})

afterAll(async () => {
  await net?.close()
  await rm(dir, { recursive: true, force: true })
})

describe('4 CometBFT validators on loopback', () => {
  it('commit blocks, write pid files, and pass the genesis through verbatim', async () => {
    await until(async () => (await height(0)) >= 5n, 'height 5')
    for (const node of net!.nodes) {
      expect(Number(readFileSync(join(node.dir, 'cometbft.pid'), 'utf8'))).toBe(node.engine!.pid)
      expect(node.abci.connections).toBe(4)
    }
    // app_state is the glowmesh genesis file's text, byte for byte.
    const q = await net!.nodes[0].rpc.abciQuery('/genesis-sha')
    expect(new TextDecoder().decode(q.value)).toBe(createHash('sha256').update(net!.genesisText).digest('hex'))
    expect(net!.fatal).toEqual([])
  })

  it('include broadcast txs, and every node reaches the same app hash', async () => {
    for (let i = 0; i < 20; i++) {
      const r = await net!.nodes[i % 4].rpc.broadcastTxSync(counterTx(1000 + i))
      expect(r.code).toBe(0)
    }
    const bad = await net!.nodes[0].rpc.broadcastTxSync(new Uint8Array(3))
    expect(bad.code).toBe(2)
    await until(async () => net!.nodes.every((n) => n.app.state.count === 20), 'all 20 txs committed on all nodes')
    const h = await height(0)
    await until(async () => (await Promise.all([1, 2, 3].map(height))).every((x) => x >= h), 'others at the same height')
    const hashes = await Promise.all(net!.nodes.map(async (n) => (await n.rpc.block(h)).header.appHash))
    for (const x of hashes) expect(x).toEqual(hashes[0])
    // The rest of the RPC client against the real engine.
    const rpc = net!.nodes[2].rpc
    const sent = await net!.nodes[0].rpc.broadcastTxSync(counterTx(7777))
    expect(sent.hash).toBe(createHash('sha256').update(counterTx(7777)).digest('hex').toUpperCase())
    await until(async () => net!.nodes[2].app.state.count === 21, 'one more tx')
    const found = await rpc.tx(sent.hash)
    expect(found.code).toBe(0)
    expect((await rpc.block(found.height)).txs.map((t) => Buffer.from(t).toString('hex'))).toContain(Buffer.from(counterTx(7777)).toString('hex'))
    expect((await rpc.txSearch(`tx.height=${found.height}`)).totalCount).toBeGreaterThanOrEqual(1)
    // Peer links may still be (re)forming on a loaded machine: wait for all three rather than sample once.
    await until(async () => (await rpc.netInfo()).peers.length === 3, 'node2 connected to its 3 peers')
    expect((await rpc.validators()).validators).toHaveLength(4)
    await expect(rpc.call('no_such_method')).rejects.toMatchObject({ name: 'CometRpcError', code: 'COMET_RPC' })
    await until(async () => net!.nodes.every((n) => n.app.state.count === 21), 'tx 21 on all nodes')
    const sum = (20 * 1000 + 19 * 20 / 2 + 7777).toString()
    expect(net!.nodes.map((n) => n.app.state.sum)).toEqual([sum, sum, sum, sum])
  })

  it('produce commits that verify with the TypeScript light client (verifyCommitLight, adjacent, skipping)', async () => {
    const rpc = net!.nodes[1].rpc
    await until(async () => (await height(1)) >= 12n, 'height 12')
    const target = (await height(1)) - 1n
    const lb = await rpc.lightBlock(target)
    const tally = verifyCommitLight(net!.chainId, lb.validators, lb.signedHeader.commit.blockId, target, lb.signedHeader.commit)
    expect(tally.tallied * 3n).toBeGreaterThan(tally.total * 2n)
    // The hash we compute is the block id CometBFT committed.
    expect(Buffer.from(hashHeader(lb.signedHeader.header)).toString('hex').toUpperCase()).toBe((await rpc.block(target)).blockIdHash)

    const trusted = await rpc.lightBlock(1n)
    const second = await rpc.lightBlock(2n)
    verifyAdjacent({ trusted, untrusted: second.signedHeader, untrustedVals: second.validators, trustingPeriodMs: 3_600_000, now: Date.now() })
    const fetched: bigint[] = []
    const { trace } = await verifySkipping({
      trusted, untrusted: lb.signedHeader, untrustedVals: lb.validators, trustingPeriodMs: 3_600_000, now: Date.now(),
      fetchLightBlock: async (h) => { fetched.push(h); return await rpc.lightBlock(h) }
    })
    expect(trace.at(-1)!.height).toBe(target)
    expect(trace.at(-1)!.verifiedBy).toBe('skipping') // same validator set throughout: one skip
  })

  it('keep committing when one engine is killed -9, and the restarted engine catches up', async () => {
    const victim = net!.nodes[3]
    const engine = victim.engine!
    process.kill(engine.pid, 'SIGKILL')
    const exit = await engine.exited
    expect(exit.signal).toBe('SIGKILL')
    expect(exit.expected).toBe(false)
    expect(existsSync(join(victim.dir, 'cometbft.pid'))).toBe(false)
    const before = await height(0)
    await until(async () => (await height(0)) >= before + 10n, '10 more blocks with 3 of 4 validators')
    for (let i = 0; i < 5; i++) expect((await net!.nodes[0].rpc.broadcastTxSync(counterTx(i))).code).toBe(0)
    await until(async () => net!.nodes[0].app.state.count === 26, 'txs committed without the victim')
    const victimHeight = victim.app.state.height

    await net!.startEngineOf(3)
    const target = await height(0)
    await until(async () => (await height(3)) >= target, `victim catching up from ${victimHeight} to ${target}`)
    await until(async () => victim.app.state.count === 26, 'victim replayed the missed txs')
    expect(victim.app.state.sum).toBe(net!.nodes[0].app.state.sum)
    expect(net!.fatal).toEqual([])
  })

  it('replace an orphaned engine left by a crashed node process (same pid file and home)', async () => {
    const node = net!.nodes[2]
    const orphan = node.engine!
    const fresh = await net!.startEngineOf(2)
    expect((await orphan.exited).signal).toBe('SIGKILL')
    expect(fresh.pid).not.toBe(orphan.pid)
    expect(Number(readFileSync(join(node.dir, 'cometbft.pid'), 'utf8'))).toBe(fresh.pid)
    const h = await height(0)
    await until(async () => (await height(2)) >= h, 'replacement engine in sync')
  })

  it('stop when their app goes away (CometBFT exits when an ABCI connection drops)', async () => {
    const node = net!.nodes[2]
    await node.abci.close()
    const exit = await node.engine!.exited
    expect(exit.expected).toBe(false)
    expect(node.exits.at(-1)).toEqual(exit)
    expect(readFileSync(join(node.dir, 'cometbft.log'), 'utf8')).toMatch(/Did the application crash\?/)
  })

  it('stop cleanly on request and remove the pid file', async () => {
    const node = net!.nodes[1]
    const exit = await node.engine!.stop()
    expect(exit).toMatchObject({ expected: true })
    expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true)
    expect(existsSync(join(node.dir, 'cometbft.pid'))).toBe(false)
    expect(net!.fatal).toEqual([])
  })
})
