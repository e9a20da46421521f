/**
 * The accepted-header log (DESIGN §8: height, hash, how verified) and the latest trusted light
 * block, kept in the LightStore so a restart resumes without re-verifying from genesis.
 * One record per header (`header/<height, zero-padded>`), so appends never rewrite old records.
 */
import type { LightBlock } from '../protocol/chain/index.js'
import { decodeRecord, encodeRecord } from './codec.js'
import type { AcceptedHeader, LightStore } from './types.js'

const HEADER_PREFIX = 'header/'
const TRUSTED_KEY = 'trusted'
const GENESIS_KEY = 'genesis'

/** Store key of a header record: lexicographic order = height order. @example headerKey(12) // 'header/00000000000000000012' */
export function headerKey (height: number | bigint): string {
  return HEADER_PREFIX + BigInt(height).toString().padStart(20, '0')
}

/**
 * Reads every accepted header from a store (what `glowmesh light --headers` prints).
 * @example for (const h of await readHeaderLog(store)) console.log(JSON.stringify(h))
 */
export async function readHeaderLog (store: LightStore): Promise<AcceptedHeader[]> {
  const out: AcceptedHeader[] = []
  for (const key of await store.keys(HEADER_PREFIX)) {
    const bytes = await store.get(key)
    if (bytes !== undefined) out.push(decodeRecord<AcceptedHeader>(bytes, key))
  }
  return out.sort((a, b) => a.height - b.height)
}

/**
 * The log in memory (sorted by height) backed by the store.
 * @example const log = await HeaderLog.open(store, genesisHash); await log.append([entry]); log.get(5)
 */
export class HeaderLog {
  private readonly byHeight = new Map<number, AcceptedHeader>()
  private sorted: AcceptedHeader[] | undefined
  private constructor (private readonly store: LightStore) {}

  /** Opens the log; a store pinned to another genesis is wiped first (its headers are of another chain). */
  static async open (store: LightStore, genesisHash: string): Promise<HeaderLog> {
    const log = new HeaderLog(store)
    const pinned = await store.get(GENESIS_KEY)
    if (pinned !== undefined && new TextDecoder().decode(pinned) !== genesisHash) {
      for (const key of await store.keys(HEADER_PREFIX)) await store.delete(key)
      await store.delete(TRUSTED_KEY)
    }
    await store.put(GENESIS_KEY, new TextEncoder().encode(genesisHash))
    for (const h of await readHeaderLog(store)) log.byHeight.set(h.height, h)
    return log
  }

  /** The accepted header at a height, if any. */
  get (height: number): AcceptedHeader | undefined { return this.byHeight.get(height) }

  /** Every accepted header, by height. */
  all (): AcceptedHeader[] {
    this.sorted ??= [...this.byHeight.values()].sort((a, b) => a.height - b.height)
    return this.sorted
  }

  /** Records headers (any order). */
  async append (entries: AcceptedHeader[]): Promise<void> {
    for (const e of entries) {
      await this.store.put(headerKey(e.height), encodeRecord(e))
      this.byHeight.set(e.height, e)
    }
    this.sorted = undefined
  }

  /** The latest trusted light block from a previous run, if any. */
  async loadTrusted (): Promise<LightBlock | undefined> {
    const bytes = await this.store.get(TRUSTED_KEY)
    return bytes === undefined ? undefined : decodeRecord<LightBlock>(bytes, TRUSTED_KEY)
  }

  /** Persists the latest trusted light block. */
  async saveTrusted (lb: LightBlock): Promise<void> {
    await this.store.put(TRUSTED_KEY, encodeRecord(lb))
  }
}
