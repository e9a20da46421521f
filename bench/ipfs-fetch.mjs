// IPFS fetch paths of one stored file (issue 9), on a real 4-node devnet, in one run:
//   1. a stock Helia (TCP, Noise, Yamux, bitswap; no discovery) cats SIZE MiB over bitswap from one full node
//   2. the same from all four full nodes at once
//   3. @helia/verified-fetch through node0's trustless gateway (only that gateway, an empty router)
//   4. plain `glowmesh get` (the built CLI: every segment verified against the 0G root) — the reference
// Usage: node bench/ipfs-fetch.mjs [SIZE_MIB=64]   (needs `npm run build`)
import '../cli/polyfills.js'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { withBitswap } from '@helia/bitswap'
import { withHTTP } from '@helia/http'
import { withLibp2pLight } from '@helia/libp2p'
import { unixfs } from '@helia/unixfs'
import { createVerifiedFetch } from '@helia/verified-fetch'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createHeliaLight } from 'helia'
import { CID } from 'multiformats/cid'
import { startBenchDevnet, sleep, writeRandomFile } from './chain-common.mjs'

const SIZE_MIB = Number(process.argv[2] ?? 64)
const LAUNCHER = fileURLToPath(new URL('../cli/glowmesh.js', import.meta.url))
const emptyRouter = { name: 'empty', async * findProviders () {} }

function cli (args) {
  const t = performance.now()
  const r = spawnSync(process.execPath, ['--experimental-websocket', LAUNCHER, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  if (r.status !== 0) throw new Error(`glowmesh ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`)
  return { stdout: r.stdout, s: (performance.now() - t) / 1000 }
}

async function stockHelia () {
  const h = withBitswap(withLibp2pLight(createHeliaLight({ routers: [emptyRouter] }), {
    addresses: { listen: [] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()], peerDiscovery: [],
    connectionGater: { denyDialMultiaddr: () => false }, services: { identify: identify() }
  }))
  await h.start()
  return h
}

async function drain (iterable) { let n = 0; for await (const p of iterable) n += p.length; return n }

async function main () {
  const bench = await startBenchDevnet({ blockTimeMs: 200 })
  try {
    const home = bench.home
    const path = join(home, 'big.bin')
    const size = writeRandomFile(path, SIZE_MIB)
    const url = bench.devnet.nodes[0].rpcUrl
    cli(['keys', 'new', '--home', home])
    cli(['faucet', '--home', home])
    const out = JSON.parse(cli(['put', path, '--json', '--rpc', url, '--home', home]).stdout)
    const cid = CID.parse(out.cid)
    const statuses = await Promise.all([0, 1, 2, 3].map(async (i) => await bench.rpc(i).status()))
    for (const st of statuses) {
      for (let k = 0; ; k++) {
        if ((await fetch(`${st.gateway}/ipfs/${cid}?format=raw`, { method: 'HEAD' })).status === 200) break
        if (k > 1200) throw new Error(`${st.gateway} never served ${cid}`)
        await sleep(250)
      }
    }
    const tcpOf = (st) => st.multiaddrs.find((a) => /\/tcp\/\d+\/p2p\//.test(a) && !a.includes('/ws'))
    const mbs = (s) => (size / 1e6 / s).toFixed(1)
    const rows = []
    const time = async (name, fn) => {
      const t = performance.now()
      const n = await fn()
      const s = (performance.now() - t) / 1000
      if (n !== size) throw new Error(`${name}: got ${n} bytes, expected ${size}`)
      rows.push({ name, s })
      console.log(`  ${name.padEnd(52)} ${s.toFixed(2)} s  ${mbs(s)} MB/s`)
    }
    console.log(`ipfs-fetch: ${SIZE_MIB} MiB, CID ${cid}, 4-node devnet on loopback`)
    const get = cli(['get', out.root, '--out', join(home, 'back.bin'), '--rpc', url, '--home', home])
    rows.push({ name: 'glowmesh get (node0)', s: get.s })
    console.log(`  ${'glowmesh get (node0, CLI process incl. start-up)'.padEnd(52)} ${get.s.toFixed(2)} s  ${mbs(get.s)} MB/s`)
    {
      const h = await stockHelia()
      await h.libp2p.dial(multiaddr(tcpOf(statuses[0])))
      await time('stock Helia bitswap, one full node', async () => await drain(unixfs(h).cat(cid)))
      await h.stop()
    }
    {
      const h = await stockHelia()
      await Promise.all(statuses.map(async (st) => await h.libp2p.dial(multiaddr(tcpOf(st)))))
      await time('stock Helia bitswap, four full nodes at once', async () => await drain(unixfs(h).cat(cid)))
      await h.stop()
    }
    {
      const h = withHTTP(createHeliaLight({ routers: [emptyRouter] }), { delegatedRouters: [], recursiveGateways: [statuses[0].gateway], allowLocal: true, allowInsecure: true })
      await h.start()
      const vf = await createVerifiedFetch(h)
      await time('@helia/verified-fetch via node0 gateway', async () => (await (await vf(`ipfs://${cid}`, { signal: AbortSignal.timeout(120_000) })).arrayBuffer()).byteLength)
      await vf.stop(); await h.stop()
    }
    await time('plain GET /ipfs/{cid} (gateway bytes, 0G-verified)', async () => (await (await fetch(`${statuses[0].gateway}/ipfs/${cid}`)).arrayBuffer()).byteLength)
    await time('GET ?format=car (whole DAG as CAR)', async () => (await (await fetch(`${statuses[0].gateway}/ipfs/${cid}?format=car`)).arrayBuffer()).byteLength - (await fetch(`${statuses[0].gateway}/ipfs/${cid}?format=car`, { method: 'HEAD' }).then((r) => Number(r.headers.get('content-length')) - size)))
    const ref = rows[0].s
    console.log('  ratios vs glowmesh get: ' + rows.slice(1).map((r) => `${r.name}: ${(ref / r.s).toFixed(2)}×`).join('; '))
  } finally {
    await bench.stop()
  }
}

main().then(() => process.exit(0), (err) => { console.error(err); process.exit(1) })
