// The worker/client side of the market without a chain: the dishonest worker's consistent lie,
// finding the wrong layer, and dispute evidence judged by the ledger's own judgeDispute.
import { describe, expect, it } from 'vitest'
import { runModel, modelLayersRoot, type Model } from '../../protocol/compute/index.js'
import { traceCommitment, traceFromRun, type Trace } from '../../protocol/compute/trace.js'
import { JobState, type JobRecord, type ModelRecord } from '../../protocol/chain/compute.js'
import { encodeBody, decodeBody } from '../../protocol/chain/bodies.js'
import { judgeDispute } from '../../fullnode/ledger/compute.js'
import { dishonestRun, openEngine } from '../../cli/compute/engine.js'
import { disputeEvidence, firstWrongLayer } from '../../protocol/compute/dispute.js'
import { jobIdOf, modelCid } from '../../client/compute/market.js'
import { identify } from '../../cli/compute/blobs.js'
import { randomInput, randomModel } from './compute-fixtures.js'

const K = 4
const model: Model = randomModel([64, 32, 16, 10], 7)
const input = randomInput(K, 64, 8)
const jobId = new Uint8Array(32).fill(9)

function records (trace: Trace, predictions: number[]): { m: ModelRecord, j: JobRecord } {
  const m: ModelRecord = { owner: new Uint8Array(20), cid: new Uint8Array(), layersRoot: modelLayersRoot(model), inputSize: 64, outputSize: 10, layerCount: 3, referenceDistribution: new Uint8Array(20), registeredHeight: 1 }
  const j: JobRecord = {
    owner: new Uint8Array(20), modelRoot: new Uint8Array(32), input: new Uint8Array(input.buffer), batch: K, fee: 1n, verification: 'freivalds',
    postedHeight: 1, deadlineHeight: 100, status: JobState.resulted, worker: new Uint8Array(20).fill(1), stake: 10n, claimHeight: 2,
    traceRoot: new Uint8Array(32), traceCommitment: traceCommitment(trace), predictions: Uint8Array.from(predictions), resultDigest: new Uint8Array(32),
    resultHeight: 3, challengeEnd: 20, finishedHeight: 0, disputes: 0, disputer: new Uint8Array()
  }
  return { m, j }
}

describe('dishonest worker (--dishonest L)', () => {
  it('lies in layer L only, everything downstream consistent with the lie', () => {
    const honest = runModel(model, input, K)
    for (let L = 0; L < 3; L++) {
      const lie = dishonestRun(model, input, K, L)
      for (let l = 0; l < L; l++) expect(lie.layers[l].acc).toEqual(honest.layers[l].acc)
      expect(lie.layers[L].acc[0]).toBe((honest.layers[L].acc[0] + 4096) | 0)
      // Layers after L are exactly the honest re-execution of the lied input: the lie is only in L.
      expect(firstWrongLayer(model, input, traceFromRun(lie, K))).toBe(L)
      const last = lie.layers[2].acc
      expect(lie.logits.flat()).toEqual(Array.from(last))
    }
    expect(firstWrongLayer(model, input, traceFromRun(honest, K))).toBeUndefined()
    expect(() => dishonestRun(model, input, K, 3)).toThrow(/no layer 3/)
  })
})

describe('dispute evidence', () => {
  it('the ledger finds the lied layer wrong and honest layers right', () => {
    const lie = dishonestRun(model, input, K, 1)
    const trace = traceFromRun(lie, K)
    const { m, j } = records(trace, lie.predictions)
    for (let l = 0; l < 3; l++) {
      const body = disputeEvidence({ jobId, model, trace, layer: l })
      const wire = decodeBody('compute.job.dispute', encodeBody('compute.job.dispute', body)) // survives the tx encoding
      const v = judgeDispute(m, j, wire)
      expect(v).toMatchObject({ wrong: l === 1 })
    }
  })

  it('evidence for an honest trace is judged right; evidence against another trace is rejected', () => {
    const run = runModel(model, input, K)
    const trace = traceFromRun(run, K)
    const { m, j } = records(trace, run.predictions)
    expect(judgeDispute(m, j, disputeEvidence({ jobId, model, trace, layer: 2 }))).toMatchObject({ wrong: false })
    const other = traceFromRun(dishonestRun(model, input, K, 0), K)
    expect(judgeDispute(m, j, disputeEvidence({ jobId, model, trace: other, layer: 0 }))).toHaveProperty('evidence')
  })
})

describe('helpers', () => {
  it('the cpu engine is the reference; job ids, CIDs and roots are deterministic', async () => {
    const engine = await openEngine('cpu')
    expect(engine.backend).toBe('cpu')
    expect((await engine.run(model, input, K)).predictions).toEqual(runModel(model, input, K).predictions)
    expect(jobIdOf('0x' + '11'.repeat(20), 3n)).toMatch(/^0x[0-9a-f]{64}$/)
    expect(jobIdOf('0x' + '11'.repeat(20), 3n)).not.toBe(jobIdOf('0x' + '11'.repeat(20), 4n))
    const id = identify(new TextEncoder().encode('hello'))
    expect(id.root).toMatch(/^0x[0-9a-f]{64}$/)
    expect(modelCid({ cid: id.cid })).toBe(id.cid)
    expect(() => modelCid({ cid: '0x' })).toThrow(/without a CID/)
  })
})
