/**
 * `glowmesh init --state-sync RPC1,RPC2 [--trust-height H --trust-hash HEX] [--trust-period 7d]
 * [--discovery-time 15s]`: the `stateSync` block of a joining node's config.json (fullnode/config.ts
 * `NodeStateSync`), which `glowmesh node` writes into CometBFT's `[statesync]`. Without a trust
 * height and hash, RPC1 is asked for its latest commit: that is the operator's trust (the caller
 * prints it), so RPC1 must be a node the operator trusts. CometBFT's light client then checks the
 * snapshot's app hash against headers verified from that trusted one.
 */
import { createCometRpc } from '../fullnode/engine/rpc-client.js'
import type { NodeStateSync } from '../fullnode/config.js'
import { parseTrustingPeriod } from './commands/light.js'
import { parseDuration } from './commands/devnet.js'
import { UsageError } from './command.js'

/** The flags `--state-sync`, `--trust-height`, `--trust-hash`, `--trust-period`, `--discovery-time` as given. */
export interface StateSyncFlags {
  stateSync: string
  trustHeight?: string
  trustHash?: string
  trustPeriod?: string
  discoveryTime?: string
}

/** Where the trust came from: the operator's flags, or RPC1's latest commit (print it: it is what the node trusts). */
export interface StateSyncSetup { stateSync: NodeStateSync, trustFrom: 'flags' | string }

/** `host:port` or `http(s)://host:port` → a URL CometBFT's light client and our RPC client both take. */
function serverUrl (s: string): string {
  const t = s.trim()
  const url = /^https?:\/\//.test(t) ? t : `http://${t}`
  if (!/^https?:\/\/[^/\s,]+(:\d+)?\/?$/.test(url)) throw new UsageError(`--state-sync takes CometBFT RPC addresses (host:port or http://host:port), got '${s}'`)
  return url.replace(/\/$/, '')
}

/**
 * Builds a joining node's state-sync settings; asks RPC1 for the trust when the flags don't give it.
 * @example const { stateSync, trustFrom } = await stateSyncSetup({ stateSync: 'http://10.0.0.1:26651,http://10.0.0.2:26661' })
 */
export async function stateSyncSetup (f: StateSyncFlags, options: { signal?: AbortSignal } = {}): Promise<StateSyncSetup> {
  const rpcServers = f.stateSync.split(',').filter((s) => s.trim() !== '').map(serverUrl)
  if (rpcServers.length < 2) throw new UsageError('--state-sync needs at least two CometBFT RPC servers (RPC1,RPC2): CometBFT cross-checks light blocks between them')
  const trustPeriodMs = f.trustPeriod === undefined ? undefined : parseTrustingPeriod(f.trustPeriod)
  const discoveryTimeMs = f.discoveryTime === undefined ? undefined : parseDuration(f.discoveryTime)
  if (discoveryTimeMs !== undefined && discoveryTimeMs < 5000) throw new UsageError('--discovery-time must be at least 5s (CometBFT refuses less)')
  const extra = { ...(trustPeriodMs === undefined ? {} : { trustPeriodMs }), ...(discoveryTimeMs === undefined ? {} : { discoveryTimeMs }) }
  let trustHeight: number | undefined
  if (f.trustHeight !== undefined) {
    trustHeight = Number(f.trustHeight)
    if (!Number.isSafeInteger(trustHeight) || trustHeight < 1) throw new UsageError(`--trust-height takes a height ≥ 1, got '${f.trustHeight}'`)
  }
  if (f.trustHash !== undefined) {
    const hash = f.trustHash.replace(/^0x/i, '')
    if (!/^[0-9a-fA-F]{64}$/.test(hash)) throw new UsageError('--trust-hash takes a block hash: 64 hex digits (0x optional)')
    if (trustHeight === undefined) throw new UsageError('--trust-hash needs --trust-height')
    return { stateSync: { rpcServers, trustHeight, trustHash: hash.toLowerCase(), ...extra }, trustFrom: 'flags' }
  }
  // No hash given: RPC1's commit at the height (latest when none) is the trust.
  const rpc = createCometRpc({ url: rpcServers[0] })
  const { signedHeader } = await rpc.commit(trustHeight, { signal: options.signal, timeoutMs: 10_000 })
  const hash = signedHeader.commit.blockId.hash
  return {
    stateSync: { rpcServers, trustHeight: Number(signedHeader.header.height), trustHash: Buffer.from(hash).toString('hex'), ...extra },
    trustFrom: rpcServers[0]
  }
}
