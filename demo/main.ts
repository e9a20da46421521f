// The glowmesh demo dashboard: this tab joins the origin's light node (startBrowserTab: the leader tab
// runs it, other tabs follow over BroadcastChannel) against ?rpc=URL pinned to ?genesis=HASH, and
// renders its status once a second. Plain DOM + inline SVG; window.glowmesh is set by startBrowserTab.
import { startBrowserTab } from '../client/browser/index.js'
import type { AcceptedHeader, LightStatus } from '../client/types.js'

const params = new URLSearchParams(location.search)
const rpcUrl = params.get('rpc') ?? ''
const genesisHash = params.get('genesis') ?? ''
const $ = (id: string): HTMLElement => document.getElementById(id)!

/** Verified height once a second, last minute. */
const history: Array<{ t: number, h: number }> = []
let failure: string | undefined

$('rpc').textContent = rpcUrl || '(none: add ?rpc=…&genesis=…)'
fetch(new URL('/genesis', rpcUrl || location.href)).then(async (r) => await r.json()).then((g: { chainId?: unknown }) => {
  if (typeof g.chainId === 'string') $('chain').textContent = g.chainId
}).catch(() => { $('chain').textContent = 'chain unknown' })

const tab = startBrowserTab({
  rpcUrl,
  genesisHash,
  onError (err: Error & { code?: string }) {
    failure = `${err.name}${err.code !== undefined ? ` (${err.code})` : ''}: ${err.message}`
    render()
  }
})

const fmtInt = (n: number): string => n.toLocaleString('en-US')
const shortHash = (h: string): string => h.length > 14 ? `${h.slice(0, 8)}…${h.slice(-6)}` : h
const shortPeer = (p: string): string => p.length > 14 ? `${p.slice(0, 6)}…${p.slice(-6)}` : (p || '—')

/** 1 − 10⁻ⁿ as a percentage with enough digits to show n, truncated (never rounded up to 100 %). */
function formatConfidence (c: number): { text: string, nines: string } {
  if (!(c > 0)) return { text: '—', nines: 'no data block sampled yet' }
  if (c >= 1) return { text: '100 %', nines: '1 − 0' }
  const n = -Math.log10(1 - c)
  const digits = Math.min(10, Math.max(1, Math.ceil(n - 1e-6) - 2))
  const scale = 10 ** digits
  return { text: `${(Math.floor(c * 100 * scale) / scale).toFixed(digits)} %`, nines: `1 − 10^−${n.toFixed(1)}` }
}

function fmtBytes (n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB']
  let i = 0
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++ }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`
}

function ago (iso: string): string {
  const t = Date.parse(iso)
  if (Number.isNaN(t)) return '—'
  const s = Math.max(0, Math.round((Date.now() - t) / 1000))
  return s < 60 ? `${s}s ago` : `${Math.floor(s / 60)}m ago`
}

function renderChart (): void {
  const svg = $('chart')
  const W = 600; const H = 160; const pad = 6
  const now = Date.now()
  const pts = history.filter(p => now - p.t <= 60_000)
  if (pts.length === 0) { svg.innerHTML = ''; return }
  const lo = Math.min(...pts.map(p => p.h)); const hi = Math.max(...pts.map(p => p.h))
  const base = Math.max(0, lo - Math.max(1, Math.round((hi - lo) * 0.15)))
  const span = Math.max(1, hi - base)
  const slot = W / 60; const bw = slot * 0.62
  const y = (h: number): number => H - pad - ((h - base) / span) * (H - 2 * pad)
  const parts: string[] = ['<defs><linearGradient id="bar" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#5eead4"/><stop offset="1" stop-color="#5eead4" stop-opacity="0.15"/></linearGradient></defs>']
  for (const g of [0.25, 0.5, 0.75]) parts.push(`<line x1="0" x2="${W}" y1="${(H * g).toFixed(1)}" y2="${(H * g).toFixed(1)}" class="grid-line"/>`)
  const line: string[] = []
  for (const p of pts) {
    const x = W - ((now - p.t) / 60_000) * W - slot / 2
    const top = y(p.h)
    parts.push(`<rect x="${(x - bw / 2).toFixed(1)}" y="${top.toFixed(1)}" width="${bw.toFixed(1)}" height="${(H - top).toFixed(1)}" rx="1.5" fill="url(#bar)"/>`)
    line.push(`${x.toFixed(1)},${top.toFixed(1)}`)
  }
  if (line.length > 1) parts.push(`<polyline points="${line.join(' ')}" class="spark"/>`)
  parts.push(`<text x="6" y="14" class="chart-label">${fmtInt(hi)}</text><text x="6" y="${H - 8}" class="chart-label">${fmtInt(base)}</text>`)
  svg.innerHTML = parts.join('')
  const first = pts[0]; const last = pts[pts.length - 1]
  const secs = (last.t - first.t) / 1000
  $('rate').textContent = secs >= 5 ? `${((last.h - first.h) / secs * 60).toFixed(0)} blocks/min` : ''
}

function renderHeaders (log: AcceptedHeader[]): void {
  const body = $('headers')
  const rows = log.slice(-8).reverse()
  if (rows.length === 0) { body.innerHTML = '<tr class="empty"><td colspan="5">no headers yet</td></tr>'; return }
  body.innerHTML = rows.map(h => `<tr><td class="num">${fmtInt(h.height)}</td><td class="mono" title="${h.hash}">${shortHash(h.hash)}</td>` +
    `<td><span class="pill ${h.verifiedBy}">${h.verifiedBy}</span></td><td class="num muted">${h.from > 0 ? fmtInt(h.from) : '—'}</td><td class="muted">${ago(h.time)}</td></tr>`).join('')
}

function render (): void {
  const ready = window.glowmesh !== undefined
  const s: LightStatus = tab.status()
  const role = failure !== undefined ? 'stopped' : ready ? tab.role : 'starting'
  const roleEl = $('role'); roleEl.textContent = role; roleEl.dataset.role = role
  const err = $('error')
  if (failure !== undefined) { err.hidden = false; err.textContent = failure } else err.hidden = true
  $('peer').textContent = `peer ${shortPeer(s.peerId)}`
  $('peer').title = s.peerId
  $('height').textContent = s.verifiedHeight > 0 ? fmtInt(s.verifiedHeight) : '—'
  $('height').dataset.height = String(s.verifiedHeight)
  $('height-sub').textContent = s.verifiedHeight > 0 ? 'light-client verified' : 'waiting for the first header'
  $('peers').textContent = ready ? fmtInt(s.peers) : '—'
  $('sampled').textContent = ready ? fmtInt(s.sampledBlocks) : '—'
  const c = formatConfidence(s.lastConfidence)
  $('confidence').textContent = c.text
  $('confidence-sub').textContent = c.nines
  $('cached').textContent = ready ? fmtBytes(s.cachedBytes) : '—'
  $('answered').textContent = ready ? fmtInt(s.challengesAnswered) : '—'
  $('failed').textContent = ready ? fmtInt(s.challengesFailed) : '—'
  $('failed').classList.toggle('bad', s.challengesFailed > 0)
  $('resumed').textContent = ready ? (tab.resumedFrom > 0 ? fmtInt(tab.resumedFrom) : 'genesis') : '—'
  if (s.verifiedHeight > 0) {
    history.push({ t: Date.now(), h: s.verifiedHeight })
    while (history.length > 0 && Date.now() - history[0].t > 61_000) history.shift()
  }
  renderChart()
  renderHeaders(ready ? tab.headers() : [])
  $('updated').textContent = `updated ${new Date().toLocaleTimeString('en-GB')}`
}

render()
setInterval(render, 1000)
