// regressions.json is replayed by fuzz() in the file that owns each property; this checks that
// every kept case is well-formed and names a property that exists, so none is silently skipped.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { REGRESSIONS } from './arbitraries.js'

describe('fuzz regressions', () => {
  it('every kept case has an id, an integer seed, a path and what it broke, and names an existing property', () => {
    for (const r of REGRESSIONS) {
      expect(r, JSON.stringify(r)).toEqual({ id: expect.stringMatching(/^[a-z]+\/[a-z0-9/-]+$/), seed: expect.any(Number), path: expect.stringMatching(/^\d+(:\d+)*$/), property: expect.any(String), note: expect.any(String) })
      expect(Number.isSafeInteger(r.seed)).toBe(true)
      const [file, ...rest] = r.id.split('/')
      const source = readFileSync(new URL(`./${file}.test.ts`, import.meta.url), 'utf8')
      // wire ids are built from the protocol name (`wire/<protocol>/<kind>`); the others are literals
      const known = file === 'wire' ? /^(sync|sample|segment|challenge|job|tx|flow|pora-state)\/(request|response|push)$|^(envelope|frame)$/.test(rest.join('/')) : source.includes(`'${r.id}'`) || source.includes(`\`${r.id.replace(/-(native|js)$/, '-${')}`)
      expect(known, `${r.id} names no property in ${file}.test.ts`).toBe(true)
    }
  })
})
