/**
 * The light node's LightStore on a SQLite-backed Durable Object (DESIGN §9: values up to 2 MB —
 * the key-value backend stops at 128 KiB, below a 256 KiB sealed segment). One table, `kv`.
 */
import { GlowmeshError } from '../protocol/errors.js'
import type { LightStore } from '../client/types.js'
import type { SqlStorage } from './runtime.js'

/** The largest value stored (LightStore's contract: 2 MiB). */
export const MAX_DO_VALUE_BYTES = 2 * 1024 * 1024

/** A value over 2 MiB, or a key that is not a non-empty string ≤ 512 characters. @example err.code // 'DO_STORE' */
export class DurableObjectStoreError extends GlowmeshError {
  override name = 'DurableObjectStoreError'
  constructor (message: string) { super('DO_STORE', message) }
}

function checkKey (key: string): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > 512) throw new DurableObjectStoreError('key must be a string of 1..512 characters')
}

/**
 * A LightStore over `ctx.storage.sql`.
 * @example const store = createDurableObjectStore(ctx.storage.sql); await store.put('a', new Uint8Array([1]))
 */
export function createDurableObjectStore (sql: SqlStorage): LightStore {
  sql.exec('CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL)')
  return {
    async get (key) {
      checkKey(key)
      const rows = sql.exec<{ value: ArrayBuffer }>('SELECT value FROM kv WHERE key = ?', key).toArray()
      return rows.length === 0 ? undefined : new Uint8Array(rows[0].value)
    },
    async put (key, value) {
      checkKey(key)
      if (!(value instanceof Uint8Array)) throw new DurableObjectStoreError('value must be a Uint8Array')
      if (value.length > MAX_DO_VALUE_BYTES) throw new DurableObjectStoreError(`value of ${value.length} bytes is over the ${MAX_DO_VALUE_BYTES}-byte limit`)
      sql.exec('INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)', key, value.slice().buffer)
    },
    async delete (key) {
      checkKey(key)
      sql.exec('DELETE FROM kv WHERE key = ?', key)
    },
    async keys (prefix) {
      return sql.exec<{ key: string }>('SELECT key FROM kv WHERE substr(key, 1, ?) = ? ORDER BY key', prefix.length, prefix).toArray().map((r) => r.key)
    },
    async close () {}
  }
}
