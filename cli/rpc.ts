// Which node the CLI talks to (DESIGN §8): --rpc URL, else --node N of the devnet in the home
// folder (node0 by default), else a single node's home (its config.json).
import { readFile, access } from 'node:fs/promises'
import { join } from 'node:path'
import { UsageError } from './command.js'
import { parseNodeConfig } from '../fullnode/config.js'
import { devnetNodeDir } from '../fullnode/devnet.js'
import { createRpcClient, type RpcClient } from '../fullnode/rpc/client.js'

async function exists (p: string): Promise<boolean> { try { await access(p); return true } catch { return false } }

/** Resolves the RPC client from `--rpc` / `--node` / the home folder. */
export async function rpcFor (home: string, flags: Record<string, string | true>): Promise<RpcClient> {
  if (typeof flags.rpc === 'string') return createRpcClient({ url: flags.rpc })
  const n = flags.node === undefined ? 0 : Number(flags.node)
  if (!Number.isInteger(n) || n < 0) throw new UsageError('--node takes a node number')
  const candidates = flags.node === undefined ? [devnetNodeDir(home, 0), home] : [devnetNodeDir(home, n)]
  for (const dir of candidates) {
    const path = join(dir, 'config.json')
    if (await exists(path)) {
      const c = parseNodeConfig(await readFile(path, 'utf8'))
      const host = c.rpc.host === '0.0.0.0' ? '127.0.0.1' : c.rpc.host
      return createRpcClient({ url: `http://${host}:${c.rpc.port}` })
    }
  }
  throw new UsageError(`no node found under ${home} (start one with 'glowmesh devnet', or pass --rpc URL)`)
}

/** The option names every RPC-using command accepts. */
export const RPC_FLAGS = ['rpc', 'node']
