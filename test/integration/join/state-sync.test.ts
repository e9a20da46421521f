// Joining a long-running chain and the storage lifecycle (issue 13 part 3), on real parts: a
// 4-validator devnet of `glowmesh node` processes in fast-block mode builds ≥ 1,000 blocks with a
// transfer, two stored files (one for a single epoch) and a DA blob. The one-epoch file expires:
// the chain marks it expired, every validator's flow log gives its bytes back (the range is zeros on
// disk), `glowmesh get` says it was pruned, the root and flow range stay. Then a 5th full node made
// with `glowmesh init --state-sync RPC1,RPC2` (trust = RPC1's latest commit) restores a validator's
// snapshot, block-syncs to the head, computes the same app hash, proves an account, keeps up, and
// answers what it lacks (files and DA records from before it joined) with NOT_HELD, not a crash.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync, writeFileSync, rmSync, openSync, readSync, closeSync, statSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestDevnet, type TestDevnet } from '../../helpers/devnet.js'
import { runCli } from '../../helpers/cli.js'
import { patternBytes } from '../../helpers/bytes.js'
import { joinByStateSync, type JoinedNode } from '../../../fullnode/devnet-join.js'
import { createRpcClient, type RpcClient } from '../../../fullnode/rpc/client.js'
import { parseNodeConfig } from '../../../fullnode/config.js'
import { generateKey } from '../../../protocol/chain/index.js'
import { stateKeys, verifyStateProof, decodeRecord } from '../../../protocol/chain/state-proof.js'
import { fromHex } from '../../../protocol/bytes.js'
import { waitFor } from '../../helpers/wait.js'

const BLOCK_MS = 25
const CHAIN = 1000
let devnet: TestDevnet
let joiner: JoinedNode | undefined
const scratch = mkdtempSync(join(tmpdir(), 'glowmesh-join-'))
const cli = async (...args: string[]) => await runCli(...args, '--home', devnet.home)
const sleep = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms))
const t0 = Date.now()

/** Polls `cond` (errors count as "not yet") until it holds; on timeout says what it last saw. */
const until = async <T>(what: string, cond: () => Promise<T | undefined | false>, timeoutMs = 300_000, everyMs = 500): Promise<T> =>
  await waitFor(what, cond, { timeoutMs, everyMs, diagnostics: () => joiner === undefined ? '' : `joiner log tail: ${tail(join(joiner.dir, 'node.log'))}` })
function tail (path: string, n = 2500): string { return existsSync(path) ? readFileSync(path, 'utf8').slice(-n) : '(none)' }
const comet = async (url: string, path: string): Promise<any> => (await (await fetch(`${url}/${path}`)).json() as any).result
const engineUrl = (i: number): string => `http://127.0.0.1:${parseNodeConfig(readFileSync(join(devnet.nodes[i].dir, 'config.json'), 'utf8')).cometbft.rpcPort}`

// what the txs left, for the checks after the join
const sent: { to?: string, amount?: string, pruned?: { root: string, flowStart: number, size: number }, kept?: string, daHeight?: number } = {}

beforeAll(async () => {
  devnet = await startTestDevnet({ blockTimeMs: BLOCK_MS })
}, 300_000)

afterAll(async () => {
  await joiner?.stop()
  await devnet?.cleanup()
  rmSync(scratch, { recursive: true, force: true })
}, 120_000)

