/**
 * The storage lifecycle's last step (DESIGN §2): once the chain expires a file (`storage.expire`,
 * FlowStore.prune) or a CID check tombstones it, its bytes leave the disk. The flow range stays
 * allocated (flow positions never move), the file's record stays on chain, and reads answer
 * FilePrunedError / FileTombstonedError (the RPC's 410). Runs off the consensus path: Commit only
 * marks the file and kicks this loop, which calls FlowStore.compact() a moment later (and once at
 * start, for what a crash left queued).
 */
import type { FlowStore, CompactResult } from './flow-store.js'

/** A running compaction loop. */
export interface Compactor {
  /** Asks for a compaction soon (several kicks in the delay make one run). */
  kick: () => void
  /** Runs one compaction now (waits for a running one first). */
  runNow: () => Promise<CompactResult>
  /** Stops the loop and waits for a running compaction. */
  stop: () => Promise<void>
}

/**
 * Starts compacting `store` after each kick (debounced by `delayMs`, default 500 ms) and once at start.
 * @example const c = startCompactor({ store, log }); await store.prune(root); c.kick(); …; await c.stop()
 */
export function startCompactor ({ store, delayMs = 500, log = () => {} }: { store: FlowStore, delayMs?: number, log?: (l: string) => void }): Compactor {
  const controller = new AbortController()
  let timer: ReturnType<typeof setTimeout> | undefined
  let running: Promise<CompactResult> = Promise.resolve({ submissions: 0, bytes: 0 })
  const runNow = async (): Promise<CompactResult> => {
    const next = running.catch(() => undefined).then(async () => {
      const r = await store.compact({ signal: controller.signal })
      if (r.submissions > 0) log(`compacted ${r.submissions} expired or rejected submission(s): ${r.bytes} bytes given back (${r.method ?? 'index only'})`)
      return r
    })
    running = next
    return await next
  }
  const kick = (): void => {
    if (controller.signal.aborted || timer !== undefined) return
    timer = setTimeout(() => {
      timer = undefined
      runNow().catch((err: Error) => { if (!controller.signal.aborted) log(`compaction failed: ${err.message}`) })
    }, delayMs)
  }
  kick()
  return {
    kick,
    runNow,
    async stop () {
      controller.abort()
      if (timer !== undefined) clearTimeout(timer)
      await running.catch(() => undefined)
    }
  }
}
