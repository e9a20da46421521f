// One DA submitter process of bench/da.mjs (not a benchmark itself). It encodes like
// `glowmesh da submit` (native KZG, DESIGN §3: the submitter encodes, the full node only
// batch-verifies), signs the `da.submit`, POSTs it to one full node and waits for the block — and
// encodes its next payload while it waits. Driven over IPC: { start: { rpcUrl, seed, chainId, blobs } }
// → { committed: { height, size, encodeMs } } per submission; 'stop' → { stopped, cpuMs }.
import { randomFillSync } from 'node:crypto'
import { createNativeKzg } from '../../dist/fullnode/da/native-kzg.js'
import { submitPayload } from '../../dist/fullnode/da/client.js'
import { createRpcClient } from '../../dist/fullnode/rpc/client.js'
import { blobCount, packBlob } from '../../dist/protocol/da/index.js'
import { generateKey } from '../../dist/protocol/chain/index.js'

let running = true
process.on('message', async (m) => {
  if (m === 'stop') { running = false; return }
  if (m.start === undefined) return
  const o = m.start
  const kzg = await createNativeKzg({ precompute: true })
  const key = generateKey(Uint8Array.from(Buffer.from(o.seed, 'hex')))
  const rpc = createRpcClient({ url: o.rpcUrl, timeoutMs: 60_000 })
  const size = o.blobs * 126_976 - 1000 // just under `blobs` blobs
  let n = 0
  const encode = async () => {
    // random bytes: every blob of every payload is new to the nodes. (A pattern that varied only in
    // the first bytes made blobs 1..7 of a payload repeat across submitters and cases, and the
    // nodes, which keep blobs by commitment, skipped verifying and storing the repeats.)
    const payload = randomFillSync(new Uint8Array(size)); n++
    const t = performance.now()
    const encoded = []
    for (let i = 0; i < blobCount(size); i++) encoded.push(await kzg.encodeBlob(packBlob(payload, i)))
    return { payload, encoded, encodeMs: performance.now() - t }
  }
  process.send({ ready: true })
  let next = encode()
  while (running) {
    const { payload, encoded, encodeMs } = await next
    next = encode() // overlaps the wait for the block below
    let i = 0
    try {
      const r = await submitPayload({ rpc, key, payload, chainId: o.chainId, kzg: { encodeBlob: async () => encoded[i++] }, timeoutMs: 120_000 })
      process.send({ committed: { id: o.id, height: r.height, size: r.size, encodeMs } })
    } catch (err) {
      process.send({ error: `${err.name}: ${err.message}` })
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
  }
  const cpu = process.cpuUsage()
  process.send({ stopped: true, cpuMs: (cpu.user + cpu.system) / 1000 })
  process.exit(0)
})
process.on('disconnect', () => process.exit(0))
