/**
 * PoRA storage on the edge (issue 12): the core's storage contributor (client/storage) inside the
 * Durable Object, like client/browser/storage.ts does in a page — the Durable Object store keeps the
 * sealed segments (256 KiB values), chain state comes verified over the WebSocket envelope
 * (`/glowmesh/pora-state/1.0.0` → createVerifiedAccess), flow bytes over `/glowmesh/flow/1.0.0`
 * from two agreeing full nodes, and challenges arrive as requests on the same sockets and are
 * answered from storage. A new key is funded by the devnet faucet (`POST {rpc}/faucet`) first.
 * Sealing runs in the object: one devnet sector (1 MiB) is one step of a few hundred ms of CPU;
 * see edge/README.md for what 64 MiB production sectors need.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { addressFromPublicKey } from '../protocol/chain/tx.js'
import { toHex } from '../protocol/bytes.js'
import { decodeRecord } from '../protocol/chain/state-proof.js'
import { GlowmeshError } from '../protocol/errors.js'
import type { ChunkHasher } from '../protocol/storage/hasher.js'
import { createStorageContributor, createVerifiedAccess, type StorageContributor as CoreContributor, type VerifiedAccessNode } from '../client/storage/index.js'
import type { StorageContext, StorageContributor, StorageStatus } from '../client/types.js'
import type { WebSocketTransport } from '../client/ws/transport.js'
import { ensureFunded } from '../client/storage/faucet.js'

/** EDGE_PLEDGE_BYTES / `--pledge` is not a size. */
export class PledgeSizeError extends GlowmeshError {
  override name = 'PledgeSizeError'
  constructor (message: string) { super('INVALID_INPUT', message) }
}

/**
 * Parses a pledge size: bytes, or a number with k/KiB, M/MiB, G/GiB (powers of 1024); undefined for ''/undefined.
 * @example parsePledge('4MiB') // 4194304
 */
export function parsePledge (text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined
  const m = /^(\d{1,15})\s*(k|kb|kib|m|mb|mib|g|gb|gib)?$/i.exec(text.trim())
  if (m === null) throw new PledgeSizeError(`a pledge is a size such as 4MiB or 1048576, got '${text.slice(0, 40)}'`)
  const unit = (m[2] ?? '').toLowerCase()
  const n = Number(m[1]) * (unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 ** 2 : unit.startsWith('g') ? 1024 ** 3 : 1)
  if (!Number.isSafeInteger(n) || n <= 0) throw new PledgeSizeError(`a pledge must be a positive size, got '${text.slice(0, 40)}'`)
  return n
}

/** What `GET /v1/storage` answers. */
export interface EdgeStorageInfo {
  /** The node id (ed25519 public key, 0x-hex): `GET {rpc}/registry/<nodeId>`. */
  nodeId: string
  address: string
  pledgeBytes: number
  /** 'funding' (faucet), 'waiting' (first verified header), 'running', 'stopped', 'failed'. */
  state: 'funding' | 'waiting' | 'running' | 'stopped' | 'failed'
  /** From verified state (refreshed each maintenance pass). */
  registered: boolean
  sectors: number
  rewards: string
  /** Milliseconds each sector's sealing took, in order. */
  sealMs: number[]
  proven: number
  challengesAnswered: number
  challengesFailed: number
  cachedBytes: number
  lastError?: { code?: string, message: string, at: number }
}

/** Options of createEdgeStorage. */
export interface EdgeStorageOptions {
  /** The node's ed25519 seed (the WebSocket hello proves its public key: challenges reach this object). */
  secretKey: Uint8Array
  pledgeBytes: number
  transport: WebSocketTransport
  /** A full node's RPC base URL for the devnet faucet. */
  rpcUrl: string
  /** The light node (verified headers); a getter since it is created after this. */
  node: () => VerifiedAccessNode
  hasher?: ChunkHasher
  /** Maintenance period, ms (default 3000). */
  checkIntervalMs?: number
  log?: (line: string) => void
}

/** A client/types StorageContributor for createLightNode({ storage }), plus its info for the gateway. */
export interface EdgeStorage extends StorageContributor { info: () => EdgeStorageInfo }

