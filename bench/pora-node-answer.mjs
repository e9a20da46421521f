// PoRA in the Node light node: the real storage contributor (client/storage) over the real file
// store (client/node), as `glowmesh light --pledge` runs them.
//  - sealing throughput: sealSector (the contributor's default seal, pure JS, one thread) + writing
//    the records with putSealedSector (what the contributor's sealing pass does), per MiB;
//  - answer latency: signed challenges (4 positions, devnet/production default) handed straight to
//    the contributor's answer() — the transport's challenge handler calls exactly that; the libp2p
//    round trip on loopback is not included (the integration test's receipts carry it).
// Run: npm run build && node bench/pora-node-answer.mjs [pledgeMiB=256] [log2SectorChunks=18] [layers=32] [challenges=400]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { ed25519 } from '@noble/curves/ed25519.js'
import { DEFAULT_SEAL_PARAMS, sealSector, createChallenge, deriveChallenges } from '../dist/protocol/pora/index.js'
import { challengeToWire } from '../dist/protocol/pora/wire.js'
import { createStorageContributor, putSealedSector } from '../dist/client/storage/index.js'
import { createFileStore } from '../dist/client/node/index.js'
import { createWasmHasher } from '../dist/wasm/keccak/index.js'

const pledgeMiB = Number(process.argv[2] ?? 256)
const params = { ...DEFAULT_SEAL_PARAMS, sectorChunks: 2 ** Number(process.argv[3] ?? 18), layers: Number(process.argv[4] ?? DEFAULT_SEAL_PARAMS.layers) }
const CHALLENGES = Number(process.argv[5] ?? 400)
const sectorMiB = params.sectorChunks * 256 / 2 ** 20
const sectors = Math.max(1, Math.floor(pledgeMiB / sectorMiB))
const q = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p / 100 * s.length))] }
const hasher = createWasmHasher()

const dir = mkdtempSync(join(tmpdir(), 'pora-node-bench-'))
const store = await createFileStore({ dir })
const secretKey = randomBytes(32)
const nodeId = ed25519.getPublicKey(secretKey)
console.log(`pledge ${sectors * sectorMiB} MiB = ${sectors} sector(s) of ${sectorMiB} MiB, ${params.layers} layers, ${params.baseParents}+${params.expanderParents} parents; file store in ${dir}`)
try {
  let sealMs = 0; let storeMs = 0
  for (let i = 0; i < sectors; i++) {
    const data = randomBytes(params.sectorChunks * 256)
    let t = performance.now()
    const out = sealSector({ data, nodeId, sectorStart: i * params.sectorChunks, params })
    sealMs += performance.now() - t
    t = performance.now()
    await putSealedSector(store, { ...out, hasher })
    storeMs += performance.now() - t
    console.log(`  sector ${i + 1}/${sectors}: sealed in ${(sealMs / (i + 1) / 1000).toFixed(1)} s avg`)
  }
  const MiB = sectors * sectorMiB
  console.log(`sealing (JS, 1 thread): ${(MiB / (sealMs / 1000)).toFixed(2)} MiB/s (${(sealMs / MiB).toFixed(0)} ms/MiB); storing the sealed records: ${(MiB / (storeMs / 1000)).toFixed(0)} MiB/s; ${MiB} MiB pledge ready in ${((sealMs + storeMs) / 60000).toFixed(1)} min (+ proveSealing, a second labelling pass)`)

  // The real contributor over that store; no chain here, so its maintenance pass never runs (interval ∞).
  const contributor = createStorageContributor({ secretKey, pledgeBytes: MiB * 2 ** 20, hasher, checkIntervalMs: 2 ** 31 - 1 })
  const paramsJson = new TextEncoder().encode(JSON.stringify({ chainId: 'bench', minFee: '1', seal: params }))
  await contributor.start({
    store,
    transport: { peers: () => [], reportPeer: () => {}, localPeerId: () => 'bench', close: async () => {} },
    query: async (path) => path === 'params' ? paramsJson : null
  })
  await contributor.stop() // stops the (chainless) maintenance loop; answer() keeps working
  const key = randomBytes(32)
  const ranges = Array.from({ length: sectors }, (_, i) => ({ start: i * params.sectorChunks, end: (i + 1) * params.sectorChunks }))
  const times = []
  for (let i = 0; i < CHALLENGES; i++) {
    const blockHash = randomBytes(32)
    const positions = deriveChallenges({ blockHash, nodeId, ranges, count: 4 })
    const wire = challengeToWire(createChallenge({ id: randomBytes(32), nodeId, positions, deadlineMs: 500, issuedAtHeight: 1 }, key), blockHash)
    const t = performance.now()
    const a = await contributor.answer(wire)
    times.push(performance.now() - t)
    if (a.status !== 'OK') throw new Error(`answer refused: ${a.status} ${a.message}`)
  }
  console.log(`answer() from the file store, 4 positions, ${CHALLENGES} challenges: p50 ${q(times, 50).toFixed(2)} ms, p99 ${q(times, 99).toFixed(2)} ms, max ${Math.max(...times).toFixed(2)} ms (deadline 500 ms)`)
} finally {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
}
