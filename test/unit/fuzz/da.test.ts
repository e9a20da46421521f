// DA: KZG cell-proof verification on both backends (native and pure JS) with mutated cells,
// proofs, commitments and column indices — only the real cell verifies, a malformed one is a typed
// error — and the full node's `POST /da/submit` intake path (decodeSubmission → checkDaTx →
// checkBlobsMatch → KZG batch check of every cell) on mutated submissions: only the original is
// ever accepted; anything else is refused with its typed error before it could be committed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { jsKzg, packBlobs, verifyColumn, unpackBlobs, type EncodedBlob, type KzgCellVerifier } from '../../../protocol/da/index.js'
import { createNativeKzg, type NativeKzg } from '../../../fullnode/da/index.js'
import { decodeSubmission, encodeSubmission, checkDaTx, checkBlobsMatch } from '../../../fullnode/da/submission.js'
import { encodeTx, signTx } from '../../../protocol/chain/index.js'
import { encodeBody } from '../../../protocol/chain/bodies.js'
import { equalBytes } from '../../../protocol/bytes.js'
import { patternBytes } from '../../helpers/bytes.js'
import { fuzzAsync, fuzz, hostile, mutated, printSlowest, throwsTyped, typedOrOk, typedOrOkAsync } from './arbitraries.js'

const CELL_ERRORS = ['MalformedCellError', 'InsufficientCellsError']
const SUBMIT_ERRORS = ['MalformedSubmissionError', 'SubmissionTooLargeError', 'CommitmentMismatchError']
const CHAIN_ID = 'fuzz-chain'
const payload = patternBytes(100_000, 5)
let native: NativeKzg
let enc: EncodedBlob
let submission: Uint8Array

beforeAll(async () => {
  native = await createNativeKzg({ precompute: false })
  enc = await native.encodeBlob(packBlobs(payload)[0])
  const body = encodeBody('da.submit', { size: payload.length, commitments: [enc.commitment] })
  const tx = encodeTx(signTx({ chainId: CHAIN_ID, nonce: 1n, fee: 10n, kind: 'da.submit', body }, new Uint8Array(32).fill(3)))
  submission = encodeSubmission({ tx, blobs: [{ cells: enc.cells, proofs: enc.proofs }] })
}, 120_000)

afterAll(printSlowest)

/** A column sample (1 blob) with one part possibly mutated: cell, proof, commitment or index. */
const sample = fc.record({ column: fc.nat({ max: 127 }), part: fc.nat({ max: 3 }), other: fc.nat({ max: 127 }) })

async function checkColumn (backend: KzgCellVerifier, column: number, part: number, other: number, bytes: Uint8Array | undefined): Promise<void> {
  const args = { column, commitments: [enc.commitment], cells: [enc.cells[column]], proofs: [enc.proofs[column]] }
  let changed = false
  if (part === 3) { args.column = other; changed = other !== column } else if (bytes !== undefined) {
    const key = (['cells', 'proofs', 'commitments'] as const)[part]
    changed = !equalBytes(bytes, args[key][0])
    args[key] = [bytes]
  }
  const ok = await typedOrOkAsync(async () => await verifyColumn(args, { backend }), CELL_ERRORS)
  // valid ones verify; a changed cell, proof, commitment or column never does (false, or a typed error for a bad shape)
  if (changed) expect(ok, `part ${part} changed`).not.toBe(true)
  else expect(ok, `part ${part} unchanged`).toBe(true)
}

describe('fuzz: KZG cell proofs', () => {
  for (const [name, weight] of [['native', 1], ['pure JS', 0.12]] as const) {
    it(`${name}: mutated cells, proofs, commitments and columns never verify; the real ones do`, async () => {
      const backend: KzgCellVerifier = name === 'native' ? native : jsKzg()
      const arb = sample.chain(({ column, part, other }) => {
        const orig = [enc.cells[column], enc.proofs[column], enc.commitment, enc.cells[column]][part]
        return fc.tuple(fc.constant(column), fc.constant(part), fc.constant(other), fc.oneof({ arbitrary: mutated(fc.constant(orig)), weight: 5 }, { arbitrary: fc.constant(orig), weight: 1 }))
      })
      await fuzzAsync(`da/kzg-${name === 'native' ? 'native' : 'js'}`, [arb], async ([column, part, other, bytes]) => await checkColumn(backend, column, part, other, bytes), weight)
    })
  }
})

