import { afterAll, describe, expect, it, beforeAll } from 'vitest'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cometbftPath, checkCometbft } from '../../../fullnode/engine/bin.js'
import { cometNodeId, cometValidatorAddress, cometGenesisJson, writeEngineHome, persistentPeers } from '../../../fullnode/engine/home.js'
import { configToml, deriveTuning } from '../../../fullnode/engine/toml.js'
import { rpcUrlFromConfigToml } from '../../../fullnode/engine/supervisor.js'
import { generateKey, keyToFile } from '../../../protocol/chain/keyfile.js'
import type { KeyFile } from '../../../protocol/chain/keyfile.js'
import type { Genesis } from '../../../fullnode/genesis.js'
import type { NodeConfig } from '../../../fullnode/config.js'

let bin: string
const comet = (...args: string[]): string => execFileSync(bin, args, { encoding: 'utf8' }).trim()
const homes: string[] = []
const tmp = (): string => { const d = mkdtempSync(join(tmpdir(), 'engine-home-')); homes.push(d); return d }
afterAll(() => { for (const d of homes) rmSync(d, { recursive: true, force: true }) })

const keyFromInit = (home: string): KeyFile => {
  // A key `cometbft init` generated, turned into our key.json: seed = first 32 bytes of Go's 64.
  const pv = JSON.parse(readFileSync(join(home, 'config', 'priv_validator_key.json'), 'utf8'))
  return keyToFile(generateKey(new Uint8Array(Buffer.from(pv.priv_key.value, 'base64').subarray(0, 32))))
}

const genesisFor = (keys: KeyFile[]): Genesis => ({
  chainId: 'glowmesh-unit',
  genesisTime: '2026-01-02T03:04:05.123456789Z',
  validators: keys.map((k, i) => ({ publicKey: k.publicKey, power: 10 + i, moniker: `v${i}` })),
  accounts: [{ address: keys[0].address, balance: '5' }],
  params: { minFee: '1', storagePricePerByteEpoch: '1', epochBlocks: 10, daPricePerByte: '1', daWindowBlocks: 10, minPledgeBytes: 1, bondPerGiB: '1', inflationBps: 0, slashDoubleSignBps: 500 }
})

const configFor = (moniker: string): NodeConfig => ({
  chainId: 'glowmesh-unit', moniker, rpc: { host: '127.0.0.1', port: 8545 }, p2p: { host: '127.0.0.1', tcp: 4001, ws: 4002, webrtcDirect: 4003 },
  gateway: { port: 8080 }, cometbft: { rpcPort: 26657, p2pPort: 26656, abciPort: 26658 }, dataDir: 'data', blockTimeMs: 1000
})

beforeAll(async () => { bin = await checkCometbft(cometbftPath()) })

