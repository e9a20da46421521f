/**
 * `glowmesh verify-inference FILE`: verifies an inference result document (client/compute
 * verifyInference) and exits 0 only when every check passed, 1 when any failed, 2 on usage errors.
 * The chain is read through a short-lived light node — the same core as `glowmesh light` and the
 * edge, over the full nodes' WebSocket endpoints (client/ws): the genesis is pinned (--genesis-hash,
 * else the devnet's genesis file), headers are verified from it, every state record is checked
 * against a verified app hash and every file segment against its 0G root. The RPC is asked only for
 * the genesis bytes and the endpoint list; nothing it says is trusted. The light node starts only
 * if the document parses.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type Command, UsageError } from '../command.js'
import { parseFlags, takeHome } from '../home.js'
import { rpcFor, RPC_FLAGS } from '../rpc.js'
import type { RpcClient } from '../../fullnode/rpc/client.js'
import { createLightNode, pinGenesis, type LightNode } from '../../client/index.js'
import { createWebSocketTransport, type WebSocketTransport } from '../../client/ws/transport.js'
import { createLightNodeVerification, verifyInference, type ChainReader, type FetchFileBytes, type InferenceReport, type LayerRunner } from '../../client/compute/index.js'
import type { LightStore } from '../../client/types.js'
import { genesisHash } from '../../fullnode/genesis.js'
import { EDGE_WS_PATH } from '../../fullnode/net/ws/endpoint.js'
import { createWasmHasher } from '../../wasm/keccak/index.js'

/** A LightStore in memory: the node lives for one command. */
function memoryStore (): LightStore {
  const m = new Map<string, Uint8Array>()
  return {
    get: async (k) => m.get(k),
    put: async (k, v) => { m.set(k, v) },
    delete: async (k) => { m.delete(k) },
    keys: async (prefix) => [...m.keys()].filter((k) => k.startsWith(prefix)).sort(),
    close: async () => { m.clear() }
  }
}

interface Session { chain: ChainReader, fetchFile: FetchFileBytes, close: () => Promise<void> }

/** The genesis hash to pin: --genesis-hash, else the devnet's genesis file in the home folder. */
async function pinnedHash (home: string, flags: Record<string, string | true>): Promise<string> {
  if (typeof flags['genesis-hash'] === 'string') {
    if (!/^0x[0-9a-fA-F]{64}$/.test(flags['genesis-hash'])) throw new UsageError('--genesis-hash takes 0x + 64 hex digits')
    return flags['genesis-hash'].toLowerCase()
  }
  try { return genesisHash(new Uint8Array(await readFile(join(home, 'devnet', 'genesis.json')))) } catch {
    throw new UsageError(`no genesis to pin: pass --genesis-hash 0x… or run in a devnet home (${join(home, 'devnet', 'genesis.json')} is missing)`)
  }
}

/** Starts the light node and its verified access (once; on first use). */
async function openSession (rpc: RpcClient, pinned: string, signal: AbortSignal, log: (m: string) => void): Promise<Session> {
  const bytes = await rpc.genesis(signal)
  const genesis = pinGenesis({ bytes, hash: pinned }) // refuses a served genesis that doesn't match
  const listed = (await rpc.bootstrap(signal).catch(() => ({ websockets: [] as string[] }))).websockets ?? []
  const urls = listed.length > 0 ? listed : [`${rpc.url.replace(/^http/, 'ws')}${EDGE_WS_PATH}`]
  log(`light node: genesis ${pinned}, full nodes ${urls.join(', ')}`)
  const transport: WebSocketTransport = createWebSocketTransport({ urls, chainId: genesis.chainId, log })
  let node: LightNode | undefined
  try {
    // a short-lived node: few columns, a short header backfill (state is proven two blocks behind the head)
    node = createLightNode({ transport, store: memoryStore(), genesis: { bytes, hash: pinned }, sampleCount: 1, backfillBlocks: 8, log })
    await node.start()
    await transport.waitForPeers(1, { signal })
    const n = node
    const { chain, fetchFile } = createLightNodeVerification({
      transport,
      node: n, // its verifyHeader verifies the header of a state answer's height at once
      chainId: genesis.chainId,
      fetchState: async (peer, path, w) => {
        const { height, entries } = await transport.provenState(peer, [path], w)
        return { height, value: entries[0].value, proof: entries[0].proof }
      }
    })
    return { chain, fetchFile, close: async () => { await n.stop(); await transport.close() } }
  } catch (err) {
    await node?.stop().catch(() => {})
    await transport.close().catch(() => {})
    throw err
  }
}

