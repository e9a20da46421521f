/**
 * The live node the `live.test.ts` fuzzer talks to (not a test file): a real one-validator full node
 * (`startFullNode`: CometBFT, the ABCI app, flow store, cell store, libp2p, IPFS gateway, monitor)
 * in a temp home, started in this process, with real state seeded through its own HTTP API — a
 * funded account, a stored file (segments uploaded, CID indexed for the gateway), a committed DA
 * blob, an outstanding `/da/encode` token. Raw HTTP exchanges: raw-http.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureDevnetHome } from '../../../fullnode/devnet.js'
import { startFullNode, type FullNode } from '../../../fullnode/node.js'
import { freeBasePort } from '../../../fullnode/ports.js'
import { createRpcClient, type RpcClient } from '../../../fullnode/rpc/client.js'
import { createDaClient } from '../../../fullnode/da/client.js'
import { createNativeKzg } from '../../../fullnode/da/native-kzg.js'
import { encodeSubmission } from '../../../fullnode/da/submission.js'
import { encodeTx, generateKey, signTx, txHash, type Ed25519Key } from '../../../protocol/chain/index.js'
import { encodeBody } from '../../../protocol/chain/bodies.js'
import { packBlob } from '../../../protocol/da/index.js'
import { cidToSubmission, fileCid } from '../../../protocol/cid/index.js'
import { fileLayout, SegmentTree, SEGMENT_SIZE } from '../../../protocol/storage/index.js'
import { encodeMessage, MESSAGES, SegmentStatus } from '../../../protocol/wire/index.js'
import { toHex } from '../../../protocol/bytes.js'
import { HANG_MS } from './arbitraries.js'
import { waitFor as waitUntil } from '../../helpers/wait.js'
import { send } from './raw-http.js'

export { escapePath, send, type RawAnswer } from './raw-http.js'

export interface LiveFixtures {
  chainId: string
  minFee: bigint
  /** A funded account (by the faucet) and its key; it signed everything below. */
  key: Ed25519Key
  /** A stored file: bytes, 0x root, CID text, its segment tree and a valid segment upload body. */
  file: { data: Uint8Array, root: string, cid: string, tree: SegmentTree, segmentBody: Uint8Array }
  /** A committed DA submission: its height, its submission body (already relayed) and its commitments. */
  da: { height: number, body: Uint8Array, commitments: string[] }
  /** An encode token (`POST /da/encode`) nobody signed for yet, with its commitments and size. */
  encoded: { token: string, size: number, commitments: string[] }
  /** Committed tx hashes (0x). */
  txs: string[]
}

/** The running node and where it answers. */
export interface LiveNode {
  node: FullNode
  rpcUrl: string
  gatewayUrl: string
  rpc: RpcClient
  /** The node's log (last 400 lines), for diagnostics. */
  logs: string[]
  /** Set when the node stopped on its own. */
  fatal: () => Error | undefined
  stop: () => Promise<void>
}

/**
 * Polls `check` until it returns a value other than undefined; throws with `what` and the node's last log lines.
 * @example await waitFor(live, 'height 3', async () => (await live.rpc.status()).height >= 3 ? true : undefined)
 */
export async function waitFor<T> (live: Pick<LiveNode, 'logs'>, what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  return await waitUntil(`live node: ${what}`, check, { timeoutMs, everyMs: 100, diagnostics: () => `\n${live.logs.slice(-30).join('\n')}` })
}

/**
 * Starts a one-validator full node in a temp home (200 ms blocks) and waits for block 2.
 * @example const live = await startLiveNode(); … await live.stop()
 */
export async function startLiveNode (): Promise<LiveNode> {
  const home = mkdtempSync(join(tmpdir(), 'glowmesh-fuzz-live-'))
  const logs: string[] = []
  let fatal: Error | undefined
  const { nodes } = await ensureDevnetHome({ home, validators: 1, basePort: await freeBasePort(1), blockTimeMs: 200, chainId: 'glowmesh-fuzz' })
  const node = await startFullNode({
    nodeDir: nodes[0],
    log: (l) => { logs.push(l); if (logs.length > 400) logs.shift() },
    onFatal: (err) => { fatal = err }
  })
  const rpc = createRpcClient({ url: node.rpcUrl, timeoutMs: HANG_MS })
  const live: LiveNode = {
    node,
    rpcUrl: node.rpcUrl,
    gatewayUrl: '',
    rpc,
    logs,
    fatal: () => fatal,
    stop: async () => { await node.stop(); rmSync(home, { recursive: true, force: true }) }
  }
  live.gatewayUrl = await waitFor(live, 'height 2', async () => { const s = await rpc.status(); return s.height >= 2 ? s.gateway : undefined })
  return live
}

