// The fault scenarios (issue 13 part 4), shared by the short set in `npm test` and `npm run chaos`.
// Each runs transfers during the fault, heals, waits (generously) until every validator is past
// the height the network had at the heal, then runs the checker. Recovery and fault-time figures
// go to the result (printed as `[bench]` lines, written to the report), never into an assertion.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { checkChains, checkLightLog, checkTxs } from './checker.js'
import { startTraffic } from './traffic.js'
import type { PartitionCluster } from './harness.js'

export type ScenarioName = 'minority' | 'proposer' | 'light-isolation' | 'flap' | 'kill9'

/** What one scenario did and measured. */
export interface ScenarioResult {
  scenario: ScenarioName
  /** The host the fault hit. */
  victim: string
  /** Extra detail: the consensus step a kill hit, the flap count. */
  detail: string
  faultMs: number
  /** Max committed height when the fault began and when it healed. */
  heightAtFault: number
  heightAtHeal: number
  /** Blocks the rest of the network committed during the fault. */
  blocksDuringFault: number
  /** Heal (or restart) → every validator at ≥ heightAtHeal + 2 (for light-isolation: the light node at ≥ heightAtHeal). */
  recoveryMs: number
  txsConfirmed: number
  txsUnconfirmed: number
  /** Heights compared across all nodes, tx×node lookups, light headers re-verified. */
  comparedHeights: number
  txChecks: number
  /** tx × node pairs in the node's block that its CometBFT tx index (`/tx`) did not return (reported, not asserted). */
  txIndexMisses: number
  lightHeadersChecked: number
}

/** One planned fault: what `runScenario` takes. */
export interface ScenarioPlan {
  scenario: ScenarioName
  /** Validator index to hit (ignored by 'proposer', which hits the current proposer, and 'light-isolation', which hits light 0's full node). */
  victim: number
  faultMs: number
  /** For 'flap': how long each down and up phase lasts. */
  flapMs?: number
}

const sleep = async (ms: number, signal?: AbortSignal): Promise<void> => await new Promise((resolve, reject) => {
  const t = setTimeout(resolve, ms)
  signal?.addEventListener('abort', () => { clearTimeout(t); reject(signal.reason) }, { once: true })
})

const maxHeight = async (c: PartitionCluster, signal?: AbortSignal): Promise<number> => Math.max(0, ...(await c.heights(signal)).map((h) => h ?? 0))

/** How long a healed network may take to move on before the scenario fails (generous: a loaded 2-core box). */
export const RECOVERY_TIMEOUT_MS = 180_000

/**
 * Stops each light node, re-verifies its header log against the chain, starts it again.
 * @example const n = await checkLights(cluster, canonical)
 */
export async function checkLights (c: PartitionCluster, canonical: Map<number, string>, signal?: AbortSignal): Promise<number> {
  let n = 0
  for (let j = 0; j < c.lights.length; j++) {
    await c.stopLight(j)
    try { n += await checkLightLog(c, await c.lightHeaders(j), canonical, { signal }) } finally { c.startLight(j) }
  }
  return n
}

/**
 * Runs one scenario against a running cluster and checks it; throws PartitionCheckError or
 * PartitionWaitError when a property fails.
 * @example const r = await runScenario(cluster, { scenario: 'minority', victim: 1, faultMs: 8000 })
 */
