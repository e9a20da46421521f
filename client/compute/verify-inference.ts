/**
 * verifyInference: checks an inference result document (compute-spec, protocol/compute/result.ts)
 * without trusting the worker, the full node that served it, or the page that handed it over.
 * The model and the job come from chain state proven against verified headers (ChainReader), the
 * weights and the trace are fetched by their 0G roots (and re-hashed here), and every layer of the
 * committed trace is checked: an exact-integer Freivalds test of its accumulators and an exact
 * re-execution of its elementwise steps; optionally k random layers are fully re-executed.
 *
 * Error probability: the only probabilistic checks are the Freivalds rounds. For layer l with
 * inSize n and batch K, one round draws r ∈ [0, 2^R)^K with R = the largest R ≤ 20 keeping every
 * float64 partial sum exact (K·n·2^14·(2^R − 1) < 2^53); a wrong accumulator passes one round with
 * probability ≤ 2^-R, and ceil(targetBits / R) rounds run, so a wrong layer passes with probability
 * ≤ ε_l = 2^-(R·rounds) ≤ 2^-targetBits. The trace is committed on chain before r is drawn, and a
 * cheating trace is wrong in some layer (outputs and later inputs are checked exactly), so the
 * report's errorBound = max ε_l over the layers not fully re-executed (0 if all were), and
 * confidence = 1 − errorBound when every check passed, else 0. Pure: no Node or DOM imports.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { equalBytes, fromHex, toHex } from '../../protocol/bytes.js'
import { JOB_STATUSES, type JobRecord, type ModelRecord } from '../../protocol/chain/compute.js'
import { canonicalCid, cidFromSubmission, parseCid } from '../../protocol/cid/index.js'
import { GlowmeshError, InvalidInputError } from '../../protocol/errors.js'
import { bitsPerRound, DEFAULT_TARGET_BITS, defaultRandomBytes, type RandomBytes } from '../../protocol/compute/freivalds.js'
import type { LayerTrace } from '../../protocol/compute/infer.js'
import { decodeModel, modelLayersRoot, type Model } from '../../protocol/compute/model.js'
import { inferenceInput, inferenceSignBytes, parseInferenceResult, verifyInferenceSignature, type InferenceResult } from '../../protocol/compute/result.js'
import { InvalidTraceError } from '../../protocol/compute/errors.js'
import { checkTraceShape, decodeTrace, traceCommitment, type Trace } from '../../protocol/compute/trace.js'
import { reexecuteLayer, verifyTrace, type VerifyCheck } from '../../protocol/compute/verify.js'
import { fileRoot } from '../../protocol/storage/root.js'
import type { ChunkHasher } from '../../protocol/storage/hasher.js'
import { AbortError } from '../../protocol/wire/errors.js'
import { sleep } from '../../protocol/sleep.js'
import type { ChainReader } from './chain-reader.js'

/** A file's bytes by 0G root (0x + 64 hex), verified against it (the light node's fetchFile; see adapters.ts fileBytes). */
export type FetchFileBytes = (root: string, options: { signal?: AbortSignal }) => Promise<Uint8Array>

/** The part of worker/gpu's GpuCompute used for re-execution. */
export interface LayerRunner {
  runLayer: (layer: Model['layers'][number], X: Int8Array, batch: number, options?: { signal?: AbortSignal }) => Promise<LayerTrace>
}

/** Options of verifyInference. */
export interface VerifyInferenceOptions {
  /** Verified chain reads (createVerifiedChainReader). */
  chain: ChainReader
  /** Verified file reads by 0G root. */
  fetchFile: FetchFileBytes
  /** Freivalds soundness per layer in bits (1–256, default 40): errorBound ≤ 2^-targetBits. */
  targetBits?: number
  /** Layers (picked at random) to re-execute in full; default 0, capped at the layer count. */
  reexecute?: number
  /** worker/gpu's GpuCompute for re-execution (WebGPU); default the CPU reference. */
  gpu?: LayerRunner
  /** Randomness for Freivalds vectors and layer picks (default crypto.getRandomValues). */
  randomBytes?: RandomBytes
  /** Keccak for re-hashing fetched files against their 0G roots (default noble's; the WASM one is faster). */
  hasher?: ChunkHasher
  /** Verified models by root, reused across calls (a model's root fixes its bytes). */
  modelCache?: Map<string, Model>
  /**
   * How long to keep re-reading a job whose result this node can't see yet (its verified head may lag
   * the result's block by a few blocks) before the `job` check fails; default 15 s.
   */
  resultWaitMs?: number
  signal?: AbortSignal
}

