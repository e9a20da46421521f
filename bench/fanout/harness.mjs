// One load-generator process of bench/fanout.mjs (not a benchmark itself: run.mjs only lists
// bench/*.mjs). It runs many protocol-level light clients, each its own libp2p node (TCP, Noise,
// Yamux, identify, gossipsub) with its own connection to the one full node under load. Each client
// speaks the real light-node protocols with the same codecs and ids as client/ — it hears header
// gossip on glowmesh/<chainId>/headers, asks /glowmesh/sync/1.0.0 for the latest light block once a
// second while gossip is quiet and every freshPollMs while it brings each next header
// (client/light-node.ts's poll), samples k distinct random columns of every new height over
// /glowmesh/sample/1.0.0 (client/sampler.ts) and now and then fetches a segment over
// /glowmesh/segment/1.0.0 — but skips the local verification (signatures, KZG, merkle proofs), so
// that the full node, not the harness, is what gets measured.
// Driven by its parent over IPC: { start: {...} } → 'ready' when connected; 'stats' → counters
// (latencies since the last 'reset'); 'reset'; 'stop'.
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { request, requestLightBlocks, requestSegment } from '../../dist/fullnode/net/client.js'
import { headersTopic, MAX_GOSSIP_BYTES } from '../../dist/fullnode/net/gossip.js'
import { gossipMsgId, isContentTopic } from '../../dist/fullnode/net/gossip-params.js'
import { coalesceWrites } from '../../dist/fullnode/net/coalesce.js'
import { leafGossip } from './leaf-gossip.mjs'
import { SAMPLE_PROTOCOL, SYNC_PROTOCOL, decodePush } from '../../dist/protocol/wire/index.js'

// libp2p creates an error for each outbound stream of a protocol this node does not itself handle
// (registrar.getHandler, to find a stream limit) and drops it: stacks cost more than the request
Error.stackTraceLimit = 0

const sleep = (ms, signal) => new Promise((resolve) => {
  const t = setTimeout(resolve, ms)
  signal?.addEventListener('abort', () => { clearTimeout(t); resolve() }, { once: true })
})

/** k distinct random columns of 128, as client/sampler.ts picks them. */
function columns (k) {
  const set = new Set()
  while (set.size < k) set.add(Math.floor(Math.random() * 128))
  return [...set]
}

const stats = () => ({
  clients: 0,
  connected: 0,
  gossipHeaders: 0,
  sync: { ok: 0, err: 0, lat: [] },
  sample: { ok: 0, withBlobs: 0, cells: 0, notOk: 0, err: 0, lat: [] },
  segment: { ok: 0, err: 0, lat: [] },
  errors: {}
})
let s = stats()
const controller = new AbortController()
const nodes = []

const noteError = (what, err) => {
  const k = `${what}: ${err?.name ?? 'Error'}: ${String(err?.message ?? err).slice(0, 80)}`
  s.errors[k] = (s.errors[k] ?? 0) + 1
}

async function client (o, i) {
  const topic = headersTopic(o.chainId)
  const node = await createLibp2p({
    transports: [tcp()],
    // one writev per event-loop turn, as the full node does (fullnode/net/coalesce.ts): the harness
    // shares the 2 cores with the node it measures
    connectionEncrypters: [coalesceWrites(noise())],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: () => false },
    connectionManager: { maxConnections: 4 },
    services: {
      identify: identify(),
      // --router-gossip: a whole gossipsub router per client (heartbeats, scores, signature checks)
      // instead of the leaf (fanout/leaf-gossip.mjs)
      ...(o.leafGossip ? {} : { pubsub: gossipsub({ msgIdFn: gossipMsgId(isContentTopic), allowPublishToZeroTopicPeers: true, doPX: false, maxInboundDataLength: MAX_GOSSIP_BYTES + 4096, emitSelf: false }) })
    }
  })
  nodes.push(node)
  if (o.leafGossip) {
    node.leaf = await leafGossip(node, { topic, maxBytes: MAX_GOSSIP_BYTES + 4096, onMessage: (m) => { s.gossipHeaders++; heard(node, m.data) }, onError: (err) => noteError('gossip', err) })
  } else {
    node.services.pubsub.addEventListener('message', (e) => { if (e.detail.topic === topic) { s.gossipHeaders++; heard(node, e.detail.data) } })
    node.services.pubsub.subscribe(topic)
  }
  const target = multiaddr(o.addr)
  for (let attempt = 0; ; attempt++) {
    try { await connect(node, target, AbortSignal.any([controller.signal, AbortSignal.timeout(20_000)])); break } catch (err) {
      if (controller.signal.aborted || attempt >= 20) throw err
      noteError('dial', err)
      await sleep(500 + Math.random() * 1000, controller.signal)
    }
  }
  s.clients++
  return node
}

/** A gossiped header: its height is the client's head while gossip is fresh (decoded, not verified). */
function heard (node, data) {
  try {
    const h = decodePush(SYNC_PROTOCOL, data).lightBlock?.signedHeader?.header?.height
    if (h !== undefined && (node.gossipHead === undefined || h > node.gossipHead)) { node.gossipHead = h; node.gossipAt = performance.now() }
  } catch (err) { noteError('gossip decode', err) }
}

