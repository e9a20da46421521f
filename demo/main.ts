// The glowmesh demo dashboard: this tab joins the origin's light node (startBrowserTab: the leader tab
// runs it, other tabs follow over BroadcastChannel) against ?rpc=URL pinned to ?genesis=HASH and shows
// it live: peers by transport, verified height, DA confidence per block, storage contribution
// (challenges, latency, rewards), file upload and a block check through the library calls. Every
// panel reads the same API in leader and follower tabs; a call this build lacks shows "not available".
import { startBrowserTab, type BrowserTab } from '../client/browser/index.js'
import type { AcceptedHeader, LightStatus } from '../client/types.js'
import { renderConfidence, renderHeight, renderLatency, type ConfidencePoint } from './charts.js'
import { ago, errLine, esc, fmtBytes, fmtInt, fmtUnits, formatConfidence, percentile, shortHash, shortPeer } from './format.js'
import { setupActions } from './actions.js'
import { setupCompute } from './compute.js'

const params = new URLSearchParams(location.search)
const rpcUrl = params.get('rpc') ?? ''
const genesisHash = params.get('genesis') ?? ''
const $ = (id: string): HTMLElement => document.getElementById(id)!

interface PeerRow { peerId: string, kind: 'full' | 'browser', transport: string }
interface ChallengeRow { id: string, ok: boolean, latencyMs: number, at: number }
interface ContributionView { state: string, pledgeBytes: number, registered: boolean, sectors: number, cachedBytes: number, rewards: string, penalties?: string, challenges: ChallengeRow[], refetches?: number, lastError?: { name: string, message: string, at: number } }
/** A panel's data: a value, "not available in this build", or not read yet. */
type Maybe<T> = { ok: true, value: T } | { ok: false, why: string } | undefined

/** Verified height once a second, last minute. */
const history: Array<{ t: number, h: number }> = []
let failure: string | undefined
let chainId = ''
let avail: Maybe<ConfidencePoint[]>
let peers: Maybe<PeerRow[]>
let contribution: Maybe<ContributionView>
let lastHeight = 0
let lastHeightAt = 0

$('rpc').textContent = rpcUrl || '(none: add ?rpc=…&genesis=…)'
fetch(new URL('/genesis', rpcUrl || location.href)).then(async (r) => await r.json()).then((g: { chainId?: unknown, chain_id?: unknown }) => {
  const id = g.chainId ?? g.chain_id
  if (typeof id === 'string') { chainId = id; $('chain').textContent = id }
}).catch(() => { $('chain').textContent = 'chain unknown' })

const tab = startBrowserTab({
  rpcUrl,
  genesisHash,
  onError (err: Error) { failure = errLine(err); render() }
})
/** The forwarded calls, looked up by name (a build may lack some: the answer is then NotSupportedError). */
const api = tab as unknown as Record<string, ((...args: any[]) => Promise<any>) | undefined>

async function read<T> (method: string, ...args: unknown[]): Promise<Maybe<T>> {
  const fn = api[method]
  if (typeof fn !== 'function') return { ok: false, why: 'not available in this build' }
  try { return { ok: true, value: await fn(...args) as T } } catch (err) {
    const code = (err as { code?: string }).code
    if (code === 'NOT_SUPPORTED') return { ok: false, why: 'not available in this build' }
    if (code === 'NO_LEADER' || code === 'RPC_TIMEOUT') return undefined // hand-over: keep the last values
    return { ok: false, why: errLine(err) }
  }
}

let refreshing = false
async function refresh (): Promise<void> {
  if (refreshing || window.glowmesh === undefined) return
  refreshing = true
  try {
    const [a, p, c] = await Promise.all([read<ConfidencePoint[]>('recentAvailability', 32), read<PeerRow[]>('peerInfo'), read<ContributionView>('contribution')])
    avail = a ?? avail; peers = p ?? peers; contribution = c ?? contribution
  } finally { refreshing = false }
}

