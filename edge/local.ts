/**
 * Runs the edge worker locally in real workerd through `miniflare` (DESIGN §9, §10): bundles
 * edge/worker.ts into one ES module with vite, then starts it with the Durable Object on SQLite
 * storage and the full nodes / genesis hash as bindings. `glowmesh edge` and test/edge use it.
 * Node-only (it spawns workerd); the worker itself is edge/worker.ts.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { GlowmeshError } from '../protocol/errors.js'

/** The worker could not be bundled or started. @example err.code // 'EDGE_START' */
export class EdgeStartError extends GlowmeshError {
  override name = 'EdgeStartError'
  constructor (message: string, options?: { cause?: unknown }) { super('EDGE_START', message, options) }
}

/** The repository root (this file is edge/local.ts, or dist/edge/local.js when built). */
function repoRoot (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir)
    if (up === dir) throw new EdgeStartError('cannot find the repository root (package.json)')
    dir = up
  }
  return dir
}

/** Where the bundled worker and its WASM import live, relative to the repository root (the import path is kept). */
const SCRIPT_PATH = 'edge/worker.js'
const WASM_PATH = 'wasm/build/keccak.wasm'

/**
 * Bundles edge/worker.ts (and the client core it imports) into one ES module for workerd; its
 * `../wasm/build/keccak.wasm` import stays external (a CompiledWasm module beside it).
 * @example const code = await bundleWorker() // the module's source text
 */
export async function bundleWorker (): Promise<string> {
  const root = repoRoot()
  const entry = resolve(root, 'edge', 'worker.ts')
  if (!existsSync(entry)) throw new EdgeStartError(`missing ${entry}`)
  const outDir = await mkdtemp(join(tmpdir(), 'glowmesh-edge-'))
  try {
    let build: typeof import('vite').build
    try { ({ build } = await import('vite')) } catch (err) {
      throw new EdgeStartError('bundling the worker needs vite (installed with the dev dependencies: npm ci)', { cause: err })
    }
    await build({
      configFile: false,
      root,
      logLevel: 'warn',
      resolve: { conditions: ['workerd', 'worker', 'browser', 'import'] },
      build: {
        lib: { entry, formats: ['es'], fileName: () => 'worker.js' },
        outDir,
        emptyOutDir: true,
        target: 'es2022',
        minify: false,
        reportCompressedSize: false,
        rollupOptions: { external: (id: string) => id.endsWith('.wasm'), output: { codeSplitting: false } as Record<string, unknown> }
      }
    })
    return await readFile(join(outDir, 'worker.js'), 'utf8')
  } finally {
    await rm(outDir, { recursive: true, force: true })
  }
}

/** Options of startLocalEdge. */
export interface LocalEdgeOptions {
  /** Full nodes' WebSocket URLs (`ws://127.0.0.1:PORT/glowmesh/ws`). */
  fullNodes: string[]
  /** The trusted genesis hash (0x-hex sha256). */
  genesisHash: string
  /** Port to listen on (default 0: any free one). */
  port?: number
  host?: string
  /** An already bundled worker (default: bundle edge/worker.ts now). */
  script?: string
  /** Where the Durable Object's SQLite files live (default in memory). */
  persistDir?: string
  sampleCount?: number
  /** Contribute PoRA storage with this pledge, bytes (EDGE_PLEDGE_BYTES). */
  pledgeBytes?: number
  debug?: boolean
  /** Receives workerd's console output. */
  log?: (line: string) => void
}

/** A running local edge. */
export interface LocalEdge {
  /** `http://127.0.0.1:PORT` */
  url: string
  close: () => Promise<void>
}

/**
 * Starts the edge worker in workerd (miniflare) against the given full nodes.
 * @example const edge = await startLocalEdge({ fullNodes, genesisHash }); await fetch(`${edge.url}/v1/status`)
 */
export async function startLocalEdge (options: LocalEdgeOptions): Promise<LocalEdge> {
  if (options.fullNodes.length === 0) throw new EdgeStartError('no full-node WebSocket URLs given')
  const script = options.script ?? await bundleWorker()
  let Miniflare: typeof import('miniflare').Miniflare
  try { ({ Miniflare } = await import('miniflare')) } catch (err) { throw new EdgeStartError('miniflare is not installed (npm ci)', { cause: err }) }
  const root = repoRoot()
  const wasm = await readFile(join(root, WASM_PATH)).catch((err) => { throw new EdgeStartError(`missing ${WASM_PATH} (built by npm ci / scripts/prepare.mjs)`, { cause: err }) })
  const mf = new Miniflare({
    modulesRoot: root,
    modules: [
      { type: 'ESModule', path: join(root, SCRIPT_PATH), contents: script },
      { type: 'CompiledWasm', path: join(root, WASM_PATH), contents: new Uint8Array(wasm) }
    ],
    compatibilityDate: '2025-09-01',
    cf: false,
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    bindings: {
      FULL_NODES: options.fullNodes.join(','),
      GENESIS_HASH: options.genesisHash,
      SAMPLE_COUNT: String(options.sampleCount ?? 16),
      ...(options.pledgeBytes === undefined ? {} : { EDGE_PLEDGE_BYTES: String(options.pledgeBytes) }),
      DEBUG: options.debug === true ? '1' : '0'
    },
    durableObjects: { LIGHT_NODE: { className: 'EdgeLightNode', useSQLite: true } },
    ...(options.persistDir === undefined ? {} : { durableObjectsPersist: options.persistDir }),
    ...(options.log === undefined ? {} : { handleRuntimeStdio: (stdout: NodeJS.ReadableStream, stderr: NodeJS.ReadableStream) => { stdout.on('data', (d) => options.log!(String(d))); stderr.on('data', (d) => options.log!(String(d))) } })
  } as ConstructorParameters<typeof Miniflare>[0])
  let url: URL
  try { url = await mf.ready } catch (err) { await mf.dispose().catch(() => {}); throw new EdgeStartError(`workerd did not start: ${(err as Error).message}`, { cause: err }) }
  return { url: url.origin, close: async () => { await mf.dispose() } }
}
