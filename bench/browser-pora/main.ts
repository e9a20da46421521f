// The page bench/browser-pora.mjs drives in Chromium (window.poraBench): fills a sealed cache in
// IndexedDB (synthetic sealed sectors with their real commR, written with putSealedSector, the
// contributor's own layout), answers random signed challenges from it with the real contributor's
// answer(), and times sealing (devnet params) in the dedicated Worker vs on the page.
import { ed25519 } from '@noble/curves/ed25519.js'
import { createIdbStore } from '../../client/browser/idb-store.js'
import { createStorageContributor, putSealedSector } from '../../client/storage/index.js'
import type { LightStore } from '../../client/types.js'
import { createLightWorker } from '../../worker/client.js'
import { createChallenge, deriveChallenges, sealSector, type SealParams } from '../../protocol/pora/index.js'
import { challengeToWire } from '../../protocol/pora/wire.js'
import { fileRoot } from '../../protocol/storage/index.js'
import { createWasmHasher } from '../../wasm/keccak/index.js'

interface FillResult { mib: number, putMs: number, totalMs: number, puts: number, putP50Ms: number, putP99Ms: number }
interface AnswerResult { challenges: number, p50: number, p99: number, max: number }
interface SealResult { where: 'worker' | 'page', mib: number, msPerMiB: number }
declare global { interface Window { poraBench: { fill: (mib: number, sectorMiB: number) => Promise<FillResult>, answer: (n: number) => Promise<AnswerResult>, seal: (where: 'worker' | 'page', mib: number) => Promise<SealResult> } } }

const q = (xs: number[], p: number): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p / 100 * s.length))] }
const DEVNET_SEAL: SealParams = { sectorChunks: 4096, layers: 16, baseParents: 6, expanderParents: 8 }
const hasher = createWasmHasher()
const secretKey = ed25519.utils.randomSecretKey()
const nodeId = ed25519.getPublicKey(secretKey)
let params: SealParams | undefined
let sectors = 0
let store: LightStore | undefined

function random (n: number): Uint8Array {
  const b = new Uint8Array(n)
  for (let o = 0; o < n; o += 65536) crypto.getRandomValues(b.subarray(o, Math.min(n, o + 65536)))
  return b
}

window.poraBench = {
  async fill (mib, sectorMiB) {
    params = { ...DEVNET_SEAL, sectorChunks: sectorMiB * 4096 }
    await new Promise<void>((resolve) => { const r = indexedDB.deleteDatabase('pora-bench'); r.onsuccess = r.onerror = () => { resolve() } })
    const idb = await createIdbStore({ name: 'pora-bench' })
    const putTimes: number[] = []
    // time only IndexedDB's puts: the hashing for the segment roots runs between them
    store = { ...idb, put: async (k, v) => { const t = performance.now(); await idb.put(k, v); putTimes.push(performance.now() - t) } }
    sectors = Math.max(1, Math.floor(mib / sectorMiB))
    const t0 = performance.now()
    for (let i = 0; i < sectors; i++) {
      const sealed = random(sectorMiB << 20) // synthetic sealed bytes; commR is their real 0G root
      const commitment = { nodeId, sectorStart: i * params.sectorChunks, dataRoot: new Uint8Array(32), commR: fileRoot(sealed, hasher), layerRoots: [new Uint8Array(32)] }
      await putSealedSector(store, { sealed, commitment, hasher })
    }
    const totalMs = performance.now() - t0
    const putMs = putTimes.reduce((a, b) => a + b, 0)
    return { mib: sectors * sectorMiB, putMs, totalMs, puts: putTimes.length, putP50Ms: q(putTimes, 50), putP99Ms: q(putTimes, 99) }
  },
  async answer (n) {
    const p = params!
    const paramsJson = new TextEncoder().encode(JSON.stringify({ chainId: 'bench', minFee: '1', seal: p }))
    const contributor = createStorageContributor({ secretKey, pledgeBytes: sectors * p.sectorChunks * 256, hasher, checkIntervalMs: 2 ** 31 - 1 })
    await contributor.start({
      store: store!,
      transport: { peers: () => [], reportPeer: () => {}, localPeerId: () => 'bench', close: async () => {}, lightBlock: async () => { throw new Error('no chain') }, sample: async () => { throw new Error('no chain') }, submitTx: async () => { throw new Error('no chain') } },
      query: async (path) => path === 'params' ? paramsJson : null
    })
    await contributor.stop() // no chain: stop the maintenance loop; answer() keeps working
    const validator = ed25519.utils.randomSecretKey()
    const ranges = Array.from({ length: sectors }, (_, i) => ({ start: i * p.sectorChunks, end: (i + 1) * p.sectorChunks }))
    const times: number[] = []
    for (let i = 0; i < n; i++) {
      const blockHash = random(32)
      const positions = deriveChallenges({ blockHash, nodeId, ranges, count: 4 })
      const wire = challengeToWire(createChallenge({ id: random(32), nodeId, positions, deadlineMs: 500, issuedAtHeight: 1 }, validator), blockHash)
      const t = performance.now()
      const a = await contributor.answer(wire)
      times.push(performance.now() - t)
      if (a.status !== 'OK') throw new Error(`answer refused: ${a.status} ${a.message}`)
    }
    return { challenges: n, p50: q(times, 50), p99: q(times, 99), max: Math.max(...times) }
  },
  async seal (where, mib) {
    const worker = createLightWorker()
    const t0 = performance.now()
    for (let i = 0; i < mib; i++) {
      const data = random(1 << 20)
      if (where === 'worker') await worker.seal({ data, nodeId, sectorStart: i * DEVNET_SEAL.sectorChunks, params: DEVNET_SEAL })
      else sealSector({ data, nodeId, sectorStart: i * DEVNET_SEAL.sectorChunks, params: DEVNET_SEAL, hasher })
    }
    const ms = performance.now() - t0
    worker.terminate()
    return { where, mib, msPerMiB: ms / mib }
  }
}
