// The full node's RPC client (fullnode/rpc/client.ts) against a real HTTP server on loopback that
// drops the connection of the first request, as a server closing an idle keep-alive socket does.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createRpcClient, RpcError } from '../../../fullnode/rpc/client.js'

let server: Server | undefined
afterEach(async () => { await new Promise<void>((resolve) => { server?.close(() => resolve()) ?? resolve() }); server = undefined })

/** A server that destroys the socket of the first `drops` requests and answers the rest with `{"ok":true}`. */
async function dropping (drops: number): Promise<{ url: string, seen: string[] }> {
  const seen: string[] = []
  server = createServer((req, res) => {
    seen.push(req.method!)
    if (seen.length <= drops) { req.socket.destroy(); return }
    req.resume()
    req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}') })
  })
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, seen }
}

describe('RPC client on a dropped socket', () => {
  it('sends a GET once more and returns its answer', async () => {
    const { url, seen } = await dropping(1)
    expect(await createRpcClient({ url }).status()).toEqual({ ok: true })
    expect(seen).toEqual(['GET', 'GET'])
  })

  it('sends a segment PUT once more (storing a segment twice is a no-op)', async () => {
    const { url, seen } = await dropping(1)
    const rpc = createRpcClient({ url })
    expect(await rpc.putSegment('0x' + 'ab'.repeat(32), 0, new Uint8Array(16), { index: 0, leafCount: 1, siblings: [] })).toEqual({ ok: true })
    expect(seen).toEqual(['PUT', 'PUT'])
  })

  it('never resends a POST: a tx may have reached the node', async () => {
    const { url, seen } = await dropping(1)
    const err = await createRpcClient({ url }).submitTx(new Uint8Array([1, 2, 3])).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RpcError)
    expect(err).toMatchObject({ code: 'UNREACHABLE' })
    expect(seen).toEqual(['POST'])
  })

  it('retries once only: a second drop is an UNREACHABLE error', async () => {
    const { url, seen } = await dropping(2)
    await expect(createRpcClient({ url }).status()).rejects.toMatchObject({ name: 'RpcError', code: 'UNREACHABLE' })
    expect(seen).toEqual(['GET', 'GET'])
  })
})
