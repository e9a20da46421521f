// The chain's decoders: signed transactions, every ledger tx body, state records, MPT state proofs
// (a mutated proof never proves another value or an absence), CometBFT RPC JSON (a real node's
// header, commit and validators) and RFC 3339 times — each decodes canonically or throws its typed error.
import { afterAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { createMPT, createMerkleProof } from '@ethereumjs/mpt'
import {
  decodeTx, encodeTx, signTx, verifyTx, TX_KINDS, headerFromJson, commitFromJson, signedHeaderFromJson, validatorsFromJson,
  parseRfc3339, formatRfc3339, verifyCommitLight, hashHeader, validateSignedHeaderBasic, MAX_TX_BYTES
} from '../../../protocol/chain/index.js'
import { decodeBody, encodeBody, LEDGER_TX_KINDS, type LedgerTxKind } from '../../../protocol/chain/bodies.js'
import { sampleBodies } from '../ledger/sample-bodies.js'
import { decodeRecord, encodeRecord, decodeStateProof, encodeStateProof, verifyStateProof, stateKeys } from '../../../protocol/chain/state-proof.js'
import { decodeDistribution, encodeDistribution } from '../../../protocol/chain/compute.js'
import { equalBytes } from '../../../protocol/bytes.js'
import { commitAtHeight10, genesisValidators } from '../chain/real-node-fixture.js'
import { fuzz, fuzzAsync, hostile, hostileText, mutatedJson, printSlowest, throwsTyped, typedOrOk, typedOrOkAsync } from './arbitraries.js'

const b = (n: number, fill = 1): Uint8Array => new Uint8Array(n).fill(fill)
/** One valid body per ledger tx kind (the body tests' samples; a small PoRA proof and a non-empty commR here). */
const BODIES: { [K in LedgerTxKind]: any } = {
  ...sampleBodies,
  'registry.register': { pledgeBytes: 1 << 20, commR: b(32, 9) },
  'pora.prove': { sectorStart: 4096, proof: b(500, 3) }
}
const SECRET = b(32, 42)
const signedTx = fc.record({
  chainId: fc.stringMatching(/^[a-z0-9-]{1,30}$/),
  nonce: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  fee: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  kind: fc.constantFrom(...TX_KINDS),
  body: fc.uint8Array({ maxLength: 300 })
}).map((u) => encodeTx(signTx(u, SECRET)))

afterAll(printSlowest)

describe('fuzz: transactions and bodies', () => {
  it('decodeTx: mutated signed txs decode canonically or throw MalformedTxError; a mutated tx never verifies', async () => {
    await fuzz('chain/tx', [signedTx.chain((v) => fc.tuple(fc.constant(v), hostile(fc.constant(v))))], ([valid, bytes]) => {
      const tx = typedOrOk(() => decodeTx(bytes), ['MalformedTxError', 'TxTooLargeError'])
      if (tx === undefined) return
      expect(equalBytes(encodeTx(tx), bytes)).toBe(true)
      // ed25519 signs every field: only the unchanged bytes verify
      expect(verifyTx(tx)).toBe(equalBytes(bytes, valid))
    })
    throwsTyped(() => decodeTx(new Uint8Array(MAX_TX_BYTES + 1)), ['TxTooLargeError'])
  })

  it('decodeBody: every kind, mutated, decodes canonically or throws MalformedBodyError', async () => {
    const valid = fc.constantFrom(...LEDGER_TX_KINDS).map((kind) => ({ kind, bytes: encodeBody(kind, BODIES[kind]) }))
    await fuzz('chain/bodies', [valid.chain(({ kind, bytes }) => fc.tuple(fc.constant(kind), hostile(fc.constant(bytes), 128)))], ([kind, bytes]) => {
      const body = typedOrOk(() => decodeBody(kind, bytes), ['MalformedBodyError'])
      if (body !== undefined) expect(equalBytes(encodeBody(kind, body), bytes)).toBe(true)
    })
  })

  it('state records and proofs decode or throw typed errors; the distribution codec too', async () => {
    const records = fc.constantFrom(
      ['account', encodeRecord('account', { balance: 10n ** 20n, nonce: 7n })],
      ['flow', encodeRecord('flow', { length: 4096, submissions: 3 })],
      ['epoch', encodeRecord('epoch', { epoch: 4, seed: b(32, 3), startHeight: 100, flowLength: 8192 })],
      ['blob', encodeRecord('blob', { sender: b(20), size: 5000, txHash: b(32), commitments: [b(48), b(48, 2)] })],
      ['file', b(0)], ['node', b(0)], ['model', b(0)], ['job', b(0)], ['worker', b(0)]
    ) as fc.Arbitrary<[any, Uint8Array]>
    await fuzz('chain/records', [records.chain(([kind, bytes]) => fc.tuple(fc.constant(kind), hostile(fc.constant(bytes), 128)))], ([kind, bytes]) => {
      const rec = typedOrOk(() => decodeRecord(kind, bytes), ['InvalidInputError'])
      if (rec !== undefined) expect(equalBytes(encodeRecord(kind, rec as any), bytes)).toBe(true)
    })
    await fuzz('chain/state-proof-bytes', [hostile(fc.constant(encodeStateProof([b(40), b(532, 2), b(83, 3)])))], (bytes) => {
      const nodes = typedOrOk(() => decodeStateProof(bytes), ['InvalidStateProofError'])
      if (nodes !== undefined) expect(equalBytes(encodeStateProof(nodes), bytes)).toBe(true)
    })
    await fuzz('chain/distribution', [hostile(fc.constant(encodeDistribution([500, 250, 250])), 64)], (bytes) => {
      typedOrOk(() => decodeDistribution(bytes), ['InvalidInputError', 'MalformedBodyError'])
    })
  })

  it('verifyStateProof: a mutated proof, key or app hash never proves another value or an absence', async () => {
    const trie = await createMPT({ useKeyHashing: true })
    const enc = new TextEncoder()
    const keys = Array.from({ length: 24 }, (_, i) => stateKeys.account(`0x${(i * 7919).toString(16).padStart(40, '0')}`))
    for (const [i, k] of keys.entries()) await trie.put(k, encodeRecord('account', { balance: BigInt(1000 + i), nonce: BigInt(i) }))
    await trie.put(enc.encode('epoch'), enc.encode('e'))
    const root = trie.root()
    const target = keys[5]
    const value = await trie.get(target)
    const proof = encodeStateProof(await createMerkleProof(trie, target))
    expect(await verifyStateProof({ appHash: root, key: target, proof })).toEqual(value)
    const flip = (x: Uint8Array, at: number): Uint8Array => { const c = x.slice(); c[at % c.length] ^= 1; return c }
    await fuzzAsync('chain/state-proof', [hostile(fc.constant(proof), 300), fc.nat({ max: 2 }), fc.nat()], async (p, what, at) => {
      const appHash = what === 1 ? flip(root, at) : root
      const key = what === 2 ? flip(target, at) : target
      const got = await typedOrOkAsync(async () => await verifyStateProof({ appHash, key, proof: p }), ['InvalidStateProofError'])
      // what verifies is the one true answer: the value under the real root, or (for another key) its absence
      if (got !== undefined && equalBytes(appHash, root)) {
        if (equalBytes(key, target)) expect(got).toEqual(value)
        else expect(got).toEqual(await trie.get(key))
      }
      if (!equalBytes(appHash, root)) expect(got).toBeUndefined()
    }, 0.5)
  })
})

describe('fuzz: CometBFT JSON from a real node', () => {
  const sh = signedHeaderFromJson(commitAtHeight10)
  const vals = validatorsFromJson(genesisValidators)
  const NAMES = ['InvalidJsonError', 'InvalidInputError']

  it('header/commit/validators JSON: mutated values parse or throw InvalidJsonError; a changed header or commit never verifies', async () => {
    expect(verifyCommitLight('dockerchain', vals, sh.commit.blockId, sh.header.height, sh.commit).tallied).toBe(10n)
    await fuzz('chain/json-signed-header', [mutatedJson(fc.constant(commitAtHeight10))], (doc) => {
      const got = typedOrOk(() => signedHeaderFromJson(doc), NAMES)
      if (got === undefined) return
      // accepted = the light client's two checks: the commit is for this header, and it is signed
      const accepted = typedOrOk(() => {
        validateSignedHeaderBasic(got, 'dockerchain')
        return verifyCommitLight('dockerchain', vals, got.commit.blockId, got.header.height, got.commit)
      }, ['InvalidHeaderError', 'InvalidCommitError', 'InvalidSignatureError', 'InsufficientSignaturesError', 'InvalidValidatorSetError'])
      // every field of the header is hashed and every field of the commit signed: only the original passes
      if (accepted !== undefined) {
        expect(equalBytes(hashHeader(got.header), hashHeader(sh.header))).toBe(true)
        expect(JSON.stringify(got.commit, big)).toBe(JSON.stringify(sh.commit, big))
      }
    })
    await fuzz('chain/json-parts', [mutatedJson(fc.constant(commitAtHeight10.result.signed_header)), mutatedJson(fc.constant(genesisValidators))], (s, v) => {
      typedOrOk(() => headerFromJson((s as any)?.header), NAMES)
      typedOrOk(() => commitFromJson((s as any)?.commit), NAMES)
      typedOrOk(() => validatorsFromJson(v), NAMES)
    })
    await fuzz('chain/json-text', [hostileText(fc.constant(JSON.stringify(commitAtHeight10)))], (text) => {
      let doc: unknown
      try { doc = JSON.parse(text) } catch { return }
      typedOrOk(() => signedHeaderFromJson(doc), NAMES)
    })
  })

  it('parseRfc3339: mutated times parse (and format back to a time that parses) or throw InvalidInputError', async () => {
    await fuzz('chain/rfc3339', [hostileText(fc.constantFrom('2023-05-17T14:12:53.605374524Z', '2024-02-29T23:59:59+05:30', '0001-01-01T00:00:00Z'))], (text) => {
      const t = typedOrOk(() => parseRfc3339(text), ['InvalidInputError'])
      if (t !== undefined) expect(parseRfc3339(formatRfc3339(t))).toEqual(t)
    })
  })
})

function big (_k: string, v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString()
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex')
  return v
}
