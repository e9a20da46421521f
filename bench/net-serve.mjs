// Benchmark: fullnode/net serving light clients on loopback — header sync (32 light blocks of a
// 4-validator chain per request) and segment serving (256 KiB + proof per request), over TCP,
// WebSockets and WebRTC-direct; one request at a time and 8 in flight. Prints requests/s, MB/s
// (response bytes on the wire) and latency p50/p99. Reference in the same run: a bare libp2p
// ping round trip on the same connection (the floor any request/response pays). Client and server
// share one process and event loop here, so each figure pays both sides' CPU.
// Run: npm run build && node --experimental-websocket --import ./cli/polyfills.js bench/net-serve.mjs [seconds-per-case=2]
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { webRTCDirect } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { createLibp2p } from 'libp2p'
import { BlockIdFlag, commitVoteSignBytes, hashHeader, sortValidators, validatorAddress, validatorSetHash } from '../dist/protocol/chain/index.js'
import { fileLayout } from '../dist/protocol/storage/layout.js'
import { SegmentTree, segmentBytes } from '../dist/protocol/storage/proofs.js'
import { encodeResponse, SEGMENT_PROTOCOL, SYNC_PROTOCOL } from '../dist/protocol/wire/index.js'
import { createNetNode, lightBlockToWire, NotFoundError, requestLightBlocks, requestSegment } from '../dist/fullnode/net/index.js'

const seconds = Number(process.argv[2] ?? 2)
const utf8 = (s) => new TextEncoder().encode(s)

// -- a 4-validator chain of 512 blocks, signed as CometBFT precommits
const HEIGHT = 512n
const chainId = 'glowmesh-bench'
const keys = [0, 1, 2, 3].map(i => { const sk = sha256(utf8(`bench/${i}`)); const pk = ed25519.getPublicKey(sk); return { sk, pk, address: validatorAddress(pk) } })
const validators = sortValidators(keys.map(k => ({ address: k.address, pubKey: k.pk, votingPower: 10n })))
const keyOf = new Map(keys.map(k => [Buffer.from(k.address).toString('hex'), k]))
const vhash = validatorSetHash(validators)
const blocks = []
let lastBlockId = { hash: new Uint8Array(), partSetHeader: { total: 0, hash: new Uint8Array() } }
for (let h = 1n; h <= HEIGHT; h++) {
  const header = {
    version: { block: 11n, app: 1n }, chainId, height: h, time: { seconds: 1_700_000_000n + h, nanos: 5 }, lastBlockId,
    lastCommitHash: sha256(utf8(`lc/${h}`)), dataHash: sha256(new Uint8Array()), validatorsHash: vhash, nextValidatorsHash: vhash,
    consensusHash: sha256(utf8('c')), appHash: sha256(utf8(`app/${h}`)), lastResultsHash: sha256(new Uint8Array()),
    evidenceHash: sha256(new Uint8Array()), proposerAddress: validators[Number(h % 4n)].address
  }
  const blockId = { hash: hashHeader(header), partSetHeader: { total: 1, hash: sha256(utf8(`p/${h}`)) } }
  const commit = { height: h, round: 0, blockId, signatures: validators.map((v, i) => ({ blockIdFlag: BlockIdFlag.Commit, validatorAddress: v.address, timestamp: { seconds: header.time.seconds + 1n, nanos: i }, signature: new Uint8Array() })) }
  commit.signatures.forEach((s, i) => { s.signature = ed25519.sign(commitVoteSignBytes(chainId, commit, i), keyOf.get(Buffer.from(s.validatorAddress).toString('hex')).sk) })
  blocks.push({ signedHeader: { header, commit }, validators })
  lastBlockId = blockId
}

// -- a 16 MiB file: 64 segments
const data = new Uint8Array(16 << 20)
for (let i = 0; i < data.length; i += 65536) data.set(sha256(utf8(`d/${i}`)), i)
const layout = fileLayout(data.length)
const tree = SegmentTree.fromBytes(layout, data)

