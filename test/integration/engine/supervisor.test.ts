// The supervisor's failure paths with the real binary: no app listening, a binary that doesn't run,
// and an abort during start-up. Each leaves no process and no pid file behind.
import { describe, expect, it } from 'vitest'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKey, keyToFile } from '../../../protocol/chain/keyfile.js'
import { writeEngineHome } from '../../../fullnode/engine/home.js'
import { startEngine } from '../../../fullnode/engine/supervisor.js'
import type { NodeConfig } from '../../../fullnode/config.js'
import { freePorts } from './localnet.js'

async function home (): Promise<{ dir: string, home: string, cometHome: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'engine-sup-'))
  const key = keyToFile(generateKey())
  const [rpcPort, p2pPort, abciPort] = await freePorts(3) // nothing listens on abciPort
  const config: NodeConfig = { chainId: 'sup', moniker: 'n', rpc: { host: '127.0.0.1', port: 1 }, p2p: { host: '127.0.0.1', tcp: 1, ws: 1, webrtcDirect: 1 }, gateway: { port: 1 }, cometbft: { rpcPort, p2pPort, abciPort }, dataDir: 'data' }
  const genesis = { chainId: 'sup', genesisTime: new Date().toISOString(), validators: [{ publicKey: key.publicKey, power: 1, moniker: 'n' }], accounts: [], params: {} as any }
  await writeEngineHome({ cometHome: join(dir, 'cometbft'), genesis, config, key })
  return { dir, home: dir, cometHome: join(dir, 'cometbft') }
}

const running = (pid: number): boolean => { try { process.kill(pid, 0); return true } catch { return false } }

describe('startEngine failures', () => {
  it('times out with EngineStartError when no ABCI app listens, and stops the child', async () => {
    const h = await home()
    const err = await startEngine({ home: h.home, cometHome: h.cometHome, readyTimeoutMs: 1500 }).catch((e) => e)
    expect(err).toMatchObject({ name: 'EngineStartError', code: 'ENGINE_START' })
    expect(err.message).toMatch(/did not answer/)
    expect(existsSync(join(h.dir, 'cometbft.pid'))).toBe(false)
    expect(readFileSync(join(h.dir, 'cometbft.log'), 'utf8')).toMatch(/abci|ABCI|proxy|connect/i)
  })

  it('reports a binary that cannot run', async () => {
    const h = await home()
    await expect(startEngine({ home: h.home, cometHome: h.cometHome, binary: join(h.dir, 'no-such-binary') })).rejects.toMatchObject({ name: 'EngineStartError', message: expect.stringMatching(/cannot run/) })
  })

  it('reports an engine that exits during start-up, with its log', async () => {
    const h = await home()
    const err = await startEngine({ home: h.home, cometHome: h.cometHome, binary: '/bin/false' }).catch((e) => e)
    expect(err).toMatchObject({ name: 'EngineStartError', message: expect.stringMatching(/exited during start-up \(code 1/) })
  })

  it('stops on abort while waiting for the RPC', async () => {
    const h = await home()
    const ac = new AbortController()
    let pid = 0
    setTimeout(() => { pid = Number(readFileSync(join(h.dir, 'cometbft.pid'), 'utf8')); ac.abort(new Error('stop now')) }, 300)
    await expect(startEngine({ home: h.home, cometHome: h.cometHome, signal: ac.signal })).rejects.toThrow('stop now')
    expect(pid).toBeGreaterThan(0)
    expect(running(pid)).toBe(false)
  })
})
