// What the chain and the validators say about one PoRA contributor, for storage tests of every
// light-node kind (Node, browser, edge): its registry entry and the challengers' verdicts.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fromHex } from '../../protocol/bytes.js'
import type { TestDevnet } from './devnet.js'

/** A contributor's registry entry, numbers only. */
export interface RegistryEntry { rewards: bigint, penalties: bigint, receipts: number, sectors: number, bond: bigint }

/**
 * The node's registry entry from node `node`'s RPC; undefined when absent or the RPC failed.
 * @example const e = await registryEntry(devnet, nodeId); e?.rewards
 */
export async function registryEntry (devnet: TestDevnet, nodeId: string, node = 0): Promise<RegistryEntry | undefined> {
  try {
    const e = (await devnet.rpc(node).registryEntry(fromHex(nodeId, 32))).entry
    return e === null ? undefined : { rewards: BigInt(e.rewards), penalties: BigInt(e.penalties), receipts: e.receipts, sectors: e.sectors?.length ?? 0, bond: BigInt(e.bond) }
  } catch { return undefined }
}

/** Verdict counts (overall and `node<i>:<verdict>`), valid round trips in ms (sorted), a few reasons. */
export interface Verdicts { counts: Record<string, number>, validMs: number[], reasons: string[] }

/**
 * The validators' challenger log lines about this node (fullnode/pora/challenger.ts, each node's node.log).
 * @example expect(challengeVerdicts(devnet, nodeId).counts.invalid ?? 0).toBe(0)
 */
export function challengeVerdicts (devnet: TestDevnet, nodeId: string, maxReasons = 5): Verdicts {
  const counts: Record<string, number> = {}
  const validMs: number[] = []
  const reasons: string[] = []
  const prefix = `challenge of ${nodeId.slice(0, 12)}`
  for (const n of devnet.nodes) {
    let text = ''
    try { text = readFileSync(join(n.dir, 'node.log'), 'utf8') } catch { continue }
    for (const line of text.split('\n')) {
      if (!line.includes(prefix)) continue
      const m = /: (valid|late|invalid|missing) in (\d+) ms( \((.*)\))?/.exec(line)
      if (m === null) continue
      counts[m[1]] = (counts[m[1]] ?? 0) + 1
      counts[`node${n.index}:${m[1]}`] = (counts[`node${n.index}:${m[1]}`] ?? 0) + 1
      if (m[1] === 'valid') validMs.push(Number(m[2]))
      if (m[4] !== undefined && reasons.length < maxReasons) reasons.push(`node${n.index}: ${m[1]}: ${m[4].slice(0, 200)}`)
    }
  }
  return { counts, validMs: validMs.sort((a, b) => a - b), reasons }
}
