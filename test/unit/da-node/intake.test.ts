// The submission body and the intake behind POST /da/submit, /da/encode, /da/submit-raw: decoding,
// stateless tx checks, blob ↔ commitment matching, the native batch check, and what is kept.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CellStore } from '../../../fullnode/da/cell-store.js'
import { createIntake, TxRejectedError, type Intake } from '../../../fullnode/da/intake.js'
import { decodeSubmission, encodeSubmission, BLOB_RECORD_BYTES, MAX_SUBMISSION_BYTES } from '../../../fullnode/da/submission.js'
import { CommitmentMismatchError, InvalidCellsError, MalformedSubmissionError, SubmissionTooLargeError, UnknownTokenError } from '../../../fullnode/da/errors.js'
import { encodeTx, generateKey, signTx } from '../../../protocol/chain/index.js'
import { encodeBody } from '../../../protocol/chain/bodies.js'
import { EmptyPayloadError, type EncodedBlob } from '../../../protocol/da/index.js'
import { fromHex, toHex } from '../../../protocol/bytes.js'
import { encoded, flipCellBit, nativeKzg } from './fixtures.js'

const key = generateKey()
const chainId = 'glowmesh-test'
const daTx = (size: number, commitments: Uint8Array[], o: { kind?: string, chain?: string, nonce?: bigint } = {}): Uint8Array =>
  encodeTx(signTx({ chainId: o.chain ?? chainId, nonce: o.nonce ?? 0n, fee: 1000n, kind: o.kind ?? 'da.submit', body: o.kind === 'transfer' ? encodeBody('transfer', { to: new Uint8Array(20), amount: 1n }) : encodeBody('da.submit', { size, commitments }) }, key.privateKey))

let dir: string
let store: CellStore
let intake: Intake
let relayed: Uint8Array[] = []
let relayCode = 0
let two: { payload: Uint8Array, blobs: EncodedBlob[] }
let one: { payload: Uint8Array, blobs: EncodedBlob[] }

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'glowmesh-intake-'))
  store = await CellStore.open({ dir, kzg: await nativeKzg(), windowBlocks: 100 })
  intake = createIntake({
    store,
    chainId,
    relay: async (tx) => { relayed.push(tx); return { txHash: '', code: relayCode, log: relayCode === 0 ? '' : 'nonce too low' } },
    encoder: nativeKzg
  })
  two = await encoded(130_000, 5)
  one = await encoded(777, 6)
}, 120_000)
afterAll(async () => { await store.close(); rmSync(dir, { recursive: true, force: true }) })

const body = (tx: Uint8Array, blobs: EncodedBlob[]): Uint8Array => encodeSubmission({ tx, blobs })

describe('submission body', () => {
  it('round-trips; every cell is a view of the body (no copies)', () => {
    const tx = daTx(two.payload.length, two.blobs.map((b) => b.commitment))
    const bytes = body(tx, two.blobs)
    expect(bytes.length).toBe(10 + tx.length + 2 * BLOB_RECORD_BYTES)
    const back = decodeSubmission(bytes)
    expect(back.tx).toEqual(tx)
    expect(back.blobs[1].cells[127]).toEqual(two.blobs[1].cells[127])
    expect(back.blobs[0].proofs[3]).toEqual(two.blobs[0].proofs[3])
    expect(back.blobs[0].cells[0].buffer).toBe(bytes.buffer)
  })

  it('rejects bad shapes with typed errors', () => {
    const good = body(daTx(one.payload.length, [one.blobs[0].commitment]), one.blobs)
    const cases: Array<[Uint8Array, unknown]> = [
      [good.subarray(0, 5), MalformedSubmissionError],
      [Uint8Array.from([0, ...good.subarray(1)]), MalformedSubmissionError], // magic
      [Uint8Array.from([...good.subarray(0, 4), 2, ...good.subarray(5)]), MalformedSubmissionError], // version
      [good.subarray(0, good.length - 1), MalformedSubmissionError], // truncated inside the last proof
      [Uint8Array.from([...good, 0]), MalformedSubmissionError], // trailing byte
      [Uint8Array.from([...good.subarray(0, 5), 0, ...good.subarray(6)]), MalformedSubmissionError], // zero blobs
      [Uint8Array.from([...good.subarray(0, 5), 65, ...good.subarray(6)]), SubmissionTooLargeError] // over 64 blobs
    ]
    for (const [bytes, cls] of cases) expect(() => decodeSubmission(bytes)).toThrow(cls as any)
    expect(() => encodeSubmission({ tx: new Uint8Array(1), blobs: Array(65).fill(one.blobs[0]) })).toThrow(SubmissionTooLargeError)
    expect(MAX_SUBMISSION_BYTES).toBeLessThan(20 * 1024 * 1024)
  })
})

