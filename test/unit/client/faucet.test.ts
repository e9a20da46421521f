// ensureFunded against a real HTTP server on loopback that behaves like a devnet RPC (or not)
import { createServer, type Server } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { ensureFunded, FaucetError } from '../../../client/storage/faucet.js'

let server: Server | undefined
afterEach(async () => { await new Promise<void>((resolve) => server === undefined ? resolve() : server.close(() => resolve())); server = undefined })

async function rpc (handler: (method: string, path: string) => { status: number, body?: unknown }): Promise<string> {
  server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      const { status, body } = handler(req.method ?? 'GET', req.url ?? '/')
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? {}))
    })
  })
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  const addr = server.address() as { port: number }
  return `http://127.0.0.1:${addr.port}`
}

describe('ensureFunded', () => {
  const address = '0x' + 'ab'.repeat(20)

  it('asks the faucet once, retries a lost nonce race, and resolves with the balance', async () => {
    let balance = 0n
    let drips = 0
    const url = await rpc((method, path) => {
      if (method === 'GET' && path === `/accounts/${address}`) return { status: 200, body: { balance: balance.toString() } }
      if (method === 'POST' && path === '/faucet') {
        drips++
        if (drips === 1) return { status: 500, body: { error: 'nonce too low' } } // another faucet won the race
        balance = 1000n
        return { status: 200, body: { txHash: '0x00' } }
      }
      return { status: 404 }
    })
    const lines: string[] = []
    await expect(ensureFunded({ rpcUrl: url, address, log: (l) => lines.push(l) })).resolves.toBe(1000n)
    expect(drips).toBe(2)
    expect(lines.join('\n')).toMatch(/HTTP 500/)
    // funded already: no drip at all
    await expect(ensureFunded({ rpcUrl: url, address })).resolves.toBe(1000n)
    expect(drips).toBe(2)
  })

  it('fails at once with FaucetError where there is no faucet (not a devnet)', async () => {
    const url = await rpc((method, path) => path.startsWith('/accounts/') ? { status: 200, body: { balance: '0' } } : { status: 404 })
    const err = await ensureFunded({ rpcUrl: url, address }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(FaucetError)
    expect((err as FaucetError).code).toBe('FAUCET')
    expect((err as Error).message).toMatch(/no faucet/)
  })

  it('gives up after the configured attempts and honours an abort', async () => {
    const url = await rpc((method, path) => path.startsWith('/accounts/') ? { status: 200, body: { balance: '0' } } : { status: 503 })
    await expect(ensureFunded({ rpcUrl: url, address, attempts: 2 })).rejects.toThrow(/still unfunded after 2 faucet requests/)
    const controller = new AbortController()
    const p = ensureFunded({ rpcUrl: url, address, attempts: 50, signal: controller.signal })
    setTimeout(() => controller.abort(new Error('stop')), 200)
    await expect(p).rejects.toThrow('stop')
  })
})
