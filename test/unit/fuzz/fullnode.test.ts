// The full node's own decoders of untrusted bytes: the ABCI socket codec (frames in random TCP
// pieces, Request/Response), the light-peer gossip announce, state-sync snapshot chunks, PoRA state
// requests, the WebSocket hello query, and CID text and submission bytes — each decodes or throws
// its documented typed error; a frame declaring more than the cap is refused from its prefix.
import { afterAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { ed25519 } from '@noble/curves/ed25519.js'
import { Request, Response } from 'cosmjs-types/tendermint/abci/types'
import { FrameDecoder as AbciFrameDecoder, decodeRequest, decodeResponse, encodeRequest, encodeResponse } from '../../../fullnode/app/abci-codec.js'
import { decodeLightPeerAnnounce, encodeLightPeerAnnounce } from '../../../fullnode/net/light-peers.js'
import { unpackChunk, packChunks } from '../../../fullnode/app/snapshots.js'
import { parseStateRequest } from '../../../fullnode/pora/state-service.js'
import { signHelloUrl, verifyHello } from '../../../client/ws/hello.js'
import { parseCid, cidFromSubmission, cidToSubmission, canonicalCid } from '../../../protocol/cid/text.js'
import { equalBytes } from '../../../protocol/bytes.js'
import { fuzz, hostile, hostileText, printSlowest, throwsTyped, typedOrOk } from './arbitraries.js'

const enc = new TextEncoder()
afterAll(printSlowest)

describe('fuzz: ABCI socket codec', () => {
  const requests = [
    encodeRequest(Request.fromPartial({ echo: { message: 'hello' } })),
    encodeRequest(Request.fromPartial({ flush: {} })),
    encodeRequest(Request.fromPartial({ info: { version: '0.38.25', blockVersion: 11n, p2pVersion: 8n, abciVersion: '2.0.0' } })),
    encodeRequest(Request.fromPartial({ checkTx: { tx: new Uint8Array(300).fill(9), type: 0 } })),
    encodeRequest(Request.fromPartial({ query: { data: enc.encode('account/0x00'), path: '/store', height: 5n, prove: true } })),
    encodeRequest(Request.fromPartial({ finalizeBlock: { txs: [new Uint8Array(40).fill(1), new Uint8Array(90).fill(2)], height: 7n, hash: new Uint8Array(32).fill(3), proposerAddress: new Uint8Array(20).fill(4) } }))
  ]
  const responses = [encodeResponse(Response.fromPartial({ flush: {} })), encodeResponse(Response.fromPartial({ checkTx: { code: 0, log: 'ok', gasWanted: 1n } })), encodeResponse(Response.fromPartial({ commit: { retainHeight: 10n } }))]

  it('request and response streams in random pieces: frames, then Requests/Responses, or AbciFrameError', async () => {
    const stream = fc.array(fc.constantFrom(...requests, ...responses), { minLength: 1, maxLength: 4 }).map((fs) => Uint8Array.from(fs.flatMap((f) => [...f])))
    await fuzz('fullnode/abci', [hostile(stream), fc.array(fc.nat({ max: 80 }), { maxLength: 5 }), fc.constantFrom(64, 1024, 64 * 1024 * 1024)], (bytes, cuts, maxFrameBytes) => {
      const d = new AbciFrameDecoder({ maxFrameBytes })
      typedOrOk(() => {
        let at = 0
        for (const c of [...cuts, bytes.length]) {
          for (const frame of d.push(bytes.subarray(at, at + c))) {
            expect(frame.length).toBeLessThanOrEqual(maxFrameBytes)
            typedOrOk(() => decodeRequest(frame), ['AbciFrameError'])
            typedOrOk(() => decodeResponse(frame), ['AbciFrameError'])
          }
          at += c
        }
      }, ['AbciFrameError'])
    })
    // a 2^63-byte frame length is refused from its varint, with nothing buffered behind it
    throwsTyped(() => new AbciFrameDecoder().push(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01)), ['AbciFrameError'])
    throwsTyped(() => new AbciFrameDecoder({ maxFrameBytes: 100 }).push(Uint8Array.of(0xe5, 0x00)), ['AbciFrameError'])
  })
})

