// A fake LightTransport over *real* signed light blocks (test/unit/chain/fixtures' signer) and real
// KZG cells (fullnode/da's native encoder), with per-peer lies: forged headers, too few signatures,
// withheld or corrupted columns, omitted blobs. And a memory LightStore.
import { sha256 } from '@noble/hashes/sha2.js'
import {
  encodeTx, generateKey, hashHeader, merkleProofs, signTx, validatorSetHash,
  type BlockId, type Header, type LightBlock, type Validator
} from '../../../protocol/chain/index.js'
import { encodeBody } from '../../../protocol/chain/index.js'
import { packBlobs, type EncodedBlob } from '../../../protocol/da/index.js'
import { createNativeKzg } from '../../../fullnode/da/index.js'
import { toHex } from '../../../protocol/bytes.js'
import type { SampleResponse } from '../../../protocol/wire/index.js'
import { signCommit, testKeys, validatorSetOf, type TestKey } from '../chain/fixtures.js'
import type { LightStore, LightTransport, PeerOffence, PeerRef } from '../../../client/types.js'

export const CHAIN_ID = 'glowmesh-test'
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

export interface DaBlock { txs: Uint8Array[], blobs: EncodedBlob[], daTxIndex: number[] }

export interface Chain {
  keys: TestKey[]
  validators: Validator[]
  genesis: { bytes: Uint8Array, hash: string }
  lightBlocks: LightBlock[]
  da: Map<bigint, DaBlock>
  head: bigint
  lightBlock: (h: bigint) => LightBlock
}

let encodedCache: EncodedBlob[] | undefined
/** Two real blobs (encoded once per test file). */
export async function realBlobs (): Promise<EncodedBlob[]> {
  if (encodedCache !== undefined) return encodedCache
  const kzg = await createNativeKzg({ precompute: false })
  const payload = new Uint8Array(126_976 + 1000).map((_, i) => (i * 7 + 3) % 251)
  encodedCache = await Promise.all(packBlobs(payload).map(async b => await kzg.encodeBlob(b)))
  return encodedCache
}

/** A chain of `length` blocks signed by 4 validators; blocks in `daHeights` carry a DA tx with `blobs`. */
export async function makeChain (o: { length: number, daHeights?: bigint[], txOnlyHeights?: bigint[], startSeconds?: bigint }): Promise<Chain> {
  const keys = testKeys(4)
  const validators = validatorSetOf(keys)
  const genesisDoc = { chainId: CHAIN_ID, genesisTime: '2023-11-14T22:13:20Z', validators: keys.map((k, i) => ({ publicKey: Buffer.from(k.pubKey).toString('base64'), power: 10, moniker: `v${i}` })), accounts: [], params: {} }
  const bytes = utf8(JSON.stringify(genesisDoc))
  const blobs = (o.daHeights ?? []).length > 0 ? await realBlobs() : []
  const submitter = generateKey(sha256(utf8('submitter')))
  const da = new Map<bigint, DaBlock>()
  const lightBlocks: LightBlock[] = []
  let lastBlockId: BlockId = { hash: new Uint8Array(), partSetHeader: { total: 0, hash: new Uint8Array() } }
  const start = o.startSeconds ?? BigInt(Math.floor(Date.now() / 1000)) - BigInt(o.length) - 10n
  for (let h = 1n; h <= BigInt(o.length); h++) {
    let txs: Uint8Array[] = []
    if (o.daHeights?.includes(h) === true) {
      const other = signTx({ chainId: CHAIN_ID, nonce: h * 2n, fee: 1000n, kind: 'transfer', body: encodeBody('transfer', { to: new Uint8Array(20), amount: 5n }) }, submitter.privateKey)
      const daTx = signTx({ chainId: CHAIN_ID, nonce: h * 2n + 1n, fee: 1000n, kind: 'da.submit', body: encodeBody('da.submit', { size: 126_976 + 1000, commitments: blobs.map(b => b.commitment) }) }, submitter.privateKey)
      txs = [encodeTx(other), encodeTx(daTx)]
      da.set(h, { txs, blobs, daTxIndex: [1] })
    } else if (o.txOnlyHeights?.includes(h) === true) {
      txs = [encodeTx(signTx({ chainId: CHAIN_ID, nonce: h, fee: 1000n, kind: 'transfer', body: encodeBody('transfer', { to: new Uint8Array(20), amount: 1n }) }, submitter.privateKey))]
      da.set(h, { txs, blobs: [], daTxIndex: [] })
    }
    const header: Header = {
      version: { block: 11n, app: 1n },
      chainId: CHAIN_ID,
      height: h,
      time: { seconds: start + h, nanos: 5 },
      lastBlockId,
      lastCommitHash: h === 1n ? new Uint8Array() : sha256(utf8(`lc/${h}`)),
      dataHash: merkleProofs(txs.map(t => sha256(t))).root,
      validatorsHash: validatorSetHash(validators),
      nextValidatorsHash: validatorSetHash(validators),
      consensusHash: sha256(utf8('cp')),
      appHash: sha256(utf8(`app/${h}`)),
      lastResultsHash: sha256(new Uint8Array()),
      evidenceHash: sha256(new Uint8Array()),
      proposerAddress: validators[Number(h % 4n)].address
    }
    const commit = signCommit({ chainId: CHAIN_ID, header, validators, keys })
    lightBlocks.push({ signedHeader: { header, commit }, validators })
    lastBlockId = commit.blockId
  }
  return { keys, validators, genesis: { bytes, hash: toHex(sha256(bytes)) }, lightBlocks, da, head: BigInt(o.length), lightBlock: h => lightBlocks[Number(h) - 1] }
}