/** Dials the full node and, with the leaf, subscribes to the header topic on the new connection. */
async function connect (node, target, signal) {
  const conn = await node.dial(target, { signal })
  if (node.leaf !== undefined) await node.leaf.subscribe(conn.remotePeer, signal)
  return conn
}

async function drive (o, node, i) {
  const peer = node.getConnections()[0]?.remotePeer
  const signal = controller.signal
  let sampled = 0n
  let blocks = 0
  let lastPoll = -Infinity
  await sleep(Math.random() * 1000, signal)
  while (!signal.aborted) {
    const tick = performance.now()
    const conn = node.getConnections().find((c) => c.remotePeer.equals(peer))
    if (conn === undefined) {
      // dropped (pruned by the full node's connection manager, say): redial as client/ does
      try { await connect(node, multiaddr(o.addr), AbortSignal.any([signal, AbortSignal.timeout(10_000)])) } catch (err) { noteError('redial', err) }
      await sleep(1000, signal)
      continue
    }
    let head
    let t = performance.now()
    const fresh = node.gossipAt !== undefined && t - node.gossipAt <= 2 * o.pollMs
    if (!fresh || t - lastPoll >= (o.freshPollMs ?? o.pollMs)) {
      lastPoll = t
      try {
        const [lb] = await requestLightBlocks(node, peer, { from: 'latest', signal, timeoutMs: 30_000 })
        s.sync.ok++; s.sync.lat.push(performance.now() - t)
        head = lb.signedHeader.header.height
      } catch (err) { if (signal.aborted) break; s.sync.err++; noteError('sync', err) }
    } else head = node.gossipHead
    // the newest block but one: its cells have had a block time to reach this full node from the
    // one the submitter used (a real sampler retries NOT_AVAILABLE instead)
    const target = head === undefined ? undefined : head - 1n
    if (target !== undefined && target > sampled) {
      sampled = target
      blocks++
      t = performance.now()
      try {
        const res = await request(node, peer, SAMPLE_PROTOCOL, { height: target, columns: columns(o.sampleCount) }, { signal, timeoutMs: 30_000 })
        if (res.status === 'OK') {
          s.sample.ok++; s.sample.lat.push(performance.now() - t)
          if (res.blobs.length > 0) { s.sample.withBlobs++; s.sample.cells += res.columns.reduce((n, c) => n + c.cells.length, 0) }
        } else { s.sample.notOk++; noteError('sample status', { name: res.status, message: res.message }) }
      } catch (err) { if (signal.aborted) break; s.sample.err++; noteError('sample', err) }
      if (o.segmentEvery > 0 && o.root !== undefined && (blocks + i) % o.segmentEvery === 0) {
        t = performance.now()
        try {
          await requestSegment(node, peer, { root: Uint8Array.from(Buffer.from(o.root.slice(2), 'hex')), index: Math.floor(Math.random() * o.segments), signal, timeoutMs: 30_000 })
          s.segment.ok++; s.segment.lat.push(performance.now() - t)
        } catch (err) { if (signal.aborted) break; s.segment.err++; noteError('segment', err) }
      }
    }
    await sleep(Math.max(0, o.pollMs - (performance.now() - tick)), signal)
  }
}

process.on('message', async (m) => {
  if (m.start !== undefined) {
    const o = m.start
    try {
      // dial at a bounded rate: the full node lets one host open inboundThreshold connections per second
      // (evenly spaced, not waiting for earlier dials: a slow handshake must not stall the ramp)
      const made = []
      for (let i = 0; i < o.count && !controller.signal.aborted; i++) {
        made.push(client(o, i).then((node) => { drive(o, node, i).catch((err) => noteError('drive', err)) }))
        await sleep(o.dialEveryMs, controller.signal)
      }
      const r = await Promise.allSettled(made)
      const failed = r.filter((x) => x.status === 'rejected')
      process.send({ ready: true, clients: s.clients, failed: failed.length, error: failed[0]?.reason?.message })
    } catch (err) { process.send({ ready: false, error: err.message }) }
  } else if (m === 'stats') {
    s.connected = nodes.filter((n) => n.getConnections().length > 0).length
    // each client's gossipsub score of the full node (below -80 = graylisted: its gossip is ignored)
    const scores = nodes.flatMap((n) => n.services.pubsub === undefined ? [] : n.getConnections().map((c) => n.services.pubsub.getScore(c.remotePeer.toString())))
    s.fullNodeScore = scores.length === 0 ? undefined : { min: Math.min(...scores), max: Math.max(...scores) }
    const cpu = process.cpuUsage()
    process.send({ stats: s, cpuMs: (cpu.user + cpu.system) / 1000, rss: process.memoryUsage().rss })
  } else if (m === 'reset') {
    const clients = s.clients
    s = stats(); s.clients = clients
  } else if (m === 'stop') {
    controller.abort()
    await Promise.allSettled(nodes.map((n) => n.stop()))
    process.exit(0)
  }
})
process.on('disconnect', () => process.exit(0))
