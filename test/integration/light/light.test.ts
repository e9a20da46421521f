// Two real `glowmesh light` processes (built CLI, --json) against a real 4-validator devnet:
// both verify the rising head, sample blocks with blobs, and their header logs match the chain.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sha256 } from '@noble/hashes/sha2.js'
import { startTestDevnet, type TestDevnet } from '../../helpers/devnet.js'
import { spawnCli } from '../../helpers/cli.js'
import { spawnLightProcess, stopLightProcess, type LightProcess } from '../../helpers/light-process.js'
import { toHex } from '../../../protocol/bytes.js'
import type { LightStatus } from '../../../client/types.js'
import { waitFor } from '../../helpers/wait.js'

type Light = LightProcess
const spawnLight = spawnLightProcess
const stopLight = stopLightProcess

let devnet: TestDevnet
let other: string
const lights: Light[] = []



const until = async (cond: () => boolean | Promise<boolean>, what: string, ms = 120_000): Promise<void> => { await waitFor(what, cond, { timeoutMs: ms, diagnostics: () => `light stderr: ${lights.map(l => l.stderr.slice(-2000)).join('\n---\n')}` }) }

const last = (l: Light): LightStatus | undefined => l.statuses.at(-1)

beforeAll(async () => {
  devnet = await startTestDevnet({ blockTimeMs: 300 })
  await devnet.waitForHeight(3)
  other = mkdtempSync(join(tmpdir(), 'glowmesh-light-'))
  const hash = toHex(sha256(readFileSync(devnet.genesisPath)))
  // one in the devnet home (genesis pinned from its file), one elsewhere (pinned by flag, other node's RPC)
  lights.push(spawnLight(['--home', devnet.home], devnet.home))
  lights.push(spawnLight(['--home', other, '--rpc', devnet.nodes[1].rpcUrl, '--genesis-hash', hash], other))
}, 300_000)

afterAll(async () => {
  await Promise.all(lights.map(stopLight))
  await devnet?.cleanup()
  if (other !== undefined) rmSync(other, { recursive: true, force: true })
}, 120_000)

describe('glowmesh light', () => {
  it('both light nodes verify a rising head equal to the chain\'s, with every full node as a peer', async () => {
    const target = (await devnet.rpc(0).status()).height
    await until(() => lights.every(l => (last(l)?.verifiedHeight ?? 0) >= target), `verifiedHeight ≥ ${target}`)
    const first = lights.map(l => last(l)!.verifiedHeight)
    await devnet.waitForHeight(target + 5)
    await until(() => lights.every((l, i) => last(l)!.verifiedHeight > first[i]), 'a rising verifiedHeight')
    // a connection can be re-dialling on a loaded machine: wait for every full node as a peer
    await until(() => lights.every(l => last(l)!.peers === 4), 'every full node as a peer')
    for (const l of lights) {
      const st = last(l)!
      expect(Object.keys(st)).toEqual(['peerId', 'peers', 'verifiedHeight', 'sampledBlocks', 'lastConfidence', 'cachedBytes', 'challengesAnswered', 'challengesFailed'])
      expect(st.peerId).toMatch(/^12D3KooW/)
      expect(st.peers).toBe(4)
    }
    // the chain's head (minus the block whose commit isn't final yet) is what a light node verifies
    const chain = (await devnet.rpc(0).status()).height
    await until(() => lights.every(l => last(l)!.verifiedHeight >= chain - 1), `verifiedHeight ≥ ${chain - 1}`)
    expect(lights[0].statuses.every(s => s.peerId === lights[0].statuses[0].peerId)).toBe(true)
    expect(lights[0].statuses[0].peerId).not.toBe(lights[1].statuses[0].peerId)
  })

  it('refuses a served genesis that does not match the pinned hash', async () => {
    const r = await spawnCli(['light', '--json', '--home', other, '--rpc', devnet.nodes[0].rpcUrl, '--genesis-hash', '0x' + '11'.repeat(32)], { timeoutMs: 60_000 })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/GenesisMismatchError/)
    expect(r.stdout).toBe('')
  })

  it('--pledge without the storage module is a clear error', async () => {
    let storage = true
    try { await import('../../../client/storage/index.js' as string) } catch { storage = false }
    if (storage) return
    const r = await spawnCli(['light', '--pledge', '16MiB', '--home', other, '--rpc', devnet.nodes[0].rpcUrl, '--genesis-hash', '0x' + '11'.repeat(32)], { timeoutMs: 60_000 })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/StorageUnavailableError/)
  })

  it('lastConfidence > 0.99999 once a blob submitted with `glowmesh da submit` is in a block', async () => {
    const path = join(other, 'blob.bin')
    writeFileSync(path, new Uint8Array(200_000).map((_, i) => (i * 13) % 251))
    await spawnCli(['keys', 'new', '--home', devnet.home], { timeoutMs: 60_000 })
    await spawnCli(['faucet', '--home', devnet.home], { timeoutMs: 60_000 })
    const r = await spawnCli(['da', 'submit', path, '--json', '--home', devnet.home], { timeoutMs: 120_000 })
    expect(r.stderr, '`glowmesh da submit` (the DA engineer\'s) must exist and succeed').not.toMatch(/unknown command/)
    expect(r.code).toBe(0)
    const { height } = JSON.parse(r.stdout)
    expect(height).toBeGreaterThan(0)
    await until(() => lights.every(l => (last(l)?.sampledBlocks ?? 0) >= 1 && last(l)!.lastConfidence > 0.99999), 'lastConfidence > 0.99999')
    for (const l of lights) expect(l.stderr).not.toMatch(/UNAVAILABLE/)
  })

  it('--headers prints the accepted-header log, and it agrees with the chain\'s header hashes', async () => {
    await Promise.all(lights.map(stopLight))
    const logs = await Promise.all(lights.map(async l => {
      const r = await spawnCli(['light', '--headers', '--home', l.home], { timeoutMs: 60_000 })
      expect(r.code).toBe(0)
      return r.stdout.trim().split('\n').map(line => JSON.parse(line))
    }))
    for (const log of logs) {
      expect(log[0]).toMatchObject({ height: 1, verifiedBy: 'genesis', from: 0 })
      const heights = log.map((h: any) => h.height)
      expect(heights).toEqual(Array.from({ length: heights.length }, (_, i) => i + 1)) // no gaps
      for (const h of log) {
        expect(['genesis', 'adjacent', 'skipping', 'backwards']).toContain(h.verifiedBy)
        expect((await devnet.rpc(h.height % 4).header(BigInt(h.height))).hash).toBe(h.hash)
      }
    }
    // the two logs agree where they overlap
    const byHeight = new Map(logs[0].map((h: any) => [h.height, h.hash]))
    for (const h of logs[1]) if (byHeight.has(h.height)) expect(byHeight.get(h.height)).toBe(h.hash)
  })
})