export async function runScenario (c: PartitionCluster, plan: ScenarioPlan, options: { log?: (l: string) => void, signal?: AbortSignal, random?: () => number, checkLight?: boolean } = {}): Promise<ScenarioResult> {
  const log = options.log ?? (() => {})
  const signal = options.signal
  let victim = plan.scenario === 'light-isolation' ? c.lights[0].fullNode : plan.victim
  let name = c.validators[victim].name
  const traffic = startTraffic(c, { random: options.random })
  let detail = ''
  let heightAtFault = 0
  let heightAtHeal = 0
  let faultMs = 0
  let recoveryMs = 0
  let lightAtCut = 0
  let restarted = false
  try {
    await sleep(Math.min(2000, plan.faultMs / 4), signal) // some transfers before the fault
    heightAtFault = await maxHeight(c, signal)
    if (plan.scenario === 'proposer') {
      // looked up right before the cut: the proposer of the round in progress
      const p = await c.proposer(signal)
      victim = p.index
      name = c.validators[victim].name
      detail = `proposer of height ${p.height} round ${p.round}`
    }
    const t0 = Date.now()
    log(`${plan.scenario}: fault on ${name} at height ${heightAtFault}`)
    if (plan.scenario === 'kill9') {
      detail = `killed at height/round/step ${await c.kill9(victim, { midRound: true, signal })}`
      await sleep(plan.faultMs, signal)
    } else if (plan.scenario === 'flap') {
      let flaps = 0
      const flapMs = plan.flapMs ?? 2000
      while (Date.now() - t0 < plan.faultMs) {
        await c.cut(victim); await sleep(flapMs, signal)
        await c.heal(victim); await sleep(flapMs, signal)
        flaps++
      }
      await c.cut(victim) // the last phase: down, healed below like the others
      await sleep(flapMs, signal)
      detail = `${flaps + 1} cuts, ${flapMs} ms down / ${flapMs} ms up`
    } else {
      lightAtCut = c.lights[0]?.statuses.at(-1)?.verifiedHeight ?? 0
      await c.cut(victim)
      await sleep(plan.faultMs, signal)
    }
    heightAtHeal = await maxHeight(c, signal)
    faultMs = Date.now() - t0
    if (plan.scenario === 'light-isolation') {
      const lightAtHeal = c.lights[0].statuses.at(-1)?.verifiedHeight ?? 0
      detail = `light l0 verified ${lightAtCut} at the cut, ${lightAtHeal} at the heal`
    }
    const t1 = Date.now()
    if (plan.scenario === 'kill9') { c.restart(victim); restarted = true } else await c.heal(victim)
    log(`${plan.scenario}: healed ${name}; network at ${heightAtHeal}`)
    await c.waitUntil(async () => (await c.heights(signal)).every((h) => h !== undefined && h >= heightAtHeal + 2),
      `every validator at height ≥ ${heightAtHeal + 2} after healing ${name} (${plan.scenario})`, { timeoutMs: RECOVERY_TIMEOUT_MS, signal })
    recoveryMs = Date.now() - t1
    if (plan.scenario === 'light-isolation') {
      await c.waitUntil(() => (c.lights[0].statuses.at(-1)?.verifiedHeight ?? 0) >= heightAtHeal, `light l0 verified ≥ ${heightAtHeal}`, { timeoutMs: RECOVERY_TIMEOUT_MS, signal })
      recoveryMs = Date.now() - t1
    }
  } catch (err) {
    await traffic.stop()
    throw err
  } finally {
    // whatever happened, leave the network whole for the next scenario
    if (!c.net.isUp(name)) await c.heal(victim).catch(() => {})
    if (plan.scenario === 'kill9' && !restarted) c.restart(victim)
  }
  const { confirmed, unconfirmed } = await traffic.stop()
  // transfers confirmed after the recovery wait may sit in blocks a slower node hasn't committed yet
  const top = Math.max(0, ...confirmed.map((t) => t.height))
  await c.waitUntil(async () => (await c.heights(signal)).every((h) => h !== undefined && h >= top), `every validator at the last confirmed transfer's height ${top}`, { timeoutMs: RECOVERY_TIMEOUT_MS, signal })
  const chains = await checkChains(c, { signal })
  const txs = await checkTxs(c, confirmed, { signal })
  for (const m of txs.indexMisses.slice(0, 5)) log(`tx index miss: ${m.node} has ${m.txHash} in block ${m.height} but /tx says: ${m.error}`)
  const lightHeadersChecked = options.checkLight === true || plan.scenario === 'light-isolation' ? await checkLights(c, chains.canonical, signal) : 0
  const result: ScenarioResult = {
    scenario: plan.scenario,
    victim: name,
    detail,
    faultMs,
    heightAtFault,
    heightAtHeal,
    blocksDuringFault: heightAtHeal - heightAtFault,
    recoveryMs,
    txsConfirmed: confirmed.length,
    txsUnconfirmed: unconfirmed,
    comparedHeights: chains.comparedHeights,
    txChecks: txs.found,
    txIndexMisses: txs.indexMisses.length,
    lightHeadersChecked
  }
  log(summaryLine(result))
  return result
}

/**
 * One line per scenario, as the reports and `[bench]` output print it.
 * @example summaryLine(result) // '[bench] partition minority v1: recovery 2310 ms, …'
 */
export function summaryLine (r: ScenarioResult): string {
  return `[bench] partition ${r.scenario} ${r.victim}: recovery ${r.recoveryMs} ms after a ${r.faultMs} ms fault; ` +
    `${r.blocksDuringFault} blocks during it (${r.heightAtFault}→${r.heightAtHeal}); ${r.txsConfirmed} txs confirmed (${r.txsUnconfirmed} not), ` +
    `checked ${r.comparedHeights} heights, ${r.txChecks} tx×node, ${r.lightHeadersChecked} light headers; ${r.txIndexMisses} tx-index misses${r.detail === '' ? '' : `; ${r.detail}`}`
}

/**
 * Writes `report.json` (everything) and `summary.txt` (one line per scenario) into `dir`.
 * @example writeReport('test-output/partition', { results })
 */
export function writeReport (dir: string, report: { results: ScenarioResult[], [k: string]: unknown }): string {
  mkdirSync(dir, { recursive: true })
  const file = join(dir, 'report.json')
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n')
  writeFileSync(join(dir, 'summary.txt'), report.results.map(summaryLine).join('\n') + '\n')
  return file
}
