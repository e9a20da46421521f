// The soak's steady load (scripts/soak.mjs), reproducible from its seed: file uploads with the real
// `glowmesh put` and downloads with `glowmesh get` (the CLI's own code, run in this process), and DA
// blob submissions through submitPayload (what `glowmesh da submit` runs, with one native KZG kept
// for the whole run), each timed to the millisecond, each DA block timed again until every light
// node has sampled it. Every operation is recorded with `record({ kind, ms, ok, error, … })`.
import { createHash } from 'node:crypto'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { run as runCli } from '../../dist/cli/main.js'
import { submitPayload } from '../../dist/fullnode/da/client.js'
import { GlowmeshError } from '../../dist/protocol/errors.js'

/** A CLI command the soak ran failed (exit status and the end of its stderr in the message). */
export class SoakCommandError extends GlowmeshError {
  name = 'SoakCommandError'
  constructor (message) { super('SOAK_COMMAND', message) }
}

/**
 * mulberry32: a small seeded PRNG; `next()` in [0, 1).
 * @example const rng = createRng(42); rng.int(1, 6)
 */
export function createRng (seed) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return { next, int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)) }
}

/** `n` bytes from the generator (4 at a time). */
export function randomBytesFrom (rng, n) {
  const words = new Uint32Array(Math.ceil(n / 4))
  for (let i = 0; i < words.length; i++) words[i] = Math.floor(rng.next() * 4294967296)
  return new Uint8Array(words.buffer, 0, n)
}

/**
 * Runs `glowmesh ...args` in this process; resolves to its stdout, throws SoakCommandError on a
 * non-zero exit.
 * @example const out = await cli(['put', file, '--json', '--home', home])
 */
export async function cli (args) {
  let stdout = ''
  let stderr = ''
  const code = await runCli(args, { stdout: (t) => { stdout += t }, stderr: (t) => { stderr += t }, stdoutBytes: async () => {} })
  if (code !== 0) throw new SoakCommandError(`glowmesh ${args[0]} exited ${code}: ${stderr.trim().split('\n').slice(-2).join(' | ').slice(0, 400)}`)
  return stdout
}

const sleep = async (ms, signal) => await new Promise((resolve) => {
  const done = () => { clearTimeout(t); signal.removeEventListener('abort', done); resolve() }
  const t = setTimeout(done, ms)
  signal.addEventListener('abort', done, { once: true })
})

/**
 * Starts the three load loops; they run until `signal` aborts. Returns `{ files, blobs, stopped }`:
 * `files` are the stored files (`{ root, size, sha256, at }`), `blobs` the committed DA submissions
 * (`{ height, blobs }`), `stopped` resolves when every loop (and every pending sampling wait) ended.
 * @example const load = startLoad({ home, work, nodes: 4, rpc, kzg, key, lights, rng, epochs, record, signal })
 */
export function startLoad (o) {
  const { home, work, nodes, rpc, kzg, key, lights, rng, epochs, record, signal } = o
  const files = []
  const blobs = []
  const pending = new Set()
  let n = 0
  const timed = async (kind, fields, fn) => {
    const t0 = Date.now()
    try {
      const extra = await fn()
      record({ kind, ms: Date.now() - t0, ok: true, ...fields, ...extra })
      return extra
    } catch (err) {
      if (signal.aborted) return undefined
      record({ kind, ms: Date.now() - t0, ok: false, ...fields, error: `${err?.name ?? 'Error'}: ${err?.message ?? err}` })
      return undefined
    }
  }

  const putOnce = async () => {
    const size = rng.put.int(64 * 1024, 2 * 1024 * 1024)
    const node = rng.put.int(0, nodes - 1)
    const bytes = randomBytesFrom(rng.put, size)
    const path = join(work, `put-${n++}.bin`)
    writeFileSync(path, bytes)
    try {
      await timed('put', { size, node }, async () => {
        const out = JSON.parse(await cli(['put', path, '--json', '--epochs', String(epochs), '--node', String(node), '--home', home]))
        files.push({ root: out.root, size, sha256: createHash('sha256').update(bytes).digest('hex'), at: Date.now() })
        return { height: out.height }
      })
    } finally { rmSync(path, { force: true }) }
  }

  const getOnce = async () => {
    // files stored ≥ 30 s ago: every full node has had time to mirror them
    const ready = files.filter((f) => Date.now() - f.at > 30_000)
    if (ready.length === 0) return
    const f = ready[rng.get.int(0, ready.length - 1)]
    const node = rng.get.int(0, nodes - 1)
    const out = join(work, `get-${n++}.bin`)
    try {
      await timed('get', { size: f.size, node }, async () => {
        await cli(['get', f.root, '--out', out, '--node', String(node), '--home', home])
        const got = createHash('sha256').update(readFileSync(out)).digest('hex')
        if (got !== f.sha256) throw new SoakCommandError(`glowmesh get ${f.root} from node${node}: the bytes differ from what was put`)
        return {}
      })
    } finally { rmSync(out, { force: true }) }
  }

  const daOnce = async () => {
    const size = rng.da.int(1024, 240 * 1024)
    const node = rng.da.int(0, nodes - 1)
    const payload = randomBytesFrom(rng.da, size)
    const t0 = Date.now()
    const sent = await timed('da-submit', { size, node }, async () => {
      const r = await submitPayload({ rpc: rpc(node), key, payload, kzg, signal })
      return { height: r.height, blobs: r.commitments.length }
    })
    if (sent === undefined) return
    blobs.push({ height: sent.height, blobs: sent.blobs })
    // submit→sampled, per light node, in the background (the next submission doesn't wait)
    for (const l of lights) {
      const p = l.waitSampled(sent.height, 180_000, signal)
        .then((at) => record({ kind: 'da-sampled', light: l.name, height: sent.height, ms: at - t0, ok: true }))
        .catch((err) => { if (!signal.aborted) record({ kind: 'da-sampled', light: l.name, height: sent.height, ms: Date.now() - t0, ok: false, error: `${err.name}: ${err.message}` }) })
        .finally(() => pending.delete(p))
      pending.add(p)
    }
  }

  const loop = async (fn, lo, hi, r) => {
    while (!signal.aborted) {
      await fn().catch((err) => { record({ kind: 'harness', ok: false, error: String(err?.stack ?? err) }) })
      await sleep(r.int(lo, hi), signal)
    }
  }
  const stopped = Promise.all([
    loop(putOnce, 15_000, 30_000, rng.put),
    loop(getOnce, 10_000, 20_000, rng.get),
    loop(daOnce, 5_000, 10_000, rng.da)
  ]).then(async () => { await Promise.allSettled([...pending]) })
  return { files, blobs, stopped }
}
