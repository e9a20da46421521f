// bench/browser-light.mjs's page (bundled with vite 8). ?mode= picks what it does:
//   node   a light node (startBrowserLightNode) against ?rpc pinned to ?genesis; records page load →
//          first verified header and, per height, when its header was accepted and when it was sampled
//   tab    startBrowserTab (one node per origin), for the leader hand-over
//   calc   no node: window.benchPage exposes the core's header verifier and pure-JS KZG to time in the page
import { startBrowserLightNode, startBrowserTab } from '../../client/browser/index.js'
import { signedHeaderFromJson, validatorsFromJson, verify, type LightBlock } from '../../protocol/chain/index.js'
import { jsKzg, type KzgCellVerifier } from '../../protocol/da/index.js'
import { createLightWorker } from '../../worker/client.js'

/** What the node / tab modes record (read with page.evaluate). */
export interface BenchProbe {
  firstVerifiedMs?: number
  leaderMs?: number
  /** height → performance.now() of the `header` event. */
  headerAt: Record<number, number>
  /** height → [performance.now() of the `sampled` event, confidence]. */
  sampledAt: Record<number, [number, number]>
  unavailable: number[]
  error?: string
}

/** The calc mode's functions: every figure is timed inside the page (performance.now()). */
export interface BenchPage {
  /** Fetches light blocks from..from+count from the RPC's JSON routes (untimed), then times the core's verify() on each adjacent pair. */
  verifyHeaders: (rpc: string, from: number, count: number, rounds: number) => Promise<{ perBlockMs: number[], blocks: number }>
  /** Times one KZG batch of cells (what the sampler does per peer) `runs` times: pure JS in the page, or in the dedicated Worker. */
  verifyCells: (batch: { commitments: string[], cellIndices: number[], cells: string[], proofs: string[] }, runs: number, where: 'page' | 'worker') => Promise<{ preloadMs: number, firstMs: number, runsMs: number[] }>
}
declare global { interface Window { benchProbe: BenchProbe, benchPage: BenchPage } }

const params = new URLSearchParams(location.search)
const mode = params.get('mode') ?? 'node'
const statusEl = document.getElementById('status')!
const probe: BenchProbe = { headerAt: {}, sampledAt: {}, unavailable: [] }
window.benchProbe = probe
const fail = (err: Error): void => { probe.error = `${err.name}: ${err.message}`; statusEl.textContent = probe.error }
const rpcUrl = params.get('rpc') ?? ''
const genesisHash = params.get('genesis') ?? ''

const fromB64 = (s: string): Uint8Array => Uint8Array.from(atob(s), (c) => c.charCodeAt(0))
async function getJson (url: string): Promise<any> {
  const res = await fetch(url)
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`)
  return await res.json()
}

window.benchPage = {
  async verifyHeaders (rpc, from, count, rounds) {
    const lbs: LightBlock[] = []
    for (let h = from; h <= from + count; h++) {
      const [hd, vals] = await Promise.all([getJson(`${rpc}/headers/${h}`), getJson(`${rpc}/validators/${h}`)])
      lbs.push({ signedHeader: signedHeaderFromJson({ header: hd.header, commit: hd.commit }), validators: validatorsFromJson(vals.validators) })
    }
    const perBlockMs: number[] = []
    for (let r = 0; r < rounds; r++) {
      const t = performance.now()
      for (let i = 1; i < lbs.length; i++) {
        verify({ trusted: lbs[i - 1], untrusted: lbs[i].signedHeader, untrustedVals: lbs[i].validators, trustingPeriodMs: 14 * 86_400_000, now: Date.now(), maxClockDriftMs: 10_000 })
      }
      perBlockMs.push((performance.now() - t) / (lbs.length - 1))
    }
    return { perBlockMs, blocks: lbs.length - 1 }
  },
  async verifyCells (b, runs, where) {
    const batch = { commitments: b.commitments.map(fromB64), cellIndices: b.cellIndices, cells: b.cells.map(fromB64), proofs: b.proofs.map(fromB64) }
    const worker = where === 'worker' ? createLightWorker() : undefined
    try {
      const kzg: KzgCellVerifier & { preload: () => Promise<void> } = worker?.kzg ?? jsKzg()
      let t = performance.now()
      await kzg.preload()
      const preloadMs = performance.now() - t
      t = performance.now()
      if (!await kzg.verifyCells(batch)) throw new Error('KZG batch did not verify')
      const firstMs = performance.now() - t
      const runsMs: number[] = []
      for (let i = 0; i < runs; i++) {
        t = performance.now()
        if (!await kzg.verifyCells(batch)) throw new Error('KZG batch did not verify')
        runsMs.push(performance.now() - t)
      }
      return { preloadMs, firstMs, runsMs }
    } finally { worker?.terminate() }
  }
}

if (mode === 'node') {
  startBrowserLightNode({ rpcUrl, genesisHash }).then((gm) => {
    gm.node.on('header', (h) => {
      probe.headerAt[h.height] ??= performance.now()
      if (probe.firstVerifiedMs === undefined) probe.firstVerifiedMs = performance.now()
    })
    gm.node.on('sampled', (s) => { probe.sampledAt[s.height] = [performance.now(), s.confidence] })
    gm.node.on('unavailable', (u) => { probe.unavailable.push(u.height) })
    setInterval(() => { statusEl.textContent = JSON.stringify(gm.status(), null, 2) }, 500)
  }, fail)
} else if (mode === 'tab') {
  const tab = startBrowserTab({ rpcUrl, genesisHash, onLeader () { probe.leaderMs = performance.now() }, onError: fail })
  setInterval(() => { statusEl.textContent = JSON.stringify({ role: tab.role, ...tab.status() }, null, 2) }, 500)
}