describe('fuzz: gossip, snapshots, state requests, hello, CIDs', () => {
  const peerId = '12D3KooWJ1a2mJDWCKn7VXNjmPMrqMuCvnP1wGJoE3wGKbJ9Pj8v'
  const announce = encodeLightPeerAnnounce({ peerId, addrs: [`/ip4/10.0.0.2/tcp/4003/ws/p2p/12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK/p2p-circuit/webrtc/p2p/${peerId}`] })

  it('light-peer announcements: mutated ones decode or throw InvalidAnnounceError', async () => {
    await fuzz('fullnode/light-peer-announce', [hostile(fc.constant(announce), 2100), fc.boolean()], (bytes, withFrom) => {
      const a = typedOrOk(() => decodeLightPeerAnnounce(bytes, withFrom ? peerId : undefined), ['InvalidAnnounceError'])
      if (a !== undefined) expect(a.addrs.every((x) => x.endsWith(`/p2p/${a.peerId}`))).toBe(true)
    })
    throwsTyped(() => decodeLightPeerAnnounce(new Uint8Array(1 << 20).fill(0x20)), ['InvalidAnnounceError'])
  })

  it('snapshot chunks and PoRA state requests: mutated ones decode or throw their typed errors', async () => {
    const nodes = Array.from({ length: 12 }, (_, i) => new Uint8Array(30 + i * 17).fill(i))
    const [chunk] = await packChunks((async function * () { yield * nodes })(), 1 << 20)
    expect(unpackChunk(chunk)).toEqual(nodes)
    await fuzz('fullnode/snapshot-chunk', [hostile(fc.constant(chunk))], (bytes) => {
      typedOrOk(() => unpackChunk(bytes), ['MalformedSnapshotChunkError'])
    })
    const req = enc.encode(JSON.stringify({ paths: ['epoch', 'params', `node/0x${'ab'.repeat(32)}`, `account/0x${'cd'.repeat(20)}`] }))
    await fuzz('fullnode/pora-state-request', [hostile(fc.constant(req))], (bytes) => {
      typedOrOk(() => parseStateRequest(bytes), ['PoraStateError'])
    })
  })

  it('the WebSocket hello query never throws and accepts only the signed one', async () => {
    const key = new Uint8Array(32).fill(5)
    const now = 1_800_000_000_000
    const url = signHelloUrl('ws://127.0.0.1:1/glowmesh/ws', 'fuzz-chain', key, now)
    const query = new URL(url).search
    expect(verifyHello(new URLSearchParams(query), 'fuzz-chain', now)).toEqual(ed25519.getPublicKey(key))
    await fuzz('fullnode/ws-hello', [hostileText(fc.constant(query))], (q) => {
      const got = verifyHello(new URLSearchParams(q), 'fuzz-chain', now)
      if (got instanceof Uint8Array) {
        const p = new URLSearchParams(q); const o = new URLSearchParams(query)
        expect([p.get('node')?.toLowerCase(), p.get('ts'), p.get('sig')?.toLowerCase()]).toEqual([o.get('node'), o.get('ts'), o.get('sig')])
      }
    })
  })

  it('CID text and submission bytes: parse (canonically) or throw InvalidCidError', async () => {
    const texts = ['bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', 'QmPZ9gcCEpqKTo6aq61g2nXGUhM4iCL3ewB6LDXZCtioEB', 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi']
    await fuzz('fullnode/cid-text', [hostileText(fc.constantFrom(...texts))], (t) => {
      const cid = typedOrOk(() => parseCid(t), ['InvalidCidError'])
      if (cid !== undefined) expect(canonicalCid(canonicalCid(cid))).toBe(canonicalCid(cid))
    })
    await fuzz('fullnode/cid-bytes', [hostile(fc.constantFrom(...texts.map((t) => cidToSubmission(t))), 80)], (bytes) => {
      const cid = typedOrOk(() => cidFromSubmission(bytes), ['InvalidCidError'])
      if (cid !== undefined) expect(equalBytes(cidFromSubmission(cidToSubmission(cid))!.bytes, cid.bytes)).toBe(true)
    })
  })
})
