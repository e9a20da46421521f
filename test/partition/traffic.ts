// Transactions sent while faults happen: each validator's genesis account sends small transfers,
// one at a time, through whichever validator's RPC answers (a random one each time). A transfer
// counts as confirmed only when the node it was sent to reports it committed with code 0; the
// checker then demands it in every node's chain.
import { randomBytes } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import { createWallet, type SentTx } from '../../fullnode/rpc/wallet.js'
import type { PartitionCluster } from './harness.js'

/** A transfer whose commit a node confirmed. */
export interface ConfirmedTx extends SentTx {
  /** Validator index that confirmed it. */
  node: number
}

/** Running senders and what they confirmed so far. */
export interface Traffic {
  confirmed: ConfirmedTx[]
  /** Sends that failed or were not confirmed in time (unreachable node, stale nonce, …). */
  unconfirmed: number
  /** Stops sending and resolves when every sender has finished its current transfer. */
  stop: () => Promise<{ confirmed: ConfirmedTx[], unconfirmed: number }>
}

/**
 * Starts one sender per validator account; `pick` chooses the node (default: a random one whose link is up).
 * @example const t = startTraffic(cluster); …; const { confirmed } = await t.stop()
 */
export function startTraffic (cluster: PartitionCluster, options: { random?: () => number, pauseMs?: number } = {}): Traffic {
  const random = options.random ?? Math.random
  const controller = new AbortController()
  setMaxListeners(0, controller.signal) // every in-flight request and wallet wait listens to it
  const state: Traffic = { confirmed: [], unconfirmed: 0, stop: async () => { controller.abort(); await Promise.allSettled(loops); return { confirmed: state.confirmed, unconfirmed: state.unconfirmed } } }
  const loops = cluster.validators.map(async (sender) => {
    while (!controller.signal.aborted) {
      const up = cluster.validators.filter((v) => cluster.net.isUp(v.name))
      const node = up.length === 0 ? sender : up[Math.floor(random() * up.length)]
      const wallet = createWallet({ rpc: cluster.rpc(node.index), key: sender.key, chainId: cluster.chainId })
      try {
        const sent = await wallet.send('transfer', { to: new Uint8Array(randomBytes(20)), amount: 1n }, { signal: controller.signal, timeoutMs: 10_000 })
        state.confirmed.push({ ...sent, node: node.index })
      } catch {
        if (!controller.signal.aborted) state.unconfirmed++
      }
      await new Promise((resolve) => setTimeout(resolve, options.pauseMs ?? 200))
    }
  })
  return state
}
