/**
 * client/ws: the light node's WebSocket transport (DESIGN §7) — for workerd (the edge), but it runs
 * wherever there is a WebSocket. See README.md.
 */
export { createWebSocketTransport, globalWebSocketConnector, peerIdText, WebSocketUnavailableError, WebSocketTransportOptionsError, type WebSocketTransport, type WebSocketTransportOptions, type WebSocketLike, type WebSocketConnector } from './transport.js'
export { signHelloUrl, verifyHello, helloSignBytes, HELLO_MAX_SKEW_MS } from './hello.js'
