/**
 * The adversary's HTTP face: a proxy of a real node's glowmesh RPC that lies on the light-client
 * routes (`/status`, `/headers/{h}`, `/validators/{h}`, segment GETs), adds its `bootstrap` option's
 * multiaddrs to `/bootstrap` (so a browser dials the lying libp2p face too), and passes everything else
 * through byte for byte (txs, files, faucet, SSE). Its behaviour changes at run time through
 * `set()` or `POST /_adversary` (JSON, a partial AdversaryBehaviour), and `GET /_adversary` shows
 * the behaviour and the lies told so far.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { bytesToHex } from '@noble/hashes/utils.js'
import { createRpcClient, RpcError } from '../../fullnode/rpc/client.js'
import { HttpError, readJson, sendError, sendJson, setCors } from '../../fullnode/rpc/http.js'
import { encodeMessage, MESSAGES, SegmentStatus } from '../../protocol/wire/index.js'
import { signedHeaderFromJson, validatorsFromJson, type LightBlock } from '../../protocol/chain/index.js'
import { AdversaryConfigError, createAdversary, type Adversary, type AdversaryBehaviour, type AdversaryMode } from './adversary.js'
import { signedHeaderToJson, validatorsToJson } from './json.js'

/** Options of startAdversaryRpc. */
export interface AdversaryRpcOptions extends Partial<Omit<AdversaryBehaviour, 'modes'>> {
  /** The honest node's RPC URL, e.g. `devnet.nodes[0].rpcUrl`. */
  upstream: string
  /** One lie or several; default none (an honest proxy until `set`). */
  mode?: AdversaryMode | AdversaryMode[]
  /** Share a behaviour with another face (e.g. the libp2p one); default a new one from the options. */
  adversary?: Adversary
  /** Listen port on 127.0.0.1; default 0 (any free port). */
  port?: number
  /**
   * Multiaddrs put first in `GET /bootstrap` (e.g. the lying libp2p face's `/ws` ones), so a browser that
   * bootstraps from this proxy dials the liar next to the honest nodes; a function is read on every request.
   */
  bootstrap?: string[] | (() => string[])
}

/** A running lying RPC proxy. */
export interface AdversaryRpc {
  url: string
  port: number
  adversary: Adversary
  /** Shorthand for `adversary.set`. */
  set: Adversary['set']
  close: () => Promise<void>
}

type Upstream = ReturnType<typeof createRpcClient>

const lower0x = (b: Uint8Array): string => '0x' + bytesToHex(b)

async function lightBlockAt (up: Upstream, height: number): Promise<{ raw: any, lb: LightBlock }> {
  const [raw, vals] = await Promise.all([up.header(height), up.validators(height)])
  return { raw, lb: { signedHeader: signedHeaderFromJson({ header: raw.header, commit: raw.commit }), validators: validatorsFromJson(vals.validators) } }
}

// `latest` as the backend means it (the newest header with a commit: head − 1), through `stale`.
async function resolveHeight (up: Upstream, adv: Adversary, text: string): Promise<number> {
  if (text !== 'latest') {
    if (!/^[1-9][0-9]{0,15}$/.test(text)) throw new HttpError(400, 'BAD_HEIGHT', `height must be a positive integer or 'latest', got '${text.slice(0, 30)}'`)
    return Number(text)
  }
  return adv.head((await up.status()).height) - 1
}

const headerLies: AdversaryMode[] = ['forge-header', 'forge-commit', 'insufficient-commit']

/**
 * Starts a lying proxy in front of a real node's RPC (127.0.0.1, a free port).
 * @example
 * const adv = await startAdversaryRpc({ upstream: devnet.nodes[0].rpcUrl, mode: 'corrupt-segment', segments: [1] })
 * await runCli('get', root, '--out', file, '--rpc', adv.url)   // fails: segment 1 does not verify
 * adv.set({ modes: ['forge-header'], forgeField: 'time' })
 * await adv.close()
 * // a browser page bootstrapping from the proxy also dials the lying libp2p face over WebSockets:
 * const http = await startAdversaryRpc({ upstream, adversary: net.adversary, bootstrap: () => net.multiaddrs().filter((a) => a.includes('/ws/')) })
 */