/**
 * Seeds real state through the node's HTTP API: a faucet drip, a stored file (submit, upload every
 * segment, wait until the gateway serves its CID), a committed DA blob, and an encode token.
 * @example const fx = await seedLiveNode(live)
 */
export async function seedLiveNode (live: LiveNode): Promise<LiveFixtures> {
  const { rpc } = live
  const t0 = performance.now()
  const phases: string[] = []
  const phase = (name: string): void => { phases.push(`${name} ${(performance.now() - t0).toFixed(0)}`) }
  const genesis = JSON.parse(new TextDecoder().decode(await rpc.genesis()))
  const chainId = String(genesis.chainId)
  const minFee = BigInt(genesis.params.minFee)
  const key = generateKey()
  await rpc.faucet(key.address)
  // no precomputed tables: this shares the node's own verifier context (same process), so it costs
  // no set-up (building tables blocks this process, the node included, for seconds on a loaded box)
  const kzgReady = createNativeKzg({ precompute: false })
  await waitFor(live, 'the faucet drip', async () => BigInt((await rpc.account(key.address)).balance) > 0n ? true : undefined)
  phase('funded')
  const nonce = BigInt((await rpc.account(key.address)).nonce)
  const sign = (n: bigint, kind: 'storage.submit' | 'da.submit', body: any): Uint8Array => encodeTx(signTx({ chainId, nonce: n, fee: minFee, kind, body: encodeBody(kind, body) }, key.privateKey))

  // a file of two and a half segments, submitted the way `glowmesh put` does it
  const data = new Uint8Array(SEGMENT_SIZE * 2 + 5000).map((_, i) => (i * 31 + (i >> 9)) % 251)
  const layout = fileLayout(data.length)
  const tree = SegmentTree.fromBytes(layout, data)
  const root = toHex(tree.root)
  const cid = fileCid(data).toString()
  // 1,000 epochs of 100 blocks: 5.5 h at 200 ms blocks, so a long `npm run fuzz` never sees it expire (10 epochs did, after 200 s)
  const fileTx = sign(nonce, 'storage.submit', { root: tree.root, cid: cidToSubmission(fileCid(data)), size: data.length, durationEpochs: 1000 })
  const sentFile = await rpc.submitTx(fileTx)
  if (sentFile.code !== 0) throw new Error(`storage.submit refused: ${sentFile.log}`)

  // a DA blob encoded here (the submitter's way), relayed with the next nonce in the same block
  const kzg = await kzgReady
  const payload = new Uint8Array(3000).map((_, i) => (i * 13) % 256)
  const blob = await kzg.encodeBlob(packBlob(payload, 0))
  const tx = sign(nonce + 1n, 'da.submit', { size: payload.length, commitments: [blob.commitment] })
  const body = encodeSubmission({ tx, blobs: [blob] })
  const daClient = createDaClient({ url: live.rpcUrl, timeoutMs: HANG_MS })
  const sent = await daClient.submit(body)
  const committed = async (hash: string): Promise<number> => await waitFor(live, `tx ${hash}`, async () => {
    const t = await rpc.tx(hash).catch(() => undefined)
    if (t !== undefined && t.code !== 0) throw new Error(`tx ${hash} failed: ${String(t.log)}`)
    return t?.height === undefined ? undefined : Number(t.height)
  })
  const fileHash = toHex(txHash(fileTx))
  const daHash = toHex(txHash(tx))
  const [, daHeight] = await Promise.all([committed(fileHash), committed(daHash)])
  phase('file and DA txs committed')

  // upload the file's segments; the gateway serves its CID once the indexer has seen it
  const segment = (i: number): Uint8Array => data.slice(i * SEGMENT_SIZE, Math.min(data.length, (i + 1) * SEGMENT_SIZE))
  for (let i = 0; i < layout.dataSegments; i++) await rpc.putSegment(root, i, segment(i), tree.proof(i))
  const p1 = tree.proof(1)
  const segmentBody = encodeMessage(MESSAGES.segmentResponse, { status: SegmentStatus.OK, message: '', data: segment(1), proof: { siblings: p1.siblings, leafIndex: 1n, leafCount: BigInt(p1.leafCount) } })
  const encoded = await daClient.encode(new Uint8Array(500).fill(7)) // a token nobody signed for yet
  phase('uploaded and encoded')
  await waitFor(live, `the gateway serving ${cid}`, async () => (await send(live.gatewayUrl, 'GET', `/ipfs/${cid}?format=raw`)).status === 200 ? true : undefined)
  phase('CID indexed')
  console.log(`[bench] fuzz live seeding (ms since start): ${phases.join(', ')}`)
  return {
    chainId,
    minFee,
    key,
    file: { data, root, cid, tree, segmentBody },
    da: { height: daHeight, body, commitments: sent.commitments },
    encoded: { token: encoded.token, size: encoded.size, commitments: encoded.commitments },
    txs: [fileHash, daHash]
  }
}
