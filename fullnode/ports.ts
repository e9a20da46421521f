/**
 * Free loopback port ranges for devnets started by tests and benchmarks (node i uses base+10i..+7,
 * fullnode/devnet-run.ts). Probing, not reserving: another process may still race us for a port.
 */
import { createServer } from 'node:net'

/** Whether 127.0.0.1:port can be bound right now. */
async function portFree (port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const s = createServer()
    s.once('error', () => resolve(false))
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })
}

/**
 * A random base port in 10000–31900 whose 10·nodes ports are all free (50 tries, then an error).
 * The range stays below Linux's ephemeral ports (32768–60999): there, any outgoing connection of any
 * process may take a node's port between this probe and the node's bind (seen in a soak: cometbft
 * restarted ten times on "bind: address already in use").
 * @example const basePort = await freeBasePort(4) // e.g. 31200: nodes use 31200…31239
 */
export async function freeBasePort (nodes: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 10000 + Math.floor(Math.random() * 220) * 100
    let ok = true
    for (let i = 0; i < nodes * 10 && ok; i++) ok = await portFree(base + i)
    if (ok) return base
  }
  throw new Error(`no free range of ${nodes * 10} loopback ports found in 50 tries`)
}
