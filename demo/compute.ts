// The dashboard's compute panels (issue 11): "compute contribution" (lend this node's GPU: on/off,
// backend + adapter, jobs done, earnings, reputation/flag from the chain, the alignment monitor's
// figures) and "verify an AI output" (draw a digit on a 28×28 canvas or pick a held-out one, post a
// job from the page, wait for a worker, run verifyInference here and tick every check with its ms).
// `window.glowmesh.compute` exposes the same steps to tests.
import type { BrowserTab, ComputeStatus } from '../client/browser/index.js'
import { createBrowserVerification } from '../client/compute/browser.js'
import { verifyInference, type InferenceReport } from '../client/compute/index.js'
import { fetchVerifiedFile } from '../client/compute/worker-loop.js'
import { ensureFunded } from '../client/browser/identity.js'
import { createRpcClient } from '../fullnode/rpc/client.js'
import { computeApi, jobIdOf, sendTx, waitForJob } from '../client/compute/market.js'
import { fetchResultDocument } from '../client/compute/result-doc.js'
import { parseInferenceResult, type InferenceResult } from '../protocol/compute/result.js'
import { base64ToBytes, keyFromFile } from '../protocol/chain/index.js'
import { fromHex } from '../protocol/bytes.js'
import { errLine, esc, fmtInt, fmtUnits, shortHash } from './format.js'
import digitsFile from './digits.json' with { type: 'json' }

type Api = Record<string, ((...args: any[]) => Promise<any>) | undefined>
interface Ctx { tab: BrowserTab, api: Api, rpcUrl: string, chainId: () => string, $: (id: string) => HTMLElement }
/** What a finished "run & verify" gives (also window.glowmesh.compute.lastRun). */
export interface DigitRun { jobId: string, label?: number, prediction: number, doc: InferenceResult, report: InferenceReport, postToResultMs: number }
/** window.glowmesh.compute: what tests drive. */
export interface DemoCompute {
  /** computeStatus() through the tab (leader or follower). */
  status: () => Promise<ComputeStatus>
  /** verifyInference of a document in this page (leader tab: needs the node). */
  verify: (doc: unknown, options?: { reexecute?: number }) => Promise<InferenceReport>
  /** Loads held-out digit `i` of the bundled set (0…49) into the canvas. */
  pick: (i: number) => void
  /** Posts the canvas as a job, waits for a worker, fetches and verifies the document (what the button does). */
  runAndVerify: () => Promise<DigitRun>
  lastRun?: DigitRun
}

const SIZE = 28
const SCALE = 6
const digits = (digitsFile as { digits: Array<{ n: number, label: number, pixels: string }> }).digits
let pixels = new Float32Array(SIZE * SIZE) // 0…1
let pickedLabel: number | undefined
let status: ComputeStatus | undefined
let statusWhy = ''
let monitor = ''

function drawCanvas (c: HTMLCanvasElement): void {
  const g = c.getContext('2d')!
  g.fillStyle = '#0b1020'
  g.fillRect(0, 0, c.width, c.height)
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i]
    if (v <= 0) continue
    const l = Math.round(40 + v * 215)
    g.fillStyle = `rgb(${l},${l},${Math.min(255, l + 20)})`
    g.fillRect((i % SIZE) * SCALE, Math.floor(i / SIZE) * SCALE, SCALE, SCALE)
  }
}

/** The canvas as the model's int8 input, round(v·127) (compute-spec). */
const inputOf = (): Int8Array => Int8Array.from(pixels, v => Math.round(Math.min(1, Math.max(0, v)) * 127))

function setupCanvas (c: HTMLCanvasElement, onChange: () => void): void {
  c.width = SIZE * SCALE; c.height = SIZE * SCALE
  let down = false
  const paint = (e: PointerEvent): void => {
    const r = c.getBoundingClientRect()
    const x = ((e.clientX - r.left) / r.width) * SIZE
    const y = ((e.clientY - r.top) / r.height) * SIZE
    for (let py = Math.floor(y) - 2; py <= Math.floor(y) + 2; py++) {
      for (let px = Math.floor(x) - 2; px <= Math.floor(x) + 2; px++) {
        if (px < 0 || py < 0 || px >= SIZE || py >= SIZE) continue
        const d = Math.hypot(px + 0.5 - x, py + 0.5 - y)
        const i = py * SIZE + px
        pixels[i] = Math.min(1, pixels[i] + Math.max(0, 1.3 - d / 1.4))
      }
    }
    pickedLabel = undefined
    drawCanvas(c); onChange()
  }
  c.addEventListener('pointerdown', (e) => { down = true; c.setPointerCapture(e.pointerId); paint(e) })
  c.addEventListener('pointermove', (e) => { if (down) paint(e) })
  c.addEventListener('pointerup', () => { down = false })
  drawCanvas(c)
}

