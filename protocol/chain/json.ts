/**
 * Parsers for CometBFT RPC JSON (`/commit`, `/validators`, `/block`): hashes and addresses in hex
 * (any case, 0x optional), signatures and keys in base64, int64 as decimal strings, times as
 * RFC 3339 with nanoseconds (parsed by hand, never through Date). Each accepts the bare object or
 * the whole JSON-RPC response.
 */
import { fromHex } from '../bytes.js'
import { InvalidJsonError } from './errors.js'
import { parseRfc3339 } from './time.js'
import { validatorAddress } from './validators.js'
import { equalBytes, toHex } from '../bytes.js'
import { BlockIdFlag } from './types.js'
import type { BlockId, Commit, CommitSig, Header, SignedHeader, Timestamp, Validator } from './types.js'

type Json = Record<string, unknown>

function obj (v: unknown, path: string): Json {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new InvalidJsonError(`${path}: expected an object`)
  return v as Json
}

function str (v: unknown, path: string): string {
  if (typeof v !== 'string') throw new InvalidJsonError(`${path}: expected a string`)
  return v
}

function int (v: unknown, path: string): bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v)
  if (typeof v === 'string' && /^-?\d{1,19}$/.test(v)) return BigInt(v)
  throw new InvalidJsonError(`${path}: expected an integer (number or decimal string)`)
}

function smallInt (v: unknown, path: string): number {
  const n = int(v, path)
  if (n < 0n || n > 0xffffffffn) throw new InvalidJsonError(`${path}: out of range`)
  return Number(n)
}

function hex (v: unknown, path: string): Uint8Array {
  if (v === null || v === undefined) return new Uint8Array()
  try { return fromHex(str(v, path)) } catch (cause) { throw new InvalidJsonError(`${path}: bad hex`, { cause }) }
}

/** Decodes standard base64 (with padding), without Node's Buffer. @example base64ToBytes('AQI=') // [1, 2] */
export function base64ToBytes (text: string): Uint8Array {
  if (typeof text !== 'string' || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new InvalidJsonError('base64: malformed')
  }
  const bin = atob(text)
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}

function b64 (v: unknown, path: string): Uint8Array {
  if (v === null || v === undefined || v === '') return new Uint8Array()
  try { return base64ToBytes(str(v, path)) } catch (cause) { throw new InvalidJsonError(`${path}: bad base64`, { cause }) }
}

function time (v: unknown, path: string): Timestamp {
  try { return parseRfc3339(str(v, path)) } catch (cause) { throw new InvalidJsonError(`${path}: bad time`, { cause }) }
}

function blockId (v: unknown, path: string): BlockId {
  const o = obj(v, path)
  const parts = obj(o.parts ?? o.part_set_header ?? {}, `${path}.parts`)
  return {
    hash: hex(o.hash, `${path}.hash`),
    partSetHeader: { total: parts.total === undefined ? 0 : smallInt(parts.total, `${path}.parts.total`), hash: hex(parts.hash, `${path}.parts.hash`) }
  }
}

// Unwraps { jsonrpc, result: X } and returns X (or the input).
function unwrap (v: unknown, path: string): Json {
  const o = obj(v, path)
  return 'result' in o && 'jsonrpc' in o ? obj(o.result, `${path}.result`) : o
}

/**
 * A Header from its RPC JSON (`signed_header.header`, `block.header`).
 * @example headerFromJson(res.result.signed_header.header).height // 12n
 */
export function headerFromJson (json: unknown): Header {
  const h = obj(json, 'header')
  const version = obj(h.version, 'header.version')
  return {
    version: { block: int(version.block, 'header.version.block'), app: version.app === undefined ? 0n : int(version.app, 'header.version.app') },
    chainId: str(h.chain_id, 'header.chain_id'),
    height: int(h.height, 'header.height'),
    time: time(h.time, 'header.time'),
    lastBlockId: blockId(h.last_block_id, 'header.last_block_id'),
    lastCommitHash: hex(h.last_commit_hash, 'header.last_commit_hash'),
    dataHash: hex(h.data_hash, 'header.data_hash'),
    validatorsHash: hex(h.validators_hash, 'header.validators_hash'),
    nextValidatorsHash: hex(h.next_validators_hash, 'header.next_validators_hash'),
    consensusHash: hex(h.consensus_hash, 'header.consensus_hash'),
    appHash: hex(h.app_hash, 'header.app_hash'),
    lastResultsHash: hex(h.last_results_hash, 'header.last_results_hash'),
    evidenceHash: hex(h.evidence_hash, 'header.evidence_hash'),
    proposerAddress: hex(h.proposer_address, 'header.proposer_address')
  }
}

