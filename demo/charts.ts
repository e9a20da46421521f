// Small inline-SVG charts (no chart library): DA confidence per block, verified height over the last
// minute, challenge latency sparkline.
import { esc, fmtInt } from './format.js'

/** One block's availability as the chart needs it (an AvailabilityReport's fields). */
export interface ConfidencePoint { height: number, available: boolean, confidence: number, blobs: number, sampledColumns: number[], cost: { ms: number, bytes: number } }

const MAX_NINES = 6
const NINES_LABEL = ['0 %', '90 %', '99 %', '99.9 %', '99.99 %', '99.999 %', '99.9999 %']

/** The element's drawn size (the viewBox follows it, so text and strokes are never stretched). */
function size (svg: Element, w: number, h: number): { W: number, H: number } {
  const W = Math.max(120, Math.round(svg.clientWidth || w)); const H = Math.max(40, Math.round(svg.clientHeight || h))
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`)
  return { W, H }
}

/**
 * Bars: height of each = −log10(1 − confidence) ("nines"), red ✕ for an unavailable block; a dashed
 * line on a second scale shows what sampling each block took (ms).
 * @example renderConfidence(svg, reports)
 */
export function renderConfidence (svg: SVGSVGElement | HTMLElement, points: ConfidencePoint[], slots = 32): void {
  const { W, H } = size(svg, 640, 180)
  const top = 16; const bottom = 22; const left = 74; const right = 52
  const parts: string[] = ['<defs><linearGradient id="cbar" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#5eead4"/><stop offset="1" stop-color="#5eead4" stop-opacity="0.22"/></linearGradient></defs>']
  const y = (nines: number): number => H - bottom - (Math.min(nines, MAX_NINES) / MAX_NINES) * (H - top - bottom)
  for (let n = 0; n <= MAX_NINES; n += 2) {
    parts.push(`<line x1="${left}" x2="${W - right}" y1="${y(n).toFixed(1)}" y2="${y(n).toFixed(1)}" class="grid-line"/>`)
    parts.push(`<text x="${left - 8}" y="${(y(n) + 4).toFixed(1)}" class="chart-label" text-anchor="end">${NINES_LABEL[n]}</text>`)
  }
  const pts = points.slice(-slots)
  if (pts.length === 0) {
    parts.push(`<text x="${(W + left - right) / 2}" y="${H / 2}" class="chart-empty" text-anchor="middle">waiting for a block with blobs to sample…</text>`)
    svg.innerHTML = parts.join('')
    return
  }
  const slot = (W - left - right) / slots; const bw = Math.max(4, Math.min(22, slot * 0.62))
  const maxMs = Math.max(50, ...pts.map(p => p.cost.ms))
  const yMs = (ms: number): number => H - bottom - (ms / maxMs) * (H - top - bottom) * 0.92
  const cost: string[] = []
  const every = Math.ceil(pts.length / 7)
  pts.forEach((p, i) => {
    const cx = left + (slots - pts.length + i) * slot + slot / 2
    const x = cx - bw / 2
    const nines = p.available ? -Math.log10(Math.max(1e-12, 1 - p.confidence)) : MAX_NINES
    const yt = y(nines)
    const tip = p.available ? `block ${p.height}: ${(p.confidence * 100).toFixed(5)} % · ${p.blobs} blob(s) · ${Math.round(p.cost.ms)} ms · ${Math.round(p.cost.bytes / 1024)} KiB` : `block ${p.height}: UNAVAILABLE`
    parts.push(`<rect x="${x.toFixed(1)}" y="${yt.toFixed(1)}" width="${bw.toFixed(1)}" height="${(H - bottom - yt).toFixed(1)}" rx="2.5" class="${p.available ? 'ok' : 'bad'}" fill="${p.available ? 'url(#cbar)' : 'rgba(248,113,113,0.55)'}"><title>${esc(tip)}</title></rect>`)
    if (!p.available) parts.push(`<text x="${cx.toFixed(1)}" y="${(yt - 4).toFixed(1)}" class="chart-bad" text-anchor="middle">✕</text>`)
    if (p.available && p.cost.ms > 0) cost.push(`${cx.toFixed(1)},${yMs(p.cost.ms).toFixed(1)}`)
    if (i === pts.length - 1 || (i % every === 0 && pts.length - 1 - i >= every / 2)) parts.push(`<text x="${cx.toFixed(1)}" y="${H - 6}" class="chart-label" text-anchor="middle">${p.height}</text>`)
  })
  if (cost.length > 1) parts.push(`<polyline points="${cost.join(' ')}" class="chart-cost"/>`)
  for (const c of cost) { const [cx, cy] = c.split(','); parts.push(`<circle cx="${cx}" cy="${cy}" r="2.4" class="chart-cost-dot"/>`) }
  parts.push(`<text x="${W - right + 6}" y="${(yMs(maxMs) + 4).toFixed(1)}" class="chart-cost-label">${maxMs >= 1000 ? `${(maxMs / 1000).toFixed(1)} s` : `${Math.round(maxMs)} ms`}</text>`)
  parts.push(`<text x="${W - right + 6}" y="${(H - bottom + 4).toFixed(1)}" class="chart-cost-label">0</text>`)
  svg.innerHTML = parts.join('')
}

/** Bars + line of the verified height, one sample a second, last minute. Returns blocks/min. @example renderHeight(svg, history) */
export function renderHeight (svg: SVGSVGElement | HTMLElement, history: Array<{ t: number, h: number }>): string {
  const { W, H } = size(svg, 640, 160); const pad = 8
  const now = Date.now()
  const pts = history.filter(p => now - p.t <= 60_000)
  if (pts.length === 0) { svg.innerHTML = `<text x="${W / 2}" y="${H / 2}" class="chart-empty" text-anchor="middle">waiting for the first verified header…</text>`; return '' }
  const lo = Math.min(...pts.map(p => p.h)); const hi = Math.max(...pts.map(p => p.h))
  const base = Math.max(0, lo - Math.max(1, Math.round((hi - lo) * 0.15)))
  const span = Math.max(1, hi - base)
  const slot = W / 60; const bw = slot * 0.62
  const yOf = (h: number): number => H - pad - ((h - base) / span) * (H - 2 * pad)
  const parts: string[] = ['<defs><linearGradient id="hbar" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#818cf8"/><stop offset="1" stop-color="#818cf8" stop-opacity="0.12"/></linearGradient></defs>']
  for (const g of [0.25, 0.5, 0.75]) parts.push(`<line x1="0" x2="${W}" y1="${(H * g).toFixed(1)}" y2="${(H * g).toFixed(1)}" class="grid-line"/>`)
  const line: string[] = []
  for (const p of pts) {
    const x = W - ((now - p.t) / 60_000) * W - slot / 2
    const t = yOf(p.h)
    parts.push(`<rect x="${(x - bw / 2).toFixed(1)}" y="${t.toFixed(1)}" width="${bw.toFixed(1)}" height="${(H - t).toFixed(1)}" rx="1.5" fill="url(#hbar)"/>`)
    line.push(`${x.toFixed(1)},${t.toFixed(1)}`)
  }
  if (line.length > 1) parts.push(`<polyline points="${line.join(' ')}" class="spark"/>`)
  parts.push(`<text x="6" y="16" class="chart-label">${fmtInt(hi)}</text><text x="6" y="${H - 10}" class="chart-label">${fmtInt(base)}</text>`)
  svg.innerHTML = parts.join('')
  const first = pts[0]; const last = pts[pts.length - 1]
  const secs = (last.t - first.t) / 1000
  return secs >= 5 ? `${((last.h - first.h) / secs * 60).toFixed(0)} blocks/min` : ''
}

/** Latency sparkline of challenge answers (ok: teal dots, failed: red). @example renderLatency(svg, records) */
export function renderLatency (svg: SVGSVGElement | HTMLElement, records: Array<{ ok: boolean, latencyMs: number }>): void {
  const { W, H } = size(svg, 300, 44); const pad = 4
  if (records.length === 0) { svg.innerHTML = `<text x="${W / 2}" y="${H / 2 + 4}" class="chart-empty" text-anchor="middle">no challenges yet</text>`; return }
  const max = Math.max(10, ...records.map(r => r.latencyMs))
  const step = records.length > 1 ? (W - 2 * pad) / (records.length - 1) : 0
  const pts = records.map((r, i) => ({ x: pad + i * step, y: H - pad - (r.latencyMs / max) * (H - 2 * pad), ok: r.ok }))
  const parts = [`<polyline points="${pts.map(p => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ')}" class="spark"/>`]
  for (const p of pts) parts.push(`<circle cx="${p.x.toFixed(1)}" cy="${p.y.toFixed(1)}" r="2.2" class="${p.ok ? 'dot-ok' : 'dot-bad'}"/>`)
  parts.push(`<text x="${W - 2}" y="10" class="chart-label" text-anchor="end">${Math.round(max)} ms</text>`)
  svg.innerHTML = parts.join('')
}
