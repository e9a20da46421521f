/**
 * Keeps the IPFS index up with the flow store: every complete file gets its DAG indexed
 * (indexFileDag), whether it was uploaded here or replicated from another full node, and after a
 * restart. The upload path may call `kick()` (or indexFileDag itself) when a file completes; a slow
 * poll catches the rest. A file whose bytes don't give its recorded CID is reported once and left
 * unindexed (never served over IPFS); rejecting it on chain is the upload path's job.
 */
import type { FlowStore } from '../store/index.js'
import type { FlowBlockstore, IndexedFile } from './blockstore.js'

/** Options of startDagIndexer. */
export interface DagIndexerOptions {
  store: FlowStore
  blocks: FlowBlockstore
  /** Poll period, ms (default 1000). */
  intervalMs?: number
  log?: (line: string) => void
  /** Each file indexed (tests, metrics). */
  onIndexed?: (file: IndexedFile) => void
}

/** A running indexer. */
export interface DagIndexer {
  /** Looks for newly complete files now. */
  kick: () => void
  /** Resolves once every file complete at call time has been tried. */
  settle: () => Promise<void>
  stop: () => Promise<void>
}

/**
 * Starts the background DAG indexer.
 * @example const indexer = startDagIndexer({ store, blocks, log }); indexer.kick()
 */
export function startDagIndexer (options: DagIndexerOptions): DagIndexer {
  const { store, blocks } = options
  const log = options.log ?? (() => {})
  const controller = new AbortController()
  const failed = new Set<string>()
  const done = new Set<string>()
  let timer: ReturnType<typeof setTimeout> | undefined
  let running: Promise<void> = Promise.resolve()
  let again = false
  let stopped = false

  const pass = async (): Promise<void> => {
    for (const f of await store.files('complete')) {
      if (controller.signal.aborted) return
      const key = `${f.root}/${f.flowStart}`
      if (done.has(key) || failed.has(key)) continue
      try {
        if (await blocks.indexed(f.root) === undefined) {
          const file = await blocks.indexFile(f.root, { signal: controller.signal })
          options.onIndexed?.(file)
        }
        done.add(key)
      } catch (err: any) {
        if (controller.signal.aborted) return
        if (err?.code === 'IPFS_CID_MISMATCH') { failed.add(key); log(`ipfs: not serving ${f.root}: ${String(err.message)}`) } else log(`ipfs: indexing ${f.root} failed (will retry): ${String(err?.message ?? err)}`)
      }
    }
  }
  const run = (): Promise<void> => {
    if (stopped) return running
    clearTimeout(timer)
    running = running.then(async () => { do { again = false; await pass() } while (again && !stopped) }).catch((err) => { log(`ipfs indexer: ${String(err?.message ?? err)}`) }).finally(() => {
      if (!stopped) timer = setTimeout(run, options.intervalMs ?? 1000)
    })
    return running
  }
  void run()
  return {
    kick: () => { again = true; void run() },
    settle: async () => { await run() },
    stop: async () => {
      stopped = true
      controller.abort()
      clearTimeout(timer)
      await running
    }
  }
}