/** One check of the report: name, outcome, wall time (ms), what it found. */
export type InferenceCheck = VerifyCheck

/** verifyInference's answer. */
export interface InferenceReport {
  /** Every check passed. */
  ok: boolean
  /** 1 − errorBound when ok, else 0. */
  confidence: number
  /** Probability that a wrong trace passed the Freivalds checks (max over layers not re-executed). */
  errorBound: number
  /** The checks that ran, in order: format, signature, model-registered, model-available, job, trace-available, freivalds[l], elementwise[l] per layer, output, reexecute[l]. */
  checks: InferenceCheck[]
  /** Checks not run because an earlier one failed fatally. */
  skipped: string[]
  /** Total wall time, ms. */
  ms: number
  /** What re-executed layers: 'webgpu' with options.gpu, else 'cpu'. */
  backend: 'webgpu' | 'cpu'
  /** From the document (once it parsed): what was verified. */
  subject?: { jobId: string, chainId: string, modelRoot: string, worker: string, predictions: number[], batch: number }
}

const now = (): number => globalThis.performance?.now() ?? Date.now()

/** Thrown inside a check to fail it with a message (never escapes verifyInference). */
class CheckFailure extends Error {}
const fail = (detail: string): never => { throw new CheckFailure(detail) }

const abortError = (signal: AbortSignal | undefined): AbortError => new AbortError('verifyInference aborted', { cause: signal?.reason })
const isAborted = (signal: AbortSignal | undefined): boolean => signal?.aborted === true

/** Runs one check: its own failure (CheckFailure or any error but an abort) becomes ok: false. */
async function run (name: string, signal: AbortSignal | undefined, fn: () => Promise<string> | string): Promise<InferenceCheck> {
  const t = now()
  if (isAborted(signal)) throw abortError(signal)
  try {
    const detail = await fn()
    return { name, ok: true, ms: now() - t, detail }
  } catch (err) {
    if (isAborted(signal)) throw abortError(signal)
    const e = err as Error & { code?: unknown }
    const code = err instanceof GlowmeshError || typeof e?.code === 'string' ? ` (${String(e.code)})` : ''
    const detail = err instanceof CheckFailure ? e.message : `${e?.name ?? 'Error'}${code}: ${e?.message ?? String(err)}`
    return { name, ok: false, ms: now() - t, detail }
  }
}

function checkOptions (o: VerifyInferenceOptions): { targetBits: number, reexecute: number, random: RandomBytes } {
  if (o === null || typeof o !== 'object') throw new InvalidInputError('verifyInference: options are required ({ chain, fetchFile })')
  if (typeof o.chain?.model !== 'function' || typeof o.chain?.job !== 'function') throw new InvalidInputError('verifyInference: options.chain must be a ChainReader (createVerifiedChainReader)')
  if (typeof o.fetchFile !== 'function') throw new InvalidInputError('verifyInference: options.fetchFile must be a function')
  const targetBits = o.targetBits ?? DEFAULT_TARGET_BITS
  if (!Number.isInteger(targetBits) || targetBits < 1 || targetBits > 256) throw new InvalidInputError(`verifyInference: targetBits ${String(targetBits)} not in 1–256`)
  const reexecute = o.reexecute ?? 0
  if (!Number.isInteger(reexecute) || reexecute < 0) throw new InvalidInputError(`verifyInference: reexecute ${String(reexecute)} must be a non-negative integer`)
  if (o.gpu !== undefined && typeof o.gpu?.runLayer !== 'function') throw new InvalidInputError('verifyInference: options.gpu must have runLayer (worker/gpu GpuCompute)')
  const random = o.randomBytes ?? defaultRandomBytes
  if (typeof random !== 'function') throw new InvalidInputError('verifyInference: randomBytes must be a function')
  return { targetBits, reexecute, random }
}

