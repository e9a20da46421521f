import { access, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type Command, UsageError } from '../command.js'
import { parseFlags, takeHome } from '../home.js'
import { rpcFor, RPC_FLAGS } from '../rpc.js'
import { loadKey } from './keys.js'
import { generateKey, keyFromFile, keyToFile, type Ed25519Key } from '../../protocol/chain/index.js'
import { JOB_VERIFICATIONS } from '../../protocol/chain/compute.js'
import { fromHex } from '../../protocol/bytes.js'
import { parseNodeConfig } from '../../fullnode/config.js'
import { devnetNodeDir } from '../../fullnode/devnet.js'
import { createCometRpc, type CometRpc } from '../../fullnode/engine/rpc-client.js'
import { ensureFunded } from '../../client/storage/faucet.js'
import { defaultModelPath, heldOutDigit, HELD_OUT_SIZE, referenceDistribution } from '../compute/mnist.js'
import { ensureModelRegistered } from '../compute/publish.js'
import { computeApi, jobIdOf, MarketError, sendTx, waitForJob } from '../../client/compute/market.js'
import { fetchResultDocument } from '../../client/compute/result-doc.js'

/**
 * The requester's key: `--name KEY` from `<home>/keys/`, else `<home>/requester/key.json`
 * (created when missing; funded by the devnet faucet before use).
 * @example const key = await requesterKey(home, undefined)
 */
export async function requesterKey (home: string, name: string | undefined): Promise<Ed25519Key> {
  if (name !== undefined) return await loadKey(home, name)
  const path = join(home, 'requester', 'key.json')
  try { return keyFromFile(await readFile(path, 'utf8')) } catch (err: any) { if (err?.code !== 'ENOENT') throw err }
  await mkdir(join(home, 'requester'), { recursive: true, mode: 0o700 })
  await writeFile(path, JSON.stringify(keyToFile(generateKey()), null, 2) + '\n', { mode: 0o600, flag: 'wx' }).catch((err) => { if (err?.code !== 'EEXIST') throw err })
  return keyFromFile(await readFile(path, 'utf8'))
}

/**
 * The CometBFT RPC next to the node the CLI talks to (`--comet URL`, else the devnet node's
 * config.json); undefined with only `--rpc`.
 * @example const comet = await cometFor(home, flags)
 */
export async function cometFor (home: string, flags: Record<string, string | true>): Promise<CometRpc | undefined> {
  if (typeof flags.comet === 'string') return createCometRpc({ url: flags.comet })
  if (typeof flags.rpc === 'string') return undefined
  const n = flags.node === undefined ? 0 : Number(flags.node)
  for (const dir of flags.node === undefined ? [devnetNodeDir(home, n), home] : [devnetNodeDir(home, n)]) {
    const path = join(dir, 'config.json')
    try { await access(path) } catch { continue }
    const c = parseNodeConfig(await readFile(path, 'utf8'))
    const host = c.p2p.host === '0.0.0.0' ? '127.0.0.1' : c.p2p.host
    return createCometRpc({ url: `http://${host}:${c.cometbft.rpcPort}` })
  }
  return undefined
}