/** A block at `h` whose commit only `signers` of the validators signed. */
export function underSigned (chain: Chain, h: bigint, signers: number): LightBlock {
  const lb = chain.lightBlock(h)
  const commit = signCommit({ chainId: CHAIN_ID, header: lb.signedHeader.header, validators: lb.validators, keys: chain.keys, signs: i => i < signers })
  return { signedHeader: { header: lb.signedHeader.header, commit }, validators: lb.validators }
}

/** A header at `h` with a changed app hash, re-signed by keys that aren't validators (a forgery). */
export function forged (chain: Chain, h: bigint): LightBlock {
  const lb = chain.lightBlock(h)
  const header = { ...lb.signedHeader.header, appHash: sha256(utf8('evil')) }
  const commit = signCommit({ chainId: CHAIN_ID, header, validators: lb.validators, keys: chain.keys })
  commit.signatures.forEach(s => { s.signature = s.signature.slice(); s.signature[5] ^= 1 })
  return { signedHeader: { header, commit }, validators: lb.validators }
}

export interface PeerBehaviour {
  /** What 'latest' returns (default the chain head). */
  head?: () => LightBlock
  lightBlock?: (h: bigint) => LightBlock | undefined
  /** Columns this peer withholds (answers NOT_AVAILABLE when asked for any of them). */
  withhold?: Set<number>
  corrupt?: Set<number>
  omitBlobs?: boolean
}

export interface FakeTransport extends LightTransport {
  reports: Array<{ peer: PeerRef, offence: PeerOffence, detail?: string }>
  sampleRequests: Array<{ peer: PeerRef, height: bigint, columns: number[] }>
  headerListeners: Array<(lb: LightBlock, from: PeerRef) => void>
}

/** A transport with named peers, each with its behaviour. */
export function fakeTransport (chain: Chain, peers: Record<PeerRef, PeerBehaviour>): FakeTransport {
  const reports: FakeTransport['reports'] = []
  const sampleRequests: FakeTransport['sampleRequests'] = []
  const headerListeners: FakeTransport['headerListeners'] = []
  const behaviour = (p: PeerRef): PeerBehaviour => { const b = peers[p]; if (b === undefined) throw new Error(`no peer ${p}`); return b }
  return {
    reports,
    sampleRequests,
    headerListeners,
    peers: () => Object.keys(peers),
    async lightBlock (peer, height) {
      const b = behaviour(peer)
      if (height === 'latest') return b.head?.() ?? chain.lightBlock(chain.head)
      const lb = b.lightBlock?.(height) ?? (height >= 1n && height <= chain.head ? chain.lightBlock(height) : undefined)
      if (lb === undefined) throw Object.assign(new Error(`no block ${height}`), { name: 'NotFoundError', code: 'NOT_FOUND' })
      return lb
    },
    async sample (peer, height, columns): Promise<SampleResponse> {
      const b = behaviour(peer)
      sampleRequests.push({ peer, height, columns })
      if (columns.some(c => b.withhold?.has(c) === true)) return { status: 'NOT_AVAILABLE' as any, message: 'withheld', height: 0n, blobs: [], txs: [], columns: [] }
      const d = chain.da.get(height)
      const txs = d?.txs ?? []
      const { proofs } = merkleProofs(txs.map(t => sha256(t)))
      const blobs = b.omitBlobs === true ? [] : (d?.blobs ?? [])
      const daIdx = b.omitBlobs === true ? [] : (d?.daTxIndex ?? [])
      return {
        status: 'OK' as any,
        message: '',
        height,
        blobs: blobs.map(x => ({ commitment: x.commitment, txIndex: daIdx[0] })),
        txs: daIdx.map(i => ({ index: i, total: txs.length, aunts: proofs[i].aunts, tx: txs[i] })),
        columns: columns.map(c => ({
          index: c,
          cells: blobs.map(x => { const cell = x.cells[c].slice(); if (b.corrupt?.has(c) === true) cell[100] ^= 1; return cell }),
          proofs: blobs.map(x => x.proofs[c])
        }))
      }
    },
    async submitTx () { throw new Error('not used') },
    onHeader (l) { headerListeners.push(l) },
    reportPeer (peer, offence, detail) { reports.push({ peer, offence, detail }) },
    localPeerId: () => 'light-test-node',
    async close () {}
  }
}

/** Polls `cond` every 10 ms until it holds; throws after `ms`. @example await until(() => node.status().verifiedHeight >= 5, 'height 5') */
export async function until (cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

/** An in-memory LightStore. */
export function memoryStore (): LightStore & { map: Map<string, Uint8Array> } {
  const map = new Map<string, Uint8Array>()
  return {
    map,
    async get (k) { return map.get(k) },
    async put (k, v) { map.set(k, v.slice()) },
    async delete (k) { map.delete(k) },
    async keys (p) { return [...map.keys()].filter(k => k.startsWith(p)).sort() },
    async close () {}
  }
}