function renderReport ($: Ctx['$'], run: DigitRun | undefined, report: InferenceReport): void {
  const head = run === undefined ? '' : `job <span class="mono" title="${esc(run.jobId)}">${esc(shortHash(run.jobId))}</span> · prediction <b>${run.prediction}</b>${run.label === undefined ? '' : ` (label ${run.label})`} · worker ${esc(run.doc.backend)} · post→result ${fmtInt(Math.round(run.postToResultMs))} ms<br>`
  $('verify-msg').innerHTML = `${head}${report.ok ? '✔ verified' : '✘ NOT verified'} · confidence <b>${report.ok ? `1 − ${report.errorBound.toExponential(1)}` : '0'}</b> · ${Math.round(report.ms)} ms in this page (${report.checks.length} checks)`
  $('verify-msg').dataset.ok = String(report.ok)
  $('verify-checks').innerHTML = report.checks.map(c => `<li data-ok="${String(c.ok)}"><span class="tick">${c.ok ? '✔' : '✘'}</span><span class="cname">${esc(c.name)}</span><span class="cms">${c.ms.toFixed(1)} ms</span><span class="cdetail muted" title="${esc(c.detail)}">${esc(c.detail)}</span></li>`).join('') +
    report.skipped.map(s => `<li data-ok="skipped"><span class="tick">–</span><span class="cname">${esc(s)}</span><span class="cms"></span><span class="cdetail muted">skipped</span></li>`).join('')
}

function renderStatus ($: Ctx['$']): void {
  const s = status
  const st = $('compute-state')
  st.textContent = s?.state ?? (statusWhy !== '' ? 'n/a' : '…'); st.dataset.state = s?.state ?? 'na'
  ;($('compute-toggle') as HTMLInputElement).checked = s !== undefined && s.state !== 'off'
  ;($('compute-toggle') as HTMLInputElement).disabled = s === undefined
  $('compute-adapter').textContent = s === undefined ? (statusWhy || '—') : s.backend === undefined ? (s.adapter ?? 'not started') : `${s.backend} · ${s.adapter ?? ''}`
  $('compute-adapter').dataset.backend = s?.backend ?? ''
  const w = s?.worker
  $('compute-jobs').textContent = s === undefined ? '—' : `${fmtInt(s.jobsDone)} this session · ${w === undefined ? 0 : fmtInt(w.jobsDone)} on chain`
  $('compute-jobs').dataset.jobs = String(s?.jobsDone ?? 0)
  $('compute-earned').textContent = w === undefined ? '—' : `${fmtUnits(w.earned)} units${w.slashed !== '0' ? ` · slashed ${fmtUnits(w.slashed)}` : ''}`
  $('compute-earned').dataset.earned = w?.earned ?? '0'
  $('compute-rep').innerHTML = w === undefined ? '—' : `${w.reputation}${w.flagged ? ' <span class="pill bad">flagged</span>' : ' <span class="pill ok">not flagged</span>'} · disputes lost ${w.disputesLost}`
  $('compute-monitor').textContent = monitor || '—'
  $('compute-recent').innerHTML = (s?.jobs ?? []).slice(-5).reverse().map(j => `<tr><td class="mono" title="${esc(j.jobId)}">${esc(shortHash(j.jobId))}</td><td>batch ${j.batch}</td><td>→ ${esc(j.predictions.join(','))}</td><td class="muted">${esc(j.backend)} · ${j.computeMs} ms</td></tr>`).join('')
  if (s?.lastError !== undefined && $('compute-msg').dataset.busy !== '1') $('compute-msg').textContent = `last error: ${s.lastError.name}: ${s.lastError.message}`
}

