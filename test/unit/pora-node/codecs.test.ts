// Bad input → typed errors: the on-chain sealing codecs, the flow wire messages, and the ledger's
// pora.commit / pora.prove checks.
import { describe, expect, it } from 'vitest'
import { sealSector, proveSealing, TEST_SEAL_PARAMS, MalformedPoraMessageError, verifySealingSpotChecks } from '../../../protocol/pora/index.js'
import { encodeSectorCommitment, decodeSectorCommitment, encodeSealingProof, decodeSealingProof } from '../../../protocol/pora/commit-codec.js'
import { decodeRequest, encodeRequest, encodeResponse, decodeResponse, FLOW_PROTOCOL, FlowStatus, MalformedMessageError } from '../../../protocol/wire/index.js'
import { encodeSectorCommitment as enc } from '../../../protocol/pora/commit-codec.js'
import { TxCode } from '../../../fullnode/ledger/ledger.js'
import { newApp, testGenesis, tempDir, tx, users, block } from '../app/helpers.js'

const nodeId = new Uint8Array(32).fill(5)
const data = new Uint8Array(TEST_SEAL_PARAMS.sectorChunks * 256).map((_, i) => i & 0xff)

describe('sealing codecs', () => {
  const { commitment } = sealSector({ data, nodeId, sectorStart: 0, params: TEST_SEAL_PARAMS })
  it('round-trip a commitment and a sealing proof; the decoded proof verifies', () => {
    expect(decodeSectorCommitment(encodeSectorCommitment(commitment), nodeId)).toEqual(commitment)
    const seed = new Uint8Array(32).fill(9)
    const proof = decodeSealingProof(encodeSealingProof(proveSealing({ data, commitment, params: TEST_SEAL_PARAMS, seed })))
    expect(verifySealingSpotChecks({ commitment, params: TEST_SEAL_PARAMS, seed, proof }).ok).toBe(true)
  })
  it('reject malformed bytes with MalformedPoraMessageError', () => {
    const c = encodeSectorCommitment(commitment)
    expect(() => decodeSectorCommitment(c.subarray(0, c.length - 1), nodeId)).toThrow(MalformedPoraMessageError)
    expect(() => decodeSectorCommitment(Uint8Array.of(...c, 0), nodeId)).toThrow(MalformedPoraMessageError)
    expect(() => decodeSealingProof(Uint8Array.of(2, 0, 0, 0, 0))).toThrow(MalformedPoraMessageError)
    expect(() => decodeSealingProof(Uint8Array.of(1, 0, 1, 0, 0))).toThrow(MalformedPoraMessageError)
    try { decodeSealingProof(new Uint8Array()) } catch (err) { expect((err as MalformedPoraMessageError).code).toBeTypeOf('string') }
  })
})

describe('/glowmesh/flow/1.0.0 messages', () => {
  it('requests are segment-aligned; OK answers carry exactly 256 KiB', () => {
    expect(decodeRequest(FLOW_PROTOCOL, encodeRequest(FLOW_PROTOCOL, { position: 4096n })).position).toBe(4096n)
    expect(() => encodeRequest(FLOW_PROTOCOL, { position: 100n })).toThrow(MalformedMessageError)
    expect(() => encodeResponse(FLOW_PROTOCOL, { status: FlowStatus.OK, message: '', data: new Uint8Array(10) })).toThrow(MalformedMessageError)
    const ok = { status: FlowStatus.OK, message: '', data: new Uint8Array(256 * 1024) }
    expect(decodeResponse(FLOW_PROTOCOL, encodeResponse(FLOW_PROTOCOL, ok)).data.length).toBe(256 * 1024)
  })
})

describe('ledger: pora.commit and pora.prove', () => {
  it('refuse commitments off the assignment and proofs that do not verify', async () => {
    const { dir, cleanup } = await tempDir()
    const app = await newApp(dir, testGenesis({ seal: TEST_SEAL_PARAMS }))
    try {
      const u = users[3]
      const root = new Uint8Array(32).fill(1)
      await block(app, [tx(users[0], 0, 'storage.submit', { root, cid: new Uint8Array(), size: 3 * 1024 * 1024, durationEpochs: 4 })])
      await block(app, [tx(u, 0, 'registry.register', { pledgeBytes: 1 << 20, commR: new Uint8Array() })])
      const c = { ...sealSector({ data, nodeId: u.publicKey, sectorStart: 0, params: TEST_SEAL_PARAMS }).commitment }
      const far = enc({ ...c, sectorStart: 1 << 30 })
      const res = await block(app, [
        tx(u, 1, 'pora.commit', { epoch: 0, flowLength: 12288, sectors: [far] }), // not assigned (past the flow)
        tx(u, 2, 'pora.commit', { epoch: 7, flowLength: 12288, sectors: [enc(c)] }), // wrong epoch
        tx(u, 3, 'pora.commit', { epoch: 0, flowLength: 2 ** 40, sectors: [enc(c)] }), // flow longer than the chain's
        tx(u, 4, 'pora.prove', { sectorStart: 0, proof: Uint8Array.of(1, 2, 3) }), // nothing committed
        tx(users[4], 0, 'pora.commit', { epoch: 0, flowLength: 12288, sectors: [enc(c)] }) // not registered
      ])
      expect(res.txResults.map((r) => r.code)).toEqual([TxCode.BAD_COMMITMENT, TxCode.BAD_COMMITMENT, TxCode.BAD_COMMITMENT, TxCode.SEAL_PROOF_INVALID, TxCode.NODE_NOT_FOUND])
    } finally { await app.close(); await cleanup() }
  })
})