/**
 * A Commit from its RPC JSON (`signed_header.commit`, `block.last_commit`).
 * @example commitFromJson(res.result.signed_header.commit).signatures.length
 */
export function commitFromJson (json: unknown): Commit {
  const c = obj(json, 'commit')
  if (!Array.isArray(c.signatures)) throw new InvalidJsonError('commit.signatures: expected an array')
  const signatures = c.signatures.map((s: unknown, i: number): CommitSig => {
    const p = `commit.signatures[${i}]`
    const o = obj(s, p)
    const flag = Number(int(o.block_id_flag, `${p}.block_id_flag`))
    if (flag !== BlockIdFlag.Absent && flag !== BlockIdFlag.Commit && flag !== BlockIdFlag.Nil) throw new InvalidJsonError(`${p}.block_id_flag: unknown flag ${flag}`)
    return {
      blockIdFlag: flag,
      validatorAddress: hex(o.validator_address, `${p}.validator_address`),
      timestamp: time(o.timestamp ?? '0001-01-01T00:00:00Z', `${p}.timestamp`),
      signature: b64(o.signature, `${p}.signature`)
    }
  })
  const round = int(c.round ?? 0, 'commit.round')
  if (round < 0n || round > 0x7fffffffn) throw new InvalidJsonError('commit.round: out of int32 range')
  return { height: int(c.height, 'commit.height'), round: Number(round), blockId: blockId(c.block_id, 'commit.block_id'), signatures }
}

/**
 * A SignedHeader from a `/commit` response (whole, its `result`, or `{ header, commit }`).
 * @example signedHeaderFromJson(await (await fetch(`${rpc}/commit?height=5`)).json())
 */
export function signedHeaderFromJson (json: unknown): SignedHeader {
  const r = unwrap(json, 'commit response')
  const sh = 'signed_header' in r ? obj(r.signed_header, 'signed_header') : r
  return { header: headerFromJson(sh.header), commit: commitFromJson(sh.commit) }
}

/**
 * The validators of a `/validators` response (whole, its `result`, or the array), in the order
 * given; checks each address against its key. Only ed25519 keys are accepted. Concatenate pages
 * yourself when the set spans several.
 * @example validatorsFromJson(await (await fetch(`${rpc}/validators?height=5&per_page=100`)).json())
 */
export function validatorsFromJson (json: unknown): Validator[] {
  const list = Array.isArray(json) ? json : unwrap(json, 'validators response').validators
  if (!Array.isArray(list)) throw new InvalidJsonError('validators: expected an array')
  return list.map((v: unknown, i: number): Validator => {
    const p = `validators[${i}]`
    const o = obj(v, p)
    const key = obj(o.pub_key, `${p}.pub_key`)
    const type = key.type ?? key['@type']
    if (type !== 'tendermint/PubKeyEd25519' && type !== '/cosmos.crypto.ed25519.PubKey') throw new InvalidJsonError(`${p}.pub_key: unsupported key type ${String(type)}`)
    const pubKey = b64(key.value ?? key.key, `${p}.pub_key.value`)
    if (pubKey.length !== 32) throw new InvalidJsonError(`${p}.pub_key: expected 32 bytes, got ${pubKey.length}`)
    const address = validatorAddress(pubKey)
    if (o.address !== undefined && !equalBytes(hex(o.address, `${p}.address`), address)) {
      throw new InvalidJsonError(`${p}.address does not match its public key (expected ${toHex(address)})`)
    }
    return { address, pubKey, votingPower: int(o.voting_power ?? o.power, `${p}.voting_power`) }
  })
}