const services = {
  async lightBlock (h) {
    const height = h === 'latest' ? HEIGHT : h
    if (height < 1n || height > HEIGHT) throw new NotFoundError(`no height ${height}`)
    return blocks[Number(height) - 1]
  },
  async segment (root, index) {
    if (index >= BigInt(layout.dataSegments)) throw new NotFoundError('no such segment')
    return { bytes: segmentBytes(data, Number(index)), proof: tree.proof(Number(index)) }
  },
  async submitTx (tx) { return { txHash: sha256(tx), code: 0, log: '' } }
}

const unlimited = { burst: 1e9, perSecond: 1e9 }
const node = await createNetNode({
  key: { privateKey: sha256(utf8('bench-node')) },
  config: { chainId, p2p: { host: '127.0.0.1', tcp: 0, ws: 0, webrtcDirect: 0 } },
  services,
  limits: { maxStreamsPerPeer: 64, rateLimits: { [SYNC_PROTOCOL]: unlimited, [SEGMENT_PROTOCOL]: unlimited } }
})

const syncBytes = encodeResponse(SYNC_PROTOCOL, { status: 'OK', message: '', lightBlocks: blocks.slice(0, 32).map(lightBlockToWire) }).length
const segBytes = encodeResponse(SEGMENT_PROTOCOL, { status: 'OK', message: '', data: segmentBytes(data, 0), proof: { siblings: tree.proof(0).siblings, leafIndex: 0n, leafCount: BigInt(tree.proof(0).leafCount) } }).length

const q = (xs, p) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]
async function run (name, concurrency, once, bytesPer) {
  const lat = []
  let next = 0
  const end = performance.now() + seconds * 1000
  const t0 = performance.now()
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) {
      const i = next++
      const t = performance.now()
      await once(i)
      lat.push(performance.now() - t)
    }
  }))
  const s = (performance.now() - t0) / 1000
  lat.sort((a, b) => a - b)
  const rps = lat.length / s
  console.log(`${name.padEnd(44)} ${rps.toFixed(0).padStart(6)} req/s ${(rps * bytesPer / 1e6).toFixed(1).padStart(7)} MB/s   p50 ${q(lat, 0.5).toFixed(2).padStart(6)} ms  p99 ${q(lat, 0.99).toFixed(2).padStart(6)} ms`)
}

const transports = { tcp: (m) => !m.includes('/ws') && !m.includes('webrtc'), ws: (m) => m.includes('/ws'), 'webrtc-direct': (m) => m.includes('webrtc-direct') }
console.log(`sync response: 32 light blocks = ${syncBytes} B; segment response = ${segBytes} B; ${seconds} s per case`)
for (const [t, pick] of Object.entries(transports)) {
  const client = await createLibp2p({
    transports: [tcp(), webSockets(), webRTCDirect({ rtcConfiguration: { iceServers: [] } })],
    connectionEncrypters: [noise()], streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: () => false },
    services: { identify: identify(), ping: ping() }
  })
  const ma = node.multiaddrs().find(m => pick(m.toString()))
  await client.dial(ma)
  const peer = node.peerId
  await run(`[${t}] ping (reference)`, 1, async () => { await client.services.ping.ping(peer) }, 32)
  for (const c of [1, 8]) {
    await run(`[${t}] sync 32 blocks, ${c} in flight`, c, async (i) => {
      const r = await requestLightBlocks(client, peer, { from: BigInt(1 + (i * 32) % 480), count: 32 })
      if (r.length !== 32) throw new Error('short answer')
    }, syncBytes)
    await run(`[${t}] segment 256 KiB + proof, ${c} in flight`, c, async (i) => {
      await requestSegment(client, peer, { root: tree.root, index: i % 64 })
    }, segBytes)
  }
  await client.stop()
}
await node.stop()
// node-datachannel's native threads can outlive every closed WebRTC connection after heavy use
// (its global cleanup() would break other nodes in a shared process): exit explicitly
process.exit(0)
