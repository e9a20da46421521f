/**
 * A LightStore in IndexedDB (through `idb`): one object store of Uint8Array values keyed by string.
 * Keys sort as strings, so `keys(prefix)` is an IDBKeyRange scan in lexicographic order.
 */
import { openDB, type IDBPDatabase } from 'idb'
import { InvalidStoreKeyError, StoreValueTooLargeError } from '../errors.js'
import type { LightStore } from '../types.js'
import { IndexedDbError } from './errors.js'

/** Largest value kept (DESIGN: a sealed 256 KiB segment fits everywhere; the interface allows 2 MiB). */
export const MAX_IDB_VALUE_BYTES = 2 * 1024 * 1024
const OBJECT_STORE = 'kv'

/** Options of createIdbStore. */
export interface IdbStoreOptions {
  /** Database name (one per origin and chain); default 'glowmesh-light'. */
  name?: string
}

/**
 * Opens (or creates) an IndexedDB-backed LightStore.
 * @example
 * const store = await createIdbStore({ name: 'glowmesh-light' })
 * await store.put('a', new Uint8Array([1])); await store.keys('') // ['a']
 */
export async function createIdbStore (options: IdbStoreOptions = {}): Promise<LightStore> {
  if (typeof indexedDB === 'undefined') throw new IndexedDbError('IndexedDB is not available here')
  let db: IDBPDatabase
  try {
    db = await openDB(options.name ?? 'glowmesh-light', 1, {
      upgrade (d) { if (!d.objectStoreNames.contains(OBJECT_STORE)) d.createObjectStore(OBJECT_STORE) },
      blocked () { /* another tab holds an older version open; open resolves once it closes */ }
    })
  } catch (cause) {
    throw new IndexedDbError(`cannot open IndexedDB: ${(cause as Error)?.message ?? String(cause)}`, { cause })
  }
  const checkKey = (key: string): void => {
    if (typeof key !== 'string' || key.length === 0 || key.length > 512) throw new InvalidStoreKeyError(`invalid store key ${JSON.stringify(key)}`)
  }
  return {
    async get (key) {
      checkKey(key)
      const v: unknown = await db.get(OBJECT_STORE, key)
      if (v === undefined) return undefined
      return v instanceof Uint8Array ? v : new Uint8Array(v as ArrayBuffer)
    },
    async put (key, value) {
      checkKey(key)
      if (value.byteLength > MAX_IDB_VALUE_BYTES) throw new StoreValueTooLargeError(value.byteLength, MAX_IDB_VALUE_BYTES)
      // a copy: the caller may reuse its buffer, and structured clone of a view keeps the whole buffer
      await db.put(OBJECT_STORE, value.slice(), key)
    },
    async delete (key) {
      checkKey(key)
      await db.delete(OBJECT_STORE, key)
    },
    async keys (prefix) {
      const range = prefix === '' ? undefined : IDBKeyRange.bound(prefix, prefix + '\uffff', false, false)
      const keys = await db.getAllKeys(OBJECT_STORE, range)
      return (keys as string[]).filter(k => k.startsWith(prefix))
    },
    async close () { db.close() }
  }
}