/** Dawn WebGPU for re-execution, or undefined (with a note) where no adapter can be had. */
async function openGpu (io: { stderr: (t: string) => void }): Promise<(LayerRunner & { destroy: () => void }) | undefined> {
  try {
    const { createNodeGpu } = await import('../../worker/node-gpu.js')
    const { createGpuCompute } = await import('../../worker/gpu/index.js')
    return await createGpuCompute({ gpu: await createNodeGpu() })
  } catch (err) {
    io.stderr(`--gpu: ${(err as Error).message}; re-executing on the CPU\n`)
    return undefined
  }
}

function intFlag (v: string | true | undefined, name: string, min: number, max: number, dflt: number): number {
  if (v === undefined) return dflt
  const n = Number(v)
  if (v === true || !Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} takes an integer in ${min}..${max}`)
  return n
}

/** The human-readable report. @example formatReport(report) */
export function formatReport (r: InferenceReport): string {
  const width = Math.max(...r.checks.map((c) => c.name.length), 8)
  const lines = r.checks.map((c) => `${c.ok ? '✓' : '✗'} ${c.name.padEnd(width)} ${c.ms.toFixed(1).padStart(7)} ms  ${c.detail}`)
  if (r.skipped.length > 0) lines.push(`- skipped: ${r.skipped.join(', ')}`)
  const bound = r.errorBound === 0 ? '0 (every layer re-executed)' : `2^${Math.log2(r.errorBound).toFixed(0)}`
  lines.push(r.ok
    ? `VERIFIED: confidence ${r.confidence} (error ≤ ${bound}), ${r.ms.toFixed(1)} ms, re-execution on ${r.backend}`
    : `NOT VERIFIED: ${r.checks.filter((c) => !c.ok).map((c) => c.name).join(', ')} failed (${r.ms.toFixed(1)} ms)`)
  return lines.join('\n') + '\n'
}

export const verifyInferenceCommand: Command = {
  path: ['verify-inference'],
  summary: 'verify an AI output (inference result document) against the chain, the weights and the trace; exit 0 only when every check passes',
  usage: 'glowmesh verify-inference FILE|- [--json] [--reexecute K] [--target-bits B] [--gpu] [--timeout SECONDS] [--rpc URL | --node N] [--genesis-hash 0x…] [--verbose] [--home DIR]',
  async run (argv, io) {
    const { home, rest } = takeHome(argv)
    const { flags, positional } = parseFlags(rest, [...RPC_FLAGS, 'reexecute', 'target-bits', 'timeout', 'genesis-hash'], ['json', 'gpu', 'verbose'])
    if (positional.length !== 1) throw new UsageError('expected exactly one FILE (or - for standard input)')
    const reexecute = intFlag(flags.reexecute, 'reexecute', 0, 16, 0)
    const targetBits = intFlag(flags['target-bits'], 'target-bits', 1, 256, 40)
    const timeoutS = intFlag(flags.timeout, 'timeout', 1, 3600, 120)
    const file = positional[0]
    let doc: Uint8Array
    try { doc = file === '-' ? new Uint8Array(await new Response(process.stdin as unknown as ReadableStream).arrayBuffer()) : new Uint8Array(await readFile(file)) } catch (err) {
      throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
    }
    const pinned = await pinnedHash(home, flags) // usage errors before anything starts
    const rpc = await rpcFor(home, flags)
    const log = (m: string): void => { if (flags.verbose === true) io.stderr(m + '\n') }
    const controller = new AbortController()
    const onSignal = (): void => { controller.abort() }
    process.once('SIGINT', onSignal)
    const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(timeoutS * 1000)])
    let session: Promise<Session> | undefined
    const open = async (): Promise<Session> => await (session ??= openSession(rpc, pinned, signal, log))
    let chainId: string | undefined
    const gpu = flags.gpu === true && reexecute > 0 ? await openGpu(io) : undefined
    let report: InferenceReport
    try {
      report = await verifyInference(doc, {
        chain: {
          get chainId () { return chainId },
          model: async (root, o) => await (await open()).chain.model(root, o),
          job: async (id, o) => { const s = await open(); chainId = s.chain.chainId; return await s.chain.job(id, o) }
        },
        fetchFile: async (root, o) => await (await open()).fetchFile(root, o),
        targetBits,
        reexecute,
        gpu,
        hasher: createWasmHasher(),
        signal
      })
    } finally {
      process.off('SIGINT', onSignal)
      gpu?.destroy()
      if (session !== undefined) await (await session.catch(() => undefined))?.close()
    }
    io.stdout(flags.json === true ? JSON.stringify(report) + '\n' : formatReport(report))
    return report.ok ? 0 : 1
  }
}
