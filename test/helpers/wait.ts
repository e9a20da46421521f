// One polling wait for every suite that waits on real processes (devnets, light nodes, pages, workerd).
// Tests wait for a condition, never for a fixed time: CI is a loaded 2-core box, so the default limit
// is generous, and a timeout says what it waited for, what the probe last threw and whatever the
// caller's `diagnostics` adds (process logs, peer tables), because a bare "timed out" can't be debugged.

/** Options for {@link waitFor}. */
export interface WaitOptions {
  /** Give up after this many ms (default 120,000). */
  timeoutMs?: number
  /** Poll every this many ms (default 250). */
  everyMs?: number
  /** Extra context for the timeout error: log tails, peer tables, … (called only on timeout). */
  diagnostics?: () => string
}

/**
 * Polls `probe` until it returns something other than `undefined` or `false`, and returns that; a
 * throw counts as "not yet" and is quoted in the timeout error.
 * @example const h = await waitFor('height 10', async () => { const s = await rpc.status(); return s.height >= 10 ? s.height : undefined })
 */
export async function waitFor<T> (what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, opts: WaitOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 120_000
  const end = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = await probe()
      if (v !== undefined && v !== false) return v
    } catch (err) { last = err }
    if (Date.now() > end) {
      const threw = last === undefined ? '' : `; last error: ${(last as Error)?.message ?? String(last)}`
      const extra = opts.diagnostics === undefined ? '' : `; ${opts.diagnostics()}`
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${threw}${extra}`)
    }
    await new Promise((resolve) => setTimeout(resolve, opts.everyMs ?? 250))
  }
}