describe('engine home generation', () => {
  it('matches what `cometbft init` writes for the same key (node id, validator address and keys)', async () => {
    const init = tmp()
    comet('init', '--home', init)
    const key = keyFromInit(init)
    const ours = join(tmp(), 'cometbft')
    const genesisText = JSON.stringify(genesisFor([key]), null, 2)
    const home = await writeEngineHome({ cometHome: ours, genesis: genesisText, config: configFor('node0'), key })

    // Validator key file: identical to init's (address, pub_key, priv_key = seed ‖ pubkey).
    expect(JSON.parse(readFileSync(join(ours, 'config', 'priv_validator_key.json'), 'utf8'))).toEqual(JSON.parse(readFileSync(join(init, 'config', 'priv_validator_key.json'), 'utf8')))
    expect(comet('show-validator', '--home', ours)).toBe(comet('show-validator', '--home', init))
    // The node key is the same key (DESIGN §4), so the p2p id is cometNodeId(pubkey).
    expect(comet('show-node-id', '--home', ours)).toBe(home.nodeId)
    expect(home.nodeId).toBe(cometNodeId(key.publicKey))
    // Genesis: the validator entry is shaped exactly as init's, with our power and name.
    const g = JSON.parse(readFileSync(join(ours, 'config', 'genesis.json'), 'utf8'))
    const gi = JSON.parse(readFileSync(join(init, 'config', 'genesis.json'), 'utf8'))
    expect(g.validators[0]).toEqual({ ...gi.validators[0], power: '10', name: 'v0' })
    expect(g.validators[0].address).toBe(cometValidatorAddress(key.publicKey))
    expect(Object.keys(g.consensus_params).sort()).toEqual(Object.keys(gi.consensus_params).sort())
    expect(g.consensus_params.block.max_bytes).toBe('4194304')
    expect(g.initial_height).toBe('1')
    expect(g.app_state).toEqual(JSON.parse(genesisText))
    // The priv validator state is init's.
    expect(readFileSync(join(ours, 'data', 'priv_validator_state.json'), 'utf8').trim()).toBe(readFileSync(join(init, 'data', 'priv_validator_state.json'), 'utf8').trim())
  })

  it('node ids agree with the binary for another node key', () => {
    const init = tmp()
    comet('init', '--home', init)
    const nk = JSON.parse(readFileSync(join(init, 'config', 'node_key.json'), 'utf8'))
    const pub = new Uint8Array(Buffer.from(nk.priv_key.value, 'base64').subarray(32))
    expect(cometNodeId(pub)).toBe(comet('show-node-id', '--home', init))
  })

  it('embeds the genesis text verbatim as app_state, and writes the same bytes twice', async () => {
    const key = keyToFile(generateKey())
    const text = JSON.stringify(genesisFor([key]), null, 4)
    const out = cometGenesisJson(text)
    expect(out).toContain(text)
    expect(cometGenesisJson(text)).toBe(out)
    const obj = cometGenesisJson(genesisFor([key]))
    expect(JSON.parse(obj).app_state).toEqual(genesisFor([key]))
  })

  it('never overwrites priv_validator_state.json (the double-sign guard), and refreshes the rest', async () => {
    const key = keyToFile(generateKey())
    const ch = join(tmp(), 'cometbft')
    const opts = { cometHome: ch, genesis: genesisFor([key]), config: configFor('n'), key }
    await writeEngineHome(opts)
    const state = join(ch, 'data', 'priv_validator_state.json')
    writeFileSync(state, '{"height":"42","round":0,"step":3}')
    await writeEngineHome({ ...opts, config: { ...configFor('n'), blockTimeMs: 50 } })
    expect(readFileSync(state, 'utf8')).toBe('{"height":"42","round":0,"step":3}')
    expect(readFileSync(join(ch, 'config', 'config.toml'), 'utf8')).toContain('timeout_commit = "25ms"')
  })

  it('writes a config.toml with our settings that the binary accepts', async () => {
    const keys = [0, 1, 2].map(() => keyToFile(generateKey()))
    const ch = join(tmp(), 'cometbft')
    const peers = keys.map((k, i) => ({ publicKey: k.publicKey, host: '127.0.0.1', p2pPort: 30000 + i }))
    const home = await writeEngineHome({ cometHome: ch, genesis: genesisFor(keys), config: configFor('node1'), key: keys[1], peers })
    expect(home.persistentPeers).toEqual([`${cometNodeId(keys[0].publicKey)}@127.0.0.1:30000`, `${cometNodeId(keys[2].publicKey)}@127.0.0.1:30002`])
    const toml = readFileSync(join(ch, 'config', 'config.toml'), 'utf8')
    for (const line of ['proxy_app = "tcp://127.0.0.1:26658"', 'abci = "socket"', 'laddr = "tcp://127.0.0.1:26657"', 'cors_allowed_origins = ["*"]',
      'laddr = "tcp://127.0.0.1:26656"', `persistent_peers = "${home.persistentPeers.join(',')}"`, 'pex = false', 'addr_book_strict = false',
      'allow_duplicate_ip = true', 'create_empty_blocks = true', 'db_backend = "goleveldb"', 'log_level = "info"', 'timeout_commit = "940ms"', '[statesync]\nenable = false']) {
      expect(toml).toContain(line)
    }
    expect(rpcUrlFromConfigToml(toml)).toBe('http://127.0.0.1:26657')
    // The binary parses it (a TOML or key error fails here).
    expect(comet('show-node-id', '--home', ch)).toBe(home.nodeId)
  })

  it('derives fast-block timeouts and takes state sync as a parameter', () => {
    expect(deriveTuning(1000)).toMatchObject({ timeoutCommitMs: 940, timeoutProposeMs: 3000, timeoutVoteMs: 1000, flushThrottleMs: 20 })
    expect(deriveTuning(50)).toMatchObject({ timeoutCommitMs: 25, timeoutProposeMs: 300, timeoutVoteMs: 100, flushThrottleMs: 5, peerGossipSleepMs: 5 })
    const base = { moniker: 'm', abciPort: 1, rpcHost: '127.0.0.1', rpcPort: 2, p2pHost: '127.0.0.1', p2pPort: 3, persistentPeers: [], blockTimeMs: 100, logLevel: 'info' }
    const t = configToml({ ...base, stateSync: { enable: true, rpcServers: ['127.0.0.1:1', '127.0.0.1:2'], trustHeight: 5, trustHash: 'AB'.repeat(32) } })
    expect(t).toContain('[statesync]\nenable = true\nrpc_servers = "127.0.0.1:1,127.0.0.1:2"\ntrust_height = 5')
    expect(() => configToml({ ...base, stateSync: { enable: true, rpcServers: ['a:1'], trustHeight: 5, trustHash: 'AB'.repeat(32) } })).toThrow(expect.objectContaining({ name: 'EngineConfigError' }))
    expect(() => deriveTuning(0)).toThrow(expect.objectContaining({ code: 'ENGINE_CONFIG' }))
    expect(() => configToml({ ...base, moniker: 'a"b' })).toThrow(expect.objectContaining({ name: 'EngineConfigError' }))
  })

  it('rejects bad keys, mismatched chains and bad peers with typed errors', async () => {
    const key = keyToFile(generateKey())
    const ch = join(tmp(), 'cometbft')
    const g = genesisFor([key])
    await expect(writeEngineHome({ cometHome: ch, genesis: g, config: configFor('n'), key: { ...key, publicKey: keyToFile(generateKey()).publicKey } })).rejects.toMatchObject({ name: 'EngineConfigError', code: 'ENGINE_CONFIG' })
    await expect(writeEngineHome({ cometHome: ch, genesis: g, config: { ...configFor('n'), chainId: 'other' }, key })).rejects.toMatchObject({ name: 'EngineConfigError' })
    await expect(writeEngineHome({ cometHome: ch, genesis: '{nope', config: configFor('n'), key })).rejects.toMatchObject({ name: 'InvalidInputError' })
    expect(() => persistentPeers([{ publicKey: 'xx', host: '127.0.0.1', p2pPort: 1 }])).toThrow(expect.objectContaining({ name: 'EngineConfigError' }))
    expect(() => persistentPeers([{ publicKey: key.publicKey, host: 'a@b', p2pPort: 1 }])).toThrow(expect.objectContaining({ name: 'EngineConfigError' }))
    expect(() => persistentPeers([{ publicKey: key.publicKey, host: 'h', p2pPort: 0 }])).toThrow(expect.objectContaining({ name: 'EngineConfigError' }))
    expect(() => cometGenesisJson({ ...g, validators: [g.validators[0], g.validators[0]] })).toThrow(/duplicate/)
  })
})
