/**
 * The adversary's libp2p face: a real glowmesh libp2p node (fullnode/net's createNetNode, Helia,
 * every transport) whose injected services wrap an honest node's RPC and lie on the way out:
 * header sync from `/headers/{h}` + `/validators/{h}`, segments from `getSegment`, txs relayed
 * untouched, and `/glowmesh/sample/1.0.0` proxied over libp2p to the honest node itself (the RPC has
 * no sample route), so the DA-cell lies start from real cells and proofs. Light clients dial it like
 * any full node.
 */
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { createRpcClient, RpcError } from '../../fullnode/rpc/client.js'
import { createNetNode, defineHandler, lightBlockToWire, segmentHandler, syncHandler, txHandler, NotFoundError, type NetNode } from '../../fullnode/net/index.js'
import { request } from '../../fullnode/net/client.js'
import { sampleHandler } from '../../fullnode/net/handlers/index.js'
import { MAX_SYNC_COUNT, SAMPLE_PROTOCOL, SyncStatus } from '../../protocol/wire/index.js'
import { fromHex, toHex } from '../../protocol/bytes.js'
import { generateKey, signedHeaderFromJson, validatorsFromJson, type LightBlock } from '../../protocol/chain/index.js'
import { createAdversary, type Adversary, type AdversaryBehaviour, type AdversaryMode } from './adversary.js'

/** Options of startAdversaryNet. */
export interface AdversaryNetOptions extends Partial<Omit<AdversaryBehaviour, 'modes'>> {
  /** The honest node's RPC URL. */
  upstream: string
  /** One lie or several; default none. */
  mode?: AdversaryMode | AdversaryMode[]
  /** Share a behaviour with the HTTP face; default a new one from the options. */
  adversary?: Adversary
  /** The chain id it claims (gossip topics); default the upstream's. */
  chainId?: string
  /** Peers to dial (e.g. the devnet's full nodes); default none — clients dial us. */
  peers?: string[]
  /** The honest node's libp2p multiaddrs, where sample requests are proxied; default its `/status` TCP ones. */
  upstreamPeer?: string[]
  signal?: AbortSignal
}

/** A running lying libp2p node. */
export interface AdversaryNet {
  net: NetNode
  adversary: Adversary
  set: Adversary['set']
  /** Our multiaddrs (TCP, WebSockets, WebRTC-direct), each ending in /p2p/<id>. */
  multiaddrs: () => string[]
  stop: () => Promise<void>
}

// The honest sync handler refuses to send a block whose height isn't the one asked for; a liar sends it.
const lyingSyncHandler = defineHandler({
  ...syncHandler,
  async handle (req, { services, signal }) {
    if (req.latest) return { status: SyncStatus.OK, message: '', lightBlocks: [lightBlockToWire(await services.lightBlock('latest', { signal }))] }
    const lightBlocks = []
    for (let h = req.fromHeight; h < req.fromHeight + BigInt(Math.min(req.count, MAX_SYNC_COUNT)); h++) {
      try { lightBlocks.push(lightBlockToWire(await services.lightBlock(h, { signal }))) } catch (err) {
        if ((err as { code?: unknown }).code === 'NOT_FOUND' && lightBlocks.length > 0) break
        throw err
      }
    }
    return { status: SyncStatus.OK, message: '', lightBlocks }
  }
})

const notFound = (err: unknown): unknown => err instanceof RpcError && err.status === 404 ? new NotFoundError(err.message) : err

/**
 * Starts a lying libp2p node on 127.0.0.1 (free ports) in front of a real node's RPC.
 * @example
 * const adv = await startAdversaryNet({ upstream: devnet.nodes[0].rpcUrl, mode: 'corrupt-segment' })
 * await requestSegment(client, adv.net.multiaddrs(), { root, index: 0, size }) // InvalidResponseError
 * await adv.stop()
 */
export async function startAdversaryNet (options: AdversaryNetOptions): Promise<AdversaryNet> {
  const { upstream, mode, adversary, chainId, peers, signal, upstreamPeer, ...behaviour } = options
  const adv = adversary ?? createAdversary({ ...behaviour, modes: mode === undefined ? [] : Array.isArray(mode) ? mode : [mode] })
  const up = createRpcClient({ url: upstream, timeoutMs: 30_000 })
  const key = generateKey()
  const status = await up.status(signal)
  const upstreamAddrs: Multiaddr[] = (upstreamPeer ?? status.multiaddrs.filter((a: string) => a.includes('/tcp/') && !a.includes('/ws'))).map((a: string) => multiaddr(a))
  let node: NetNode | undefined

  // The upstream's own answer (any status), with the DA-cell lies applied on the way out.
  const lyingSampleHandler = defineHandler({
    ...sampleHandler,
    async handle (req, { signal: s }) {
      await adv.delay(s)
      if (node === undefined || upstreamAddrs.length === 0) return sampleHandler.refuse('INTERNAL', 'no upstream', req)!
      return adv.lieAboutSample(await request(node.libp2p, upstreamAddrs, SAMPLE_PROTOCOL, req, { signal: s, timeoutMs: 20_000 }))
    }
  })

  const honestLightBlock = async (height: number, s: AbortSignal): Promise<LightBlock> => {
    const [h, v] = await Promise.all([up.header(height, s), up.validators(height, s)]).catch((err) => { throw notFound(err) })
    return { signedHeader: signedHeaderFromJson({ header: h.header, commit: h.commit }), validators: validatorsFromJson(v.validators) }
  }

  const net = await createNetNode({
    key: { privateKey: key.privateKey, publicKey: key.publicKey },
    config: { chainId: chainId ?? status.chainId, p2p: { host: '127.0.0.1', tcp: 0, ws: 0, webrtcDirect: 0 } },
    peers,
    signal,
    handlers: [lyingSyncHandler, segmentHandler, txHandler, lyingSampleHandler],
    // lies and delays switch at run time: every request must reach them, never a cached answer
    lightBlockCache: false,
    services: {
      lightBlock: async (height, { signal: s }) => {
        await adv.delay(s)
        const h = height === 'latest' ? adv.head((await up.status(s)).height) - 1 : Number(height)
        return adv.lieAboutLightBlock(await honestLightBlock(h, s))
      },
      segment: async (root, index, { signal: s }) => {
        await adv.delay(s)
        const hex = toHex(root)
        const honest = await up.getSegment(hex, Number(index), s).catch((err) => { throw notFound(err) })
        try {
          return await adv.lieAboutSegment(Number(index), honest, async (j) => await up.getSegment(hex, j, s))
        } catch (err: any) {
          if (err?.name === 'WithheldError') throw new NotFoundError(err.message)
          throw err
        }
      },
      submitTx: async (tx, { signal: s }) => {
        await adv.delay(s)
        const r = await up.submitTx(tx, s)
        return { txHash: fromHex(r.txHash), code: r.code, log: r.log }
      }
    }
  })
  node = net
  return {
    net,
    adversary: adv,
    set: (change) => adv.set(change),
    multiaddrs: () => net.multiaddrs().map(String),
    stop: async () => { await net.stop() }
  }
}