/** A one-line summary of `GET /compute/monitor` (whatever figures it publishes), or why there is none. */
async function readMonitor (rpcUrl: string): Promise<string> {
  try {
    const res = await fetch(`${rpcUrl.replace(/\/+$/, '')}/compute/monitor`, { signal: AbortSignal.timeout(5000) })
    if (res.status === 404) return 'not running on this node'
    if (!res.ok) return `HTTP ${res.status}`
    const m = await res.json() as Record<string, unknown>
    const count = (v: unknown): number | undefined => Array.isArray(v) ? v.length : v !== null && typeof v === 'object' ? Object.keys(v).length : undefined
    const parts: string[] = []
    for (const [k, v] of Object.entries(m)) {
      if (typeof v === 'number') parts.push(`${k} ${fmtInt(v)}`)
      else if (count(v) !== undefined) parts.push(`${k} ${count(v)!}`)
    }
    return parts.slice(0, 5).join(' · ') || 'no figures yet'
  } catch (err) { return errLine(err) }
}

/** Wires both panels; returns a refresh to call with the dashboard's 1 s tick. @example const tick = setupCompute({ tab, api, rpcUrl, chainId, $ }) */
export function setupCompute (c: Ctx): () => Promise<void> {
  const { $ } = c
  const canvas = $('digit-canvas') as HTMLCanvasElement
  setupCanvas(canvas, () => { $('digit-picked').textContent = 'drawn by hand' })
  const pick = (i: number): void => {
    const d = digits[i]
    if (d === undefined) throw new RangeError(`no bundled digit ${i} (0…${digits.length - 1})`)
    const raw = base64ToBytes(d.pixels)
    pixels = Float32Array.from(new Int8Array(raw.buffer, raw.byteOffset, raw.length), v => v / 127)
    pickedLabel = d.label
    drawCanvas(canvas)
    $('digit-picked').textContent = `held-out digit #${d.n} (label ${d.label})`
  }
  $('digit-picks').innerHTML = digits.filter((_, i) => i % 5 === 0).map(d => `<button class="btn pick" data-i="${digits.indexOf(d)}">${d.label}</button>`).join('')
  $('digit-picks').addEventListener('click', (e) => {
    const i = (e.target as HTMLElement).dataset.i
    if (i !== undefined) pick(Number(i) + Math.floor(Math.random() * 5))
  })
  $('digit-clear').addEventListener('click', () => { pixels = new Float32Array(SIZE * SIZE); pickedLabel = undefined; drawCanvas(canvas); $('digit-picked').textContent = 'empty' })

  const verify = async (doc: unknown, o: { reexecute?: number } = {}): Promise<InferenceReport> => {
    const gm = c.tab.node
    if (gm === undefined) throw new Error('verification runs in the leader tab (this one follows it)')
    return await verifyInference(parseInferenceResult(doc), { ...createBrowserVerification(gm, { chainId: c.chainId() || undefined }), reexecute: o.reexecute ?? 1, signal: AbortSignal.timeout(60_000) })
  }

  const runAndVerify = async (): Promise<DigitRun> => {
    const say = (t: string): void => { $('verify-msg').textContent = t; $('verify-msg').dataset.ok = '' }
    const input = inputOf()
    if (input.every(v => v === 0)) throw new Error('draw a digit or pick one first')
    if (c.api.exportKey === undefined) throw new Error('this build cannot export the node key')
    const key = keyFromFile(await c.api.exportKey())
    const rpc = createRpcClient({ url: c.rpcUrl })
    const market = computeApi(rpc)
    const signal = AbortSignal.timeout(180_000)
    const models = await (await fetch(`${rpc.url}/compute/models`, { signal })).json() as { models?: Array<{ root: string, inputSize: number }> }
    const model = (models.models ?? []).find(m => m.inputSize === SIZE * SIZE)
    if (model === undefined) throw new Error('no 784-input model is registered yet: run `glowmesh infer --sample 0` once')
    say('funding this node\'s account…')
    await ensureFunded({ rpcUrl: c.rpcUrl, address: key.address, signal })
    say('posting the job…')
    const t0 = performance.now()
    const sent = await sendTx(rpc, key, c.chainId(), 'compute.job.post', { modelRoot: fromHex(model.root, 32), input: new Uint8Array(input.buffer), batch: 1, fee: 100_000n, deadlineBlocks: 300, verification: 'freivalds' }, { signal })
    const jobId = jobIdOf(key.address, sent.nonce)
    say(`job ${shortHash(jobId)} posted at height ${sent.height}; waiting for a worker…`)
    const job = await waitForJob(market, jobId, j => j.result !== null, { signal, timeoutMs: 170_000, what: 'result' })
    const postToResultMs = performance.now() - t0
    // the signed document: the page's own worker knows its file root; for another worker's answer,
    // rebuild it from the chain record (its signature is on chain) and the trace, as glowmesh infer does
    // the chain can show the result before this page's worker loop has recorded its own row (its
    // sendTx is still confirming): when the job is ours, wait for that row — it holds the document
    // root, whose document tells the backend, which nothing on chain records
    const ownRow = async (): Promise<{ documentRoot: string } | undefined> => (await c.api.computeStatus?.())?.jobs.find((j: { jobId: string }) => j.jobId === jobId)
    let mine = await ownRow()
    for (let waited = 0; mine === undefined && job.worker === key.address && waited < 30_000; waited += 250) {
      await new Promise((resolve) => setTimeout(resolve, 250))
      signal.throwIfAborted()
      mine = await ownRow()
    }
    // the job's chain record is read from state proven against headers this node verified: wait until it has verified past the result's block
    const gm = c.tab.node
    if (gm !== undefined && job.result !== null) await gm.node.waitForHeight(job.result.height + 2, { signal })
    say('fetching the signed document and verifying it…')
    let doc: InferenceResult
    if (mine !== undefined) doc = parseInferenceResult(new TextDecoder().decode(await fetchVerifiedFile(rpc, mine.documentRoot, { signal, maxBytes: 1 << 20 })))
    else {
      const view = await market.model(job.modelRoot, signal)
      if (view === undefined) throw new Error(`model ${job.modelRoot} is not registered`)
      doc = (await fetchResultDocument({ rpc, chainId: c.chainId(), job, model: view, signal })).doc
    }
    const report = await verify(doc)
    const run: DigitRun = { jobId, label: pickedLabel, prediction: doc.output.predictions[0], doc, report, postToResultMs }
    api.lastRun = run
    renderReport($, run, report)
    return run
  }

  const api: DemoCompute = {
    status: async () => { const s = await c.api.computeStatus?.(); if (s === undefined) throw new Error('computeStatus is not available in this build'); return s },
    verify: async (doc, o) => { const r = await verify(doc, o); renderReport($, undefined, r); return r },
    pick,
    runAndVerify
  }

  $('digit-run').addEventListener('click', () => {
    const b = $('digit-run') as HTMLButtonElement
    b.disabled = true
    $('verify-checks').innerHTML = ''
    $('verify-msg').textContent = 'starting…'; $('verify-msg').dataset.ok = ''
    runAndVerify().catch((err) => { $('verify-msg').textContent = errLine(err); $('verify-msg').dataset.ok = 'false' }).finally(() => { b.disabled = false })
  })
  $('compute-toggle').addEventListener('change', () => {
    const on = ($('compute-toggle') as HTMLInputElement).checked
    const msg = $('compute-msg'); msg.dataset.busy = '1'; msg.textContent = on ? 'probing the Worker\'s WebGPU adapter…' : 'stopping…'
    const call = on ? c.api.startComputing : c.api.stopComputing
    if (call === undefined) { msg.textContent = 'not available in this build'; return }
    call().then(() => { msg.textContent = on ? 'contributing: open jobs are claimed, run in the Worker and answered' : 'stopped' }, (err) => { msg.textContent = errLine(err) }).finally(() => { msg.dataset.busy = '' })
  })

  let tick = 0
  return async () => {
    const g = window.glowmesh as unknown as (Record<string, unknown> | undefined)
    if (g !== undefined && g.compute === undefined) g.compute = api
    if (c.api.computeStatus === undefined) { statusWhy = 'not available in this build'; renderStatus($); return }
    try { status = await c.api.computeStatus(); statusWhy = '' } catch (err) {
      const code = (err as { code?: string }).code
      if (code !== 'NO_LEADER' && code !== 'RPC_TIMEOUT') { status = undefined; statusWhy = code === 'NOT_SUPPORTED' ? 'not available in this build' : errLine(err) }
    }
    if (tick++ % 5 === 0) monitor = await readMonitor(c.rpcUrl)
    renderStatus($)
  }
}
