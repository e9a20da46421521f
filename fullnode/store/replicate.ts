/**
 * Full nodes mirror the whole flow: a file uploaded to one node is pulled by every other node from
 * its peers, segment by segment, each verified against the root before it is kept (putSegment checks
 * the proof). Runs in the background; a pending file is retried from another peer on any failure.
 */
import type { FlowStore } from './flow-store.js'
import type { FileInfo } from './records.js'
import { fromHex } from '../../protocol/bytes.js'
import { pause } from '../../protocol/sleep.js'
import { withTimeout } from '../../protocol/signals.js'

export interface SegmentSource {
  /** Peers to ask, in order of preference (re-read each round). */
  peers: () => unknown[]
  /** Fetches one segment with its proof from one peer (verified against the root by the caller). */
  fetch: (peer: unknown, root: Uint8Array, index: number, size: number, signal: AbortSignal) => Promise<{ bytes: Uint8Array, proof: any }>
}

export interface Replicator {
  /** Look at pending files now instead of at the next tick. */
  kick: () => void
  stop: () => void
}

/**
 * Starts the replication loop.
 * @example const r = startReplicator({ store, source, intervalMs: 1000 }); …; r.stop()
 */
export function startReplicator ({ store, source, intervalMs = 1000, log = () => {} }: { store: FlowStore, source: SegmentSource, intervalMs?: number, log?: (l: string) => void }): Replicator {
  const controller = new AbortController()
  let wake: (() => void) | undefined
  let cursor = 0

  const pullFile = async (file: FileInfo): Promise<void> => {
    const root = fromHex(file.root, 32)
    const missing = await store.missingSegments(root)
    const peers = source.peers()
    if (peers.length === 0 || missing.length === 0) return
    for (const index of missing) {
      if (controller.signal.aborted) return
      // Rotate the starting peer so one slow or lying peer doesn't stall everyone.
      for (let attempt = 0; attempt < peers.length; attempt++) {
        const peer = peers[(cursor++) % peers.length]
        try {
          const seg = await withTimeout(controller.signal, 20_000, async (s) => await source.fetch(peer, root, index, file.size, s))
          await store.putSegment(root, index, seg.bytes, seg.proof)
          break
        } catch (err: any) {
          if (controller.signal.aborted) return
          if (!/NOT_FOUND|SEGMENT_MISSING|UNKNOWN_FILE/.test(String(err?.code))) log(`replicate ${file.root}#${index}: ${String(err?.message ?? err)}`)
        }
      }
    }
  }

  void (async () => {
    while (!controller.signal.aborted) {
      try {
        for (const file of await store.files('pending')) await pullFile(file)
      } catch (err: any) {
        if (!controller.signal.aborted) log(`replicate: ${String(err?.message ?? err)}`)
      }
      await pause(intervalMs, controller.signal, (w) => { wake = w })
    }
  })()

  return { kick: () => wake?.(), stop: () => controller.abort() }
}
