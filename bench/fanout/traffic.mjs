// DA traffic for bench/fanout.mjs (not a benchmark itself): distinct one-blob payloads, encoded
// before the measurement (so the harness's CPU stays out of the window), then submitted one per
// key at a time through the real RPC (`POST /da/submit` + wait for the block, fullnode/da/client.ts).
import { createNativeKzg } from '../../dist/fullnode/da/native-kzg.js'
import { submitPayload } from '../../dist/fullnode/da/client.js'
import { packBlob } from '../../dist/protocol/da/index.js'

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Pre-encodes `blobs` payloads of `size` bytes; start() submits them from every key in parallel
 * loops, stop() pauses after the submissions in flight, close() waits for them.
 */
export async function startDaTraffic ({ rpc, keys, chainId, blobs, size = 100_000, everyMs = 1000, log = () => {} }) {
  const kzg = await createNativeKzg({ precompute: true })
  const pool = []
  for (let i = 0; i < blobs; i++) {
    const payload = new Uint8Array(size)
    for (let j = 0; j < size; j += 4) payload[j] = (i * 7 + j) & 0xff
    payload[0] = i & 0xff; payload[1] = i >> 8
    pool.push({ payload, encoded: await kzg.encodeBlob(packBlob(payload, 0)) })
  }
  let running = false
  let submitted = 0
  const loops = []
  let nextAt = 0
  const loop = async (key) => {
    while (running && pool.length > 0) {
      // at most one submission started per `everyMs` (one blob per block at 1 block/s)
      const wait = nextAt - Date.now()
      nextAt = Math.max(nextAt, Date.now()) + everyMs
      if (wait > 0) { await sleep(wait); if (!running) break }
      const { payload, encoded } = pool.shift()
      try {
        await submitPayload({ rpc, key, payload, chainId, kzg: { encodeBlob: async () => encoded }, timeoutMs: 60_000 })
        submitted++
      } catch (err) { log(`DA submit failed: ${err.message}`); await sleep(500) }
    }
  }
  return {
    start () { if (running) return; running = true; for (const k of keys) loops.push(loop(k)) },
    stop () { running = false },
    submitted: () => submitted,
    left: () => pool.length,
    async close () { running = false; await Promise.allSettled(loops) }
  }
}
