/**
 * A Helia Blockstore over a light node's LightStore (files in Node, IndexedDB in browsers, DO storage
 * on the edge), so the light node's Helia serves over bitswap what it holds. Pure: no Node imports
 * (the browser issue reuses it). Blocks are verified (sha2-256) on put and on get; keys are
 * `ipfs/<base32 multihash>`; blocks up to 2 MiB (the LightStore's value bound).
 */
import type { AbortOptions } from '@libp2p/interface'
import type { Blockstore, InputPair, Pair } from 'interface-blockstore'
import { base32 } from 'multiformats/bases/base32'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { sha256 } from 'multiformats/hashes/sha2'
import { equalBytes } from '../../protocol/bytes.js'
import type { LightStore } from '../../client/types.js'
import { BlockNotFoundError, BlockTooLargeError, CorruptBlockError, InvalidCidError } from './errors.js'

/** Largest block kept (DESIGN §9: 2 MB values everywhere). */
export const MAX_LIGHT_BLOCK_BYTES = 2 * 1024 * 1024
const PREFIX = 'ipfs/'

function keyOf (cid: CID): string {
  if (cid.multihash.code !== sha256.code) throw new InvalidCidError(`only sha2-256 blocks are kept, not ${cid.toString()}`)
  return PREFIX + base32.encode(cid.multihash.bytes)
}

async function verify (cid: CID, bytes: Uint8Array): Promise<boolean> {
  return equalBytes((await sha256.digest(bytes)).digest, cid.multihash.digest)
}

async function collect (v: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  if (v instanceof Uint8Array) return v
  const parts: Uint8Array[] = []
  let n = 0
  for await (const p of v) { parts.push(p); n += p.length; if (n > MAX_LIGHT_BLOCK_BYTES) throw new BlockTooLargeError(n, MAX_LIGHT_BLOCK_BYTES) }
  const out = new Uint8Array(n)
  let o = 0
  for (const p of parts) { out.set(p, o); o += p.length }
  return out
}

/**
 * Wraps a LightStore as Helia's Blockstore.
 * @example
 * const blockstore = lightStoreBlockstore(await createFileStore({ dir: join(home, 'light', 'blocks') }))
 * withBitswap(withLibp2pLight(createHeliaLight({ blockstore }), …))
 */
export function lightStoreBlockstore (store: LightStore): Blockstore {
  const getBlock = async (cid: CID, options?: AbortOptions): Promise<Uint8Array> => {
    options?.signal?.throwIfAborted()
    const bytes = await store.get(keyOf(cid))
    if (bytes === undefined) throw new BlockNotFoundError(cid.toString())
    if (!await verify(cid, bytes)) throw new CorruptBlockError(cid.toString(), 'the light store')
    return bytes
  }
  const bs: Blockstore = {
    async has (cid, options) { options?.signal?.throwIfAborted(); return cid.multihash.code === sha256.code && (await store.get(keyOf(cid))) !== undefined },
    async put (cid, value, options) {
      options?.signal?.throwIfAborted()
      const bytes = await collect(value)
      if (bytes.length > MAX_LIGHT_BLOCK_BYTES) throw new BlockTooLargeError(bytes.length, MAX_LIGHT_BLOCK_BYTES)
      if (!await verify(cid, bytes)) throw new CorruptBlockError(cid.toString(), 'a put')
      await store.put(keyOf(cid), bytes)
      return cid
    },
    async * putMany (source: Iterable<InputPair> | AsyncIterable<InputPair>, options?: AbortOptions) { for await (const { cid, bytes } of source) yield await bs.put(cid, bytes, options) },
    async * get (cid: CID, options?: AbortOptions) { yield await getBlock(cid, options) },
    async * getMany (source: Iterable<CID> | AsyncIterable<CID>, options?: AbortOptions): AsyncGenerator<Pair> {
      for await (const cid of source) { const bytes = await getBlock(cid, options); yield { cid, bytes: (function * () { yield bytes })() } }
    },
    async delete (cid, options) { options?.signal?.throwIfAborted(); await store.delete(keyOf(cid)) },
    async * deleteMany (source: Iterable<CID> | AsyncIterable<CID>, options?: AbortOptions) { for await (const cid of source) { await bs.delete(cid, options); yield cid } },
    async * getAll (options?: AbortOptions): AsyncGenerator<Pair> {
      for (const key of await store.keys(PREFIX)) {
        options?.signal?.throwIfAborted()
        let cid: CID
        try { cid = CID.createV1(raw.code, Digest.decode(base32.decode(key.slice(PREFIX.length)))) } catch { continue }
        yield { cid, bytes: (async function * () { yield await getBlock(cid, options) })() }
      }
    }
  }
  return bs
}