const int = (v: string | true | undefined, name: string, dflt: number, min: number, max: number): number => {
  const n = v === undefined ? dflt : Number(v)
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} takes an integer in [${min}, ${max}]`)
  return n
}

/**
 * `glowmesh infer`: post a job for held-out MNIST digits, wait for a worker, print the verified-signature result document.
 * @example await inferCommand.run(['--sample', '0', '--batch', '4', '--json'], io)
 */
export const inferCommand: Command = {
  path: ['infer'],
  summary: 'run held-out MNIST digit N (and the K−1 after it) through the compute market; prints the signed result document',
  usage: 'glowmesh infer --sample N [--batch K] [--fee F] [--deadline BLOCKS] [--verification freivalds|full] [--timeout S] [--model FILE] [--name KEY] [--json] [--node N | --rpc URL [--comet URL]] [--home DIR]',
  async run (argv, io) {
    const { home, rest } = takeHome(argv)
    const { flags, positional } = parseFlags(rest, [...RPC_FLAGS, 'comet', 'sample', 'batch', 'fee', 'deadline', 'verification', 'timeout', 'model', 'name'], ['json'])
    if (positional.length > 0) throw new UsageError(`unexpected ${positional.join(' ')}`)
    if (flags.sample === undefined) throw new UsageError('--sample N is required')
    const sample = int(flags.sample, 'sample', 0, 0, HELD_OUT_SIZE - 1)
    const batch = int(flags.batch, 'batch', 1, 1, 64)
    if (sample + batch > HELD_OUT_SIZE) throw new UsageError(`--sample ${sample} --batch ${batch} runs past the ${HELD_OUT_SIZE} held-out digits`)
    const deadline = int(flags.deadline, 'deadline', 300, 1, 10_000)
    const timeoutMs = int(flags.timeout, 'timeout', 120, 1, 86_400) * 1000
    const verification = (flags.verification ?? 'freivalds') as string
    if (!(JOB_VERIFICATIONS as readonly string[]).includes(verification)) throw new UsageError(`--verification takes ${JOB_VERIFICATIONS.join(' or ')}`)
    let fee: bigint
    try { fee = BigInt(flags.fee === undefined ? '100000' : flags.fee as string) } catch { throw new UsageError('--fee takes a positive integer') }
    if (fee <= 0n) throw new UsageError('--fee takes a positive integer')

    const digits = Array.from({ length: batch }, (_, k) => heldOutDigit(sample + k))
    const input = new Int8Array(batch * digits[0].pixels.length)
    digits.forEach((d, k) => input.set(d.pixels, k * d.pixels.length))
    const modelPath = typeof flags.model === 'string' ? flags.model : defaultModelPath()
    const modelBytes = new Uint8Array(await readFile(modelPath).catch((err) => { throw new UsageError(`cannot read the model ${modelPath}: ${String(err.code ?? err.message)}`) }))

    const rpc = await rpcFor(home, flags)
    const comet = await cometFor(home, flags)
    const key = await requesterKey(home, flags.name as string | undefined)
    const ac = new AbortController()
    const timer = setTimeout(() => ac.abort(new MarketError('JOB_TIMEOUT', `no verified result within ${timeoutMs / 1000} s`)), timeoutMs)
    const signal = ac.signal
    try {
      await ensureFunded({ rpcUrl: rpc.url, address: key.address, signal, log: (l) => io.stderr(`infer: ${l}\n`) })
      const chainId = (await rpc.status(signal)).chainId
      const model = await ensureModelRegistered({ rpc, key, modelBytes, referenceDistribution, signal })
      if (model.registered) io.stderr(`infer: registered model ${model.root} (${model.cid})\n`)
      const api = computeApi(rpc)
      const t0 = performance.now()
      const sent = await sendTx(rpc, key, chainId, 'compute.job.post', {
        modelRoot: fromHex(model.root, 32), input: new Uint8Array(input.buffer), batch, fee, deadlineBlocks: deadline, verification
      }, { signal })
      const jobId = jobIdOf(key.address, sent.nonce)
      io.stderr(`infer: posted job ${jobId} (requester ${key.address}, height ${sent.height}); waiting for a worker\n`)
      await waitForJob(api, jobId, j => j.result !== null, { signal, timeoutMs, what: 'result' })
      const tResult = performance.now()
      const job = await api.job(jobId, { input: true, signal })
      const modelView = await api.model(model.root, signal)
      if (job === undefined || modelView === undefined) throw new MarketError('BAD_RESPONSE', `job ${jobId} or model ${model.root} vanished`)
      const { doc, signatureFrom, backendKnown } = await fetchResultDocument({ rpc, comet, chainId, job, model: modelView, signal })
      const tDoc = performance.now()
      io.stderr(`infer: labels ${digits.map(d => d.label).join(',')}; predictions ${doc.output.predictions.join(',')}; worker ${doc.worker.address} (${doc.backend}); signature from ${signatureFrom}${backendKnown ? '' : '; backend unknown (no published document found), assumed cpu'}\n`)
      io.stderr(`[bench] post→result ${Math.round(tResult - t0)} ms, result→document ${Math.round(tDoc - tResult)} ms\n`)
      io.stdout(flags.json === true ? JSON.stringify(doc) + '\n' : JSON.stringify(doc, null, 2) + '\n')
      return 0
    } catch (err) {
      if (signal.aborted && signal.reason instanceof MarketError) throw signal.reason
      throw err
    } finally {
      clearTimeout(timer)
    }
  }
}
