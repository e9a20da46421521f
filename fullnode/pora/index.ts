/**
 * fullnode/pora — the full node's side of PoRA: the challenger (challenger.ts) and its wiring to a
 * running node (`startNodeChallenger`: libp2p challenge streams, CometBFT tx submission, the app's
 * committed state).
 */
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import type { Libp2p } from '@libp2p/interface'
import { CHALLENGE_PROTOCOL, type RequestOf, type ResponseOf } from '../../protocol/wire/index.js'
import { request } from '../net/client.js'
import type { GlowmeshApp } from '../app/app.js'
import { startChallenger, type Challenger, type ChallengerOptions } from './challenger.js'
import { serveProvenState, type StateSource } from './state-service.js'

export { PORA_STATE_PROTOCOL, MAX_STATE_PATHS, PoraStateError, parseStateRequest, readProvenState, serveProvenState, requestProvenState, type ProvenEntry, type ProvenState, type StateSource } from './state-service.js'
export { startChallenger, provenSectors, challengerIndex, type Challenger, type ChallengerComponents, type ChallengerOptions, type ChallengeOutcome } from './challenger.js'

/** The libp2p peer id of a node id (its ed25519 public key). @example peerIdOfNode(nodeId).toString() // '12D3KooW…' */
export function peerIdOfNode (nodeId: Uint8Array): ReturnType<typeof peerIdFromPublicKey> {
  return peerIdFromPublicKey(publicKeyFromRaw(nodeId))
}

/** Another way to reach a light node than libp2p: fullnode/net/ws's endpoint for WebSocket-connected light nodes. */
export interface ChallengePath {
  hasNode: (nodeId: Uint8Array) => boolean
  request: (nodeId: Uint8Array, protocol: typeof CHALLENGE_PROTOCOL, challenge: RequestOf<typeof CHALLENGE_PROTOCOL>, options: { signal?: AbortSignal, timeoutMs: number }) => Promise<ResponseOf<typeof CHALLENGE_PROTOCOL>>
}

/**
 * The app's committed state with proofs, two blocks behind the head (so the header whose app hash
 * proves it, height + 1, is one light nodes have usually verified already); served over libp2p and
 * over the WebSocket endpoint (fullnode/net/ws/pora-state.ts).
 * @example serveProvenState(libp2p, appStateSource(app))
 */
export function appStateSource (app: GlowmeshApp): StateSource {
  return {
    height: () => app.params === null ? 0 : Math.max(1, app.state.height - 2),
    query: async (path, height) => {
      const r = await app.query({ path: `/${path}`, data: new Uint8Array(), height: BigInt(height), prove: true })
      const proof = r.proofOps?.ops[0]?.data
      if (r.code !== 0 || proof === undefined) throw new Error(`query ${path} at ${height}: code ${r.code} ${r.log}`)
      return { value: r.value, proof }
    }
  }
}

/**
 * Runs the challenger inside a full node once its chain is initialised; challenges go over
 * `/glowmesh/challenge/1.0.0` to the node's peer id. Resolves the running challenger lazily.
 * @example const pora = startNodeChallenger({ app, libp2p: net.libp2p, secretKey, submitTx, log }, { deadlineMs: 500 })
 */
export function startNodeChallenger (c: { app: GlowmeshApp, libp2p: Libp2p, secretKey: Uint8Array, submitTx: (tx: Uint8Array, o: { signal: AbortSignal }) => Promise<{ code: number, log: string }>, log?: (l: string) => void, edge?: ChallengePath }, options: ChallengerOptions = {}): { current: () => Challenger | undefined, stop: () => Promise<void> } {
  let challenger: Challenger | undefined
  let stopped = false
  // Light nodes read their PoRA state here with proofs, two blocks behind the head so the header
  // whose app hash proves it (height + 1) is one they have usually verified already.
  serveProvenState(c.libp2p, appStateSource(c.app), c.log).catch((err: Error) => { c.log?.(`pora-state: cannot serve: ${err.message}`) })
  const wait = setInterval(() => {
    const p = c.app.params
    if (p === null || challenger !== undefined || stopped) return
    clearInterval(wait)
    challenger = startChallenger({
      secretKey: c.secretKey,
      chainId: p.chainId,
      minFee: p.minFee,
      seal: p.seal,
      state: () => ({ height: c.app.state.height, reader: c.app.state.committedReader() }),
      // a light node connected by WebSocket (the edge, DESIGN §7) gets its challenge there; others over libp2p
      send: async (nodeId, challenge, o) => c.edge?.hasNode(nodeId) === true
        ? await c.edge.request(nodeId, CHALLENGE_PROTOCOL, challenge, o)
        : await request(c.libp2p, peerIdOfNode(nodeId), CHALLENGE_PROTOCOL, challenge, o),
      submitTx: c.submitTx,
      log: c.log
    }, options)
  }, 250)
  return {
    current: () => challenger,
    async stop () { stopped = true; clearInterval(wait); await challenger?.stop() }
  }
}