/** The document as parsed JSON: text, UTF-8 bytes or an object. */
function toJson (result: unknown): unknown {
  if (result instanceof Uint8Array) {
    try { return new TextDecoder('utf-8', { fatal: true }).decode(result) } catch { fail('the document is not UTF-8 text') }
  }
  return result
}

/** The registered model matches the document: CID, layersRoot and the shape the document implies. */
function checkModelRecord (doc: InferenceResult, rec: ModelRecord | null): string {
  if (rec === null) fail(`no model registered with root ${doc.model.root} (proven absent)`)
  const m = rec!
  const problems: string[] = []
  let cid = '(none)'
  try { cid = cidFromSubmission(m.cid) === undefined ? '(none)' : canonicalCid(cidFromSubmission(m.cid)!) } catch {}
  let want = doc.model.cid
  try { want = canonicalCid(parseCid(doc.model.cid)) } catch {}
  if (cid !== want) problems.push(`CID on chain ${cid} ≠ document ${doc.model.cid}`)
  if (!equalBytes(m.layersRoot, fromHex(doc.model.layersRoot, 32))) problems.push(`layersRoot on chain ${toHex(m.layersRoot)} ≠ document ${doc.model.layersRoot}`)
  if (m.layerCount !== doc.trace.layers) problems.push(`model has ${m.layerCount} layers, trace claims ${doc.trace.layers}`)
  if (m.inputSize !== doc.input.size) problems.push(`model input size ${m.inputSize} ≠ document ${doc.input.size}`)
  if (m.outputSize !== doc.output.logits[0].length) problems.push(`model output size ${m.outputSize} ≠ ${doc.output.logits[0].length} logits`)
  if (problems.length > 0) fail(problems.join('; '))
  return `registered at height ${m.registeredHeight} by ${toHex(m.owner)}: ${m.layerCount} layers, ${m.inputSize} → ${m.outputSize}`
}

/** The proven job is the document's: model, input, claimant, result digest, trace and predictions. */
function checkJobRecord (doc: InferenceResult, job: JobRecord | null, chainId: string | undefined): string {
  if (job === null) fail(`no job ${doc.jobId} on chain (proven absent)`)
  const j = job!
  const problems: string[] = []
  const status = JOB_STATUSES[j.status] ?? `unknown(${j.status})`
  if (chainId !== undefined && chainId !== doc.chainId) problems.push(`document is for chain '${doc.chainId}', this node verifies '${chainId}'`)
  if (!equalBytes(j.modelRoot, fromHex(doc.model.root, 32))) problems.push(`job's model ${toHex(j.modelRoot)} ≠ document's ${doc.model.root}`)
  if (j.batch !== doc.input.batch) problems.push(`job batch ${j.batch} ≠ document ${doc.input.batch}`)
  if (toHex(sha256(j.input)) !== doc.input.hash) problems.push(`job input (sha256 ${toHex(sha256(j.input))}) ≠ document input (${doc.input.hash})`)
  if (j.worker.length === 0) problems.push('nobody claimed the job')
  else if (toHex(j.worker) !== doc.worker.address) problems.push(`job claimed by ${toHex(j.worker)}, document signed by ${doc.worker.address}`)
  if (j.resultHeight === 0) problems.push(`no result posted (status ${status})`)
  else {
    if (status === 'slashed') problems.push('the worker lost a dispute on this job (status slashed)')
    if (toHex(j.resultDigest) !== toHex(inferenceSignBytes(doc))) problems.push('resultDigest on chain ≠ inferenceSignBytes(document)')
    if (!equalBytes(j.traceRoot, fromHex(doc.trace.root, 32))) problems.push(`traceRoot on chain ${toHex(j.traceRoot)} ≠ document ${doc.trace.root}`)
    if (!equalBytes(j.traceCommitment, fromHex(doc.trace.commitment, 32))) problems.push(`traceCommitment on chain ${toHex(j.traceCommitment)} ≠ document ${doc.trace.commitment}`)
    const preds = [...j.predictions]
    if (preds.length !== doc.output.predictions.length || preds.some((p, k) => p !== doc.output.predictions[k])) problems.push(`predictions on chain [${preds.join(', ')}] ≠ document [${doc.output.predictions.join(', ')}]`)
  }
  if (problems.length > 0) fail(problems.join('; '))
  const window = status === 'resulted' ? `, challenge window open until height ${j.challengeEnd}` : ''
  return `job ${status}: result at height ${j.resultHeight} by ${toHex(j.worker)}${window}`
}

