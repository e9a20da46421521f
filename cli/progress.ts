// A progress bar on stderr (only when stderr is a terminal; otherwise one line at the end).
export function progressBar (label: string, total: number, write: (t: string) => void, tty = process.stderr.isTTY === true): { tick: (n?: number) => void, done: () => void } {
  let value = 0
  let last = 0
  const started = Date.now()
  const render = (): void => {
    const frac = total === 0 ? 1 : value / total
    const width = 30
    const filled = Math.round(frac * width)
    const secs = (Date.now() - started) / 1000
    write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${value}/${total} ${secs.toFixed(1)}s`)
  }
  return {
    tick (n = 1) {
      value += n
      if (tty && Date.now() - last > 100) { last = Date.now(); render() }
    },
    done () {
      if (tty) { render(); write('\n') } else write(`${label}: ${value}/${total} in ${((Date.now() - started) / 1000).toFixed(1)}s\n`)
    }
  }
}
