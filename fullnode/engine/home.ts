/**
 * The engine's home folder (`<node>/cometbft/`), generated from glowmesh's own files: the
 * `Genesis`, the node's `config.json` and `key.json`, and its peers. What `cometbft init` would
 * write, but deterministic and with our settings (DESIGN §5, §8). Regenerating it with the same
 * inputs writes the same bytes (CometBFT stores the genesis hash and refuses a changed genesis),
 * and `data/priv_validator_state.json` is written only when missing: it is the double-sign guard.
 *
 * `app_state` is the whole glowmesh genesis file, embedded byte for byte: CometBFT keeps it as a
 * json.RawMessage, so InitChain's `appStateBytes` are exactly the genesis file's bytes and the app
 * can check them against the genesis hash light nodes pin.
 */
import { mkdir, readFile, rename, writeFile, open } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { sha256 } from '@noble/hashes/sha2.js'
import { keyFromFile } from '../../protocol/chain/keyfile.js'
import type { Ed25519Key, KeyFile } from '../../protocol/chain/keyfile.js'
import { parseGenesis } from '../genesis.js'
import type { Genesis } from '../genesis.js'
import type { NodeConfig } from '../config.js'
import { EngineConfigError } from './errors.js'
import { configToml } from './toml.js'
import type { StateSyncOptions, EngineTuning } from './toml.js'

export type { StateSyncOptions, EngineTuning } from './toml.js'

/** Largest block CometBFT will build (consensus_params.block.max_bytes): 4 MiB. */
export const BLOCK_MAX_BYTES = 4 * 1024 * 1024

/** A peer's engine address: its node key (= its glowmesh key) and where its CometBFT P2P listens. */
export interface EnginePeer {
  /** ed25519 public key, base64 (as in key.json and genesis validators). */
  publicKey: string
  host: string
  p2pPort: number
}

export interface WriteEngineHomeOptions {
  /** The engine's home, conventionally `<node>/cometbft`. */
  cometHome: string
  /** glowmesh genesis: the file's exact text or bytes (preferred: embedded verbatim), or the parsed object. */
  genesis: Genesis | string | Uint8Array
  /** The node's config.json (ports, moniker, blockTimeMs). */
  config: NodeConfig
  /** The node's key.json (text or object): its validator key and its P2P node key (DESIGN §4: one key). */
  key: KeyFile | string
  /** Every node to keep connected to; the node itself may be included (it is skipped). */
  peers?: EnginePeer[]
  /** The node's CometBFT log level (default `info`). */
  logLevel?: string
  /** `[statesync]`: off unless given (issue 13 turns it on for joining nodes). */
  stateSync?: StateSyncOptions
  /** Host CometBFT's RPC binds (default `config.p2p.host`, i.e. 127.0.0.1 on a loopback devnet). */
  rpcHost?: string
  /** Overrides for derived timeouts and mempool sizes. */
  tuning?: Partial<EngineTuning>
}

export interface EngineHome {
  cometHome: string
  /** This node's CometBFT P2P id (hex of the first 20 bytes of sha256(publicKey)). */
  nodeId: string
  /** Validator address, upper-case hex as CometBFT prints it. */
  validatorAddress: string
  /** `nodeId@host:port` of each peer written to persistent_peers. */
  persistentPeers: string[]
}

function hex (bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += b.toString(16).padStart(2, '0')
  return s
}

function b64 (bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64')
}

function pubKeyBytes (publicKey: string, what: string): Uint8Array {
  const bytes = Buffer.from(publicKey, 'base64')
  if (!/^[A-Za-z0-9+/]{43}=$/.test(publicKey) || bytes.length !== 32) throw new EngineConfigError(`${what}: publicKey must be 32 bytes of base64`)
  return new Uint8Array(bytes)
}

/**
 * CometBFT's P2P node id of an ed25519 key: lower-case hex of the first 20 bytes of sha256(pubkey).
 * @example cometNodeId(key.publicKey) // '07a52a17cdd5e8e7a775515868bce6c8a863b3da'
 */