/** Fetches a file by root and re-hashes it (0G root) — never trusting the fetcher alone. */
async function fetchVerified (o: VerifyInferenceOptions, root: string): Promise<Uint8Array> {
  const bytes = await o.fetchFile(root, { signal: o.signal })
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) fail(`fetchFile(${root}) returned no bytes`)
  const got = toHex(fileRoot(bytes, o.hasher))
  if (got !== root) fail(`the fetched bytes hash to 0G root ${got}, not ${root}`)
  return bytes
}

/** The per-layer Freivalds error bound verifyTrace achieves (freivalds.ts plan). */
function layerError (model: Model, l: number, batch: number, targetBits: number): number {
  const R = bitsPerRound(batch * model.layers[l].inSize * 128 * 128)
  return 2 ** -(R * Math.ceil(targetBits / R))
}

/**
 * k distinct layer indexes in [0, n), uniformly at random (Fisher–Yates with rejection sampling), sorted.
 * @example pickLayers(3, 1, defaultRandomBytes) // e.g. [2]
 */
export function pickLayers (n: number, k: number, random: RandomBytes): number[] {
  const idx = Array.from({ length: n }, (_, i) => i)
  const take = Math.min(k, n)
  for (let i = 0; i < take; i++) {
    const span = n - i
    const limit = Math.floor(2 ** 32 / span) * span
    let x: number
    do {
      const b = random(4)
      if (!(b instanceof Uint8Array) || b.length !== 4) throw new InvalidInputError('verifyInference: randomBytes(4) returned the wrong length')
      x = new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true)
    } while (x >= limit)
    const j = i + (x % span);
    [idx[i], idx[j]] = [idx[j], idx[i]]
  }
  return idx.slice(0, take).sort((a, b) => a - b)
}

/**
 * Verifies an inference result document; resolves to a report (never rejects for a bad result —
 * only for an abort, AbortError, or for bad options, InvalidInputError).
 * @example
 * const report = await verifyInference(await res.json(), { chain, fetchFile: fileBytes(gm.fetchFile) })
 * report.ok // true
 * report.confidence // 0.999999999999 (targetBits 40)
 * report.checks.map(c => `${c.ok ? '✓' : '✗'} ${c.name} ${c.ms.toFixed(1)} ms`)
 */
