// The chaos set's fault schedule, a pure function of its seed (no I/O: unit-tested in
// test/unit/partition). Types only from scenarios.ts.
import type { ScenarioName, ScenarioPlan } from './scenarios.js'
import { seeded } from '../helpers/seeded.js'

/** Every scenario, in the order the schedule shuffles. */
export const SCENARIOS: ScenarioName[] = ['minority', 'proposer', 'light-isolation', 'flap', 'kill9']

/** The shared mulberry32 (test/helpers/seeded.ts) under this module's historical name. @example seededRandom(42)() */
export const seededRandom = seeded

/**
 * The fault schedule of a seed: each scenario once in a seeded order, then `rounds − 5` drawn at
 * random; victims, fault lengths (4–12 s) and flap periods (1.5–3.5 s) drawn from the same seed.
 * @example chaosSchedule(7, 8).map((p) => p.scenario)
 */
export function chaosSchedule (seed: number, rounds: number, validators = 4): ScenarioPlan[] {
  const r = seededRandom(seed)
  const order = [...SCENARIOS]
  for (let i = order.length - 1; i > 0; i--) { const j = Math.floor(r() * (i + 1)); [order[i], order[j]] = [order[j], order[i]] }
  while (order.length < rounds) order.push(SCENARIOS[Math.floor(r() * SCENARIOS.length)])
  return order.slice(0, Math.max(1, rounds)).map((scenario) => ({
    scenario,
    victim: Math.floor(r() * validators),
    faultMs: scenario === 'kill9' ? 2000 + Math.floor(r() * 6000) : 4000 + Math.floor(r() * 8000),
    flapMs: 1500 + Math.floor(r() * 2000)
  }))
}
