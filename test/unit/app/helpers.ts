// Shared fixtures for the app and ledger tests: deterministic keys, a genesis, tx builders, block drivers.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sha256 } from '@noble/hashes/sha2.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import type { ResponseFinalizeBlock, Misbehavior } from 'cosmjs-types/tendermint/abci/types'
import { encodeTx, signTx, addressFromPublicKey } from '../../../protocol/chain/tx.js'
import { encodeBody, type LedgerTxKind, type TxBodies } from '../../../protocol/chain/bodies.js'
import { fromHex } from '../../../protocol/bytes.js'
import type { Genesis } from '../../../fullnode/genesis.js'
import { createGlowmeshApp, type GlowmeshApp, type GlowmeshAppOptions } from '../../../fullnode/app/app.js'

export const CHAIN_ID = 'glowmesh-test'

export interface TestKey { secretKey: Uint8Array, publicKey: Uint8Array, address: string }

/** A deterministic ed25519 key from a label. */
export function key (label: string): TestKey {
  const secretKey = sha256(new TextEncoder().encode(`glowmesh-test/${label}`))
  const publicKey = ed25519.getPublicKey(secretKey)
  return { secretKey, publicKey, address: addressFromPublicKey(publicKey) }
}

export const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64')
export const validators = [0, 1, 2, 3].map((i) => key(`validator${i}`))
export const faucet = key('faucet')
export const users = Array.from({ length: 8 }, (_, i) => key(`user${i}`))

/** A small genesis: 4 validators (power 10 each), a faucet/authority, 8 funded users, short epochs. */
export function testGenesis (over: Record<string, unknown> = {}): Genesis {
  return {
    chainId: CHAIN_ID,
    genesisTime: '2025-01-01T00:00:00Z',
    validators: validators.map((v, i) => ({ publicKey: b64(v.publicKey), power: 10, moniker: `v${i}` })),
    accounts: [
      { address: faucet.address, balance: '1000000000000' },
      ...users.map((u) => ({ address: u.address, balance: '100000000' }))
    ],
    faucet: { address: faucet.address, publicKey: b64(faucet.publicKey), privateKey: b64(faucet.secretKey), dripAmount: '1000000' },
    params: {
      minFee: '10', storagePricePerByteEpoch: '1', epochBlocks: 5, daPricePerByte: '1', daWindowBlocks: 3,
      minPledgeBytes: 1 << 20, bondPerGiB: '1000000', inflationBps: 500, slashDoubleSignBps: 500,
      blocksPerYear: 1000, unbondDelayBlocks: 3, poraRewardPerGiB: '4096', ...over
    } as any
  }
}

/** Signs and encodes a ledger tx. */
export function tx<K extends LedgerTxKind> (from: TestKey, nonce: number | bigint, kind: K, body: TxBodies[K], o: { fee?: bigint, chainId?: string } = {}): Uint8Array {
  return encodeTx(signTx({ chainId: o.chainId ?? CHAIN_ID, nonce: BigInt(nonce), fee: o.fee ?? 10n, kind, body: encodeBody(kind, body) }, from.secretKey))
}

export const addr = (k: TestKey): Uint8Array => fromHex(k.address, 20)

/** A fresh temporary folder (removed by the returned cleanup). */
export async function tempDir (): Promise<{ dir: string, cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'glowmesh-app-'))
  return { dir, cleanup: async () => await rm(dir, { recursive: true, force: true }) }
}

/** An app over a new LevelDB folder, chain initialised from `genesis`. */
export async function newApp (dir: string, genesis: Genesis = testGenesis(), o: Partial<GlowmeshAppOptions> = {}): Promise<GlowmeshApp> {
  const app = await createGlowmeshApp({ dataDir: dir, snapshotInterval: 0, ...o })
  if (app.state.height === 0) {
    await app.initChain({ time: { seconds: 0n, nanos: 0 }, chainId: genesis.chainId, validators: [], appStateBytes: new TextEncoder().encode(JSON.stringify(genesis)), initialHeight: 1n })
  }
  return app
}

export const blockHash = (height: number): Uint8Array => sha256(new TextEncoder().encode(`block-${height}`))

/** FinalizeBlock (no Commit) at the next height. */
export async function finalize (app: GlowmeshApp, txs: Uint8Array[], o: { proposer?: TestKey, misbehavior?: Misbehavior[] } = {}): Promise<ResponseFinalizeBlock> {
  const height = app.state.height + 1
  return await app.finalizeBlock({
    txs, decidedLastCommit: { round: 0, votes: [] }, misbehavior: o.misbehavior ?? [], hash: blockHash(height), height: BigInt(height),
    time: { seconds: BigInt(1_700_000_000 + height), nanos: 0 }, nextValidatorsHash: new Uint8Array(32),
    proposerAddress: addr(o.proposer ?? validators[height % 4])
  })
}

/** FinalizeBlock + Commit. */
export async function block (app: GlowmeshApp, txs: Uint8Array[], o: { proposer?: TestKey, misbehavior?: Misbehavior[] } = {}): Promise<ResponseFinalizeBlock> {
  const res = await finalize(app, txs, o)
  await app.commit()
  return res
}

/** A compressed-G1-looking 48-byte commitment (top bit set). */
export function commitment (i: number): Uint8Array {
  const c = sha256(new TextEncoder().encode(`commitment-${i}`))
  const out = new Uint8Array(48)
  out.set(c); out.set(c.subarray(0, 16), 32)
  out[0] |= 0x80
  return out
}

export async function balance (app: GlowmeshApp, k: TestKey | string): Promise<bigint> {
  const { decodeRecord } = await import('../../../protocol/chain/state-proof.js')
  const res = await app.query({ path: `/account/${typeof k === 'string' ? k : k.address}`, data: new Uint8Array(), height: 0n, prove: false })
  return res.value.length === 0 ? 0n : decodeRecord('account', res.value).balance
}
