// Shared by bench/chain-*.mjs, ipfs-fetch.mjs and edge-gateway.mjs (not a benchmark itself: run.mjs
// skips it): a real glowmesh devnet in a temp home on free ports, CometBFT's NewBlock stream,
// quantiles, signed transfers, a random test file.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHash, randomFillSync } from 'node:crypto'
import { runDevnet } from '../dist/fullnode/devnet-run.js'
import { freeBasePort } from '../dist/fullnode/ports.js'
import { createRpcClient } from '../dist/fullnode/rpc/client.js'
import { encodeTx, signTx, keyFromFile, generateKey, encodeBody } from '../dist/protocol/chain/index.js'
import { fromHex } from '../dist/protocol/bytes.js'

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
export const q = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(p / 100 * s.length))] }

export { freeBasePort }

/** Writes `mib` MiB of random bytes to `path` (16 MiB at a time); returns the file's size. */
export function writeRandomFile (path, mib) {
  const fd = openSync(path, 'w')
  const buf = Buffer.alloc(16 * 1024 * 1024)
  for (let left = mib * 1024 * 1024; left > 0; left -= buf.length) { randomFillSync(buf); writeSync(fd, buf, 0, Math.min(left, buf.length)) }
  closeSync(fd)
  return statSync(path).size
}

/** Starts a 4-validator devnet of real `glowmesh node` processes; `stop()` kills them and removes the home. */
export async function startBenchDevnet ({ blockTimeMs, validators = 4 }) {
  const home = mkdtempSync(join(tmpdir(), 'glowmesh-bench-chain-'))
  let devnet
  try {
    devnet = await runDevnet({ home, validators, blockTimeMs, basePort: await freeBasePort(validators), log: () => {} })
  } catch (err) { rmSync(home, { recursive: true, force: true }); throw err }
  const genesis = JSON.parse(readFileSync(devnet.genesisPath, 'utf8'))
  const config = (i) => JSON.parse(readFileSync(join(devnet.nodes[i].dir, 'config.json'), 'utf8'))
  const stop = async () => { await devnet.stop(); rmSync(home, { recursive: true, force: true }) }
  for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => { stop().finally(() => process.exit(130)) })
  return { home, devnet, genesis, config, rpc: (i = 0) => createRpcClient({ url: devnet.nodes[i].rpcUrl, timeoutMs: 30_000 }), stop }
}

/** CometBFT's NewBlock events on node `i` (they fire after the app's Commit): `onBlock({ height, time, txHashes, at })`. */
export async function subscribeBlocks (bench, i, onBlock) {
  const ws = new WebSocket(`ws://127.0.0.1:${bench.config(i).cometbft.rpcPort}/websocket`)
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject })
  ws.onmessage = (m) => {
    const at = performance.now()
    const block = JSON.parse(m.data)?.result?.data?.value?.block
    if (block === undefined) return
    const txHashes = (block.data.txs ?? []).map((t) => createHash('sha256').update(Buffer.from(t, 'base64')).digest('hex'))
    onBlock({ height: Number(block.header.height), time: Date.parse(block.header.time), txHashes, at })
  }
  ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'subscribe', params: { query: "tm.event='NewBlock'" } }))
  return () => ws.close()
}

/** A signed transfer and its hash (hex, no 0x). */
export function transfer (genesis, key, nonce, to, amount = 1n) {
  const tx = encodeTx(signTx({ chainId: genesis.chainId, nonce: BigInt(nonce), fee: BigInt(genesis.params.minFee), kind: 'transfer', body: encodeBody('transfer', { to: fromHex(to, 20), amount }) }, key.privateKey))
  return { tx, hash: createHash('sha256').update(tx).digest('hex') }
}

/** `count` new keys funded by the genesis faucet, committed before it returns. */
export async function fundedKeys (bench, count, amount = 10n ** 12n) {
  const faucet = keyFromFile(bench.genesis.faucet)
  const rpc = bench.rpc(0)
  const nonce0 = (await rpc.account(faucet.address)).nonce
  const keys = Array.from({ length: count }, () => generateKey())
  let last
  for (let i = 0; i < count; i++) {
    const { tx, hash } = transfer(bench.genesis, faucet, nonce0 + i, keys[i].address, amount)
    const r = await rpc.submitTx(tx)
    if (r.code !== 0) throw new Error(`funding tx refused: ${r.code} ${r.log}`)
    last = hash
  }
  for (;;) { try { await rpc.tx('0x' + last); break } catch { await sleep(100) } }
  return keys
}

/** The app's per-block timing lines (GLOWMESH_TIMINGS=1) from a node's log, by height. */
export function appTimings (bench, i) {
  const out = new Map()
  for (const line of readFileSync(join(bench.devnet.nodes[i].dir, 'node.log'), 'utf8').split('\n')) {
    const m = line.match(/timings height=(\d+) txs=(\d+) finalize_ms=([\d.]+) commit_ms=([\d.]+) check_ms=([\d.]+) checks=(\d+)/)
    if (m !== null) out.set(Number(m[1]), { txs: Number(m[2]), finalize: Number(m[3]), commit: Number(m[4]), check: Number(m[5]), checks: Number(m[6]) })
  }
  return out
}

if (process.argv[1] !== undefined && import.meta.url === (await import('node:url')).pathToFileURL(process.argv[1]).href) {
  console.log('chain-common.mjs: helpers shared by chain-blocks.mjs and chain-files.mjs; nothing to measure here')
}
