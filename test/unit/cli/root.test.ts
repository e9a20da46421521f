import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '../../helpers/cli.js'
import { sdkRootOfFile } from '../../helpers/zg-sdk.js'
import { patternBytes } from '../../helpers/bytes.js'

let dir: string
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'glowmesh-cli-')) })
afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

describe('glowmesh root', () => {
  // 1 MiB + 1 spreads over several worker batches only above 64 segments; 20 MiB + 3 does.
  it.each([1, 257, 262_145, 20 * 1024 * 1024 + 3])('prints the SDK root for %i bytes, on its own line', async (size) => {
    const path = join(dir, `f${size}`)
    writeFileSync(path, patternBytes(size, size))
    const expected = await sdkRootOfFile(path)
    const all = await runCli('root', path)
    expect(all).toEqual({ code: 0, stdout: expected + '\n', stderr: '' })
    expect(expected).toMatch(/^0x[0-9a-f]{64}$/)
    expect((await runCli('root', '--workers', '0', path)).stdout).toBe(expected + '\n')
  })

  it('rejects an empty file with EmptyFileError and exit status 2', async () => {
    const path = join(dir, 'empty')
    writeFileSync(path, new Uint8Array(0))
    const r = await runCli('root', path)
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/EmptyFileError: the file is empty/)
  })

  it('reports usage errors with exit status 2', async () => {
    expect((await runCli('root')).code).toBe(2)
    expect((await runCli('root', join(dir, 'missing'))).stderr).toMatch(/cannot read .*ENOENT/)
    expect((await runCli('root', dir)).stderr).toMatch(/not a regular file/)
    expect((await runCli('root', '--workers', 'x', 'f')).code).toBe(2)
    expect((await runCli('root', '--bogus', 'f')).stderr).toMatch(/unknown option/)
    expect((await runCli('nope')).code).toBe(2)
    expect((await runCli('help')).stdout).toMatch(/root/)
  })
})
