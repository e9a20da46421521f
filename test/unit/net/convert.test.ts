import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { ed25519 } from '@noble/curves/ed25519.js'
import { describe, expect, test } from 'vitest'
import { BlockIdFlag, hashHeader, verifyAdjacent } from '../../../protocol/chain/index.js'
import { equalBytes } from '../../../protocol/bytes.js'
import { SYNC_PROTOCOL, decodePush, encodePush } from '../../../protocol/wire/index.js'
import {
  InvalidKeyError, NotFoundError, PrunedError, RemoteError, TombstonedError, libp2pKey, lightBlockFromWire, lightBlockToWire,
  listenAddresses, refusalOf
} from '../../../fullnode/net/index.js'
import { keyToFile, generateKey } from '../../../protocol/chain/index.js'
import { makeTestChain } from '../chain/fixtures.js'
import { FilePrunedError, FileTombstonedError, SegmentMissingError, SegmentOutOfRangeError, UnknownFileError } from '../../../fullnode/store/errors.js'

describe('light blocks chain ⇄ wire', () => {
  // validator 1 never signs height 3: absent signatures must survive the round trip
  const chain = makeTestChain({ length: 4, signsAt: (h, i) => !(h === 3n && i === 1) })

  test('round trip through the wire encoding is lossless and still verifies', () => {
    for (const h of [1n, 2n, 3n, 4n]) {
      const lb = chain.lightBlock(h)
      const back = lightBlockFromWire(decodePush(SYNC_PROTOCOL, encodePush(SYNC_PROTOCOL, { lightBlock: lightBlockToWire(lb) })).lightBlock!)
      expect(back).toEqual(lb)
      expect(equalBytes(hashHeader(back.signedHeader.header), hashHeader(lb.signedHeader.header))).toBe(true)
    }
    const three = lightBlockFromWire(lightBlockToWire(chain.lightBlock(3n)))
    expect(three.signedHeader.commit.signatures.some(s => s.blockIdFlag === BlockIdFlag.Absent)).toBe(true)
    verifyAdjacent({ trusted: chain.lightBlock(2n), untrusted: three.signedHeader, untrustedVals: three.validators, trustingPeriodMs: 1e15, now: Date.now() })
  })
})

describe('libp2pKey', () => {
  test('peer id comes from our ed25519 seed; node id = the 32-byte public key', async () => {
    const key = generateKey(new Uint8Array(32).fill(3))
    const file = keyToFile(key)
    const pk = await libp2pKey({ privateKey: file.privateKey, publicKey: file.publicKey })
    expect(equalBytes(pk.publicKey.raw, ed25519.getPublicKey(key.privateKey))).toBe(true)
    const same = await generateKeyPairFromSeed('Ed25519', key.privateKey)
    expect(peerIdFromPrivateKey(pk).toString()).toBe(peerIdFromPrivateKey(same).toString())
  })

  test('bad keys are InvalidKeyError', async () => {
    await expect(libp2pKey({ privateKey: new Uint8Array(31) })).rejects.toBeInstanceOf(InvalidKeyError)
    await expect(libp2pKey({ privateKey: 'not base64!' })).rejects.toMatchObject({ name: 'InvalidKeyError', code: 'INVALID_KEY' })
    await expect(libp2pKey({ privateKey: new Uint8Array(32), publicKey: new Uint8Array(32) })).rejects.toBeInstanceOf(InvalidKeyError)
  })
})

describe('helpers', () => {
  test('service errors map to wire refusals by code; internal ones stay internal', () => {
    expect(refusalOf(new NotFoundError('x'))).toBe('NOT_FOUND')
    expect(refusalOf(new TombstonedError('x'))).toBe('NOT_FOUND')
    expect(refusalOf(new PrunedError('x'))).toBe('PRUNED')
    // the flow store's own errors: a segment not (yet) held is NOT_FOUND, not an internal failure
    expect(refusalOf(new SegmentMissingError(new Uint8Array(32), 3))).toBe('NOT_FOUND')
    // an index past the file's end (found by the live /glowmesh/ws fuzzer: it was INTERNAL)
    expect(refusalOf(new SegmentOutOfRangeError(3, 3))).toBe('BAD_REQUEST')
    expect(refusalOf(new UnknownFileError('0x00'))).toBe('NOT_FOUND')
    expect(refusalOf(new FileTombstonedError(new Uint8Array(32), 'CID mismatch'))).toBe('NOT_FOUND')
    expect(refusalOf(new FilePrunedError(new Uint8Array(32)))).toBe('PRUNED')
    expect(refusalOf(new Error('disk on fire'))).toBe('INTERNAL')
    expect(refusalOf(undefined)).toBe('INTERNAL')
    expect(new RemoteError('INTERNAL', 'x')).toMatchObject({ name: 'RemoteError', code: 'REMOTE_ERROR', status: 'INTERNAL' })
  })

  test('listen addresses follow the config (IPv4 and IPv6)', () => {
    expect(listenAddresses({ host: '127.0.0.1', tcp: 1, ws: 2, webrtcDirect: 3 })).toEqual(['/ip4/127.0.0.1/tcp/1', '/ip4/127.0.0.1/tcp/2/ws', '/ip4/127.0.0.1/udp/3/webrtc-direct'])
    expect(listenAddresses({ host: '::1', tcp: 1, ws: 2, webrtcDirect: 3 })[0]).toBe('/ip6/::1/tcp/1')
  })
})
