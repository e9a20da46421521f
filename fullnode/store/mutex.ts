/**
 * One-at-a-time sections per key. A submission's write path (write → fsync → index) and its
 * lifecycle changes (tombstone, prune, compaction) must not interleave, or a segment could be
 * indexed after its range was zeroed; different submissions proceed in parallel.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>()

  /**
   * Runs `fn` after every earlier `run` with the same key has settled.
   * @example await mutex.run('e/0', async () => { ... })
   */
  async run<T> (key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve()
    const next = prev.then(fn, fn)
    const tail = next.catch(() => {})
    this.tails.set(key, tail)
    try {
      return await next
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key)
    }
  }
}
