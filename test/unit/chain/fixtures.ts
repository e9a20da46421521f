// A test-chain generator: seeded ed25519 validators, headers with correct hashes linked by
// lastBlockId, and commits signed exactly as CometBFT validators sign precommits. Commits are
// signed lazily (only heights a test touches cost signatures).
import { sha256 } from '@noble/hashes/sha2.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import {
  BlockIdFlag, commitVoteSignBytes, hashHeader, sortValidators, validatorAddress, validatorSetHash, ZERO_TIME
} from '../../../protocol/chain/index.js'
import type { BlockId, Commit, CommitSig, Header, LightBlock, SignedHeader, Timestamp, Validator } from '../../../protocol/chain/index.js'
import { toHex } from '../../../protocol/bytes.js'

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

export interface TestKey { secretKey: Uint8Array, pubKey: Uint8Array, address: Uint8Array }

/** `count` deterministic keys: secret key i = sha256(`${seed}/${i}`). */
export function testKeys (count: number, seed = 'glowmesh-test-validator'): TestKey[] {
  return Array.from({ length: count }, (_, i) => {
    const secretKey = sha256(utf8(`${seed}/${i}`))
    const pubKey = ed25519.getPublicKey(secretKey)
    return { secretKey, pubKey, address: validatorAddress(pubKey) }
  })
}

/** A validator set in CometBFT order from keys and powers (one power for all, or one each). */
export function validatorSetOf (keys: TestKey[], power: bigint | bigint[] = 10n): Validator[] {
  return sortValidators(keys.map((k, i) => ({ address: k.address, pubKey: k.pubKey, votingPower: Array.isArray(power) ? power[i] : power })))
}

export interface SignCommitOptions {
  chainId: string
  header: Header
  validators: Validator[]
  keys: TestKey[]
  /** Which validators (by index in the set) sign for the block; default all. */
  signs?: (index: number) => boolean
  /** Which validators vote nil (signed nil precommits); default none. */
  votesNil?: (index: number) => boolean
  /** Chain id put into the sign bytes (to forge a commit for another chain). */
  signChainId?: string
  round?: number
}

/** Signs a commit for `header` by `validators` (those not signing are Absent). */
export function signCommit (o: SignCommitOptions): Commit {
  const blockId: BlockId = { hash: hashHeader(o.header), partSetHeader: { total: 1, hash: sha256(utf8(`parts/${o.header.height}`)) } }
  const keyOf = new Map(o.keys.map(k => [toHex(k.address), k]))
  const signatures: CommitSig[] = o.validators.map((v, i) => {
    const nil = o.votesNil?.(i) ?? false
    if (!nil && !(o.signs?.(i) ?? true)) return { blockIdFlag: BlockIdFlag.Absent, validatorAddress: new Uint8Array(), timestamp: ZERO_TIME, signature: new Uint8Array() }
    return { blockIdFlag: nil ? BlockIdFlag.Nil : BlockIdFlag.Commit, validatorAddress: v.address, timestamp: { seconds: o.header.time.seconds + 1n, nanos: 1000 * i + 7 }, signature: new Uint8Array() }
  })
  const commit: Commit = { height: o.header.height, round: o.round ?? 0, blockId, signatures }
  signatures.forEach((s, i) => {
    if (s.blockIdFlag === BlockIdFlag.Absent) return
    const key = keyOf.get(toHex(s.validatorAddress))
    if (key === undefined) throw new Error('signCommit: no key for validator')
    s.signature = ed25519.sign(commitVoteSignBytes(o.signChainId ?? o.chainId, commit, i), key.secretKey)
  })
  return commit
}

export interface TestChainOptions {
  chainId?: string
  length: number
  /** Keys and powers of the set at each height; default 4 validators of power 10. */
  setAt?: (height: bigint) => { keys: TestKey[], power?: bigint | bigint[] }
  /** Header time; default 1_700_000_000 s + 10 s per block, with nanoseconds. */
  timeAt?: (height: bigint) => Timestamp
  /** Which validators sign each height's commit; default all. */
  signsAt?: (height: bigint, index: number) => boolean
}