export function cometNodeId (publicKey: Uint8Array | string): string {
  const pk = typeof publicKey === 'string' ? pubKeyBytes(publicKey, 'cometNodeId') : publicKey
  if (pk.length !== 32) throw new EngineConfigError('cometNodeId: ed25519 public keys are 32 bytes')
  return hex(sha256(pk).subarray(0, 20))
}

/**
 * A validator's address as CometBFT writes it in genesis and key files: upper-case hex.
 * @example cometValidatorAddress(key.publicKey) // 'F866CCB73A02634B3494BC71C6C75BDF12A2C542'
 */
export function cometValidatorAddress (publicKey: Uint8Array | string): string {
  return cometNodeId(publicKey).toUpperCase()
}

function genesisText (genesis: Genesis | string | Uint8Array): { text: string, parsed: Genesis } {
  if (typeof genesis === 'string' || genesis instanceof Uint8Array) {
    const text = typeof genesis === 'string' ? genesis : new TextDecoder('utf-8', { fatal: true }).decode(genesis)
    return { text: text.trim(), parsed: parseGenesis(text) }
  }
  const text = JSON.stringify(genesis)
  return { text, parsed: parseGenesis(text) }
}

/**
 * CometBFT's `genesis.json` for a glowmesh genesis, as text (the whole glowmesh genesis is `app_state`).
 * @example writeFileSync('cometbft/config/genesis.json', cometGenesisJson(readFileSync('genesis.json', 'utf8')))
 */
export function cometGenesisJson (genesis: Genesis | string | Uint8Array): string {
  const { text, parsed } = genesisText(genesis)
  const validators = parsed.validators.map((v, i) => ({
    address: cometValidatorAddress(pubKeyBytes(v.publicKey, `genesis.validators[${i}]`)),
    pub_key: { type: 'tendermint/PubKeyEd25519', value: v.publicKey },
    power: String(v.power),
    name: v.moniker ?? ''
  }))
  const seen = new Set(validators.map((v) => v.address))
  if (seen.size !== validators.length) throw new EngineConfigError('genesis: duplicate validator key')
  const doc = {
    genesis_time: parsed.genesisTime,
    chain_id: parsed.chainId,
    initial_height: '1',
    consensus_params: {
      block: { max_bytes: String(BLOCK_MAX_BYTES), max_gas: '-1' },
      // CometBFT's defaults: evidence older than both 100,000 blocks and 48 h is ignored.
      evidence: { max_age_num_blocks: '100000', max_age_duration: '172800000000000', max_bytes: '1048576' },
      validator: { pub_key_types: ['ed25519'] },
      version: { app: '0' },
      abci: { vote_extensions_enable_height: '0' }
    },
    validators,
    app_hash: '',
    app_state: '\u0000APP_STATE\u0000'
  }
  // Splice the genesis text in verbatim (JSON.stringify would re-format it and change its hash).
  return JSON.stringify(doc, null, 2).replace('"\\u0000APP_STATE\\u0000"', () => text) + '\n'
}

/**
 * CometBFT's `priv_validator_key.json` for a key.
 * @example cometPrivValidatorKey(keyFromFile(text)).address
 */
export function cometPrivValidatorKey (key: Ed25519Key): { address: string, pub_key: { type: string, value: string }, priv_key: { type: string, value: string } } {
  return {
    address: cometValidatorAddress(key.publicKey),
    pub_key: { type: 'tendermint/PubKeyEd25519', value: b64(key.publicKey) },
    // Go's ed25519 private key is seed ‖ public key.
    priv_key: { type: 'tendermint/PrivKeyEd25519', value: b64(Buffer.concat([key.privateKey, key.publicKey])) }
  }
}

/**
 * CometBFT's `node_key.json` for a key (the same key as the validator's: DESIGN §4).
 * @example cometNodeKey(key).priv_key.type // 'tendermint/PrivKeyEd25519'
 */
export function cometNodeKey (key: Ed25519Key): { priv_key: { type: string, value: string } } {
  return { priv_key: cometPrivValidatorKey(key).priv_key }
}

/**
 * `nodeId@host:port` for every peer except the node itself.
 * @example persistentPeers(peers, myPublicKey) // ['0a1b…@127.0.0.1:26656', …]
 */