export async function startAdversaryRpc (options: AdversaryRpcOptions): Promise<AdversaryRpc> {
  const { upstream, mode, adversary, port, bootstrap, ...behaviour } = options
  if (bootstrap !== undefined && typeof bootstrap !== 'function' && !(Array.isArray(bootstrap) && bootstrap.every((a) => typeof a === 'string'))) throw new AdversaryConfigError('bootstrap must be an array of multiaddr strings or a function returning one')
  const adv = adversary ?? createAdversary({ ...behaviour, modes: mode === undefined ? [] : Array.isArray(mode) ? mode : [mode] })
  const up = createRpcClient({ url: upstream, timeoutMs: 30_000 })
  const upstreamUrl = new URL(up.url)

  // Anything not lied about: forwarded as it is, streaming both ways (SSE included).
  const proxy = (req: IncomingMessage, res: ServerResponse): void => {
    const out = httpRequest({ host: upstreamUrl.hostname, port: upstreamUrl.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstreamUrl.host } }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers)
      upRes.pipe(res)
    })
    out.on('error', (err) => { sendError(res, new HttpError(502, 'UPSTREAM', err.message)) })
    res.on('close', () => { out.destroy() })
    req.pipe(out)
  }

  const routes: Array<[RegExp, string, (m: RegExpMatchArray, req: IncomingMessage, res: ServerResponse) => Promise<unknown>]> = [
    [/^\/_adversary$/, 'GET', async () => ({ behaviour: adv.behaviour, lies: adv.lies })],
    [/^\/_adversary$/, 'POST', async (_m, req) => ({ behaviour: adv.set(await readJson(req)), lies: adv.lies })],
    [/^\/bootstrap$/, 'GET', async () => {
      const extra = typeof bootstrap === 'function' ? bootstrap() : bootstrap ?? []
      const { multiaddrs } = await up.bootstrap()
      return { multiaddrs: [...extra, ...multiaddrs.filter((a) => !extra.includes(a))] }
    }],
    [/^\/status$/, 'GET', async () => {
      const st = await up.status()
      const head = adv.head(st.height)
      if (head === st.height) return st
      const old = await up.header(head)
      return { ...st, height: head, lastBlockTime: new Date(String(old.header.time).replace(/(\.\d{3})\d+/, '$1')).toISOString(), catchingUp: false }
    }],
    [/^\/headers\/([^/]+)$/, 'GET', async (m) => {
      const height = await resolveHeight(up, adv, m[1])
      if (!headerLies.some((l) => adv.has(l))) return await up.header(height)
      const { raw, lb } = await lightBlockAt(up, height)
      const lie = adv.lieAboutLightBlock(lb)
      return { ...raw, height: Number(lie.signedHeader.header.height), hash: lower0x(lie.signedHeader.commit.blockId.hash), ...signedHeaderToJson(lie.signedHeader) }
    }],
    [/^\/validators\/([^/]+)$/, 'GET', async (m) => {
      const height = await resolveHeight(up, adv, m[1])
      if (!adv.has('forge-commit')) return await up.validators(height)
      const { lb } = await lightBlockAt(up, height)
      return { height, validators: validatorsToJson(adv.lieAboutLightBlock(lb).validators) }
    }],
    [/^\/files\/([^/]+)\/segments\/([0-9]+)$/, 'GET', async (m, _req, res) => {
      const [, root, indexText] = m
      const index = Number(indexText)
      const honest = await up.getSegment(root, index)
      let seg
      try {
        seg = await adv.lieAboutSegment(index, honest, async (j) => await up.getSegment(root, j))
      } catch (err: any) {
        if (err?.name === 'WithheldError') throw new HttpError(404, 'SEGMENT_MISSING', `segment ${index} of ${root} is not held here`)
        throw err
      }
      const body = encodeMessage(MESSAGES.segmentResponse, {
        status: SegmentStatus.OK,
        message: '',
        data: seg.bytes,
        proof: { siblings: seg.proof.siblings, leafIndex: BigInt(seg.proof.index), leafCount: BigInt(seg.proof.leafCount) }
      })
      res.writeHead(200, { 'content-type': 'application/vnd.glowmesh.segment', 'content-length': body.length, 'x-glowmesh-root': root }).end(body)
      return undefined
    }]
  ]

  const server = createServer((req, res) => {
    void (async () => {
      setCors(res)
      try {
        await adv.delay()
        const path = new URL(req.url ?? '/', 'http://x').pathname
        for (const [re, method, handler] of routes) {
          const m = path.match(re)
          if (m === null || (req.method !== method && !(method === 'GET' && req.method === 'HEAD'))) continue
          const out = await handler(m, req, res)
          if (!res.headersSent) sendJson(res, 200, out)
          return
        }
        proxy(req, res)
      } catch (err) {
        // Upstream RPC errors keep their status and code, as the real node would answer them.
        if (err instanceof RpcError && err.status > 0) { sendJson(res, err.status, { error: { code: err.code, message: err.message } }); return }
        sendError(res, err)
      }
    })()
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port ?? 0, '127.0.0.1', () => { server.off('error', reject); resolve() })
  })
  const bound = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    adversary: adv,
    set: (change) => adv.set(change),
    close: async () => await new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) })
  }
}
