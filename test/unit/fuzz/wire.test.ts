// Every /glowmesh/* request, response and push decoder, the WebSocket envelope and the frame
// decoders, on mutated valid encodings and random bytes: each decodes to a message that validates
// (and re-encodes to a fixed point) or throws a typed wire error; sizes declared above a limit are
// refused before anything is buffered.
import { afterAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  decodeFrame, decodeMessage, encodeFrame, encodeMessage, FrameDecoder, packEnvelope, unpackEnvelope, decodeRequest, decodeResponse,
  decodePush, encodeRequest, encodeResponse, encodePush, PROTOCOLS, PROTOCOL_IDS, MESSAGES, FlowStatus, FLOW_SEGMENT_CHUNKS,
  SEGMENT_BYTES, MAX_TX_REQUEST_BYTES, type MessageType, type ProtocolId
} from '../../../protocol/wire/index.js'
import { equalBytes } from '../../../protocol/bytes.js'
import * as w from '../wire/arbitraries.js'
import { fuzz, hostile, printSlowest, throwsTyped, typedOrOk } from './arbitraries.js'

const WIRE_ERRORS = ['MessageTooLargeError', 'TruncatedMessageError', 'MalformedMessageError', 'UnknownProtocolError']

const flowRequest = fc.bigInt({ min: 0n, max: (1n << 40n) }).map((k) => ({ position: k * BigInt(FLOW_SEGMENT_CHUNKS) }))
const flowResponse = fc.oneof(
  fc.record({ status: fc.constant(FlowStatus.OK), message: fc.string({ maxLength: 20 }), data: fc.constant(new Uint8Array(SEGMENT_BYTES).fill(7)) }),
  fc.record({ status: fc.constantFrom(...Object.values(FlowStatus).filter((s) => typeof s === 'string' && s !== 'FLOW_STATUS_UNSPECIFIED' && s !== FlowStatus.OK)), message: fc.string({ maxLength: 40 }), data: fc.constant(new Uint8Array(0)) })
)
const hex = (n: number): fc.Arbitrary<string> => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString('hex'))
const statePath = fc.oneof(fc.constantFrom('params', 'epoch', 'flow'), hex(32).map((h) => `node/0x${h}`), hex(32).map((h) => `file/0x${h}`), hex(20).map((h) => `account/0x${h}`), hex(32).map((h) => `job/0x${h}`))
const poraStateRequest = fc.record({ paths: fc.array(statePath, { minLength: 1, maxLength: 8 }) })
const poraStateResponse = fc.record({
  error: fc.constant(''),
  height: fc.bigInt({ min: 0n, max: 1n << 40n }),
  entries: fc.array(fc.record({ path: statePath, value: fc.uint8Array({ maxLength: 64 }), proof: fc.uint8Array({ maxLength: 600 }) }), { maxLength: 8 })
})

/** Valid messages for every protocol's request, response and push. */
const VALID: Record<ProtocolId, { request: fc.Arbitrary<any>, response: fc.Arbitrary<any>, push?: fc.Arbitrary<any> }> = {
  '/glowmesh/sync/1.0.0': { request: w.syncRequest, response: w.syncResponse, push: w.newHeader },
  '/glowmesh/sample/1.0.0': { request: w.sampleRequest, response: w.sampleResponse },
  '/glowmesh/segment/1.0.0': { request: w.segmentRequest, response: w.segmentResponse },
  '/glowmesh/challenge/1.0.0': { request: w.challenge, response: w.challengeAnswer, push: w.challengeReceipt },
  '/glowmesh/job/1.0.0': { request: w.jobRequest, response: w.jobResponse, push: w.jobOffer },
  '/glowmesh/tx/1.0.0': { request: w.txRequest, response: w.txResponse },
  '/glowmesh/flow/1.0.0': { request: flowRequest, response: flowResponse },
  '/glowmesh/pora-state/1.0.0': { request: poraStateRequest, response: poraStateResponse }
}

const CODECS = {
  request: [encodeRequest, decodeRequest],
  response: [encodeResponse, decodeResponse],
  push: [encodePush, decodePush]
} as const

/** Decodes or throws a wire error; what decodes re-encodes and decodes to the same message. */
function decodesStably (type: MessageType<any>, decode: (b: Uint8Array) => unknown, b: Uint8Array): void {
  const msg = typedOrOk(() => decode(b), WIRE_ERRORS)
  if (msg === undefined) return
  const again = encodeMessage(type, msg)
  // byte comparison, not toEqual: deep-equality on 256 KiB arrays costs seconds
  expect(equalBytes(encodeMessage(type, decodeMessage(type, again)), again)).toBe(true)
}

afterAll(printSlowest)