/**
 * The edge's storage contribution; pass it as createLightNode({ storage }): on start it funds the key, then registers, seals, commits, proves and answers challenges.
 * @example const storage = createEdgeStorage({ secretKey, pledgeBytes: 1 << 20, transport, rpcUrl, node: () => node }); createLightNode({ transport, store, genesis, storage })
 */
export function createEdgeStorage (o: EdgeStorageOptions): EdgeStorage {
  if (!Number.isSafeInteger(o.pledgeBytes) || o.pledgeBytes <= 0) throw new PledgeSizeError(`pledgeBytes must be a positive integer, got ${String(o.pledgeBytes)}`)
  const log = o.log ?? (() => {})
  const nodeId = ed25519.getPublicKey(o.secretKey)
  const info: EdgeStorageInfo = {
    nodeId: toHex(nodeId), address: addressFromPublicKey(nodeId), pledgeBytes: o.pledgeBytes, state: 'funding',
    registered: false, sectors: 0, rewards: '0', sealMs: [], proven: 0, challengesAnswered: 0, challengesFailed: 0, cachedBytes: 0
  }
  const fail = (err: unknown): void => {
    const e = err as { code?: string, message?: string }
    info.lastError = { code: e?.code, message: String(e?.message ?? err).slice(0, 300), at: Date.now() }
  }
  let access: ReturnType<typeof createVerifiedAccess> | undefined
  const accessFor = (): ReturnType<typeof createVerifiedAccess> => {
    access ??= createVerifiedAccess({
      transport: o.transport,
      node: o.node(),
      fetchState: async (peer, path, w) => {
        const { height, entries } = await o.transport.provenState(peer, [path], w)
        return { height, value: entries[0].value, proof: entries[0].proof }
      }
    })
    return access
  }
  const inner: CoreContributor = createStorageContributor({
    secretKey: o.secretKey,
    pledgeBytes: o.pledgeBytes,
    hasher: o.hasher,
    checkIntervalMs: o.checkIntervalMs,
    query: async (path, w) => await accessFor().query(path, w),
    blockHash: async (height, w) => await accessFor().blockHash(height, w),
    log
  })
  inner.on((e) => {
    if (e.type === 'sealed') info.sealMs.push(e.ms)
    else if (e.type === 'proven') info.proven++
    else if (e.type === 'registered') info.registered = true
    else if (e.type === 'error') fail({ code: 'STORAGE_CONTRIBUTOR', message: e.message })
  })
  let started = false
  let poll: ReturnType<typeof setTimeout> | undefined
  const refresh = async (signal: AbortSignal): Promise<void> => {
    try {
      const v = await accessFor().query(`node/${info.nodeId}`, { signal })
      const rec = v === null ? null : decodeRecord('node', v)
      info.registered = rec !== null
      info.sectors = rec?.sectors?.length ?? 0
      info.rewards = (rec?.rewards ?? 0n).toString()
    } catch (err) { if (!signal.aborted) log(`storage: registry read: ${(err as Error).message}`) }
    if (!signal.aborted) poll = setTimeout(() => { void refresh(signal) }, o.checkIntervalMs ?? 3000)
  }

  return {
    async start (ctx: StorageContext) {
      try {
        info.state = 'funding'
        await ensureFunded({ rpcUrl: o.rpcUrl, address: info.address, signal: ctx.signal, log })
        info.state = 'waiting'
        // the first state reads can miss (header not verified yet, a socket redialling): retry until stopped
        for (let attempt = 1; ; attempt++) {
          try { await inner.start({ transport: ctx.transport, store: ctx.store, emitChallenge: ctx.emitChallenge, log }); break } catch (err) {
            if (ctx.signal.aborted) throw err
            fail(err)
            log(`storage: start attempt ${attempt}: ${(err as Error).message}`)
            await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 1000 * attempt)))
          }
        }
        started = true
        info.state = 'running'
        void refresh(ctx.signal)
      } catch (err) {
        info.state = ctx.signal.aborted ? 'stopped' : 'failed'
        fail(err)
        throw err
      }
    },
    async stop () {
      if (poll !== undefined) clearTimeout(poll)
      if (started) await inner.stop()
      info.state = 'stopped'
    },
    status (): StorageStatus { return inner.status() },
    info () {
      const s = inner.status()
      return { ...info, sealMs: info.sealMs.slice(), challengesAnswered: s.challengesAnswered, challengesFailed: s.challengesFailed, cachedBytes: s.cachedBytes }
    }
  }
}
