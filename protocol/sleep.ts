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
