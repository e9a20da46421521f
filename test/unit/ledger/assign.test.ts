import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { assignRanges, ASSIGN_SEGMENT_CHUNKS, ASSIGN_SEGMENT_BYTES } from '../../../fullnode/ledger/assign.js'
import { deriveChallenges } from '../../../protocol/pora/challenge.js'
import { InvalidInputError } from '../../../protocol/errors.js'

const id = (n: number): Uint8Array => new Uint8Array(32).fill(n)

describe('assignRanges', () => {
  it('is deterministic, sorted, disjoint, segment-aligned and covers the pledge', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 400 * 1024 }), fc.integer({ min: 0, max: 255 }),
      (n, pledgeSegs, flowLength, s) => {
        const args = { nodeId: id(n), pledgeBytes: pledgeSegs * ASSIGN_SEGMENT_BYTES, flowLength, epochSeed: id(s) }
        const ranges = assignRanges(args)
        expect(assignRanges(args)).toEqual(ranges)
        let total = 0; let last = -1
        for (const r of ranges) {
          expect(r.start % ASSIGN_SEGMENT_CHUNKS).toBe(0)
          expect(r.start).toBeGreaterThan(last)
          expect(r.end).toBeGreaterThan(r.start)
          expect(r.end).toBeLessThanOrEqual(flowLength)
          expect(r.end % ASSIGN_SEGMENT_CHUNKS).toBe(0) // whole sectors only (default sector = 1 segment)
          total += (r.end - r.start) / ASSIGN_SEGMENT_CHUNKS; last = r.end
        }
        expect(total).toBe(Math.min(pledgeSegs, Math.floor(flowLength / ASSIGN_SEGMENT_CHUNKS)))
        if (ranges.length > 0) expect(deriveChallenges({ blockHash: id(9), nodeId: id(n), ranges, count: 1 }).length).toBe(1)
      }), { numRuns: 300 })
  })

  it('differs between nodes and epochs', () => {
    const a = assignRanges({ nodeId: id(1), pledgeBytes: 8 * ASSIGN_SEGMENT_BYTES, flowLength: 1 << 20, epochSeed: id(0) })
    const b = assignRanges({ nodeId: id(2), pledgeBytes: 8 * ASSIGN_SEGMENT_BYTES, flowLength: 1 << 20, epochSeed: id(0) })
    const c = assignRanges({ nodeId: id(1), pledgeBytes: 8 * ASSIGN_SEGMENT_BYTES, flowLength: 1 << 20, epochSeed: id(2) })
    expect(a).not.toEqual(b); expect(a).not.toEqual(c)
    expect(assignRanges({ nodeId: id(1), pledgeBytes: 1, flowLength: 0, epochSeed: id(0) })).toEqual([])
    // never past the flow's last whole sector
    expect(assignRanges({ nodeId: id(1), pledgeBytes: 2 ** 40, flowLength: 5000, epochSeed: id(0) })).toEqual([{ start: 0, end: 4096 }])
  })

  it('rejects bad input', () => {
    expect(() => assignRanges({ nodeId: id(1).subarray(1), pledgeBytes: 1, flowLength: 1, epochSeed: id(0) })).toThrow(InvalidInputError)
    expect(() => assignRanges({ nodeId: id(1), pledgeBytes: -1, flowLength: 1, epochSeed: id(0) })).toThrow(InvalidInputError)
    expect(() => assignRanges({ nodeId: id(1), pledgeBytes: 1, flowLength: 1.5, epochSeed: id(0) })).toThrow(InvalidInputError)
  })
})
