// How a light node labels a connection (client/browser/browser-peers.ts): discovery keeps browsers
// connected over direct WebRTC and redials those that aren't, so a wrong label means a redial loop.
import { describe, expect, it } from 'vitest'
import { transportOf } from '../../../client/browser/browser-peers.js'

const relay = '12D3KooWGX3Su5vxyxGnkgiQR2L2xbixDuTQPdnMetToLE6j5X1V'
const browser = '12D3KooWQzyMvzFCKyjW2scEsUx5AncvBNTnLyqf58abunupARjM'
const certhash = 'uEiDtlcTr1oBn5IyvjCC0cK4I0C9wY3l-vsVf03zSrAxtmg'
const overWs = `/ip4/127.0.0.1/tcp/19235/ws/p2p/${relay}`
const overRtcDirect = `/ip4/127.0.0.1/udp/41234/webrtc-direct/certhash/${certhash}/p2p/${relay}`

describe('transportOf', () => {
  it('labels full-node connections by their own transport', () => {
    expect(transportOf(overWs)).toBe('websockets')
    expect(transportOf(`/dns4/node.example/tcp/443/tls/ws/p2p/${relay}`)).toBe('websockets')
    expect(transportOf(overRtcDirect)).toBe('webrtc-direct')
  })

  it('labels a browser connection by what runs over the circuit, however the relay is reached', () => {
    // the dialling side: the relay's address, the circuit, then WebRTC
    expect(transportOf(`${overWs}/p2p-circuit/webrtc/p2p/${browser}`)).toBe('webrtc')
    expect(transportOf(`${overRtcDirect}/p2p-circuit/webrtc/p2p/${browser}`)).toBe('webrtc')
    // the listening side sees only /webrtc
    expect(transportOf(`/webrtc/p2p/${browser}`)).toBe('webrtc')
    // the relay's own limited circuit that carried the SDP handshake
    expect(transportOf(`${overWs}/p2p-circuit/p2p/${browser}`)).toBe('circuit-relay')
    expect(transportOf(`${overRtcDirect}/p2p-circuit/p2p/${browser}`)).toBe('circuit-relay')
    expect(transportOf(`${overRtcDirect}/p2p-circuit`)).toBe('circuit-relay')
  })
})
