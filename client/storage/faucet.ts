/**
 * Devnet funding for a new identity: a light node (CLI, browser, edge) or a compute worker asks the
 * devnet faucet (`POST {rpc}/faucet`) before it registers or stakes. Isomorphic: only `fetch`.
 */
import { GlowmeshError } from '../../protocol/errors.js'
import { sleep } from '../../protocol/sleep.js'

/** The faucet refused or never funded the account. */
export class FaucetError extends GlowmeshError {
  override name = 'FaucetError'
  constructor (message: string, options?: { cause?: unknown }) { super('FAUCET', message, options) }
}

/** Options of ensureFunded. */
export interface EnsureFundedOptions {
  /** A devnet full node's RPC base URL (it serves `POST /faucet`). */
  rpcUrl: string
  address: string
  signal?: AbortSignal
  /** Faucet requests before giving up (default 8; the devnet's faucets share a key and can race on its nonce). */
  attempts?: number
  log?: (line: string) => void
}

/**
 * Resolves with the account's balance once non-zero, asking the faucet (`POST {rpc}/faucet`, retried) while it is zero.
 * Throws FaucetError when it stays unfunded (no faucet: not a devnet).
 * @example await ensureFunded({ rpcUrl: 'http://127.0.0.1:26650', address: key.address, signal })
 */
export async function ensureFunded (o: EnsureFundedOptions): Promise<bigint> {
  const base = o.rpcUrl.replace(/\/+$/, '')
  const timeout = (): AbortSignal => o.signal === undefined ? AbortSignal.timeout(10_000) : AbortSignal.any([o.signal, AbortSignal.timeout(10_000)])
  const balance = async (): Promise<bigint> => {
    const res = await fetch(`${base}/accounts/${o.address}`, { signal: timeout() })
    if (!res.ok) throw new FaucetError(`GET /accounts/${o.address}: HTTP ${res.status}`)
    return BigInt((await res.json() as { balance: string }).balance)
  }
  let last = ''
  for (let attempt = 1; attempt <= (o.attempts ?? 8); attempt++) {
    o.signal?.throwIfAborted()
    try {
      const have = await balance()
      if (have > 0n) return have
      const res = await fetch(`${base}/faucet`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ address: o.address }), signal: timeout() })
      if (res.status === 404) throw new FaucetError(`${base} has no faucet (devnets only): fund ${o.address} to contribute storage`)
      if (!res.ok) { last = `HTTP ${res.status}: ${await res.text().catch(() => '')}`; o.log?.(`faucet: ${last}`) } else {
        for (let i = 0; i < 40; i++) {
          const b = await balance()
          if (b > 0n) return b
          await sleep(250, o.signal)
        }
        last = 'the drip did not land in 10 s'
      }
    } catch (err) {
      if (err instanceof FaucetError && /no faucet/.test(err.message)) throw err
      if (o.signal?.aborted === true) throw err
      last = (err as Error)?.message ?? String(err)
      o.log?.(`faucet: ${last}`)
    }
    await sleep(500 * attempt, o.signal)
  }
  throw new FaucetError(`account ${o.address} is still unfunded after ${o.attempts ?? 8} faucet requests (${last})`)
}
