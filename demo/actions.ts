// The dashboard's buttons: start/stop contributing, upload a file (signed with the node's key), and
// check a block with the library calls (verifyHeader + checkAvailability). Each works from leader
// and follower tabs alike (the calls are forwarded to the leader over the RPC).
import type { BrowserTab } from '../client/browser/index.js'
import { ensureFunded } from '../client/browser/identity.js'
import { uploadFile, type UploadProgress } from '../client/browser/upload.js'
import { keyFromFile } from '../protocol/chain/index.js'
import { errLine, esc, fmtBytes, fmtInt, shortHash } from './format.js'

interface Ctx {
  tab: BrowserTab
  api: Record<string, ((...args: any[]) => Promise<any>) | undefined>
  rpcUrl: string
  chainId: () => string
  $: (id: string) => HTMLElement
}

/** Wires the buttons. @example setupActions({ tab, api, rpcUrl, chainId: () => id, $ }) */
export function setupActions (c: Ctx): void {
  const { $ } = c
  const msg = (id: string, text: string, busy = false): void => { const el = $(id); el.textContent = text; el.dataset.busy = busy ? '1' : '0' }

  $('start-contrib').addEventListener('click', () => {
    const pledgeBytes = Number(($('pledge-size') as HTMLSelectElement).value)
    msg('contrib-msg', `pledging ${fmtBytes(pledgeBytes)}: funding, registering, sealing…`, true)
    const fn = c.api.startContributing
    if (fn === undefined) { msg('contrib-msg', 'storage contribution is not available in this build'); return }
    fn({ pledgeBytes, signal: AbortSignal.timeout(300_000) }).then(() => { msg('contrib-msg', `contributing ${fmtBytes(pledgeBytes)}`) }, (err) => { msg('contrib-msg', errLine(err)) })
  })
  $('stop-contrib').addEventListener('click', () => {
    const fn = c.api.stopContributing
    if (fn === undefined) return
    msg('contrib-msg', 'stopping…', true)
    fn().then(() => { msg('contrib-msg', 'stopped: sealed data stays in IndexedDB') }, (err) => { msg('contrib-msg', errLine(err)) })
  })

  // the identity: rewards belong to the key, so it can leave this browser and come back (restart to apply an import)
  $('export-key').addEventListener('click', () => {
    const fn = c.api.exportKey
    if (fn === undefined) { msg('key-msg', 'key export is not available in this build'); return }
    fn().then((key: { address?: string }) => {
      const a = document.createElement('a')
      a.href = URL.createObjectURL(new Blob([JSON.stringify(key, null, 2)], { type: 'application/json' }))
      a.download = `glowmesh-key-${String(key.address ?? 'node').slice(0, 10)}.json`
      a.click()
      setTimeout(() => { URL.revokeObjectURL(a.href) }, 10_000)
      msg('key-msg', `key exported (${shortHash(String(key.address ?? ''))}): keep it secret, import it to keep earning after a cleared browser`)
    }, (err: unknown) => { msg('key-msg', errLine(err)) })
  })
  const keyInput = $('import-key') as HTMLInputElement
  keyInput.addEventListener('change', () => {
    const f = keyInput.files?.[0]
    const fn = c.api.importKey
    if (f === undefined) return
    if (fn === undefined) { msg('key-msg', 'key import is not available in this build'); return }
    msg('key-msg', `importing ${f.name}…`, true)
    f.text().then(async (text) => await fn(text)).then((id: { address: string }) => {
      msg('key-msg', `imported ${shortHash(id.address)}: reload the page to run the node with it`)
    }, (err: unknown) => { msg('key-msg', errLine(err)) }).finally(() => { keyInput.value = '' })
  })

  const uploads: Array<{ name: string, size: number, root: string, cid: string, height: number }> = []
  const file = $('file') as HTMLInputElement
  file.addEventListener('change', () => {
    const f = file.files?.[0]
    if (f === undefined) return
    void upload(f).finally(() => { file.value = '' })
  })
  async function upload (f: File): Promise<void> {
    const bar = $('upload-bar'); const box = $('upload-progress')
    box.hidden = false; bar.style.width = '2%'; bar.dataset.state = 'busy'
    const signal = AbortSignal.timeout(300_000)
    try {
      if (c.api.exportKey === undefined) throw new Error('this build cannot export the node key')
      const key = keyFromFile(await c.api.exportKey())
      msg('upload-msg', `${f.name}: funding ${shortHash(key.address)} from the faucet…`, true)
      await ensureFunded({ rpcUrl: c.rpcUrl, address: key.address, signal })
      const data = new Uint8Array(await f.arrayBuffer())
      const onProgress = (p: UploadProgress): void => {
        bar.style.width = `${Math.max(2, p.phase === 'done' ? 100 : p.phase === 'uploading' ? 20 + 80 * p.segmentsDone / Math.max(1, p.segments) : p.phase === 'submitting' ? 12 : 5)}%`
        msg('upload-msg', `${f.name}: ${p.phase}${p.phase === 'uploading' ? ` segment ${p.segmentsDone + 1} of ${p.segments}` : p.phase === 'submitting' ? ' storage.submit (signed)' : '…'}`, true)
      }
      let result
      for (let attempt = 1; ; attempt++) {
        try { result = await uploadFile(data, { rpcUrl: c.rpcUrl, key, chainId: c.chainId(), signal, onProgress }); break } catch (err) {
          // the storage contributor signs with the same key: a nonce race is retried once its tx is in a block
          if (attempt >= 8 || !/nonce|sequence/i.test((err as Error).message)) throw err
          msg('upload-msg', `${f.name}: the node's own transaction took this nonce; retrying (${attempt})…`, true)
          await new Promise((resolve) => setTimeout(resolve, 750 * attempt))
          signal.throwIfAborted()
        }
      }
      uploads.unshift({ name: f.name, ...result })
      bar.dataset.state = 'done'
      msg('upload-msg', `${f.name}: stored at height ${fmtInt(result.height)}`)
      $('uploads').innerHTML = uploads.slice(0, 4).map(u => `<tr data-root="${u.root}"><td>${esc(u.name)}<div class="muted small">${fmtBytes(u.size)} · block ${fmtInt(u.height)}</div></td>` +
        `<td class="mono small"><div title="${u.root}">root ${shortHash(u.root)}</div><div title="${esc(u.cid)}">cid ${esc(u.cid.slice(0, 12))}…${esc(u.cid.slice(-6))}</div></td></tr>`).join('')
    } catch (err) {
      bar.dataset.state = 'bad'
      msg('upload-msg', `${f.name}: ${errLine(err)}`)
    }
  }

  let checking: AbortController | undefined
  $('check-form').addEventListener('submit', (ev) => {
    ev.preventDefault()
    const input = $('check-height') as HTMLInputElement
    const h = input.value === '' ? Math.max(1, c.tab.status().verifiedHeight - 1) : Number(input.value)
    checking?.abort()
    const ac = new AbortController(); checking = ac
    const out = $('check-out')
    out.className = 'check-out'; out.innerHTML = `<span class="muted">verifying header ${fmtInt(h)} and sampling it…</span>`
    const signal = AbortSignal.any([ac.signal, AbortSignal.timeout(60_000)])
    void (async () => {
      try {
        const header = await c.tab.verifyHeader(h, { signal })
        const r = await c.tab.checkAvailability(h, { signal })
        if (ac.signal.aborted) return
        out.dataset.height = String(h); out.dataset.available = String(r.available)
        out.innerHTML = `<div class="verdict ${r.available ? 'ok' : 'bad'}">${r.available ? '✓ available' : '✕ unavailable'} <span class="muted">block ${fmtInt(h)}</span></div>` +
          `<dl class="kv small"><dt>Header</dt><dd class="mono" title="${header.hash}">${shortHash(header.hash)} · ${header.verifiedBy}</dd>` +
          `<dt>Outcome</dt><dd>${r.outcome}${r.outcome === 'sampled' ? ` · ${(r.confidence * 100).toFixed(5)} %` : ''}${r.reused ? ' · from the sampler' : ' · sampled now'}</dd>` +
          `<dt>Columns · blobs</dt><dd>${r.sampledColumns.length} · ${r.blobs}</dd>` +
          `<dt>Cost</dt><dd>${Math.round(r.cost.ms)} ms · ${fmtBytes(r.cost.bytes)} · ${r.cost.cells} cells</dd>` +
          (r.reason !== undefined ? `<dt>Reason</dt><dd>${esc(r.reason)}</dd>` : '') + '</dl>'
      } catch (err) {
        if (ac.signal.aborted) return
        out.dataset.height = String(h); out.dataset.available = 'error'
        out.innerHTML = `<div class="verdict bad">${esc(errLine(err))}</div>`
      }
    })()
  })
}