export async function verifyInference (result: unknown, options: VerifyInferenceOptions): Promise<InferenceReport> {
  const start = now()
  const { targetBits, reexecute, random } = checkOptions(options)
  const { signal, chain } = options
  const backend: 'webgpu' | 'cpu' = options.gpu === undefined ? 'cpu' : 'webgpu'
  const checks: InferenceCheck[] = []
  const skipped: string[] = []
  const report = (errorBound: number, subject?: InferenceReport['subject']): InferenceReport => {
    const ok = checks.length > 0 && skipped.length === 0 && checks.every(c => c.ok)
    return { ok, confidence: ok ? 1 - errorBound : 0, errorBound, checks, skipped, ms: now() - start, backend, ...(subject === undefined ? {} : { subject }) }
  }

  let doc: InferenceResult | undefined
  const format = await run('format', signal, () => {
    doc = parseInferenceResult(toJson(result))
    return `v1 inference: job ${doc.jobId.slice(0, 12)}…, batch ${doc.input.batch}×${doc.input.size}, ${doc.trace.layers} layers, backend ${doc.backend}`
  })
  checks.push(format)
  if (doc === undefined) {
    skipped.push('signature', 'model-registered', 'model-available', 'job', 'trace-available', 'freivalds[*]', 'elementwise[*]', 'output', ...(reexecute > 0 ? ['reexecute'] : []))
    return report(0)
  }
  const d = doc
  const L = d.trace.layers
  const K = d.input.batch
  const subject = { jobId: d.jobId, chainId: d.chainId, modelRoot: d.model.root, worker: d.worker.address, predictions: [...d.output.predictions], batch: K }
  const perLayer = (prefix: string): string[] => Array.from({ length: L }, (_, l) => `${prefix}[${l}]`)
  const rest = (): string[] => [...perLayer('freivalds'), ...perLayer('elementwise'), 'output', ...(reexecute > 0 ? ['reexecute'] : [])]

  // the cheap checks all run (a full diagnosis); chain reads in parallel
  const signature = run('signature', signal, () => {
    if (!verifyInferenceSignature(d)) fail(`ed25519 signature does not verify under worker ${d.worker.address}'s key`)
    return `ed25519 by ${d.worker.address} (address = hash of the public key)`
  })
  const registered = run('model-registered', signal, async () => checkModelRecord(d, await chain.model(d.model.root, { signal })))
  const job = run('job', signal, async () => {
    // The reader proves state at the head this node has verified, which may be a few blocks behind the
    // block that carried the result: a job not there yet (absent, open or claimed) is read again until
    // `resultWaitMs` has passed, and only then judged.
    const until = Date.now() + (options.resultWaitMs ?? 15_000)
    let record = await chain.job(d.jobId, { signal })
    while ((record === null || record.resultHeight === 0) && Date.now() < until) {
      await sleep(500, signal)
      record = await chain.job(d.jobId, { signal })
    }
    return checkJobRecord(d, record, chain.chainId) // chainId read after the read: a lazy reader knows it by then
  })
  const [sigCheck, regCheck, jobCheck] = await Promise.all([signature, registered, job])
  if (!sigCheck.ok || !regCheck.ok || !jobCheck.ok) {
    checks.push(sigCheck, regCheck, jobCheck)
    skipped.push('model-available', 'trace-available', ...rest())
    return report(0, subject)
  }

  // weights and trace, fetched in parallel, each re-hashed against its root
  let model: Model | undefined
  let trace: Trace | undefined
  const modelAvailable = run('model-available', signal, async () => {
    const shape = (m: Model): void => {
      if (m.inputSize !== d.input.size || m.layers.length !== L) fail(`weights are ${m.layers.length} layers on ${m.inputSize} inputs; the document claims ${L} on ${d.input.size}`)
    }
    const cached = options.modelCache?.get(d.model.root)
    if (cached !== undefined) {
      if (toHex(modelLayersRoot(cached)) !== d.model.layersRoot) fail(`the cached weights of ${d.model.root} have another layersRoot than ${d.model.layersRoot}`)
      shape(cached)
      model = cached
      return `cached (fetched and re-hashed earlier), layersRoot recomputed: ${cached.layers.length} layers`
    }
    const bytes = await fetchVerified(options, d.model.root)
    const m = decodeModel(bytes)
    const layersRoot = toHex(modelLayersRoot(m))
    if (layersRoot !== d.model.layersRoot) fail(`the weights' layersRoot ${layersRoot} ≠ registered ${d.model.layersRoot}`)
    options.modelCache?.set(d.model.root, m) // the root fixes the bytes: reusable whatever this document claims
    shape(m)
    model = m
    return `${bytes.length} bytes, 0G root and layersRoot recomputed: ${[m.inputSize, ...m.layers.map(x => x.outSize)].join('→')}`
  })
  const traceAvailable = run('trace-available', signal, async () => {
    const bytes = await fetchVerified(options, d.trace.root)
    const t = decodeTrace(bytes)
    if (t.layers.length !== L || t.batch !== K) fail(`trace has ${t.layers.length} layers × batch ${t.batch}; the document claims ${L} × ${K}`)
    const commitment = toHex(traceCommitment(t))
    if (commitment !== d.trace.commitment) fail(`recomputed commitment ${commitment} ≠ ${d.trace.commitment}`)
    trace = t
    return `${bytes.length} bytes, 0G root and commitment recomputed: ${L} layers × batch ${K}`
  })
  const [modelCheck, traceCheck] = await Promise.all([modelAvailable, traceAvailable])
  checks.push(sigCheck, regCheck, modelCheck, jobCheck, traceCheck)
  if (model !== undefined && trace !== undefined) {
    // per-layer widths against the weights (the model and the trace were fetched in parallel)
    try { checkTraceShape(trace, model, K) } catch (err) {
      if (!(err instanceof InvalidTraceError)) throw err
      Object.assign(traceCheck, { ok: false, detail: `does not fit the model: ${err.message}` })
      trace = undefined
    }
  }
  if (model === undefined || trace === undefined) {
    skipped.push(...rest())
    return report(0, subject)
  }

  // every layer: Freivalds on the accumulators, exact elementwise steps; then the output
  const input = inferenceInput(d)
  if (isAborted(signal)) throw abortError(signal)
  const v = verifyTrace({ model, input, batch: K, trace, predictions: d.output.predictions, logits: d.output.logits, targetBits, randomBytes: random })
  const byName = new Map(v.checks.map(c => [c.name, c]))
  for (let l = 0; l < L; l++) {
    const f = byName.get(`layer ${l} freivalds`)
    const e = byName.get(`layer ${l} requant`)
    if (f !== undefined) checks.push({ ...f, name: `freivalds[${l}]` })
    if (e !== undefined) checks.push({ ...e, name: `elementwise[${l}]`, detail: `${e.detail}${e.ok ? `; X = ${l === 0 ? 'job input' : `layer ${l - 1} out`}` : ''}` })
  }
  const p = byName.get('predictions')
  const g = byName.get('logits')
  if (p !== undefined && g !== undefined) {
    checks.push({ name: 'output', ok: p.ok && g.ok, ms: p.ms + g.ms, detail: [p.ok ? p.detail : `predictions: ${p.detail}`, g.ok ? g.detail : `logits: ${g.detail}`].join('; ') })
  }

  // k random layers re-executed in full (WebGPU when given, else the CPU reference)
  const redone = new Set<number>()
  if (reexecute > 0) {
    if (!checks.every(c => c.ok)) {
      skipped.push('reexecute')
    } else {
      for (const l of pickLayers(L, reexecute, random)) {
        const c = await run(`reexecute[${l}]`, signal, async () => {
          const X = l === 0 ? input : trace!.layers[l - 1].out
          let got: LayerTrace
          let on: string = backend
          if (options.gpu !== undefined) {
            try { got = await options.gpu.runLayer(model!.layers[l], X, K, { signal }) } catch (err) {
              if (isAborted(signal)) throw err
              got = reexecuteLayer(model!, l, X)
              on = `cpu (WebGPU failed: ${(err as Error)?.message ?? String(err)})`
            }
          } else got = reexecuteLayer(model!, l, X)
          const want = trace!.layers[l]
          const i = got.acc.findIndex((a, n) => a !== want.acc[n] || got.out[n] !== want.out[n])
          if (got.acc.length !== want.acc.length || i !== -1) fail(`${on}: entry ${Math.floor(i / model!.layers[l].outSize)}/${i % model!.layers[l].outSize} differs from the trace (acc ${got.acc[i]} vs ${want.acc[i]})`)
          redone.add(l)
          return `${on}: ${K}×${model!.layers[l].inSize}→${model!.layers[l].outSize} recomputed, equal to the trace`
        })
        checks.push(c)
      }
    }
  }
  let errorBound = 0
  for (let l = 0; l < L; l++) if (!redone.has(l)) errorBound = Math.max(errorBound, layerError(model, l, K, targetBits))
  return report(errorBound, subject)
}