export interface TestChain {
  chainId: string
  keys: TestKey[]
  header: (height: bigint) => Header
  validatorsAt: (height: bigint) => Validator[]
  signedHeader: (height: bigint) => SignedHeader
  lightBlock: (height: bigint) => LightBlock
  timeAt: (height: bigint) => Timestamp
}

export const GENESIS_SECONDS = 1_700_000_000n
export const defaultTime = (h: bigint): Timestamp => ({ seconds: GENESIS_SECONDS + 10n * h, nanos: 123_456_789 })

/** Builds a chain of `length` blocks (heights 1..length). */
export function makeTestChain (o: TestChainOptions): TestChain {
  const chainId = o.chainId ?? 'glowmesh-test'
  const defaultKeys = testKeys(4)
  const setAt: (h: bigint) => { keys: TestKey[], power?: bigint | bigint[] } = o.setAt ?? (() => ({ keys: defaultKeys }))
  const timeAt = o.timeAt ?? defaultTime
  const allKeys = new Map<string, TestKey>()
  const validatorsAt = (h: bigint): Validator[] => {
    const { keys, power } = setAt(h)
    keys.forEach(k => allKeys.set(toHex(k.address), k))
    return validatorSetOf(keys, power)
  }
  const headers: Header[] = []
  let lastBlockId: BlockId = { hash: new Uint8Array(), partSetHeader: { total: 0, hash: new Uint8Array() } }
  for (let h = 1n; h <= BigInt(o.length); h++) {
    const vals = validatorsAt(h)
    const header: Header = {
      version: { block: 11n, app: 1n },
      chainId,
      height: h,
      time: timeAt(h),
      lastBlockId,
      lastCommitHash: h === 1n ? new Uint8Array() : sha256(utf8(`last-commit/${h - 1n}`)),
      dataHash: sha256(new Uint8Array()),
      validatorsHash: validatorSetHash(vals),
      nextValidatorsHash: validatorSetHash(validatorsAt(h + 1n)),
      consensusHash: sha256(utf8('consensus-params')),
      appHash: sha256(utf8(`app/${h}`)),
      lastResultsHash: sha256(new Uint8Array()),
      evidenceHash: sha256(new Uint8Array()),
      proposerAddress: vals[Number(h % BigInt(vals.length))].address
    }
    headers.push(header)
    lastBlockId = { hash: hashHeader(header), partSetHeader: { total: 1, hash: sha256(utf8(`parts/${h}`)) } }
  }
  const commits = new Map<bigint, Commit>()
  const header = (h: bigint): Header => {
    const hd = headers[Number(h) - 1]
    if (hd === undefined) throw new Error(`test chain has no height ${h}`)
    return hd
  }
  const signedHeader = (h: bigint): SignedHeader => {
    let commit = commits.get(h)
    if (commit === undefined) {
      commit = signCommit({ chainId, header: header(h), validators: validatorsAt(h), keys: [...allKeys.values()], signs: i => o.signsAt?.(h, i) ?? true })
      commits.set(h, commit)
    }
    return { header: header(h), commit }
  }
  return {
    chainId,
    get keys () { return [...allKeys.values()] },
    header,
    validatorsAt,
    signedHeader,
    lightBlock: h => ({ signedHeader: signedHeader(h), validators: validatorsAt(h) }),
    timeAt
  }
}

/** A fetcher over a test chain that records which heights were asked for. */
export function recordingFetcher (chain: TestChain): { fetchLightBlock: (h: bigint) => Promise<LightBlock>, asked: bigint[] } {
  const asked: bigint[] = []
  return { asked, fetchLightBlock: async (h: bigint) => { asked.push(h); return chain.lightBlock(h) } }
}

/** Deep-ish copy of a signed header so tests can tamper without touching the chain's cache. */
export function cloneSignedHeader (sh: SignedHeader): SignedHeader {
  return {
    header: { ...sh.header, time: { ...sh.header.time }, lastBlockId: { ...sh.header.lastBlockId } },
    commit: { ...sh.commit, blockId: { ...sh.commit.blockId }, signatures: sh.commit.signatures.map(s => ({ ...s, signature: s.signature.slice() })) }
  }
}
