// `glowmesh init --state-sync … --snapshot-interval …` (issue 13): what it writes into config.json,
// what CometBFT's config.toml then says, and the usage errors (exit 2) before anything is written.
// The path that asks RPC1 for the trust runs against real CometBFT in test/integration/join.
import { afterAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '../../helpers/cli.js'
import { ensureDevnetHome } from '../../../fullnode/devnet.js'
import { parseNodeConfig } from '../../../fullnode/config.js'
import { configToml } from '../../../fullnode/engine/toml.js'

const dir = mkdtempSync(join(tmpdir(), 'glowmesh-init-ss-'))
afterAll(() => { rmSync(dir, { recursive: true, force: true }) })
const HASH = 'ab'.repeat(32)

describe('glowmesh init --state-sync', () => {
  it('writes stateSync and snapshots into config.json; the engine config turns [statesync] on', async () => {
    const { genesisPath } = await ensureDevnetHome({ home: join(dir, 'net') })
    const home = join(dir, 'joiner')
    const r = await runCli('init', '--genesis', genesisPath, '--home', home, '--snapshot-interval', '50',
      '--state-sync', '127.0.0.1:26651,http://127.0.0.1:26661/', '--trust-height', '1200', '--trust-hash', `0x${HASH.toUpperCase()}`, '--trust-period', '2d', '--discovery-time', '6s')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toBe(`state sync from http://127.0.0.1:26651, http://127.0.0.1:26661; trusting height 1200 hash ${HASH}\n`)
    const config = parseNodeConfig(readFileSync(join(home, 'config.json'), 'utf8'))
    expect(config.snapshots).toEqual({ interval: 50 })
    expect(config.stateSync).toEqual({ rpcServers: ['http://127.0.0.1:26651', 'http://127.0.0.1:26661'], trustHeight: 1200, trustHash: HASH, trustPeriodMs: 2 * 86_400_000, discoveryTimeMs: 6000 })
    const toml = configToml({ moniker: 'j', abciPort: 1, rpcHost: '127.0.0.1', rpcPort: 2, p2pHost: '127.0.0.1', p2pPort: 3, persistentPeers: [], blockTimeMs: 100, logLevel: 'info', stateSync: { enable: true, ...config.stateSync! } })
    expect(toml).toContain(`[statesync]\nenable = true\nrpc_servers = "http://127.0.0.1:26651,http://127.0.0.1:26661"\ntrust_height = 1200\ntrust_hash = "${HASH}"\ntrust_period = "172800000ms"\ndiscovery_time = "6000ms"`)
  })

  it('refuses bad state-sync flags with a usage error before writing anything', async () => {
    const { genesisPath } = await ensureDevnetHome({ home: join(dir, 'net') })
    const cases: Array<[string[], RegExp]> = [
      [['--state-sync', '127.0.0.1:1'], /at least two CometBFT RPC servers/],
      [['--state-sync', 'a:1,b:2', '--trust-hash', HASH], /--trust-hash needs --trust-height/],
      [['--state-sync', 'a:1,b:2', '--trust-height', '5', '--trust-hash', 'nothex'], /64 hex digits/],
      [['--state-sync', 'a:1,b:2', '--trust-height', '0', '--trust-hash', HASH], /--trust-height takes a height/],
      [['--state-sync', 'a:1,b:2', '--trust-height', '5', '--trust-hash', HASH, '--discovery-time', '2s'], /at least 5s/],
      [['--state-sync', 'ftp://x,b:2', '--trust-height', '5', '--trust-hash', HASH], /CometBFT RPC addresses/],
      [['--trust-height', '5'], /go with --state-sync/],
      [['--snapshot-interval', '-1'], /--snapshot-interval takes a whole number/]
    ]
    for (const [i, [flags, message]] of cases.entries()) {
      const home = join(dir, `bad${i}`)
      const r = await runCli('init', '--genesis', genesisPath, '--home', home, ...flags)
      expect(r.code, flags.join(' ')).toBe(2)
      expect(r.stderr).toMatch(message)
      expect(existsSync(join(home, 'config.json'))).toBe(false)
    }
  })

  it('config.json: bad snapshots or stateSync blocks are InvalidInputError', () => {
    const base = { chainId: 'c', moniker: 'm', rpc: { port: 1 }, p2p: { tcp: 2, ws: 3, webrtcDirect: 4 }, gateway: { port: 5 }, cometbft: { rpcPort: 6, p2pPort: 7, abciPort: 8 }, dataDir: 'data' }
    expect(parseNodeConfig({ ...base, snapshots: { interval: 0, keepRecent: 3 } }).snapshots).toEqual({ interval: 0, keepRecent: 3 })
    for (const bad of [{ snapshots: { interval: -1 } }, { snapshots: { chunkBytes: 10 } }, { stateSync: { rpcServers: ['a:1'], trustHeight: 1, trustHash: HASH } },
      { stateSync: { rpcServers: ['a:1', 'b:2'], trustHeight: 0, trustHash: HASH } }, { stateSync: { rpcServers: ['a:1', 'b:2'], trustHeight: 3, trustHash: 'x' } }]) {
      expect(() => parseNodeConfig({ ...base, ...bad })).toThrow(expect.objectContaining({ name: 'InvalidInputError' }))
    }
  })
})
