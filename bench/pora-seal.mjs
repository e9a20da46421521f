// PoRA honest costs with protocol/ code (pure JS, one thread ≈ a browser Worker): sealing, the
// registration spot-check proof and its verification, answering a challenge from a sealed sector
// (one 256 KiB segment re-hashed, noble and wasm keccak), and verifying one answer.
// Run: npm run build && node bench/pora-seal.mjs [log2SectorChunks=18] [layers=DEFAULT]
import { randomBytes } from 'node:crypto'
import {
  DEFAULT_SEAL_PARAMS, SealedSector, answerChallenge, createChallenge, decodeAnswer, encodeAnswer, proveSealing,
  sealSector, verifyAnswer, verifySealingSpotChecks, deriveChallenges
} from '../dist/protocol/pora/index.js'
import { createWasmHasher } from '../dist/wasm/keccak/index.js'

const log2n = Number(process.argv[2] ?? 18)
const params = { ...DEFAULT_SEAL_PARAMS, sectorChunks: 2 ** log2n, layers: Number(process.argv[3] ?? DEFAULT_SEAL_PARAMS.layers) }
const MiB = params.sectorChunks * 256 / 2 ** 20
const data = randomBytes(params.sectorChunks * 256)
const nodeId = randomBytes(32)
const wasm = createWasmHasher()
const time = (fn) => { const t = performance.now(); const out = fn(); return [performance.now() - t, out] }
const q = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p / 100 * s.length))] }

console.log(`sector ${MiB} MiB, ${params.layers} layers, ${params.baseParents}+${params.expanderParents} parents`)
const [sealMs, { sealed, commitment }] = time(() => sealSector({ data, nodeId, sectorStart: 0, params, hasher: wasm }))
console.log(`seal (JS labels + wasm 0G roots, 1 thread): ${(sealMs / 1000).toFixed(1)} s = ${(sealMs / MiB).toFixed(0)} ms/MiB; 64 MiB pledge ${(sealMs / MiB * 64 / 1000).toFixed(0)} s, 256 MiB ${(sealMs / MiB * 256 / 60000).toFixed(1)} min; labels in memory: ${2 * params.sectorChunks * 32 / 2 ** 20} MiB`)
const seed = randomBytes(32)
const [proveMs, proof] = time(() => proveSealing({ data, commitment, params, seed, hasher: wasm }))
const [checkMs, verdict] = time(() => verifySealingSpotChecks({ commitment, params, seed, proof, hasher: wasm }))
const proofBytes = proof.labels.reduce((s, o) => s + (1 + o.base.length + o.expander.length) * (32 + 32 * o.proof.siblings.length), 0) + proof.data.reduce((s) => s + 32 * 3 * log2n + 512 + 32, 0)
console.log(`registration: proveSealing ${(proveMs / 1000).toFixed(1)} s (a second labelling pass), ~${(proofBytes / 2 ** 20).toFixed(1)} MiB of openings; verifySealingSpotChecks ${checkMs.toFixed(0)} ms → ${verdict.ok}`)

const store = new Map([[0, SealedSector.fromSealed(sealed, params, wasm)]])
const storeNoble = new Map([[0, SealedSector.fromSealed(sealed, params)]])
const key = randomBytes(32)
const answerTimes = { noble: [], wasm: [] }; const verifyTimes = { 1: [], 4: [] }
for (let i = 0; i < 40; i++) {
  for (const count of [1, 4]) {
    const positions = deriveChallenges({ blockHash: randomBytes(32), nodeId, ranges: [{ start: 0, end: params.sectorChunks }], count })
    const challenge = createChallenge({ id: randomBytes(32), nodeId, positions, deadlineMs: 500, issuedAtHeight: 1 }, key)
    const [aw, answer] = time(() => answerChallenge({ challenge, nodeId, sectors: store, params }))
    if (count === 1) {
      answerTimes.wasm.push(aw)
      answerTimes.noble.push(time(() => answerChallenge({ challenge, nodeId, sectors: storeNoble, params }))[0])
    }
    const wire = encodeAnswer(answer)
    const [vt, v] = time(() => verifyAnswer({ answer: decodeAnswer(wire), challenge, sectors: [commitment], params }))
    if (!v.ok) throw new Error(v.reason)
    verifyTimes[count].push(vt)
  }
}
const f = (xs) => `p50 ${q(xs, 50).toFixed(2)} ms / p99 ${q(xs, 99).toFixed(2)} ms`
console.log(`honest answer, 1 position (segment already in memory; add an IndexedDB 256 KiB read, p50 2.2 / p99 ~10 ms): wasm keccak ${f(answerTimes.wasm)}, noble ${f(answerTimes.noble)}`)
console.log(`verify one answer (decode + verifyAnswer, noble keccak): 1 position ${(q(verifyTimes[1], 50) * 1000).toFixed(0)} µs p50, 4 positions ${(q(verifyTimes[4], 50) * 1000).toFixed(0)} µs p50`)
