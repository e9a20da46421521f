/**
 * Demo traffic for `npm start` (DESIGN §8): one funded key submits a small DA blob every few blocks
 * and stores a small file now and then, so a fresh dashboard has blocks with blobs to sample and
 * flow data to seal. Everything goes through the public RPC like any user's would (faucet, DA
 * submission with client-side encoding, `storage.submit` + segment uploads).
 */
import { fileCid, cidToSubmission } from '../protocol/cid/index.js'
import { readFile, writeFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { createRpcClient, type RpcClient } from './rpc/client.js'
import { createWallet, waitForTx } from './rpc/wallet.js'
import { submitPayload } from './da/client.js'
import { createNativeKzg } from './da/native-kzg.js'
import { generateKey, keyFromFile, keyToFile, type Ed25519Key } from '../protocol/chain/index.js'
import { fileLayout, segmentChunkCount, segmentRoot, SegmentTree, SEGMENT_SIZE } from '../protocol/storage/index.js'
import { createWasmHasher } from '../wasm/keccak/index.js'
import { toHex } from '../protocol/bytes.js'
import { pause } from '../protocol/sleep.js'

export interface DemoTrafficOptions {
  /** A node's RPC (node0 of the devnet). */
  rpcUrl: string
  /** The home folder: the traffic key is kept at `<home>/traffic-key.json`. */
  home: string
  signal?: AbortSignal
  log?: (line: string) => void
  /** A blob every this many blocks (default 3). */
  blobEveryBlocks?: number
  /** A file every this many blocks (default 20). */
  fileEveryBlocks?: number
}

export interface DemoTraffic {
  /** What was sent so far. */
  stats: { blobs: number, files: number, errors: number, lastBlobHeight: number }
  /** Resolves when the loop has stopped (after `signal` aborts). */
  stopped: Promise<void>
}


async function trafficKey (home: string): Promise<Ed25519Key> {
  const path = join(home, 'traffic-key.json')
  try { return keyFromFile(await readFile(path, 'utf8')) } catch {}
  const key = generateKey()
  await mkdir(home, { recursive: true })
  await writeFile(path, JSON.stringify(keyToFile(key), null, 2) + '\n', { mode: 0o600 })
  return key
}

/** A payload that reads as text in a dashboard and differs every time. */
function demoPayload (bytes: number, label: string): Uint8Array {
  const head = `glowmesh demo ${label} ${new Date().toISOString()} `
  const body = randomBytes(Math.max(0, Math.ceil((bytes - head.length) / 2))).toString('hex')
  return new TextEncoder().encode((head + body).slice(0, bytes))
}

async function putFile (rpc: RpcClient, key: Ed25519Key, chainId: string, data: Uint8Array, signal?: AbortSignal): Promise<string> {
  const layout = fileLayout(data.length)
  const hasher = createWasmHasher()
  const seg = (i: number): Uint8Array => data.subarray(i * SEGMENT_SIZE, Math.min(data.length, (i + 1) * SEGMENT_SIZE))
  const roots = Array.from({ length: layout.dataSegments }, (_, i) => segmentRoot(seg(i), segmentChunkCount(layout, i), hasher))
  const tree = SegmentTree.fromDataSegmentRoots(layout, roots, hasher)
  await createWallet({ rpc, key, chainId }).send('storage.submit', { root: tree.root, cid: cidToSubmission(fileCid(data)), size: data.length, durationEpochs: 10 }, { signal })
  for (let i = 0; i < layout.dataSegments; i++) await rpc.putSegment(toHex(tree.root), i, seg(i), tree.proof(i), signal)
  return toHex(tree.root)
}

/**
 * Starts the demo traffic loop; it runs until `signal` aborts and never throws (failures are
 * logged and counted).
 * @example const t = await startDemoTraffic({ rpcUrl: devnet.nodes[0].rpcUrl, home, signal }); t.stats.blobs
 */
export async function startDemoTraffic (options: DemoTrafficOptions): Promise<DemoTraffic> {
  const log = options.log ?? (() => {})
  const { signal } = options
  const aborted = (): boolean => signal?.aborted === true
  const rpc = createRpcClient({ url: options.rpcUrl })
  const blobEvery = options.blobEveryBlocks ?? 3
  const fileEvery = options.fileEveryBlocks ?? 20
  const stats = { blobs: 0, files: 0, errors: 0, lastBlobHeight: 0 }

  const loop = async (): Promise<void> => {
    const key = await trafficKey(options.home)
    const kzg = await createNativeKzg({ precompute: false })
    let chainId = ''
    let funded = false
    let nextBlob = 0
    let nextFile = 0
    while (!aborted()) {
      try {
        const status = await rpc.status(signal)
        chainId = status.chainId
        if (!funded) {
          const acct = await rpc.account(key.address, false, signal)
          if (BigInt(acct.balance) < 10n ** 9n) {
            const drip = await rpc.faucet(key.address, signal)
            await waitForTx(rpc, drip.txHash, { signal })
            log(`demo traffic: funded ${key.address}`)
          }
          funded = true
        }
        if (status.height >= nextBlob) {
          const sent = await submitPayload({ rpc, key, payload: demoPayload(2000 + Math.floor(Math.random() * 60_000), 'blob'), kzg, chainId, signal })
          stats.blobs++
          stats.lastBlobHeight = sent.height
          nextBlob = sent.height + blobEvery
          log(`demo traffic: blob of ${sent.size} bytes at height ${sent.height}`)
        }
        if (status.height >= nextFile) {
          const root = await putFile(rpc, key, chainId, demoPayload(100_000 + Math.floor(Math.random() * 400_000), 'file'), signal)
          stats.files++
          nextFile = status.height + fileEvery
          log(`demo traffic: stored file ${root}`)
        }
      } catch (err: any) {
        if (aborted()) break
        stats.errors++
        funded = false // a failure may be an empty balance: re-check before the next try
        log(`demo traffic: ${String(err?.message ?? err)}`)
        await pause(2000, signal)
      }
      await pause(300, signal)
    }
  }
  const stopped = loop().catch((err) => { log(`demo traffic stopped: ${String(err?.message ?? err)}`) })
  return { stats, stopped }
}
