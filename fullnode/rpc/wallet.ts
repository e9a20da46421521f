/**
 * Signs and sends ledger transactions through the RPC: fetches the account's nonce, signs with an
 * ed25519 key, submits, and waits for the block that commits it. Only `fetch` underneath (via
 * RpcClient), so the CLI, tests, the edge and the demo traffic source share it.
 */
import { encodeTx, signTx, txHash, type Ed25519Key } from '../../protocol/chain/index.js'
import { encodeBody, type LedgerTxKind } from '../../protocol/chain/bodies.js'
import { GlowmeshError } from '../../protocol/errors.js'
import { toHex } from '../../protocol/bytes.js'
// removes its abort listener after each wait (a local copy left one per poll on a long-lived signal)
import { sleep } from '../../protocol/sleep.js'
import type { RpcClient } from './client.js'

/** A transaction the chain refused (CheckTx) or executed with a failure code. */
export class TxFailedError extends GlowmeshError {
  override name = 'TxFailedError'
  constructor (readonly txCode: number, readonly log: string, readonly txHash: string) { super('TX_FAILED', `transaction ${txHash} failed with code ${txCode}: ${log}`) }
}

export interface SentTx { txHash: string, height: number, code: number, log: string }

export interface Wallet {
  key: Ed25519Key
  /** Signs `kind`/`body` with the next nonce, submits it and waits until a block commits it. */
  send: (kind: LedgerTxKind, body: any, options?: { fee?: bigint, signal?: AbortSignal, timeoutMs?: number }) => Promise<SentTx>
}

/**
 * Waits until the transaction with `hash` is in a committed block.
 * @example await waitForTx(rpc, '0xab…')
 */
export async function waitForTx (rpc: RpcClient, hash: string, options: { signal?: AbortSignal, timeoutMs?: number } = {}): Promise<SentTx> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000)
  for (;;) {
    try {
      const t = await rpc.tx(hash, options.signal)
      return { txHash: hash, height: Number(t.height), code: t.code, log: t.log ?? '' }
    } catch (err: any) {
      if (err?.status !== 404) throw err
    }
    if (Date.now() > deadline) throw new GlowmeshError('TX_TIMEOUT', `transaction ${hash} not committed after ${options.timeoutMs ?? 60_000} ms`)
    await sleep(150, options.signal)
  }
}

/**
 * A wallet for `key` on the chain behind `rpc`.
 * @example const w = createWallet({ rpc, key, chainId: 'glowmesh-devnet' }); await w.send('transfer', { to, amount: 5n })
 */
export function createWallet ({ rpc, key, chainId, minFee = 1000n }: { rpc: RpcClient, key: Ed25519Key, chainId: string, minFee?: bigint }): Wallet {
  let queue: Promise<unknown> = Promise.resolve()
  return {
    key,
    async send (kind, body, options = {}) {
      // One at a time per wallet: nonces are sequential.
      const run = async (): Promise<SentTx> => {
        const account = await rpc.account(key.address, false, options.signal)
        const tx = encodeTx(signTx({ chainId, nonce: BigInt(account.nonce), fee: options.fee ?? minFee, kind, body: encodeBody(kind, body) }, key.privateKey))
        const hash = toHex(txHash(tx))
        const res = await rpc.submitTx(tx, options.signal)
        if (res.code !== 0) throw new TxFailedError(res.code, res.log, hash)
        const done = await waitForTx(rpc, hash, options)
        if (done.code !== 0) throw new TxFailedError(done.code, done.log, hash)
        return done
      }
      const p = queue.then(run, run)
      queue = p.catch(() => {})
      return await p
    }
  }
}
