// A real devnet for integration tests: 4 `glowmesh node` processes (each with its cometbft) on
// loopback in a temp home, on a random port range; built CLI required (npm ci / npm run build).
import { mkdtempSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { runDevnet, repoRoot, type RunningDevnet } from '../../fullnode/devnet-run.js'
import { createRpcClient, type RpcClient } from '../../fullnode/rpc/client.js'

/** Builds dist/ if it is missing (CI builds it in npm ci). */
export function ensureBuilt (): void {
  const root = repoRoot()
  if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) execFileSync(process.execPath, [join(root, 'scripts', 'prepare.mjs')], { stdio: 'inherit' })
}

import { freeBasePort } from '../../fullnode/ports.js'

export { freeBasePort }

export interface TestDevnet extends RunningDevnet {
  home: string
  rpc: (i?: number) => RpcClient
  waitForHeight: (height: number, node?: number, timeoutMs?: number) => Promise<number>
  cleanup: () => Promise<void>
}

export async function startTestDevnet (options: { validators?: number, blockTimeMs?: number } = {}): Promise<TestDevnet> {
  ensureBuilt()
  const home = mkdtempSync(join(tmpdir(), 'glowmesh-devnet-'))
  const validators = options.validators ?? 4
  const devnet = await runDevnet({ home, validators, blockTimeMs: options.blockTimeMs ?? 200, basePort: await freeBasePort(validators), log: () => {} })
  const rpc = (i = 0): RpcClient => createRpcClient({ url: devnet.nodes[i].rpcUrl, timeoutMs: 10_000 })
  return {
    ...devnet,
    home,
    rpc,
    async waitForHeight (height, node = 0, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        try { const h = (await rpc(node).status()).height; if (h >= height) return h } catch {}
        if (Date.now() > deadline) throw new Error(`node${node} did not reach height ${height}`)
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
    },
    async cleanup () {
      await devnet.stop()
      rmSync(home, { recursive: true, force: true })
    }
  }
}