describe('intake: POST /da/submit', () => {
  it('accepts a good submission: cells kept pending, tx relayed', async () => {
    relayed = []
    const tx = daTx(two.payload.length, two.blobs.map((b) => b.commitment))
    const res = await intake.submit(body(tx, two.blobs))
    expect(res).toMatchObject({ code: 0, size: two.payload.length, commitments: two.blobs.map((b) => toHex(b.commitment)) })
    expect(res.txHash).toMatch(/^0x[0-9a-f]{64}$/)
    expect(relayed).toEqual([tx])
    expect(two.blobs.every((b) => store.has(b.commitment))).toBe(true)
  })

  it('a flipped cell bit → InvalidCellsError, nothing kept, nothing relayed', async () => {
    relayed = []
    const fresh = (await encoded(3000, 77)).blobs
    const tx = daTx(3000, [fresh[0].commitment])
    await expect(intake.submit(body(tx, [flipCellBit(fresh[0], 127, 2047)]))).rejects.toBeInstanceOf(InvalidCellsError)
    expect(store.has(fresh[0].commitment)).toBe(false)
    expect(relayed).toEqual([])
  })

  it('a wrong commitment in the tx (another blob\'s) → InvalidCellsError', async () => {
    const fresh = (await encoded(3000, 78)).blobs
    const tx = daTx(3000, [one.blobs[0].commitment])
    await expect(intake.submit(body(tx, fresh))).rejects.toMatchObject({ code: 'INVALID_CELLS' })
    expect(store.has(fresh[0].commitment)).toBe(false)
  })

  it('mismatched counts and a lying size → CommitmentMismatchError; other kinds, chains and signatures → MalformedSubmissionError', async () => {
    const c = two.blobs.map((b) => b.commitment)
    // 2 commitments, 1 blob sent
    await expect(intake.submit(body(daTx(two.payload.length, c), [two.blobs[0]]))).rejects.toBeInstanceOf(CommitmentMismatchError)
    // a size that fits one blob but the blob holds more payload (non-zero padding past `size`)
    await expect(intake.submit(body(daTx(100, [two.blobs[0].commitment]), [two.blobs[0]]))).rejects.toBeInstanceOf(CommitmentMismatchError)
    await expect(intake.submit(body(daTx(1, [], { kind: 'transfer' }), one.blobs))).rejects.toThrow(/expected 'da.submit'/)
    await expect(intake.submit(body(daTx(777, [one.blobs[0].commitment], { chain: 'other' }), one.blobs))).rejects.toBeInstanceOf(MalformedSubmissionError)
    const tx = daTx(777, [one.blobs[0].commitment])
    tx[tx.length - 1] ^= 1 // signature
    await expect(intake.submit(body(tx, one.blobs))).rejects.toThrow(/signature/)
    await expect(intake.submit(new Uint8Array([1, 2, 3]))).rejects.toBeInstanceOf(MalformedSubmissionError)
  })

  it('a tx CheckTx refuses → TxRejectedError and the pending cells are dropped', async () => {
    relayCode = 8
    try {
      const fresh = (await encoded(4000, 79)).blobs
      const err = await intake.submit(body(daTx(4000, [fresh[0].commitment]), fresh)).catch((e) => e)
      expect(err).toBeInstanceOf(TxRejectedError)
      expect(err).toMatchObject({ txCode: 8, code: 'TX_REJECTED' })
      expect(store.has(fresh[0].commitment)).toBe(false)
    } finally { relayCode = 0 }
  })
})

describe('intake: POST /da/encode + /da/submit-raw', () => {
  it('encodes natively (same commitments as the submitter would compute), then relays the tx signed over them', async () => {
    relayed = []
    const enc = await intake.encode(two.payload)
    expect(enc.commitments).toEqual(two.blobs.map((b) => toHex(b.commitment)))
    expect(enc.size).toBe(two.payload.length)
    const tx = daTx(enc.size, enc.commitments.map((c) => fromHex(c)))
    // a tx over other commitments is refused for this token
    await expect(intake.submitRaw(enc.token, daTx(777, [one.blobs[0].commitment]))).rejects.toBeInstanceOf(CommitmentMismatchError)
    const res = await intake.submitRaw(enc.token, tx)
    expect(res.commitments).toEqual(enc.commitments)
    expect(relayed).toEqual([tx])
    await expect(intake.submitRaw(enc.token, tx)).rejects.toBeInstanceOf(UnknownTokenError) // one use
    await expect(intake.submitRaw('nope', tx)).rejects.toBeInstanceOf(UnknownTokenError)
  })

  it('refuses empty and oversized payloads', async () => {
    await expect(intake.encode(new Uint8Array())).rejects.toBeInstanceOf(EmptyPayloadError)
    await expect(intake.encode(new Uint8Array(64 * 126_976 + 1))).rejects.toBeInstanceOf(SubmissionTooLargeError)
  })
})
