/**
 * Copy-on-write views over the state. A block runs in one overlay over the working trie; each tx
 * runs in a child overlay that is merged only if the tx succeeds, so a failed tx leaves nothing
 * behind. Writes reach the trie once per block (`LedgerState.applyWrites`), deduplicated by key.
 */
import type { KvReader } from './state.js'

/**
 * A key → value write set over a reader. `null` marks a deletion.
 * @example const tx = block.child(); tx.set('acct/0x…', v); tx.mergeIntoParent()
 */
export class Overlay implements KvReader {
  readonly writes = new Map<string, Uint8Array | null>()
  constructor (private readonly parent: KvReader) {}

  async get (key: string): Promise<Uint8Array | null> {
    const w = this.writes.get(key)
    if (w !== undefined) return w
    return await this.parent.get(key)
  }

  set (key: string, value: Uint8Array): void { this.writes.set(key, value) }
  del (key: string): void { this.writes.set(key, null) }

  /** A nested overlay whose writes land here only on `mergeIntoParent`. */
  child (): Overlay { return new Overlay(this) }

  /** Moves this overlay's writes into its parent (which must be an Overlay). */
  mergeIntoParent (): void {
    const p = this.parent
    if (!(p instanceof Overlay)) throw new TypeError('overlay: parent is not an overlay')
    for (const [k, v] of this.writes) p.writes.set(k, v)
    this.writes.clear()
  }
}