describe('fuzz: DA submissions (POST /da/submit intake)', () => {
  it('the original submission passes every check', async () => {
    const sub = decodeSubmission(submission)
    const { body } = checkDaTx(sub.tx, { chainId: CHAIN_ID })
    checkBlobsMatch(body, sub.blobs)
    expect(await native.verifyCells({ commitments: sub.blobs[0].cells.map(() => enc.commitment), cellIndices: sub.blobs[0].cells.map((_, i) => i), cells: sub.blobs[0].cells, proofs: sub.blobs[0].proofs })).toBe(true)
  })

  it('mutated submissions are refused with typed errors unless they are the original', async () => {
    const seen = { cases: 0, shaped: 0, kzg: 0 }
    await fuzzAsync('da/submission', [hostile(fc.constant(0).map(() => submission), 1024)], async (bytes) => {
      seen.cases++
      const accepted = await typedOrOkAsync(async () => {
        const sub = decodeSubmission(bytes)
        const { body } = checkDaTx(sub.tx, { chainId: CHAIN_ID })
        checkBlobsMatch(body, sub.blobs)
        seen.shaped++
        const blob = sub.blobs[0]
        seen.kzg++
        return await native.verifyCells({ commitments: blob.cells.map(() => body.commitments[0]), cellIndices: blob.cells.map((_, i) => i), cells: blob.cells, proofs: blob.proofs })
      }, [...SUBMIT_ERRORS, ...CELL_ERRORS])
      if (accepted === true) expect(equalBytes(bytes, submission)).toBe(true)
    }, 0.75)
    console.log(`[bench] fuzz da/submission: ${seen.cases} cases, ${seen.shaped} passed the shape checks, ${seen.kzg} reached the KZG batch check`)
    // bit flips inside the cells and proofs (shape intact): the KZG batch check is what refuses them
    const txEnd = 10 + new DataView(submission.buffer).getUint32(6)
    await fuzzAsync('da/submission-cells', [fc.integer({ min: txEnd, max: submission.length - 1 }), fc.nat({ max: 7 })], async (at, bit) => {
      const bytes = submission.slice(); bytes[at] ^= 1 << bit
      const accepted = await typedOrOkAsync(async () => {
        const sub = decodeSubmission(bytes)
        const { body } = checkDaTx(sub.tx, { chainId: CHAIN_ID })
        checkBlobsMatch(body, sub.blobs)
        const blob = sub.blobs[0]
        return await native.verifyCells({ commitments: blob.cells.map(() => body.commitments[0]), cellIndices: blob.cells.map((_, i) => i), cells: blob.cells, proofs: blob.proofs })
      }, [...SUBMIT_ERRORS, ...CELL_ERRORS])
      expect(accepted).not.toBe(true)
    }, 0.5)
    // a header declaring the largest tx and 64 blobs is refused from its 10 bytes, before any allocation
    const head = submission.slice(0, 10)
    head[5] = 64; new DataView(head.buffer).setUint32(6, 1 << 20)
    throwsTyped(() => decodeSubmission(head), ['MalformedSubmissionError'])
    head[5] = 200
    throwsTyped(() => decodeSubmission(head), ['SubmissionTooLargeError'])
  })

  it('unpackBlobs: mutated blobs unpack to the payload only when unchanged, else MalformedBlobError', async () => {
    const blob = packBlobs(payload)[0]
    await fuzz('da/unpack', [mutated(fc.constant(blob)), fc.integer({ min: 1, max: 130_000 })], (b, size) => {
      const out = typedOrOk(() => unpackBlobs([b], size), ['MalformedBlobError', 'InvalidInputError', 'EmptyPayloadError'])
      if (out !== undefined && size === payload.length) expect(equalBytes(out, payload)).toBe(equalBytes(b, blob))
    }, 0.5)
  })
})
