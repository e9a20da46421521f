// The soak's leak verdict (scripts/soak/verdict.mjs) on synthetic runs: flat-but-noisy series pass,
// steady climbs above the thresholds are flagged with a reason, and disk is judged per block net of
// the data the soak stored on purpose.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { DEFAULT_THRESHOLDS, leakVerdict, linearFit, type Sample } from '../../../scripts/soak/verdict.mjs'

const MiB = 1024 * 1024

/** A 30-minute run sampled every 10 s; `f(t)` gives the process figures at minute t. */
function run (f: (t: number, i: number) => Sample['procs'], height = (t: number) => Math.round(60 * t)): Sample[] {
  return Array.from({ length: 181 }, (_, i) => { const t = i / 6; return { t, height: height(t), procs: f(t, i) } })
}

/** Deterministic noise in [-1, 1]. */
const noise = (i: number, salt = 1): number => Math.sin(i * 12.9898 * salt + 78.233) * 0.999

describe('linearFit', () => {
  it('recovers an exact line and its zero error', () => {
    const fit = linearFit([[0, 1], [1, 3], [2, 5], [3, 7]])
    expect(fit.slope).toBeCloseTo(2, 12)
    expect(fit.intercept).toBeCloseTo(1, 12)
    expect(fit.se).toBeCloseTo(0, 12)
  })
  it('gives NaN where no line is defined', () => {
    expect(linearFit([[1, 2]]).slope).toBeNaN()
    expect(linearFit([[1, 2], [1, 3], [1, 4]]).slope).toBeNaN()
  })
  it('any line plus bounded noise: the fitted slope stays within what the noise allows', () => {
    fc.assert(fc.property(fc.double({ min: -100, max: 100, noNaN: true }), fc.double({ min: -1e6, max: 1e6, noNaN: true }), (a, b) => {
      const pts: Array<[number, number]> = Array.from({ length: 50 }, (_, i) => [i, b + a * i + noise(i)])
      expect(Math.abs(linearFit(pts).slope - a)).toBeLessThan(0.1)
    }))
  })
})

describe('leakVerdict', () => {
  it('a plateau with GC-like noise is no leak, even with a steep first half', () => {
    const samples = run((t, i) => ({
      node0: { pid: 7, rss: (t < 15 ? 100 + 6 * t : 190) * MiB + 20 * MiB * noise(i), heap: 60 * MiB + 8 * MiB * noise(i, 2), fds: 40 + Math.round(3 * noise(i, 3)), disk: 50 * MiB + 2000 * 60 * t }
    }))
    const v = leakVerdict({ samples })
    expect(v.flagged).toEqual([])
    expect(v.leak).toBe(false)
    expect(v.fromMinute).toBeCloseTo(15, 6)
    expect(v.blocksPerMinute).toBeCloseTo(60, 0)
    expect(v.notes).toEqual([])
    // a 10-minute run is judged too, with a warning that its 5-minute half is short
    expect(leakVerdict({ samples: samples.filter((s) => s.t <= 10) }).notes.join('\n')).toMatch(/only 5\.0 min/)
  })

  it('a steady RSS and heap climb is flagged with the process, metric and rate', () => {
    const samples = run((t, i) => ({ node1: { pid: 9, rss: 150 * MiB + 3 * MiB * t + 10 * MiB * noise(i), heap: 50 * MiB + 1.5 * MiB * t, fds: 30 } }))
    const v = leakVerdict({ samples })
    expect(v.leak).toBe(true)
    expect(v.flagged.map((f) => `${f.name}/${f.metric}`).sort()).toEqual(['node1/heap', 'node1/rss'])
    const rss = v.flagged.find((f) => f.metric === 'rss')!
    expect(rss.slope / MiB).toBeGreaterThan(2.5)
    expect(rss.slope / MiB).toBeLessThan(3.5)
    expect(rss.reason).toMatch(/node1 rss grows 3\.\d\d MiB\/min/)
  })

  it('one descriptor leaked per minute is flagged; a climb under the threshold is not', () => {
    const leaky = leakVerdict({ samples: run((t) => ({ light: { pid: 3, fds: 20 + Math.floor(t) } })) })
    expect(leaky.flagged.map((f) => f.metric)).toEqual(['fds'])
    const slow = leakVerdict({ samples: run((t) => ({ light: { pid: 3, fds: 20 + Math.floor(t / 5) } })) })
    expect(slow.leak).toBe(false)
  })

  it('disk is judged per block, net of the data stored on purpose', () => {
    // 100 KiB per block of deliberately stored data + 4 KiB per block of chain growth: no leak
    const stored = (t: number): number => 100 * 1024 * 60 * t
    const ok = leakVerdict({ samples: run((t) => ({ node2: { pid: 5, disk: 10 * MiB + stored(t) + 4 * 1024 * 60 * t, deliberate: stored(t) } })) })
    expect(ok.leak).toBe(false)
    const fit = ok.fits.find((f) => f.metric === 'disk')!
    expect(fit.slope / 1024).toBeCloseTo(4, 1)
    // the same growth with nothing stored on purpose is a leak (104 KiB per block > 32)
    const bad = leakVerdict({ samples: run((t) => ({ node2: { pid: 5, disk: 10 * MiB + stored(t) + 4 * 1024 * 60 * t } })) })
    expect(bad.flagged.map((f) => f.metric)).toEqual(['disk'])
    // a halted chain makes per-block disk growth unjudgeable, and says so
    const halted = leakVerdict({ samples: run((t) => ({ node2: { pid: 5, disk: 10 * MiB + t * MiB } }), () => 100) })
    expect(halted.leak).toBe(false)
    expect(halted.notes.join('\n')).toMatch(/did not advance/)
  })

  it('thresholds are parameters; excluded processes and dead samples are skipped; restarts are noted', () => {
    const samples = run((t, i) => ({
      node0: { pid: t < 20 ? 1 : 2, rss: 100 * MiB + 1.5 * MiB * t },
      soak: { pid: 4, rss: 100 * MiB + 50 * MiB * t },
      gone: i > 90 ? { alive: false } : { pid: 8, rss: 100 * MiB + 50 * MiB * t }
    }))
    const v = leakVerdict({ samples, exclude: ['soak'] })
    expect(v.flagged).toEqual([])
    expect(v.notes.join('\n')).toMatch(/node0 restarted in the second half/)
    expect(v.notes.join('\n')).toMatch(/gone rss: only 1 points/)
    const strict = leakVerdict({ samples, exclude: ['soak'], thresholds: { ...DEFAULT_THRESHOLDS, rss: 1 * MiB } })
    expect(strict.flagged.map((f) => f.name)).toEqual(['node0'])
    // a process that wrote heap snapshots: its RSS isn't judged (said in a note), its heap still is
    const snap = run(() => ({ node1: { pid: 3, rss: 0, heap: 0 } }))
    snap.forEach((x) => { x.procs.node1.rss = 100 * MiB + 5 * MiB * x.t; x.procs.node1.heap = 50 * MiB + 2 * MiB * x.t })
    const skipped = leakVerdict({ samples: snap, skip: { node1: ['rss'] } })
    expect(skipped.flagged.map((f) => `${f.name} ${f.metric}`)).toEqual(['node1 heap'])
    expect(skipped.notes.join('\n')).toMatch(/node1 rss: not judged/)
  })
})