const TRANSPORTS: Array<[string, string]> = [['websockets', 'WebSockets'], ['webrtc-direct', 'WebRTC-direct'], ['webrtc', 'WebRTC (browser)'], ['circuit-relay', 'Circuit relay']]

function renderPeers (s: LightStatus): void {
  const box = $('transports'); const list = $('peer-list')
  if (peers === undefined || !peers.ok) {
    $('peers-sub').textContent = 'libp2p connections'
    $('peers-total').textContent = ''
    box.innerHTML = `<div class="na">${peers === undefined ? 'reading…' : `Per-transport detail ${esc(peers.why)} — ${fmtInt(s.peers)} full-node connection(s)`}</div>`
    list.innerHTML = ''
    return
  }
  const rows = peers.value
  const full = rows.filter(r => r.kind === 'full').length
  $('peers-sub').textContent = `${full} full node${full === 1 ? '' : 's'} · ${rows.length - full} browser${rows.length - full === 1 ? '' : 's'}`
  $('peers-total').textContent = `${rows.length} open`
  const max = Math.max(1, ...TRANSPORTS.map(([t]) => rows.filter(r => r.transport === t).length))
  box.innerHTML = TRANSPORTS.map(([t, label]) => {
    const f = rows.filter(r => r.transport === t && r.kind === 'full').length
    const b = rows.filter(r => r.transport === t && r.kind === 'browser').length
    return `<div class="tr" data-transport="${t}" data-count="${f + b}"><span class="tl">${label}</span><span class="tb"><i class="full" style="width:${(f / max) * 100}%"></i><i class="browser" style="width:${(b / max) * 100}%"></i></span><span class="tn">${f + b === 0 ? '<span class="muted">0</span>' : `${f ? `${f} full` : ''}${f && b ? ' · ' : ''}${b ? `${b} browser` : ''}`}</span></div>`
  }).join('')
  list.innerHTML = rows.slice(0, 6).map(r => `<li><span class="mono" title="${esc(r.peerId)}">${esc(shortPeer(r.peerId))}</span><span class="pill kind-${r.kind}">${r.kind === 'full' ? 'full node' : 'browser'}</span><span class="pill t">${esc(r.transport)}</span></li>`).join('') +
    (rows.length > 6 ? `<li class="muted">+ ${rows.length - 6} more</li>` : '')
}

