// `npm run chaos` (scripts/chaos.mjs loads this file): the longer, randomized partition set. The
// seed alone fixes the fault schedule — which scenarios in which order, which validator each hits,
// how long each lasts, how fast a link flaps — so a failing run is replayed with `--seed N`. Every
// scenario runs once (in a seeded order) before the extra rounds draw at random.
import { startPartitionCluster, type PartitionCluster } from './harness.js'
import { runScenario, checkLights, writeReport, type ScenarioPlan, type ScenarioResult } from './scenarios.js'
import { chaosSchedule, seededRandom } from './schedule.js'
import { checkChains } from './checker.js'

export { chaosSchedule, seededRandom, SCENARIOS } from './schedule.js'

export interface ChaosOptions {
  seed: number
  rounds?: number
  blockTimeMs?: number
  /** Where report.json and summary.txt go (default test-output/chaos). */
  outDir?: string
  log?: (l: string) => void
  signal?: AbortSignal
}

/**
 * Runs the seeded schedule on a fresh namespace network, checks after every scenario and once more
 * at the end (every light node's whole header log), and writes the report even when a check fails.
 * @example const { ok, reportFile } = await runChaos({ seed: 7 })
 */
export async function runChaos (o: ChaosOptions): Promise<{ ok: boolean, results: ScenarioResult[], reportFile: string, error?: string }> {
  const log = o.log ?? ((l: string) => { process.stdout.write(l + '\n') })
  const rounds = o.rounds ?? 8
  const blockTimeMs = o.blockTimeMs ?? 500
  const schedule = chaosSchedule(o.seed, rounds)
  log(`chaos seed ${o.seed}: ${rounds} rounds, ${blockTimeMs} ms blocks (replay: npm run chaos -- --seed ${o.seed} --rounds ${rounds})`)
  const target = (p: ScenarioPlan): string => p.scenario === 'proposer' ? 'the proposer' : p.scenario === 'light-isolation' ? "light l0's full node" : `v${p.victim}`
  schedule.forEach((p, i) => log(`  ${i + 1}. ${p.scenario} on ${target(p)} for ${p.faultMs} ms${p.scenario === 'flap' ? ` (flap ${p.flapMs} ms)` : ''}`))
  const results: ScenarioResult[] = []
  const random = seededRandom(o.seed ^ 0x5eed)
  let cluster: PartitionCluster | undefined
  let error: string | undefined
  let finalCheck: unknown
  const t0 = Date.now()
  try {
    cluster = await startPartitionCluster({ blockTimeMs, lights: 1, log, signal: o.signal })
    log(`network gm${cluster.net.runId} up in ${Date.now() - t0} ms (${cluster.runDir})`)
    for (const plan of schedule) results.push(await runScenario(cluster, plan, { log, signal: o.signal, random }))
    const chains = await checkChains(cluster, { signal: o.signal })
    const lightHeaders = await checkLights(cluster, chains.canonical, o.signal)
    finalCheck = { heights: chains.heights, comparedHeights: chains.comparedHeights, lightHeaders }
    log(`final check: ${chains.comparedHeights} heights agree on every node; ${lightHeaders} light headers re-verified`)
  } catch (err) {
    error = `${(err as Error).name}: ${(err as Error).message}`
    log(`FAILED: ${error}`)
  }
  const reportFile = writeReport(o.outDir ?? 'test-output/chaos', {
    seed: o.seed, rounds, blockTimeMs, schedule, ok: error === undefined, error, wallMs: Date.now() - t0, finalCheck,
    runDir: cluster?.runDir, results
  })
  await cluster?.stop({ keep: error !== undefined }).catch(() => {})
  if (error !== undefined && cluster !== undefined) log(`logs kept in ${cluster.runDir}`)
  return { ok: error === undefined, results, reportFile, error }
}
