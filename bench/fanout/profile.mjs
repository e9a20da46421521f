// CPU profile of another Node process for bench/fanout.mjs (not a benchmark itself): opens the
// inspector of process `pid` with SIGUSR1 (it listens on the --inspect-port its NODE_OPTIONS named),
// records a V8 sampling profile over the Chrome DevTools protocol for `ms`, and writes a .cpuprofile
// (loadable in Chrome DevTools); summarize() groups its self time by what it is spent in.
import { writeFileSync } from 'node:fs'

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Starts profiling `pid`; the returned stop() writes `file` and returns the profile. */
export async function startProfile (pid, port) {
  process.kill(pid, 'SIGUSR1')
  let list
  for (let i = 0; i < 50 && list === undefined; i++) {
    try { list = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json() } catch { await sleep(100) }
  }
  if (list === undefined) throw new Error(`no inspector on port ${port} for pid ${pid}`)
  const ws = new WebSocket(list[0].webSocketDebuggerUrl)
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject })
  let id = 0
  const pending = new Map()
  ws.onmessage = (m) => { const r = JSON.parse(m.data); pending.get(r.id)?.(r); pending.delete(r.id) }
  const call = (method, params = {}) => new Promise((resolve) => { pending.set(++id, resolve); ws.send(JSON.stringify({ id, method, params })) })
  await call('Profiler.enable')
  await call('Profiler.setSamplingInterval', { interval: 500 })
  await call('Profiler.start')
  return {
    async stop (file) {
      const r = await call('Profiler.stop')
      ws.close()
      if (file !== undefined) writeFileSync(file, JSON.stringify(r.result.profile))
      return r.result.profile
    }
  }
}

/** What a frame's self time is spent in, from its url and name. */
function category (f) {
  const u = f.url ?? ''
  const n = f.functionName
  if (n === '(garbage collector)') return 'GC'
  if (n === '(idle)' || n === '(program)') return n
  if (u.includes('gossipsub')) return 'gossipsub'
  if (u.includes('libp2p-noise') || u.includes('@noble/ciphers') || u.includes('chacha')) return 'noise'
  if (u.includes('libp2p-yamux')) return 'yamux'
  if (u.includes('protons') || u.includes('protobuf') || u.includes('uint8arraylist') || u.includes('it-length-prefixed') || u.includes('varint')) return 'protobuf/framing'
  if (u.includes('/debug/') || u.includes('logger')) return 'logging'
  if (u.includes('@libp2p/tcp') || n.includes('onStreamRead') || n.startsWith('writev') || n === 'writeGeneric' || u.startsWith('node:net')) return 'tcp/socket'
  if (u.includes('node_modules/libp2p/') || u.includes('@libp2p/')) return 'libp2p other'
  if (u.includes('@noble/hashes') || u.includes('@noble/curves')) return 'hashing/curves'
  if (u.includes('node_modules/undici') || u.includes('node:internal/deps/undici') || u.includes('/rpc/') || u.includes('cometbft')) return 'cometbft rpc/http'
  if (u.includes('/fullnode/net/')) return 'fullnode/net'
  if (u.includes('/fullnode/da/') || u.includes('kzg')) return 'DA/sample'
  if (u.includes('/protocol/wire/')) return 'protocol/wire'
  if (u.includes('/dist/')) return 'glowmesh other'
  if (u.includes('node_modules')) return 'deps other'
  if (u.startsWith('node:') || u === '') return 'node internals/native'
  return 'other'
}

/** Self time (ms) by category — native and node-internal frames charged to their nearest caller with a category — and the top functions by self time. */
export function summarize (profile, top = 25) {
  const dt = new Map()
  for (let i = 0; i < profile.samples.length; i++) dt.set(profile.samples[i], (dt.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000)
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const inherited = new Map()
  const categoryOf = (id) => {
    if (inherited.has(id)) return inherited.get(id)
    const node = byId.get(id)
    let c = category(node.callFrame)
    if (c === 'node internals/native' && parent.has(id)) {
      const up = categoryOf(parent.get(id))
      if (up !== '(root)' && up !== 'node internals/native') c = up
    }
    if (node.callFrame.functionName === '(root)') c = '(root)'
    inherited.set(id, c)
    return c
  }
  const cats = {}
  const fns = new Map()
  for (const node of profile.nodes) {
    const ms = dt.get(node.id) ?? 0
    if (ms === 0) continue
    const c = categoryOf(node.id)
    cats[c] = (cats[c] ?? 0) + ms
    const k = `${node.callFrame.functionName || '(anon)'} ${(node.callFrame.url ?? '').replace(/.*node_modules\//, '').replace(/.*\/dist\//, 'dist/')}:${node.callFrame.lineNumber}`
    fns.set(k, (fns.get(k) ?? 0) + ms)
  }
  delete cats['(idle)']
  return { categories: Object.entries(cats).sort((a, b) => b[1] - a[1]), top: [...fns].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top) }
}

/** Inclusive time (ms) of the frames whose function name matches `re`, counted once per sample. */
export function inclusive (profile, re) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  let ms = 0
  for (let i = 0; i < profile.samples.length; i++) {
    for (let id = profile.samples[i]; id !== undefined; id = parent.get(id)) {
      if (re.test(byId.get(id).callFrame.functionName)) { ms += (profile.timeDeltas[i] ?? 0) / 1000; break }
    }
  }
  return ms
}
