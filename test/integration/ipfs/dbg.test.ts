import { it } from 'vitest'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { startTestDevnet } from '../../helpers/devnet.js'
import { runCli } from '../../helpers/cli.js'
it('dbg', async () => {
  const devnet = await startTestDevnet({ blockTimeMs: 200 })
  try {
    const cli = async (...args: string[]) => await runCli(...args, '--home', devnet.home)
    await cli('keys', 'new'); await cli('faucet', '--json')
    const path = join(devnet.home, 'p.bin'); writeFileSync(path, randomBytes(5 * 1048576 + 4321))
    const put = await cli('put', path, '--json')
    console.log(put.stdout, put.stderr.slice(-300))
    await new Promise((r) => setTimeout(r, 5000))
    const st = await devnet.rpc(0).status()
    const cid = JSON.parse(put.stdout).cid
    for (const n of [0, 1, 2, 3]) { const g = (await devnet.rpc(n).status()).gateway; const r = await fetch(`${g}/ipfs/${cid}?format=raw`, { method: 'HEAD' }); console.log('node', n, r.status) }
    console.log('FILE', JSON.stringify(await (devnet.rpc(0) as any).file(JSON.parse(put.stdout).root)))
    const g0 = st.gateway; const rr = await fetch(`${g0}/ipfs/${cid}?format=raw`); console.log(rr.status, await rr.text().then(t => t.slice(0, 300)))
    console.log(readFileSync(join(devnet.nodes[0].dir, 'node.log'), 'utf8').split('\n').filter((l) => /ipfs|index|gateway|fatal|error|cid/i.test(l) && !/replicate/.test(l)).slice(-20).join('\n'))
  } finally { await devnet.cleanup() }
})