describe('fuzz: wire decoders', () => {
  for (const id of PROTOCOL_IDS) {
    for (const kind of ['request', 'response', 'push'] as const) {
      const valid = VALID[id][kind]
      if (valid === undefined) continue
      const type = PROTOCOLS[id][kind] as MessageType<any>
      const [encode, decode] = CODECS[kind]
      it(`${id} ${kind} (${type.name}): mutated and random bytes decode or throw typed wire errors`, async () => {
        const encoded = valid.map((m) => (encode as any)(id, m) as Uint8Array)
        await fuzz(`wire${id.slice(9, -6)}/${kind}`, [hostile(encoded)], (b) => decodesStably(type, (x) => (decode as any)(id, x), b))
      })
    }
  }

  it('envelopes: mutated request/response/push/error envelopes of every protocol unpack or throw typed errors', async () => {
    const env = fc.constantFrom(...PROTOCOL_IDS).chain((protocol) => {
      const v = VALID[protocol]
      const kinds: Array<fc.Arbitrary<Uint8Array>> = [
        v.request.map((message) => packEnvelope({ kind: 'request', requestId: 7n, protocol, message } as any)),
        v.response.map((message) => packEnvelope({ kind: 'response', requestId: 9n, protocol, message } as any)),
        fc.record({ code: fc.stringMatching(/^[A-Z][A-Z0-9_]{0,19}$/), message: fc.string({ maxLength: 50 }) }).map((error) => packEnvelope({ kind: 'error', requestId: 3n, protocol, error }))
      ]
      if (v.push !== undefined) kinds.push(v.push.map((message) => packEnvelope({ kind: 'push', requestId: 0n, protocol, message } as any)))
      return fc.oneof(...kinds)
    })
    await fuzz('wire/envelope', [hostile(env)], (b) => {
      const open = typedOrOk(() => unpackEnvelope(b), WIRE_ERRORS)
      if (open === undefined) return
      const again = packEnvelope(open)
      expect(equalBytes(packEnvelope(unpackEnvelope(again)), again)).toBe(true)
    })
  })

  it('frames: whole and streamed (in random pieces) decode to the body or throw typed errors; never more than maxBytes is buffered', async () => {
    const framed = w.txRequest.map((m) => encodeFrame(encodeMessage(MESSAGES.txRequest, m)))
    await fuzz('wire/frame', [hostile(framed), fc.array(fc.nat({ max: 64 }), { maxLength: 6 }), fc.integer({ min: 0, max: 8192 })], (b, cuts, maxBytes) => {
      typedOrOk(() => decodeFrame(b, { maxBytes }), WIRE_ERRORS)
      const d = new FrameDecoder({ maxBytes })
      typedOrOk(() => {
        let at = 0
        const bodies: Uint8Array[] = []
        for (const c of [...cuts, b.length]) {
          bodies.push(...d.push(b.subarray(at, at + c))); at += c
          // a partial frame never holds more than its prefix and maxBytes of body
          expect(d.bufferedBytes).toBeLessThanOrEqual(maxBytes + 10)
        }
        for (const body of bodies) expect(body.length).toBeLessThanOrEqual(maxBytes)
        d.end()
      }, WIRE_ERRORS)
    })
  })

  it('declared sizes over a limit are refused from the prefix, before any body is buffered', () => {
    // a frame announcing 2^53 bytes, and one announcing one byte more than allowed, with no body behind either
    throwsTyped(() => decodeFrame(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10), { maxBytes: MAX_TX_REQUEST_BYTES }), ['MessageTooLargeError'])
    const d = new FrameDecoder({ maxBytes: 1000 })
    throwsTyped(() => d.push(encodeFrame(new Uint8Array(1001)).subarray(0, 3)), ['MessageTooLargeError'])
    // every message type refuses a body one byte over its limit without parsing it
    for (const id of PROTOCOL_IDS) {
      for (const kind of ['request', 'response', 'push'] as const) {
        const type = PROTOCOLS[id][kind] as MessageType<any> | undefined
        if (type !== undefined) throwsTyped(() => decodeMessage(type, new Uint8Array(type.maxBytes + 1)), ['MessageTooLargeError'])
      }
    }
    // a length-delimited field declaring 2^31 bytes inside a 6-byte body (FlowRequest's field 1 is a
    // varint, and protons reads a field by its schema's type, so there it is the valid position 2^31)
    for (const [name, type] of Object.entries(MESSAGES)) {
      if (name !== 'flowRequest') throwsTyped(() => decodeMessage(type as MessageType<any>, Uint8Array.of(0x0a, 0x80, 0x80, 0x80, 0x80, 0x08)), WIRE_ERRORS)
    }
  })
})