describe('a long chain: lifecycle pruning, then a new full node joins by state sync', () => {
  it('builds ≥ 1,000 blocks with txs; an expired file is pruned (bytes gone, range and root stay)', async () => {
    expect((await cli('keys', 'new')).code).toBe(0)
    expect((await cli('faucet', '--json')).code).toBe(0)
    sent.to = generateKey().address
    sent.amount = '424242'
    const t = await cli('transfer', sent.to, sent.amount, '--json')
    expect(t.code, t.stderr).toBe(0)
    const short = join(scratch, 'short.bin')
    writeFileSync(short, patternBytes(2 * 262_144 + 999, 7))
    const p1 = await cli('put', short, '--epochs', '1', '--json')
    expect(p1.code, p1.stderr).toBe(0)
    const put = JSON.parse(p1.stdout)
    const keptPath = join(scratch, 'kept.bin')
    writeFileSync(keptPath, patternBytes(262_144 + 5, 9))
    const p2 = await cli('put', keptPath, '--epochs', '1000', '--json')
    expect(p2.code, p2.stderr).toBe(0)
    sent.kept = JSON.parse(p2.stdout).root
    const blob = join(scratch, 'blob.bin')
    writeFileSync(blob, patternBytes(40_000, 3))
    const da = await cli('da', 'submit', blob, '--json')
    expect(da.code, da.stderr).toBe(0)
    sent.daHeight = JSON.parse(da.stdout).height
    const heldAt = async (i: number): Promise<any> => await (await fetch(`${devnet.nodes[i].rpcUrl}/da/${sent.daHeight!}`)).json()
    // the blob's cells are held while the block is in the sampling window (600 blocks by default)…
    const fresh = await until(`node0 to hold the DA blob at ${sent.daHeight!}`, async () => { const d = await heldAt(0); return d.held === true ? d : undefined }, 60_000)
    expect(fresh).toMatchObject({ inWindow: true, blobs: 1 })
    const blobFile = (i: number): string => join(devnet.nodes[i].dir, 'data', 'da', 'blobs', `${fresh.submissions[0].blobs[0].commitment as string}.cells`)
    expect(existsSync(blobFile(0))).toBe(true)
    const rec = await devnet.rpc(0).file(put.root)
    sent.pruned = { root: put.root, flowStart: rec.flowStart, size: rec.size }
    console.log(`[bench] txs in by height ${(await devnet.rpc(0).status()).height}, ${((Date.now() - t0) / 1000).toFixed(0)} s after start; file ${put.root} expires at epoch ${rec.expiryEpoch}`)

    // the chain expires it at the epoch boundary; every validator prunes and compacts it
    const expired = await until('the one-epoch file to expire', async () => { const f = await devnet.rpc(0).file(put.root); return f.expired === true ? f : undefined })
    expect(expired).toMatchObject({ root: put.root, flowStart: sent.pruned.flowStart, size: sent.pruned.size })
    for (let i = 0; i < 4; i++) {
      const local = await until(`node${i} to compact the pruned file`, async () => {
        const f = await devnet.rpc(i).file(put.root)
        return f.local?.status === 'pruned' && f.local.received === 0 ? f.local : undefined
      }, 120_000)
      expect(local.status).toBe('pruned')
      // the flow range is still there, and all zeros on disk: the bytes went, the position did not
      const part = join(devnet.nodes[i].dir, 'data', 'flow', 'flow', 'flow-000000.dat')
      const fd = openSync(part, 'r')
      const got = Buffer.alloc(sent.pruned.size)
      readSync(fd, got, 0, got.length, sent.pruned.flowStart * 256)
      closeSync(fd)
      expect(got.every((b) => b === 0)).toBe(true)
      if (i === 0) console.log(`[bench] node0 flow part after compaction: ${statSync(part).size} B long, ${statSync(part).blocks * 512} B allocated`)
    }
    const res = await fetch(`${devnet.nodes[1].rpcUrl}/files/${put.root}/segments/0`)
    expect(res.status).toBe(410)
    expect(((await res.json()) as any).error.code).toBe('FILE_PRUNED')
    const get = await cli('get', put.root, '--out', join(scratch, 'back.bin'), '--node', '2')
    expect(get.code).toBe(2)
    expect(get.stderr).toMatch(/FILE_PRUNED|expired and was pruned/)

    const head = await until(`height ${CHAIN}`, async () => { const h = (await devnet.rpc(0).status()).height; return h >= CHAIN ? h : undefined }, 600_000, 1000)
    console.log(`[bench] chain of ${head} blocks (${BLOCK_MS} ms setting) built in ${((Date.now() - t0) / 1000).toFixed(0)} s since the devnet start`)
    // …and gone from every validator once the block leaves the window: the submission's index entry
    // and the blob's file (cells + proofs) are deleted
    for (let i = 0; i < 4; i++) {
      let seen: unknown
      await until(`node${i} to prune the DA blob at ${sent.daHeight!} (window ${fresh.windowBlocks as number})`, async () => {
        seen = await heldAt(i)
        return !existsSync(blobFile(i)) && (seen as any).inWindow === false && (seen as any).blobs === 0
      }, 120_000).catch((err) => { throw new Error(`${(err as Error).message}; /da answered ${JSON.stringify(seen)}; blob file there: ${existsSync(blobFile(i))}`) })
    }
  }, 900_000)

  it('a 5th node joins by state sync, reaches the head with the same app hash, proves an account, keeps up', async () => {
    const tJoin = Date.now()
    joiner = await joinByStateSync({ genesisPath: devnet.genesisPath, validatorDirs: devnet.nodes.map((n) => n.dir), dir: join(scratch, 'joiner'), blockTimeMs: BLOCK_MS, initArgs: ['--discovery-time', '5s'] })
    expect(joiner.initLog).toMatch(new RegExp(`trusting height ${joiner.trust.height} hash ${joiner.trust.hash}`))
    expect((await devnet.rpc(0).header(joiner.trust.height)).hash).toBe(`0x${joiner.trust.hash}`)
    const rpc: RpcClient = createRpcClient({ url: joiner.rpcUrl, timeoutMs: 10_000 })

    const restored = await until('the snapshot restore', async () => /restored snapshot at height (\d+)/.exec(tail(join(joiner!.dir, 'node.log'), 1e7))?.[1], 300_000)
    const snapHeight = Number(restored)
    const restoreMs = Date.now() - tJoin
    expect(snapHeight).toBeGreaterThanOrEqual(CHAIN - 100)
    expect(snapHeight % 100).toBe(0) // a validator's snapshot (every 100 heights by default)
    const caughtUp = await until('the joiner to reach the head', async () => {
      const [mine, head] = await Promise.all([rpc.status(), devnet.rpc(1).status()])
      return !mine.catchingUp && mine.height >= head.height - 2 ? mine.height : undefined
    })
    const caughtMs = Date.now() - tJoin
    // it never replayed from genesis: its block store starts right after the snapshot
    const st = await comet(joiner.engineUrl, 'status')
    expect(Number(st.sync_info.earliest_block_height)).toBe(snapHeight + 1)

    // the app hash it computed equals the one the validators signed in the next header
    const info = (await comet(joiner.engineUrl, 'abci_info')).response
    const h = Number(info.last_block_height)
    const next = await until(`header ${h + 1}`, async () => await devnet.rpc(2).header(h + 1))
    expect(Buffer.from(info.last_block_app_hash, 'base64').toString('hex')).toBe(next.header.app_hash.toLowerCase())
    expect((await rpc.header(h)).hash).toBe((await devnet.rpc(3).header(h)).hash)

    // an account (transferred to before the snapshot) with a proof that verifies against the header
    const acct = await rpc.account(sent.to!, true)
    expect(acct.balance).toBe(sent.amount)
    const hdr = await until(`header ${acct.height + 1}`, async () => await rpc.header(acct.height + 1))
    const value = await verifyStateProof({ appHash: fromHex(hdr.header.app_hash.toLowerCase()), key: stateKeys.account(sent.to!), proof: fromHex(acct.proof) })
    expect(decodeRecord('account', value!).balance).toBe(BigInt(sent.amount!))

    // what a state-synced node lacks is said, not faked: bytes of earlier files, earlier DA records
    const kept = await fetch(`${joiner.rpcUrl}/files/${sent.kept}/segments/0`)
    expect(kept.status).toBe(404)
    expect(((await kept.json()) as any).error.code).toBe('NOT_HELD')
    const pruned = await fetch(`${joiner.rpcUrl}/files/${sent.pruned!.root}/segments/0`)
    expect(pruned.status).toBe(410)
    expect((await rpc.file(sent.kept!)).local).toBeNull()
    const daOld = await fetch(`${joiner.rpcUrl}/da/${sent.daHeight}`)
    expect(daOld.status).toBe(404)
    expect(((await daOld.json()) as any).error.code).toBe('NOT_HELD')
    expect((await fetch(`${joiner.rpcUrl}/headers/${snapHeight - 5}`)).status).toBe(404)

    // it keeps up: 20 more blocks, the same hashes as the validators'
    const later = await until('20 more blocks on the joiner', async () => { const s = await rpc.status(); return s.height >= caughtUp + 20 ? s.height : undefined })
    for (const x of [caughtUp + 1, later - 1]) expect((await rpc.header(x)).hash).toBe((await devnet.rpc(x % 4).header(x)).hash)
    expect(joiner.process.exitCode).toBeNull()
    console.log(`[bench] state sync join on a ${caughtUp}-block chain: snapshot at ${snapHeight} restored ${(restoreMs / 1000).toFixed(1)} s after start (5 s discovery included), head reached at ${(caughtMs / 1000).toFixed(1)} s (${caughtUp - snapHeight} blocks replayed)`)
  }, 600_000)
})
