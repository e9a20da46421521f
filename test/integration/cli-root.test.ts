// The built `glowmesh root` command against the 0G SDK on a file of hundreds of MiB, streamed to
// disk (never held in memory), plus standard input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, openSync, rmSync, writeSync, closeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnCli } from '../helpers/cli.js'
import { sdkRootOfFile, sdkRoot } from '../helpers/zg-sdk.js'
import { patternBytes } from '../helpers/bytes.js'

let dir: string
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'glowmesh-big-')) })
afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

describe('glowmesh root (built CLI)', () => {
  it('matches the 0G SDK on a 300 MiB + 777 B file', async () => {
    const path = join(dir, 'big.bin')
    const fd = openSync(path, 'w')
    for (let i = 0; i < 300; i++) writeSync(fd, patternBytes(1 << 20, i + 1))
    writeSync(fd, patternBytes(777, 999))
    closeSync(fd)
    const [ours, sdk] = await Promise.all([spawnCli(['root', path], { timeoutMs: 240_000 }), sdkRootOfFile(path)])
    expect(ours.stderr).toBe('')
    expect(ours.code).toBe(0)
    expect(ours.stdout).toBe(sdk + '\n')
  })

  it('reads standard input with -', async () => {
    const data = patternBytes(3 * 262_144 + 5, 42)
    const r = await spawnCli(['root', '-'], { input: data })
    expect(r.stdout).toBe(await sdkRoot(data) + '\n')
  })

  it('exits 2 on an empty file', async () => {
    const r = await spawnCli(['root', '-'], { input: new Uint8Array(0) })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/EmptyFileError/)
  })
})
