/**
 * What an IPFS gateway request asks for (the trustless-gateway spec's response formats): the raw
 * block, a CAR, or the file's bytes. Shared by the full node's gateway (fullnode/ipfs/gateway.ts)
 * and the edge's (edge/ipfs.ts); each turns a refusal into its own HTTP 406.
 */

/** `Accept` / content type of one raw block. */
export const IPLD_RAW = 'application/vnd.ipld.raw'
/** `Accept` / content type of a CAR (v1 is the only version served). */
export const IPLD_CAR = 'application/vnd.ipld.car'

/** The three answers a glowmesh gateway gives. */
export type IpfsFormat = 'raw' | 'car' | 'file'

/** Why no format could be served (the caller answers 406 with this code and message). */
export interface IpfsFormatRefusal { code: 'IPFS_UNSUPPORTED_FORMAT' | 'IPFS_UNSUPPORTED_ACCEPT', message: string }

/**
 * `?format=` wins over Accept (taken in the client's order; q=0 excludes); no preference = the file's
 * bytes. `textAsFile` also answers `text/*` with the file (for browsers' navigations).
 * @example negotiateIpfsFormat(null, 'application/vnd.ipld.car; version=1') // 'car'
 */
export function negotiateIpfsFormat (format: string | null, accept: string | null | undefined, options: { textAsFile?: boolean } = {}): IpfsFormat | IpfsFormatRefusal {
  if (format !== null) {
    if (format === 'raw' || format === 'car') return format
    return { code: 'IPFS_UNSUPPORTED_FORMAT', message: `format '${format.slice(0, 40)}' is not served here (raw, car)` }
  }
  if (accept === null || accept === undefined || accept.trim() === '') return 'file'
  for (const item of accept.split(',')) {
    const [type, ...params] = item.trim().split(';').map((s) => s.trim().toLowerCase())
    const p = Object.fromEntries(params.map((x) => x.split('=').map((s) => s.trim())))
    if (p.q !== undefined && Number(p.q) === 0) continue
    if (type === IPLD_RAW) return 'raw'
    if (type === IPLD_CAR && (p.version === undefined || p.version === '1')) return 'car'
    if (type === 'application/octet-stream' || type === '*/*' || type === 'application/*') return 'file'
    if (options.textAsFile === true && type.startsWith('text/')) return 'file'
  }
  return { code: 'IPFS_UNSUPPORTED_ACCEPT', message: `none of '${accept.slice(0, 120)}' is served here (${IPLD_RAW}, ${IPLD_CAR}; version=1, application/octet-stream)` }
}
