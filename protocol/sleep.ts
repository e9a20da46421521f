/**
 * One abortable wait for every platform (Node, browsers, workers, workerd).
 */

/**
 * Resolves after `ms`, or rejects with the signal's reason as soon as it aborts (at once when it already has).
 * @example await sleep(500, signal)
 */
export async function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted()
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => { clearTimeout(t); reject(signal!.reason) }
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve() }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * Waits `ms` and resolves quietly, early when `signal` aborts or when the function handed to
 * `onWaker` is called: a loop's idle wait. Every way out unhooks it from the signal, so a loop that
 * pauses every second on one long-lived signal doesn't pile up listeners (the soak found two such loops).
 * @example await pause(1000, controller.signal, (wake) => { kick = wake })
 */
export async function pause (ms: number, signal?: AbortSignal, onWaker?: (wake: () => void) => void): Promise<void> {
  if (signal?.aborted === true) return
  await new Promise<void>((resolve) => {
    const done = (): void => { clearTimeout(t); signal?.removeEventListener('abort', done); resolve() }
    const t = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
    onWaker?.(done)
  })
}
