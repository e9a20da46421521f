/**
 * The WebSocket hello (DESIGN §7): a light node that wants PoRA challenges on its WebSocket proves
 * its node id (ed25519 public key) in the URL's query: `?node=<hex>&ts=<ms>&sig=<hex>`, the
 * signature over `glowmesh/ws-hello/1\n<chainId>\n<node hex>\n<ts>`. Full nodes accept a `ts`
 * within a few minutes of their clock. Without a hello the socket still serves requests and header
 * pushes, but no challenges are routed to it. Pure: runs in Node, browsers and workerd.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { fromHex, toHex } from '../../protocol/bytes.js'

/** How far a hello's timestamp may be from the full node's clock, ms. */
export const HELLO_MAX_SKEW_MS = 5 * 60_000

/** The bytes a hello signs. @example helloSignBytes('glowmesh-devnet', nodeHex, Date.now()) */
export function helloSignBytes (chainId: string, nodeHex: string, ts: number): Uint8Array {
  return new TextEncoder().encode(`glowmesh/ws-hello/1\n${chainId}\n${nodeHex.toLowerCase().replace(/^0x/, '')}\n${ts}`)
}

/**
 * `url` with a signed hello for `secretKey` (32-byte ed25519 seed) in its query.
 * @example const signed = signHelloUrl('ws://127.0.0.1:26657/glowmesh/ws', 'glowmesh-devnet', seed)
 */
export function signHelloUrl (url: string, chainId: string, secretKey: Uint8Array, now: number = Date.now()): string {
  const nodeHex = toHex(ed25519.getPublicKey(secretKey)).replace(/^0x/, '')
  const u = new URL(url)
  u.searchParams.set('node', nodeHex)
  u.searchParams.set('ts', String(now))
  u.searchParams.set('sig', toHex(ed25519.sign(helloSignBytes(chainId, nodeHex, now), secretKey)).replace(/^0x/, ''))
  return u.toString()
}

/**
 * Checks a hello from a URL's query: the node id (32 bytes) when valid, undefined when absent,
 * and an Error (not thrown) saying why when present but invalid.
 * @example const r = verifyHello(new URL(req.url, 'http://x').searchParams, chainId); if (r instanceof Error) reject(r.message)
 */
export function verifyHello (query: URLSearchParams, chainId: string, now: number = Date.now()): Uint8Array | undefined | Error {
  const node = query.get('node'); const ts = query.get('ts'); const sig = query.get('sig')
  if (node === null && ts === null && sig === null) return undefined
  if (node === null || !/^[0-9a-f]{64}$/i.test(node)) return new Error('hello: node must be 32 bytes of hex')
  if (ts === null || !/^[0-9]{1,16}$/.test(ts)) return new Error('hello: ts must be milliseconds since the epoch')
  if (sig === null || !/^[0-9a-f]{128}$/i.test(sig)) return new Error('hello: sig must be 64 bytes of hex')
  if (Math.abs(Number(ts) - now) > HELLO_MAX_SKEW_MS) return new Error('hello: ts is too far from the server clock')
  const nodeId = fromHex(node)
  let ok = false
  try { ok = ed25519.verify(fromHex(sig), helloSignBytes(chainId, node, Number(ts)), nodeId) } catch {}
  return ok ? nodeId : new Error('hello: bad signature')
}
