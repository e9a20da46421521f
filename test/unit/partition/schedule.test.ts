// The chaos schedule (test/partition/schedule.ts) is reproducible from its seed alone.
import { describe, expect, it } from 'vitest'
import { chaosSchedule, seededRandom, SCENARIOS } from '../../partition/schedule.js'

describe('chaos schedule', () => {
  it('the same seed gives the same schedule; another seed another one', () => {
    expect(chaosSchedule(7, 12)).toEqual(chaosSchedule(7, 12))
    expect(chaosSchedule(7, 12)).not.toEqual(chaosSchedule(8, 12))
    const a = seededRandom(1)
    const b = seededRandom(1)
    for (let i = 0; i < 100; i++) expect(a()).toBe(b())
  })

  it('runs every scenario once before drawing extra rounds, within the documented bounds', () => {
    for (let seed = 1; seed < 50; seed++) {
      const s = chaosSchedule(seed, 9)
      expect(s).toHaveLength(9)
      expect(new Set(s.slice(0, SCENARIOS.length).map((p) => p.scenario))).toEqual(new Set(SCENARIOS))
      for (const p of s) {
        expect(p.victim).toBeGreaterThanOrEqual(0)
        expect(p.victim).toBeLessThan(4)
        expect(p.faultMs).toBeGreaterThanOrEqual(2000)
        expect(p.faultMs).toBeLessThan(12_000)
        expect(p.flapMs).toBeGreaterThanOrEqual(1500)
        expect(p.flapMs).toBeLessThan(3500)
      }
    }
  })
})
