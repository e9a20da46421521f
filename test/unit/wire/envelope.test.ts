import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  CHALLENGE_PROTOCOL, decodeEnvelope, encodeEnvelope, Envelope, EnvelopeKind, getProtocol, JOB_PROTOCOL, MalformedMessageError,
  MAX_ENVELOPE_BYTES, MessageTooLargeError, packEnvelope, PROTOCOL_IDS, PROTOCOLS, SAMPLE_PROTOCOL, SEGMENT_PROTOCOL,
  SYNC_PROTOCOL, TX_PROTOCOL, UnknownProtocolError, unpackEnvelope, encodeRequest, decodeResponse, encodeResponse,
  MAX_TX_REQUEST_BYTES, MAX_SAMPLE_RESPONSE_BYTES, MAX_SEGMENT_RESPONSE_BYTES, type OpenEnvelope
} from '../../../protocol/wire/index.js'
import * as arb from './arbitraries.js'

const requestId = fc.bigInt({ min: 1n, max: 2n ** 64n - 1n })

describe('registry', () => {
  it('lists the protocols with their limits', () => {
    expect(PROTOCOL_IDS).toEqual(['sync', 'sample', 'segment', 'challenge', 'job', 'tx', 'flow', 'pora-state'].map((n) => `/glowmesh/${n}/1.0.0`))
    expect(getProtocol(TX_PROTOCOL).maxRequestBytes).toBe(MAX_TX_REQUEST_BYTES)
    expect(getProtocol(SAMPLE_PROTOCOL).maxResponseBytes).toBe(MAX_SAMPLE_RESPONSE_BYTES)
    expect(getProtocol(SEGMENT_PROTOCOL).maxResponseBytes).toBe(MAX_SEGMENT_RESPONSE_BYTES)
    expect(PROTOCOLS[SYNC_PROTOCOL].push?.name).toBe('NewHeader')
    expect(PROTOCOLS[CHALLENGE_PROTOCOL].push?.name).toBe('ChallengeReceipt')
    expect(PROTOCOLS[TX_PROTOCOL].push).toBeUndefined()
    expect(MAX_ENVELOPE_BYTES).toBeGreaterThan(MAX_SAMPLE_RESPONSE_BYTES)
    expect(() => getProtocol('/glowmesh/nope/1.0.0' as never)).toThrow(UnknownProtocolError)
  })

  it('typed request/response helpers round-trip', () => {
    const body = encodeRequest(TX_PROTOCOL, { tx: Uint8Array.from([1, 2]) })
    expect(body.length).toBe(4)
    const res = { txHash: new Uint8Array(32).fill(1), code: 0, log: 'ok' }
    expect(decodeResponse(TX_PROTOCOL, encodeResponse(TX_PROTOCOL, res))).toEqual(res)
  })
})

describe('envelope', () => {
  const cases: Array<[string, fc.Arbitrary<OpenEnvelope>]> = [
    ['sync request', fc.record({ kind: fc.constant('request' as const), requestId, protocol: fc.constant(SYNC_PROTOCOL), message: arb.syncRequest })],
    ['sync push (NewHeader)', fc.record({ kind: fc.constant('push' as const), requestId: fc.constant(0n as const), protocol: fc.constant(SYNC_PROTOCOL), message: arb.newHeader })],
    ['sample response', fc.record({ kind: fc.constant('response' as const), requestId, protocol: fc.constant(SAMPLE_PROTOCOL), message: arb.sampleResponse })],
    ['segment response', fc.record({ kind: fc.constant('response' as const), requestId, protocol: fc.constant(SEGMENT_PROTOCOL), message: arb.segmentResponse })],
    ['challenge request', fc.record({ kind: fc.constant('request' as const), requestId, protocol: fc.constant(CHALLENGE_PROTOCOL), message: arb.challenge })],
    ['challenge receipt push', fc.record({ kind: fc.constant('push' as const), requestId: fc.constant(0n as const), protocol: fc.constant(CHALLENGE_PROTOCOL), message: arb.challengeReceipt })],
    ['job offer push', fc.record({ kind: fc.constant('push' as const), requestId: fc.constant(0n as const), protocol: fc.constant(JOB_PROTOCOL), message: arb.jobOffer })],
    ['tx request', fc.record({ kind: fc.constant('request' as const), requestId, protocol: fc.constant(TX_PROTOCOL), message: arb.txRequest })],
    ['error', fc.record({ kind: fc.constant('error' as const), requestId: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), protocol: fc.constantFrom(...PROTOCOL_IDS), error: fc.record({ code: fc.constantFrom('RATE_LIMITED', 'MESSAGE_TOO_LARGE', 'E2'), message: fc.string({ maxLength: 100 }) }) })]
  ]
  for (const [name, gen] of cases) {
    it(`packs and unpacks a ${name}`, () => {
      fc.assert(fc.property(gen, (env) => { expect(unpackEnvelope(packEnvelope(env))).toEqual(env) }), { numRuns: 25 })
    })
  }

  it('refuses unknown protocols, pushes without a push type, bad ids and payloads over the protocol limit', () => {
    const raw = (e: Partial<Envelope>): Uint8Array => Envelope.encode({ requestId: 1n, protocol: TX_PROTOCOL, kind: EnvelopeKind.REQUEST, payload: Uint8Array.from([10, 1, 0]), ...e })
    expect(unpackEnvelope(raw({})).kind).toBe('request')
    expect(() => decodeEnvelope(raw({ protocol: '/glowmesh/tx/2.0.0' }))).toThrow(UnknownProtocolError)
    expect(() => decodeEnvelope(raw({ kind: EnvelopeKind.PUSH, requestId: 0n }))).toThrow(/no push/)
    expect(() => decodeEnvelope(raw({ requestId: 0n }))).toThrow(/requestId/)
    expect(() => decodeEnvelope(raw({ kind: EnvelopeKind.ENVELOPE_KIND_UNSPECIFIED }))).toThrow(MalformedMessageError)
    expect(() => decodeEnvelope(raw({ kind: EnvelopeKind.ERROR }))).toThrow(/error: missing/)
    expect(() => decodeEnvelope(raw({ error: { code: 'X', message: '' } }))).toThrow(/must be absent/)
    expect(() => decodeEnvelope(raw({ kind: EnvelopeKind.ERROR, payload: new Uint8Array(0), error: { code: 'lower case', message: '' } }))).toThrow(/UPPER_SNAKE/)
    // a segment-sized payload is fine as a segment response but not as a tx response
    const big = new Uint8Array(100_000)
    expect(() => decodeEnvelope(raw({ kind: EnvelopeKind.RESPONSE, payload: big }))).toThrow(MessageTooLargeError)
    expect(decodeEnvelope(raw({ kind: EnvelopeKind.RESPONSE, protocol: SEGMENT_PROTOCOL, payload: big })).payload.length).toBe(100_000)
    // the payload is decoded with the protocol's own rules
    expect(() => unpackEnvelope(raw({ payload: new Uint8Array(0) }))).toThrow(/TxRequest\.tx/)
    expect(() => decodeEnvelope(new Uint8Array(MAX_ENVELOPE_BYTES + 1))).toThrow(MessageTooLargeError)
    expect(() => encodeEnvelope({ requestId: 1n, protocol: 'x', kind: EnvelopeKind.REQUEST, payload: new Uint8Array(0) })).toThrow(UnknownProtocolError)
    expect(() => packEnvelope({ kind: 'push', requestId: 0n, protocol: TX_PROTOCOL, message: {} } as never)).toThrow(UnknownProtocolError)
  })
})
