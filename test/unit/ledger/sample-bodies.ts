// One valid body per ledger tx kind, shared by the body tests and the chain fuzzers (not a test file itself).
import type { LedgerTxKind } from '../../../protocol/chain/bodies.js'

/** `n` bytes of `fill`. @example fillBytes(32, 7) */
export const fillBytes = (n: number, fill = 1): Uint8Array => new Uint8Array(n).fill(fill)
const b = fillBytes
/** A 48-byte G1-looking commitment (compressed flag set). @example sampleCommitment() */
export const sampleCommitment = (): Uint8Array => { const c = b(48, 7); c[0] = 0xa0; return c }

/** A valid body for every kind. @example encodeBody('transfer', sampleBodies.transfer) */
export const sampleBodies: { [K in LedgerTxKind]: any } = {
  'transfer': { to: b(20), amount: 123456789012345678901234567890n },
  'storage.submit': { root: b(32), cid: b(36), size: 1000, durationEpochs: 4 },
  'storage.renew': { root: b(32), extraEpochs: 2 },
  'da.submit': { size: 200_000, commitments: [sampleCommitment(), sampleCommitment()] },
  'registry.register': { pledgeBytes: 1 << 20, commR: new Uint8Array() },
  'registry.unregister': {},
  'pora.receipt': { receipt: b(202) },
  'validator.update': { publicKey: b(32), power: 5n },
  'pora.commit': { epoch: 3, flowLength: 8192, sectors: [b(100), b(120, 2)] },
  'pora.prove': { sectorStart: 4096, proof: b(5000, 3) },
  'compute.model.register': { root: b(32), cid: b(36), layersRoot: b(32, 2), inputSize: 784, outputSize: 2, layerCount: 3, referenceDistribution: Uint8Array.of(0xe8, 3, 0, 0) },
  'compute.job.post': { modelRoot: b(32), input: b(784 * 2), batch: 2, fee: 5000n, deadlineBlocks: 20, verification: 'freivalds' },
  'compute.job.claim': { jobId: b(32) },
  'compute.job.result': { jobId: b(32), traceRoot: b(32, 2), traceCommitment: b(32, 3), predictions: Uint8Array.of(7, 0), resultDigest: b(32, 4), signature: b(64, 5) },
  'compute.job.dispute': { jobId: b(32), layer: 1, layerBytes: b(300), layerProof: [b(32, 5)], inputEntry: b(50), inputProof: [b(32, 6), b(32, 7)], claimedEntry: b(50, 2), claimedProof: [] },
  'compute.report': { worker: b(20), modelRoot: b(32), kind: 'drift', score: 250 }
}
