// The file-backed LightStore (atomic writes, sanitised keys, typed errors) and the record codec.
import { afterAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sha256 } from '@noble/hashes/sha2.js'
import { createFileStore, keyToFileName, fileNameToKey, MAX_STORE_VALUE_BYTES } from '../../../client/node/index.js'
import { decodeRecord, encodeRecord, pinGenesis } from '../../../client/index.js'

const dir = mkdtempSync(join(tmpdir(), 'glowmesh-store-'))
afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

describe('file store', () => {
  it('round-trips values under awkward keys, lists by prefix in order, deletes', async () => {
    const store = await createFileStore({ dir })
    const keys = ['header/00000000000000000002', 'header/00000000000000000001', '../../etc/passwd', '.hidden', 'ünïcode key', 'trusted']
    for (const [i, k] of keys.entries()) await store.put(k, new Uint8Array([i, 1, 2]))
    for (const [i, k] of keys.entries()) expect(await store.get(k)).toEqual(new Uint8Array([i, 1, 2]))
    expect(await store.keys('header/')).toEqual(['header/00000000000000000001', 'header/00000000000000000002'])
    expect(readdirSync(dir).every(n => !n.includes('/') && !n.startsWith('.'))).toBe(true)
    await store.delete('trusted'); await store.delete('never-there')
    expect(await store.get('trusted')).toBeUndefined()
    expect(fileNameToKey(keyToFileName('a/b c'))).toBe('a/b c')
  })

  it('rejects bad keys and oversized values with typed errors; drops leftover temp files', async () => {
    writeFileSync(join(dir, '.tmp-deadbeef'), 'partial')
    const store = await createFileStore({ dir })
    expect(readdirSync(dir)).not.toContain('.tmp-deadbeef')
    await expect(store.put('', new Uint8Array(1))).rejects.toMatchObject({ name: 'InvalidStoreKeyError', code: 'INVALID_STORE_KEY' })
    await expect(store.put('x'.repeat(200), new Uint8Array(1))).rejects.toMatchObject({ code: 'INVALID_STORE_KEY' })
    await expect(store.put('big', new Uint8Array(MAX_STORE_VALUE_BYTES + 1))).rejects.toMatchObject({ name: 'StoreValueTooLargeError' })
    await store.put('segment', new Uint8Array(256 * 1024).fill(7))
    expect((await store.get('segment'))?.length).toBe(256 * 1024)
  })
})

describe('records and genesis', () => {
  it('keeps bytes and bigints exact; a corrupt record is a typed error', () => {
    const v = { h: 2n ** 63n - 1n, b: new Uint8Array([0, 255]), nested: [{ n: -5n }] }
    expect(decodeRecord(encodeRecord(v), 'k')).toEqual(v)
    expect(() => decodeRecord(new Uint8Array([0xff, 0xfe]), 'k')).toThrow(expect.objectContaining({ name: 'CorruptRecordError', code: 'CORRUPT_RECORD' }))
  })

  it('pinGenesis refuses a genesis without validators', () => {
    const bytes = new TextEncoder().encode(JSON.stringify({ chainId: 'c', validators: [] }))
    const hash = '0x' + Buffer.from(sha256(bytes)).toString('hex')
    expect(() => pinGenesis({ bytes, hash })).toThrow(expect.objectContaining({ name: 'InvalidGenesisError' }))
  })
})
