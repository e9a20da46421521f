// Joining a long-running chain (issue 13 item 3): a real `glowmesh light` started with
// `--checkpoint H:0xHASH` on a fast-block 4-validator devnet anchors at H, verifies the head without
// history (its header log has nothing below H), and a wrong or malformed checkpoint ends it with a
// typed error and a non-zero exit. It also times checkpoint vs genesis start on the same chain.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sha256 } from '@noble/hashes/sha2.js'
import { startTestDevnet, type TestDevnet } from '../../helpers/devnet.js'
import { spawnCli } from '../../helpers/cli.js'
import { spawnLightProcess, stopLightProcess, type LightProcess } from '../../helpers/light-process.js'
import { toHex } from '../../../protocol/bytes.js'
import type { AcceptedHeader } from '../../../client/types.js'
import { waitFor } from '../../helpers/wait.js'

type Light = LightProcess

let devnet: TestDevnet
let genesisHash: string
const homes: string[] = []
const lights: Light[] = []

function newHome (): string { const h = mkdtempSync(join(tmpdir(), 'glowmesh-cp-')); homes.push(h); return h }

function spawnLight (home: string, extra: string[]): Light {
  const l = spawnLightProcess(['--home', home, '--rpc', devnet.nodes[lights.length % 4].rpcUrl, '--genesis-hash', genesisHash, '--sample-count', '4', ...extra], home)
  lights.push(l)
  return l
}

const stopLight = stopLightProcess

const until = async (cond: () => boolean | Promise<boolean>, what: string, l?: Light, ms = 180_000): Promise<void> => { await waitFor(what, cond, { timeoutMs: ms, everyMs: 100, diagnostics: () => `light stderr: ${l?.stderr.slice(-2000) ?? ''}` }) }

const height = (l: Light): number => l.statuses.at(-1)?.verifiedHeight ?? 0

async function headerLog (home: string): Promise<AcceptedHeader[]> {
  const r = await spawnCli(['light', '--headers', '--home', home], { timeoutMs: 60_000 })
  expect(r.code).toBe(0)
  return r.stdout.trim().split('\n').filter(x => x !== '').map(line => JSON.parse(line))
}

// starts a light node, waits until it verified `target`, stops it; returns the ms it took.
// verifiedHeight moves before that round's headers are logged, so it stops only once a later round
// verified a higher head (rounds run one at a time): the log then surely reaches `target`.
async function timeToHead (home: string, extra: string[], target: number): Promise<number> {
  const t0 = Date.now()
  const l = spawnLight(home, extra)
  await until(() => height(l) >= target, `verifiedHeight ≥ ${target}`, l)
  const ms = Date.now() - t0
  const reached = height(l)
  await until(() => height(l) > reached, `verifiedHeight > ${reached}`, l)
  await stopLight(l)
  return ms
}

beforeAll(async () => {
  devnet = await startTestDevnet({ blockTimeMs: 100 })
  genesisHash = toHex(sha256(readFileSync(devnet.genesisPath)))
  await devnet.waitForHeight(170)
}, 400_000)

afterAll(async () => {
  await Promise.all(lights.map(stopLight))
  await devnet?.cleanup()
  for (const h of homes) rmSync(h, { recursive: true, force: true })
}, 120_000)

describe('glowmesh light --checkpoint', () => {
  it('anchors at H = head − 20, reaches the head, and its log has nothing below H', async () => {
    const head = (await devnet.rpc(0).status()).height
    const H = head - 20
    const { hash } = await devnet.rpc(1).header(BigInt(H))
    expect(hash).toMatch(/^0x[0-9a-f]{64}$/)
    const home = newHome()
    const cpMs = await timeToHead(home, ['--checkpoint', `${H}:${hash}`], head - 1)
    const log = await headerLog(home)
    expect(log[0]).toMatchObject({ height: H, hash, verifiedBy: 'checkpoint' })
    expect(log.filter(h => h.height < H)).toEqual([])
    expect(log.some(h => h.height === 1)).toBe(false)
    const heights = log.map(h => h.height)
    expect(heights).toEqual(Array.from({ length: heights.length }, (_, i) => H + i)) // no gaps from H up
    expect(heights.at(-1)!).toBeGreaterThanOrEqual(head - 1)
    for (const h of log.filter((_, i) => i % 5 === 0)) expect((await devnet.rpc(h.height % 4).header(BigInt(h.height))).hash).toBe(h.hash)

    // a restart with the same store resumes (the stored trusted header wins) and keeps following the head
    const again = (await devnet.rpc(0).status()).height
    await timeToHead(home, ['--checkpoint', `${H}:${hash}`], again)
    expect((await headerLog(home))[0]).toMatchObject({ height: H, verifiedBy: 'checkpoint' })

    // the same chain from genesis, for the figures
    const target = (await devnet.rpc(0).status()).height - 1
    const genMs = await timeToHead(newHome(), [], target)
    const genLog = await headerLog(homes.at(-1)!)
    expect(genLog[0]).toMatchObject({ height: 1, verifiedBy: 'genesis' })
    console.log(`[bench] light start to verified head on a ${head}-block chain: from checkpoint ${H} ${cpMs} ms (log ${log.length} headers); from genesis ${genMs} ms to ${target} (log ${genLog.length} headers)`)
  }, 600_000)

  it('a wrong checkpoint hash ends the node with CheckpointMismatchError and exit 1', async () => {
    const H = (await devnet.rpc(0).status()).height - 20
    const { hash: wrong } = await devnet.rpc(0).header(BigInt(H + 1)) // a real header, at another height
    const home = newHome()
    const r = await spawnCli(['light', '--json', '--home', home, '--rpc', devnet.nodes[2].rpcUrl, '--genesis-hash', genesisHash, '--checkpoint', `${H}:${wrong}`], { timeoutMs: 120_000 })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(new RegExp(`CheckpointMismatchError: checkpoint ${H}:${wrong} does not match the chain`))
    expect(await headerLog(home)).toEqual([])
  }, 180_000)

  it('a malformed checkpoint is a usage error (exit 2) before any network', async () => {
    const r = await spawnCli(['light', '--home', newHome(), '--rpc', 'http://127.0.0.1:1', '--genesis-hash', genesisHash, '--checkpoint', '12:0xnothex'], { timeoutMs: 60_000 })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/InvalidCheckpointError: checkpoint must be HEIGHT:0xHASH/)
    const t = await spawnCli(['light', '--home', newHome(), '--rpc', 'http://127.0.0.1:1', '--genesis-hash', genesisHash, '--trusting-period', 'soon'], { timeoutMs: 60_000 })
    expect(t.code).toBe(2)
    expect(t.stderr).toMatch(/--trusting-period takes a positive duration/)
  }, 120_000)
})
