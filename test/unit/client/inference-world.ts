// A small compute market "world" for verifyInference tests (not a test file): a random int8 model
// and input, a real CPU run and trace, a signed v1 result document, and the chain records in a real
// Merkle Patricia Trie — read back through createVerifiedQuery (proofs checked against its root) —
// plus an in-memory file store keyed by real 0G roots. Every artifact is the real format; hooks let
// a test play the cheating worker, who recomputes commitments, roots and on-chain records to match.
import { createMPT, createMerkleProof } from '@ethereumjs/mpt'
import { ed25519 } from '@noble/curves/ed25519.js'
import { fromHex, toHex } from '../../../protocol/bytes.js'
import { computeJobId, JobState, type JobRecord, type ModelRecord } from '../../../protocol/chain/compute.js'
import { encodeRecord, encodeStateProof, stateKeys } from '../../../protocol/chain/state-proof.js'
import { addressFromPublicKey } from '../../../protocol/chain/tx.js'
import { canonicalCid, cidToSubmission, fileCid } from '../../../protocol/cid/index.js'
import { argmaxRows, encodeModel, modelLayersRoot, runModel, type Model } from '../../../protocol/compute/index.js'
import { buildInferenceResult, inferenceSignBytes, type InferenceResult } from '../../../protocol/compute/result.js'
import { encodeTrace, traceCommitment, traceFromRun, type Trace } from '../../../protocol/compute/trace.js'
import { fileRoot } from '../../../protocol/storage/index.js'
import { createVerifiedQuery } from '../../../client/storage/index.js'
import { createVerifiedChainReader, type ChainReader, type FetchFileBytes } from '../../../client/compute/index.js'
import { randomInput, randomModel } from '../compute-fixtures.js'

export const CHAIN_ID = 'glowmesh-test'
export const SIZES = [48, 24, 16, 10]
export const BATCH = 3

/** How the world deviates from an honest run (a cheating worker's choices). */
export interface WorldOptions {
  /** The model the document names and the chain registers (default randomModel(SIZES, 1)). */
  model?: Model
  /** The model the worker actually ran (default: the named one). */
  ranModel?: Model
  /** The job's input on chain (default randomInput(BATCH, 48, 2)). */
  jobInput?: Int8Array
  /** The input the worker ran and put in the document (default: the job's). */
  ranInput?: Int8Array
  /** Edits the trace before it is committed, stored and posted. */
  tamperTrace?: (trace: Trace) => void
  /** Edits predictions/logits before the document is signed and the result posted. */
  tamperOutput?: (out: { predictions: number[], logits: number[][] }) => void
  /** Register the model on chain (default true). */
  register?: boolean
  /** Store the trace file (default true). */
  storeTrace?: boolean
  /** Overrides fields of the job record on chain. */
  job?: Partial<JobRecord>
}

/** The built world: the signed document, a verified chain reader, an in-memory verified-by-root file fetcher. */
export interface World {
  doc: InferenceResult
  model: Model
  trace: Trace
  chain: ChainReader
  fetchFile: FetchFileBytes
  files: Map<string, Uint8Array>
  fetched: string[]
  workerKey: Uint8Array
}

/**
 * Builds a world; with no options, an honest one.
 * @example const w = await buildWorld(); await verifyInference(w.doc, w)
 */
export async function buildWorld (o: WorldOptions = {}): Promise<World> {
  const model = o.model ?? randomModel(SIZES, 1)
  const ran = o.ranModel ?? model
  const jobInput = o.jobInput ?? randomInput(BATCH, SIZES[0], 2)
  const input = o.ranInput ?? jobInput
  const run = runModel(ran, input, BATCH)
  const trace = traceFromRun(run, BATCH)
  o.tamperTrace?.(trace)
  const lastAcc = trace.layers[trace.layers.length - 1].acc
  const width = ran.layers[ran.layers.length - 1].outSize
  const out = { predictions: argmaxRows(lastAcc, BATCH, width), logits: Array.from({ length: BATCH }, (_, k) => Array.from(lastAcc.subarray(k * width, (k + 1) * width))) }
  o.tamperOutput?.(out)

  const files = new Map<string, Uint8Array>()
  const modelBytes = encodeModel(model)
  const modelRoot = fileRoot(modelBytes)
  files.set(toHex(modelRoot), modelBytes)
  const traceBytes = encodeTrace(trace)
  const traceRoot = fileRoot(traceBytes)
  if (o.storeTrace !== false) files.set(toHex(traceRoot), traceBytes)

  const workerKey = ed25519.utils.randomSecretKey()
  const worker = addressFromPublicKey(ed25519.getPublicKey(workerKey))
  const owner = '0x' + '0a'.repeat(20)
  const jobId = computeJobId(owner, 7n)
  const cid = canonicalCid(fileCid(modelBytes))
  const doc = buildInferenceResult({
    chainId: CHAIN_ID, jobId, model: { root: modelRoot, cid, layersRoot: modelLayersRoot(model) }, input, batch: BATCH,
    predictions: out.predictions, logits: out.logits, trace: { root: traceRoot, commitment: traceCommitment(trace), layers: trace.layers.length },
    backend: 'cpu', privateKey: workerKey
  })

  const trie = await createMPT({ useKeyHashing: true })
  if (o.register !== false) {
    const rec: ModelRecord = {
      owner: new Uint8Array(20).fill(10), cid: cidToSubmission(cid), layersRoot: modelLayersRoot(model), inputSize: model.inputSize,
      outputSize: width, layerCount: model.layers.length, referenceDistribution: new Uint8Array(2 * width), registeredHeight: 5
    }
    await trie.put(stateKeys.model(modelRoot), encodeRecord('model', rec))
  }
  const job: JobRecord = {
    owner: new Uint8Array(20).fill(10), modelRoot, input: new Uint8Array(jobInput.buffer, jobInput.byteOffset, jobInput.length), batch: BATCH, fee: 100n,
    verification: 'freivalds', postedHeight: 10, deadlineHeight: 60, status: JobState.resulted, worker: fromHex(worker, 20), stake: 50n, claimHeight: 11,
    traceRoot, traceCommitment: traceCommitment(trace), predictions: Uint8Array.from(out.predictions), resultDigest: inferenceSignBytes(doc),
    resultHeight: 12, challengeEnd: 32, finishedHeight: 0, disputes: 0, disputer: new Uint8Array(), ...o.job
  }
  await trie.put(stateKeys.job(jobId), encodeRecord('job', job))
  const root = trie.root()
  const query = createVerifiedQuery({
    peers: () => ['full-node'],
    fetch: async (_peer, path) => {
      const key = path.startsWith('model/') ? stateKeys.model(path.slice(6)) : stateKeys.job(path.slice(4))
      return { height: 20, value: (await trie.get(key)) ?? new Uint8Array(), proof: encodeStateProof(await createMerkleProof(trie, key)) }
    },
    appHashAt: async () => root
  })
  const fetched: string[] = []
  const fetchFile: FetchFileBytes = async (r) => {
    fetched.push(r)
    const bytes = files.get(r)
    if (bytes === undefined) throw Object.assign(new Error(`no stored file ${r}`), { name: 'FileNotFoundError', code: 'FILE_NOT_FOUND' })
    return bytes.slice()
  }
  return { doc, model, trace, chain: createVerifiedChainReader({ query, chainId: CHAIN_ID }), fetchFile, files, fetched, workerKey }
}
