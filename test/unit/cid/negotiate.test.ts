// The gateway format negotiation both gateways (full node, edge) share.
import { describe, expect, it } from 'vitest'
import { IPLD_CAR, IPLD_RAW, negotiateIpfsFormat } from '../../../protocol/cid/index.js'

describe('negotiateIpfsFormat', () => {
  it('?format= wins over Accept; no preference is the file', () => {
    expect(negotiateIpfsFormat('car', IPLD_RAW)).toBe('car')
    expect(negotiateIpfsFormat('raw', null)).toBe('raw')
    expect(negotiateIpfsFormat(null, undefined)).toBe('file')
    expect(negotiateIpfsFormat(null, ' ')).toBe('file')
    expect(negotiateIpfsFormat('tar', null)).toMatchObject({ code: 'IPFS_UNSUPPORTED_FORMAT' })
  })
  it('takes Accept in order, skips q=0 and CAR versions other than 1', () => {
    expect(negotiateIpfsFormat(null, `${IPLD_RAW};q=0, ${IPLD_CAR}`)).toBe('car')
    expect(negotiateIpfsFormat(null, `${IPLD_CAR}; version=2, ${IPLD_RAW}`)).toBe('raw')
    expect(negotiateIpfsFormat(null, 'application/json, */*')).toBe('file')
    expect(negotiateIpfsFormat(null, `${IPLD_CAR}; version=2`)).toMatchObject({ code: 'IPFS_UNSUPPORTED_ACCEPT' })
  })
  it('answers text/* with the file only when asked to (the edge serves browsers)', () => {
    expect(negotiateIpfsFormat(null, 'text/html')).toMatchObject({ code: 'IPFS_UNSUPPORTED_ACCEPT' })
    expect(negotiateIpfsFormat(null, 'text/html', { textAsFile: true })).toBe('file')
  })
})
