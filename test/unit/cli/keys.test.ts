import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '../../helpers/cli.js'
import { keyFromFile, generateKey, keyToFile } from '../../../protocol/chain/index.js'

let home: string
beforeAll(() => { home = mkdtempSync(join(tmpdir(), 'glowmesh-keys-')) })
afterAll(() => { rmSync(home, { recursive: true, force: true }) })

describe('glowmesh keys', () => {
  it('new → show → export → import round-trips one key format', async () => {
    const created = await runCli('keys', 'new', '--json', '--home', home)
    expect(created.code).toBe(0)
    const { address, publicKey } = JSON.parse(created.stdout)
    expect(address).toMatch(/^0x[0-9a-f]{40}$/)
    expect(statSync(join(home, 'keys', 'default.json')).mode & 0o777).toBe(0o600)
    expect(JSON.parse((await runCli('keys', 'show', '--json', '--home', home)).stdout)).toEqual({ address, publicKey })
    const exported = (await runCli('keys', 'export', '--home', home)).stdout
    const key = keyFromFile(exported)
    expect(key.address).toBe(address)
    const file = join(home, 'exported.json')
    writeFileSync(file, exported)
    const imported = await runCli('keys', 'import', file, '--name', 'copy', '--home', home)
    expect(imported.code).toBe(0)
    expect(keyFromFile(readFileSync(join(home, 'keys', 'copy.json'), 'utf8')).address).toBe(address)
  })

  it('refuses to overwrite without --force, and reads GLOWMESH_HOME', async () => {
    expect((await runCli('keys', 'new', '--home', home)).stderr).toMatch(/exists already/)
    process.env.GLOWMESH_HOME = home
    try {
      expect((await runCli('keys', 'show')).code).toBe(0)
    } finally { delete process.env.GLOWMESH_HOME }
  })

  it('rejects bad key files with a clear error', async () => {
    const bad = join(home, 'bad.json')
    const k = keyToFile(generateKey())
    for (const content of ['not json', JSON.stringify({ ...k, type: 'secp256k1' }), JSON.stringify({ ...k, address: '0x' + '0'.repeat(40) }), JSON.stringify({ ...k, privateKey: 'AAAA' })]) {
      writeFileSync(bad, content)
      const r = await runCli('keys', 'import', bad, '--name', 'bad', '--home', home)
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(/key file/)
    }
    expect((await runCli('keys', 'show', '--name', 'nobody', '--home', home)).stderr).toMatch(/no key 'nobody'/)
    expect((await runCli('keys', 'frobnicate', '--home', home)).code).toBe(2)
    expect((await runCli('keys', 'new', '--name', '../x', '--home', home)).stderr).toMatch(/bad key name/)
  })
})
