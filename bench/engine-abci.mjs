// ABCI socket server overhead (fullnode/app/abci-server.ts): a client plays CometBFT on loopback
// TCP against a no-op app. Pipelined CheckTx (the mempool connection's pattern: many requests,
// then Flush) gives the per-request cost; request+Flush round trips give the per-call latency,
// next to a bare TCP echo round trip measured in the same run (the floor any socket server pays).
// Run: npm run build && node bench/engine-abci.mjs [pipelined=100000] [roundTrips=5000]
import { connect, createServer } from 'node:net'
import { startAbciServer } from '../dist/fullnode/app/abci-server.js'
import { FrameDecoder, encodeRequest } from '../dist/fullnode/app/abci-codec.js'

const N = Number(process.argv[2] ?? 100_000)
const RT = Number(process.argv[3] ?? 5_000)
const empty = new Uint8Array()
const ok = async () => ({ code: 0, data: empty, log: '', info: '', gasWanted: 0n, gasUsed: 0n, events: [], codespace: '' })
const app = { checkTx: ok }
const server = await startAbciServer({ app, port: 0 })

async function client (port) {
  const s = connect(port, '127.0.0.1')
  s.setNoDelay(true)
  await new Promise((resolve) => s.once('connect', resolve))
  const d = new FrameDecoder()
  let got = 0
  let want = 0
  let done
  s.on('data', (b) => { got += d.push(b).length; if (got >= want && done) { const f = done; done = undefined; f() } })
  return {
    s,
    async expect (n) { want += n; if (got >= want) return; await new Promise((resolve) => { done = resolve }) }
  }
}

const tx = encodeRequest({ checkTx: { tx: new Uint8Array(8), type: 0 } })
const flush = encodeRequest({ flush: {} })

// Pipelined: N CheckTx then one Flush.
const c = await client(server.port)
for (let warm = 0; warm < 2; warm++) {
  const t0 = performance.now()
  const batch = Buffer.concat([...Array(N).fill(tx), flush])
  c.s.write(batch)
  await c.expect(N + 1)
  const ms = performance.now() - t0
  if (warm === 1) console.log(`pipelined CheckTx: ${N} in ${ms.toFixed(0)} ms = ${(ms * 1000 / N).toFixed(2)} µs/request (${Math.round(N / ms * 1000)} req/s)`)
}

// Round trips: CheckTx + Flush, wait, repeat.
const rtt = async (write, expectN) => {
  const xs = []
  for (let i = 0; i < RT; i++) {
    const t0 = performance.now()
    write()
    await expectN()
    xs.push(performance.now() - t0)
  }
  xs.sort((a, b) => a - b)
  return { p50: xs[Math.floor(xs.length / 2)] * 1000, p99: xs[Math.floor(xs.length * 0.99)] * 1000 }
}
const both = Buffer.concat([tx, flush])
await rtt(() => c.s.write(both), () => c.expect(2))
const abci = await rtt(() => c.s.write(both), () => c.expect(2))

// Baseline: bare TCP echo (no framing, no protobuf, no queue).
const echo = createServer((sock) => { sock.setNoDelay(true); sock.on('data', (b) => sock.write(b)) })
await new Promise((resolve) => echo.listen(0, '127.0.0.1', resolve))
const e = connect(echo.address().port, '127.0.0.1')
e.setNoDelay(true)
await new Promise((resolve) => e.once('connect', resolve))
let pending
e.on('data', () => { const f = pending; pending = undefined; f?.() })
const echoOnce = () => new Promise((resolve) => { pending = resolve; e.write(both) })
await rtt(() => {}, echoOnce)
const bare = await rtt(() => {}, echoOnce)
console.log(`round trip CheckTx+Flush: p50 ${abci.p50.toFixed(0)} µs, p99 ${abci.p99.toFixed(0)} µs; bare TCP echo p50 ${bare.p50.toFixed(0)} µs, p99 ${bare.p99.toFixed(0)} µs; overhead p50 ${(abci.p50 - bare.p50).toFixed(0)} µs (${(abci.p50 / bare.p50).toFixed(2)}x)`)
c.s.destroy(); e.destroy(); echo.close()
await server.close()
