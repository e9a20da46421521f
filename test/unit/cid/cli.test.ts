import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { unixfs } from '@helia/unixfs'
import { runCli, spawnCli } from '../../helpers/cli.js'
import { patternBytes } from '../../helpers/bytes.js'

let dir: string
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'glowmesh-cid-')) })
afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

const helia = async (bytes: Uint8Array): Promise<string> => (await unixfs({ blockstore: { put: async (c: any) => c } } as any).addBytes(bytes)).toString()

describe('glowmesh cid', () => {
  it.each([0, 1, 1_048_575, 1_048_577, 5 * 1_048_576 + 3])('prints the CID @helia/unixfs gives %i bytes, on its own line', async (size) => {
    const path = join(dir, `f${size}`)
    const data = patternBytes(size, size)
    writeFileSync(path, data)
    expect(await runCli('cid', path)).toEqual({ code: 0, stdout: (await helia(data)) + '\n', stderr: '' })
  })

  it('reads standard input with - (the built command)', async () => {
    const data = patternBytes(2_500_000, 9)
    const r = await spawnCli(['cid', '-'], { input: data })
    expect(r).toMatchObject({ code: 0, stdout: (await helia(data)) + '\n' })
  })

  it('reports usage errors with exit status 2', async () => {
    expect((await runCli('cid')).code).toBe(2)
    expect((await runCli('cid', join(dir, 'missing'))).stderr).toMatch(/cannot read .*ENOENT/)
    expect((await runCli('cid', dir)).stderr).toMatch(/not a regular file/)
    expect((await runCli('cid', '--bogus', 'f')).stderr).toMatch(/unknown option/)
    expect((await runCli('cid', 'a', 'b')).code).toBe(2)
  })
})
