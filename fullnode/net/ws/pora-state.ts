/**
 * `/glowmesh/pora-state/1.0.0` on the WebSocket endpoint: the proven PoRA chain state a light node
 * without libp2p (the edge) reads — the same reads as fullnode/pora/state-service.ts serves over
 * libp2p, as PoraStateRequest/PoraStateResponse envelopes. The light node checks every proof
 * against a header it verified (client/storage/verified-query.ts); this side only reads.
 */
import { PORA_STATE_PROTOCOL } from '../../../protocol/wire/index.js'
import { readProvenState, type StateSource } from '../../pora/state-service.js'
import { defineHandler, type ProtocolHandler } from '../handler.js'

/**
 * The handler for attachEdgeWebSocket's `handlers`, reading `source` (fullnode/pora appStateSource).
 * @example attachEdgeWebSocket({ server, chainId, services, handlers: [...DEFAULT_HANDLERS, poraStateHandler(appStateSource(app))] })
 */
export function poraStateHandler (source: StateSource): ProtocolHandler<typeof PORA_STATE_PROTOCOL> {
  return defineHandler({
    protocol: PORA_STATE_PROTOCOL,
    // a contributor reads a few paths per maintenance pass (every few seconds)
    rate: { burst: 32, perSecond: 8 },
    async handle (req) {
      const r = await readProvenState(source, req.paths)
      if ('error' in r) return { error: r.error, height: 0n, entries: [] }
      return { error: '', height: BigInt(r.height), entries: r.entries }
    },
    refuse: (refusal, message) => ({ error: `${refusal}: ${message}`.slice(0, 512), height: 0n, entries: [] })
  })
}