export function persistentPeers (peers: EnginePeer[], self?: string): string[] {
  const selfId = self === undefined ? undefined : cometNodeId(self)
  const out: string[] = []
  for (const [i, p] of peers.entries()) {
    if (typeof p.host !== 'string' || p.host.length === 0 || /[@,\s]/.test(p.host)) throw new EngineConfigError(`peers[${i}]: bad host`)
    if (!Number.isInteger(p.p2pPort) || p.p2pPort <= 0 || p.p2pPort > 65535) throw new EngineConfigError(`peers[${i}]: bad p2pPort`)
    const id = cometNodeId(pubKeyBytes(p.publicKey, `peers[${i}]`))
    if (id !== selfId) out.push(`${id}@${p.host}:${p.p2pPort}`)
  }
  return out
}

// Written through a temporary file and rename, so a crash leaves the old or the new file, never half.
async function writeAtomic (path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`
  const fh = await open(tmp, 'w', 0o600)
  try {
    await fh.writeFile(text)
    await fh.sync()
  } finally { await fh.close() }
  await rename(tmp, path)
}

async function writeIfChanged (path: string, text: string): Promise<void> {
  if (existsSync(path) && await readFile(path, 'utf8') === text) return
  await writeAtomic(path, text)
}

/**
 * Writes (or refreshes) the engine home: config/config.toml, config/genesis.json,
 * config/priv_validator_key.json, config/node_key.json, and data/priv_validator_state.json if missing.
 * @example await writeEngineHome({ cometHome: 'devnet/node0/cometbft', genesis: genesisText, config, key: keyText, peers })
 */
export async function writeEngineHome (o: WriteEngineHomeOptions): Promise<EngineHome> {
  let key: Ed25519Key
  try { key = keyFromFile(o.key) } catch (cause) { throw new EngineConfigError(`key.json: ${(cause as Error).message}`, { cause }) }
  const genesisJson = cometGenesisJson(o.genesis)
  const chainId = genesisText(o.genesis).parsed.chainId
  if (o.config.chainId !== chainId) throw new EngineConfigError(`config.json is for chain ${o.config.chainId}, genesis is ${chainId}`)
  const publicKey = b64(key.publicKey)
  const peers = persistentPeers(o.peers ?? [], publicKey)
  const toml = configToml({
    moniker: o.config.moniker,
    abciPort: o.config.cometbft.abciPort,
    rpcHost: o.rpcHost ?? o.config.p2p.host ?? '127.0.0.1',
    rpcPort: o.config.cometbft.rpcPort,
    p2pHost: o.config.p2p.host ?? '127.0.0.1',
    p2pPort: o.config.cometbft.p2pPort,
    persistentPeers: peers,
    blockTimeMs: o.config.blockTimeMs ?? 1000,
    logLevel: o.logLevel ?? 'info',
    stateSync: o.stateSync,
    tuning: o.tuning
  })
  await mkdir(join(o.cometHome, 'config'), { recursive: true })
  await mkdir(join(o.cometHome, 'data'), { recursive: true, mode: 0o700 })
  await writeIfChanged(join(o.cometHome, 'config', 'config.toml'), toml)
  await writeIfChanged(join(o.cometHome, 'config', 'genesis.json'), genesisJson)
  await writeIfChanged(join(o.cometHome, 'config', 'priv_validator_key.json'), JSON.stringify(cometPrivValidatorKey(key), null, 2) + '\n')
  await writeIfChanged(join(o.cometHome, 'config', 'node_key.json'), JSON.stringify(cometNodeKey(key)) + '\n')
  const state = join(o.cometHome, 'data', 'priv_validator_state.json')
  // Never overwrite: it records the last height/round/step this validator signed.
  if (!existsSync(state)) await writeFile(state, JSON.stringify({ height: '0', round: 0, step: 0 }, null, 2) + '\n', { flag: 'wx', mode: 0o600 }).catch((err) => { if (err.code !== 'EEXIST') throw err })
  return { cometHome: o.cometHome, nodeId: cometNodeId(key.publicKey), validatorAddress: cometValidatorAddress(key.publicKey), persistentPeers: peers }
}
