/**
 * A LightStore on files (Node): one file per key under a folder, written atomically (temp file,
 * fsync, rename, fsync of the folder), so a crash leaves either the old value or the new one.
 * Keys are sanitised into file names: [A-Za-z0-9._-] stay, every other byte becomes `%XX`.
 */
import { mkdir, open, readFile, readdir, rename, rm, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { InvalidStoreKeyError, StoreValueTooLargeError } from '../errors.js'
import type { LightStore } from '../types.js'

/** Largest value every platform's store holds (DESIGN §9: Durable Object SQL values ≤ 2 MB). */
export const MAX_STORE_VALUE_BYTES = 2 * 1024 * 1024
/** Longest key accepted (its file name may be up to three times longer). */
export const MAX_STORE_KEY_LENGTH = 80

const TMP_PREFIX = '.tmp-'

/**
 * The file name for a key; InvalidStoreKeyError for an empty, overlong or non-string key.
 * @example keyToFileName('header/00012') // 'header%2F00012'
 */
export function keyToFileName (key: string): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_STORE_KEY_LENGTH) {
    throw new InvalidStoreKeyError(`store keys are strings of 1..${MAX_STORE_KEY_LENGTH} characters`)
  }
  let out = ''
  for (const b of new TextEncoder().encode(key)) {
    const c = String.fromCharCode(b)
    out += /[A-Za-z0-9_-]/.test(c) || (c === '.' && out.length > 0) ? c : '%' + b.toString(16).toUpperCase().padStart(2, '0')
  }
  return out
}

/** The key of a file name written by keyToFileName (undefined for files that aren't ours). @example fileNameToKey('a%2Fb') // 'a/b' */
export function fileNameToKey (name: string): string | undefined {
  if (name.startsWith(TMP_PREFIX) || !/^(?:[A-Za-z0-9_.-]|%[0-9A-F]{2})+$/.test(name)) return undefined
  try { return decodeURIComponent(name) } catch { return undefined }
}

/**
 * Opens (creating) a file-backed store in `dir`; leftover temp files of a crash are removed.
 * @example const store = await createFileStore({ dir: join(home, 'light', 'store') }); await store.put('k', bytes)
 */
export async function createFileStore (options: { dir: string }): Promise<LightStore> {
  const dir = options.dir
  await mkdir(dir, { recursive: true })
  for (const name of await readdir(dir)) if (name.startsWith(TMP_PREFIX)) await rm(join(dir, name), { force: true })
  let closed = false
  const check = (): void => { if (closed) throw new InvalidStoreKeyError('store is closed') }

  const syncDir = async (): Promise<void> => {
    const fh = await open(dir, 'r')
    try { await fh.sync() } catch {} finally { await fh.close() }
  }

  return {
    async get (key) {
      check()
      try { return new Uint8Array(await readFile(join(dir, keyToFileName(key)))) } catch (err: any) {
        if (err?.code === 'ENOENT') return undefined
        throw err
      }
    },
    async put (key, value) {
      check()
      const name = keyToFileName(key)
      if (!(value instanceof Uint8Array)) throw new InvalidStoreKeyError('store values are Uint8Array')
      if (value.length > MAX_STORE_VALUE_BYTES) throw new StoreValueTooLargeError(value.length, MAX_STORE_VALUE_BYTES)
      const tmp = join(dir, TMP_PREFIX + randomBytes(8).toString('hex'))
      const fh = await open(tmp, 'w', 0o600)
      try {
        await fh.writeFile(value)
        await fh.sync()
      } finally { await fh.close() }
      try { await rename(tmp, join(dir, name)) } catch (err) { await rm(tmp, { force: true }); throw err }
      await syncDir()
    },
    async delete (key) {
      check()
      try { await unlink(join(dir, keyToFileName(key))) } catch (err: any) { if (err?.code !== 'ENOENT') throw err }
    },
    async keys (prefix) {
      check()
      const out: string[] = []
      for (const name of await readdir(dir)) {
        const key = fileNameToKey(name)
        if (key !== undefined && key.startsWith(prefix)) out.push(key)
      }
      return out.sort()
    },
    async close () { closed = true }
  }
}
