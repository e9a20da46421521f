import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type Command, UsageError } from '../command.js'
import { parseFlags, takeHome } from '../home.js'
import { rpcFor, RPC_FLAGS } from '../rpc.js'
import { generateKey, keyFromFile, keyToFile, type Ed25519Key } from '../../protocol/chain/index.js'
import { openEngine, type BackendChoice } from '../compute/engine.js'
import { runWorker } from '../compute/worker-loop.js'

/**
 * The worker's own key, `<home>/worker/key.json`, created (mode 0600) when missing.
 * @example const key = await workerKey(home)
 */
export async function workerKey (home: string): Promise<Ed25519Key> {
  const path = join(home, 'worker', 'key.json')
  try {
    return keyFromFile(await readFile(path, 'utf8'))
  } catch (err: any) {
    if (err?.code !== 'ENOENT') throw err
  }
  const key = generateKey()
  await mkdir(join(home, 'worker'), { recursive: true, mode: 0o700 })
  await writeFile(path, JSON.stringify(keyToFile(key), null, 2) + '\n', { mode: 0o600, flag: 'wx' }).catch(async (err) => {
    if (err?.code !== 'EEXIST') throw err // another worker process won the race: use its key
  })
  return keyFromFile(await readFile(path, 'utf8'))
}

/**
 * `glowmesh worker`: a compute worker (Dawn WebGPU or the CPU) that claims, runs and answers market jobs.
 * @example await workerCommand.run(['--backend', 'cpu', '--once', '--json'], io)
 */
export const workerCommand: Command = {
  path: ['worker'],
  summary: 'run a compute worker: claim open jobs, run them (WebGPU via Dawn, else CPU), post results with trace commitments',
  usage: 'glowmesh worker [--backend auto|webgpu|cpu] [--once] [--json] [--dishonest LAYER (test aid: lie in LAYER)] [--poll-ms N] [--node N | --rpc URL] [--home DIR]',
  async run (argv, io) {
    const { home, rest } = takeHome(argv)
    const { flags, positional } = parseFlags(rest, [...RPC_FLAGS, 'backend', 'dishonest', 'poll-ms'], ['once', 'json'])
    if (positional.length > 0) throw new UsageError(`unexpected ${positional.join(' ')}`)
    const backend = (flags.backend ?? 'auto') as BackendChoice
    if (!['auto', 'webgpu', 'cpu'].includes(backend)) throw new UsageError('--backend takes auto, webgpu or cpu')
    const dishonest = flags.dishonest === undefined ? undefined : Number(flags.dishonest)
    if (dishonest !== undefined && (!Number.isInteger(dishonest) || dishonest < 0)) throw new UsageError('--dishonest takes a layer index')
    const pollMs = flags['poll-ms'] === undefined ? 500 : Number(flags['poll-ms'])
    if (!Number.isInteger(pollMs) || pollMs < 50) throw new UsageError('--poll-ms takes an integer ≥ 50')
    const rpc = await rpcFor(home, flags)
    const key = await workerKey(home)
    const ac = new AbortController()
    const stop = (): void => { ac.abort(new Error('stopped')) }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    const engine = await openEngine(backend, { onFallback: (why) => io.stderr(`worker: ${why}\n`), signal: ac.signal })
    io.stderr(`worker ${key.address}: backend ${engine.backend} (${engine.device}) on ${rpc.url}${dishonest === undefined ? '' : `; DISHONEST in layer ${dishonest} (test aid)`}\n`)
    try {
      await runWorker({
        rpc,
        key,
        engine,
        once: flags.once === true,
        dishonestLayer: dishonest,
        signal: ac.signal,
        pollMs,
        log: (line) => io.stderr(`worker: ${line}\n`),
        onJob: (r) => io.stdout(flags.json === true
          ? JSON.stringify(r) + '\n'
          : `job ${r.jobId}: predictions ${r.predictions.join(',')} (${r.backend}, ${r.computeMs} ms compute, ${r.totalMs} ms total) trace ${r.traceRoot}\n`)
      })
    } catch (err) {
      if (!ac.signal.aborted) throw err
    } finally {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      engine.close()
    }
    return 0
  }
}