function renderContribution (s: LightStatus): void {
  const na = contribution !== undefined && !contribution.ok ? contribution.why : undefined
  const c = contribution?.ok === true ? contribution.value : undefined
  const st = $('contrib-state')
  st.textContent = c?.state ?? (na !== undefined ? 'n/a' : '…'); st.dataset.state = c?.state ?? 'na'
  $('pledge').textContent = c === undefined ? (na ?? '—') : c.pledgeBytes > 0 ? fmtBytes(c.pledgeBytes) : 'none'
  $('registered').textContent = c === undefined ? '—' : `${c.registered ? 'yes' : 'no'} · ${fmtInt(c.sectors)}`
  $('answered').textContent = fmtInt(s.challengesAnswered)
  $('failed').textContent = fmtInt(s.challengesFailed)
  $('failed').classList.toggle('bad', s.challengesFailed > 0)
  const lat = (c?.challenges ?? []).filter(x => x.ok).map(x => x.latencyMs)
  $('latency').textContent = lat.length === 0 ? '—' : `p50 ${Math.round(percentile(lat, 50))} ms · p99 ${Math.round(percentile(lat, 99))} ms`
  renderLatency($('latency-chart'), c?.challenges.slice(-40) ?? [])
  $('rewards').textContent = c === undefined ? '—' : fmtUnits(c.rewards)
  $('rewards-sub').textContent = c === undefined ? (na ?? 'reading…') : `units · penalties ${fmtUnits(c.penalties ?? '0')}${(c.refetches ?? 0) > 0 ? ` · ${c.refetches} re-fetched` : ''}`
  $('cached-sub').textContent = c !== undefined && c.pledgeBytes > 0 ? `of ${fmtBytes(c.pledgeBytes)} pledged` : 'sealed in IndexedDB'
  const running = c?.state === 'running' || c?.state === 'funding' || c?.state === 'waiting'
  ;($('start-contrib') as HTMLButtonElement).disabled = c === undefined || running
  ;($('stop-contrib') as HTMLButtonElement).disabled = c === undefined || !running
  if (c?.lastError !== undefined && $('contrib-msg').dataset.busy !== '1') $('contrib-msg').textContent = `last error (${ago(c.lastError.at)}): ${c.lastError.name}: ${c.lastError.message}`
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
  $('follower-note').hidden = role !== 'follower'
  const err = $('error')
  if (failure !== undefined) { err.hidden = false; err.textContent = failure } else err.hidden = true
  if (s.verifiedHeight !== lastHeight) { lastHeight = s.verifiedHeight; lastHeightAt = Date.now() }
  const fresh = lastHeightAt > 0 && Date.now() - lastHeightAt < 10_000
  $('live').dataset.state = failure !== undefined ? 'down' : fresh ? 'live' : 'wait'
  $('live-text').textContent = failure !== undefined ? 'stopped' : fresh ? 'live' : ready ? 'syncing' : 'connecting'
  $('peer').textContent = `peer ${shortPeer(s.peerId)}`
  $('peer').title = s.peerId
  $('height').textContent = s.verifiedHeight > 0 ? fmtInt(s.verifiedHeight) : '—'
  $('height').dataset.height = String(s.verifiedHeight)
  $('peers').textContent = ready ? fmtInt(s.peers) : '—'
  $('sampled').textContent = ready ? fmtInt(s.sampledBlocks) : '—'
  const c = formatConfidence(s.lastConfidence)
  $('confidence').textContent = c.text
  const k = avail?.ok === true ? avail.value.at(-1)?.sampledColumns.length : undefined
  $('confidence-sub').textContent = s.lastConfidence > 0 && k !== undefined && k > 0 ? `${c.nines} · k = ${k}` : c.nines
  $('cached').textContent = ready ? fmtBytes(s.cachedBytes) : '—'
  if (s.verifiedHeight > 0) {
    history.push({ t: Date.now(), h: s.verifiedHeight })
    while (history.length > 0 && Date.now() - history[0].t > 61_000) history.shift()
  }
  const rate = renderHeight($('chart'), history)
  $('rate').textContent = rate
  $('height-sub').textContent = s.verifiedHeight > 0 ? 'light-client verified' : 'waiting for the first header'
  const points = avail?.ok === true ? avail.value : []
  renderConfidence($('conf-chart'), points)
  $('conf-chart').dataset.points = String(points.length)
  const unavailable = points.filter(p => !p.available).length
  $('sampled-sub').textContent = unavailable > 0 ? `${unavailable} unavailable of ${points.length}` : 'blocks with blobs'
  $('conf-axis').innerHTML = avail !== undefined && !avail.ok ? `<span class="na">${esc(avail.why)}</span>` : `<span>${points.length > 0 ? `blocks ${points[0].height}–${points[points.length - 1].height}` : ''}</span><span>${points.length > 0 ? `${Math.round(points[points.length - 1].cost.ms)} ms · ${fmtBytes(points[points.length - 1].cost.bytes)} for the newest` : ''}</span>`
  renderPeers(s)
  renderContribution(s)
  renderHeaders(ready ? tab.headers() : [])
  const input = $('check-height') as HTMLInputElement
  if (s.verifiedHeight > 0) input.placeholder = `height (1 – ${fmtInt(s.verifiedHeight)})`
  $('updated').textContent = `updated ${new Date().toLocaleTimeString('en-GB')}`
}

setupActions({ tab: tab as BrowserTab, api, rpcUrl, chainId: () => chainId, $ })
const computeTick = setupCompute({ tab: tab as BrowserTab, api, rpcUrl, chainId: () => chainId, $ })
render()
setInterval(() => { void refresh().then(render); void computeTick().catch(() => {}) }, 1000)
