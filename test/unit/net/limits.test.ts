import { describe, expect, test } from 'vitest'
import { PeerScores, RateLimiter, TokenBucket } from '../../../fullnode/net/index.js'

function clock (): { now: () => number, step: (ms: number) => void } {
  let t = 1_000_000
  return { now: () => t, step: (ms) => { t += ms } }
}

describe('TokenBucket', () => {
  test('allows the burst, refuses the next, refills at the rate, never above the burst', () => {
    const c = clock()
    const b = new TokenBucket({ burst: 3, perSecond: 2 }, c.now)
    expect([b.take(), b.take(), b.take(), b.take()]).toEqual([true, true, true, false])
    c.step(499)
    expect(b.take()).toBe(false)
    c.step(1)
    expect(b.take()).toBe(true)
    c.step(60_000)
    expect([b.take(), b.take(), b.take(), b.take()]).toEqual([true, true, true, false])
  })
})

describe('RateLimiter', () => {
  test('one bucket per (peer, protocol); forget drops a peer\'s buckets', () => {
    const c = clock()
    const rl = new RateLimiter({ now: c.now })
    const lim = { burst: 1, perSecond: 1 }
    expect(rl.take('a', 'sync', lim)).toBe(true)
    expect(rl.take('a', 'sync', lim)).toBe(false)
    expect(rl.take('a', 'segment', lim)).toBe(true)
    expect(rl.take('b', 'sync', lim)).toBe(true)
    rl.forget('a')
    expect(rl.size).toBe(1)
    expect(rl.take('a', 'sync', lim)).toBe(true)
  })

  test('memory stays bounded: full buckets are swept', () => {
    const c = clock()
    const rl = new RateLimiter({ now: c.now, sweepAt: 100 })
    for (let i = 0; i < 1000; i++) { rl.take(`p${i}`, 'sync', { burst: 2, perSecond: 1 }); c.step(1000) }
    expect(rl.size).toBeLessThanOrEqual(100)
  })
})

describe('PeerScores', () => {
  test('penalties add up to a ban; the ban ends; scores heal back to zero', () => {
    const c = clock()
    const s = new PeerScores({ now: c.now, banMs: 60_000, banThreshold: -100, recoveryPerSecond: 1 })
    expect(s.penalize('p', 'malformed')).toEqual({ score: -40, banned: false })
    expect(s.isBanned('p')).toBe(false)
    expect(s.penalize('p', 'oversized')).toEqual({ score: -100, banned: true })
    expect(s.isBanned('p')).toBe(true)
    expect(s.isBanned('q')).toBe(false)
    // a further offence while banned doesn't re-announce the ban
    expect(s.penalize('p', 'rateLimited').banned).toBe(false)
    c.step(59_000)
    expect(s.isBanned('p')).toBe(true)
    c.step(1_000)
    expect(s.isBanned('p')).toBe(false)
    expect(s.score('p')).toBe(-50) // -110 + 60 s of healing
    c.step(50_000)
    expect(s.score('p')).toBe(0)
    expect(s.snapshot()).toEqual([])
  })

  test('rate-limit offences alone ban after ten in a row', () => {
    const s = new PeerScores({ now: () => 0 })
    const results = Array.from({ length: 10 }, () => s.penalize('p', 'rateLimited').banned)
    expect(results.indexOf(true)).toBe(9)
  })

  test('forgive lifts a ban', () => {
    const s = new PeerScores({ now: () => 0 })
    s.penalize('p', 'oversized'); s.penalize('p', 'oversized')
    expect(s.isBanned('p')).toBe(true)
    s.forgive('p')
    expect(s.isBanned('p')).toBe(false)
  })
})
