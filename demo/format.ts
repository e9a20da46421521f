// Number, byte, hash and time formatting for the dashboard.

/** 1,234,567 @example fmtInt(1234) // '1,234' */
export const fmtInt = (n: number): string => n.toLocaleString('en-US')
/** 0x12ab34…9f8e7d @example shortHash('0x' + 'ab'.repeat(32)) */
export const shortHash = (h: string): string => h.length > 16 ? `${h.slice(0, 8)}…${h.slice(-6)}` : h
/** 12D3Ko…x7Yq2a @example shortPeer(peerId) */
export const shortPeer = (p: string): string => p.length > 14 ? `${p.slice(0, 6)}…${p.slice(-6)}` : (p || '—')

/** 1 − 10⁻ⁿ as a percentage with enough digits to show n, truncated (never rounded up to 100 %). @example formatConfidence(0.9999961).text // '99.9996 %' */
export function formatConfidence (c: number): { text: string, nines: string } {
  if (!(c > 0)) return { text: '—', nines: 'no data block sampled yet' }
  if (c >= 1) return { text: '100 %', nines: 'no blobs' }
  const n = -Math.log10(1 - c)
  const digits = Math.min(10, Math.max(1, Math.ceil(n - 1e-6) - 2))
  const scale = 10 ** digits
  const sup = (s: string): string => s.replace(/[0-9.]/g, (d) => '⁰¹²³⁴⁵⁶⁷⁸⁹'[Number(d)] ?? '·')
  return { text: `${(Math.floor(c * 100 * scale) / scale).toFixed(digits)} %`, nines: `1 − 10⁻${sup(n.toFixed(1))}` }
}

/** 1.5 MiB @example fmtBytes(1536) // '1.5 KiB' */
export function fmtBytes (n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++ }
  return `${i === 0 ? n : n.toFixed(n >= 100 ? 0 : 1)} ${units[i]}`
}

/** Decimal base units with thousands separators. @example fmtUnits('1234567') // '1,234,567' */
export function fmtUnits (s: string): string {
  return /^\d+$/.test(s) ? s.replace(/\B(?=(\d{3})+(?!\d))/g, ',') : s
}

/** 12s ago @example ago(new Date().toISOString()) // '0s ago' */
export function ago (isoOrMs: string | number): string {
  const t = typeof isoOrMs === 'number' ? isoOrMs : Date.parse(isoOrMs)
  if (Number.isNaN(t)) return '—'
  const s = Math.max(0, Math.round((Date.now() - t) / 1000))
  return s < 60 ? `${s}s ago` : s < 3600 ? `${Math.floor(s / 60)}m ago` : `${Math.floor(s / 3600)}h ago`
}

/** p-th percentile of numbers (nearest rank). @example percentile([1, 2, 3], 50) // 2 */
export function percentile (xs: number[], p: number): number {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]
}

/** Escapes text for innerHTML. @example esc('<b>') // '&lt;b&gt;' */
export const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

/** An error as one line: `Name (CODE): message`. @example errLine(new Error('x')) // 'Error: x' */
export function errLine (err: unknown): string {
  const e = err as { name?: string, code?: string, message?: string }
  return `${e?.name ?? 'Error'}${e?.code !== undefined ? ` (${e.code})` : ''}: ${e?.message ?? String(err)}`
}
