// Shared by the net tests and bench/net-serve.mjs's TS twin: in-memory NetServices over a real
// signed test chain and real 0G file trees, and a bare client libp2p that can dial every transport.
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { webRTCDirect } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { sha256 } from '@noble/hashes/sha2.js'
import { createLibp2p, type Libp2p } from 'libp2p'
import { toHex } from '../../../protocol/bytes.js'
import type { LightBlock } from '../../../protocol/chain/index.js'
import { fileLayout } from '../../../protocol/storage/layout.js'
import { SegmentTree, segmentBytes } from '../../../protocol/storage/proofs.js'
import { NotFoundError, PrunedError, type NetServices, type TxResult } from '../../../fullnode/net/index.js'

export interface MemoryFile { root: Uint8Array, size: number, data: Uint8Array, tree: SegmentTree }

/** A 0G file tree over `data`. */
export function memoryFile (data: Uint8Array): MemoryFile {
  const tree = SegmentTree.fromBytes(fileLayout(data.length), data)
  return { root: tree.root, size: data.length, data, tree }
}

export interface MemoryServices extends NetServices {
  txs: Uint8Array[]
  pruned: Set<string>
}

/** NetServices over a chain of `height` blocks (lightBlock(h) for 1..height) and some files. */
export function memoryServices (o: { lightBlock: (h: bigint) => LightBlock, height: () => bigint, files: MemoryFile[] }): MemoryServices {
  const byRoot = new Map(o.files.map(f => [toHex(f.root), f]))
  const txs: Uint8Array[] = []
  const pruned = new Set<string>()
  return {
    txs,
    pruned,
    async lightBlock (h) {
      const head = o.height()
      const height = h === 'latest' ? head : h
      if (height < 1n || height > head) throw new NotFoundError(`height ${height} is above the head ${head}`)
      return o.lightBlock(height)
    },
    async segment (root, index) {
      const key = toHex(root)
      if (pruned.has(key)) throw new PrunedError(`file ${key} expired`)
      const f = byRoot.get(key)
      if (f === undefined) throw new NotFoundError(`no file ${key}`)
      if (index >= BigInt(f.tree.layout.dataSegments)) throw new NotFoundError(`file has ${f.tree.layout.dataSegments} segments`)
      const i = Number(index)
      return { bytes: segmentBytes(f.data, i), proof: f.tree.proof(i) }
    },
    async submitTx (tx): Promise<TxResult> {
      txs.push(tx)
      return { txHash: sha256(tx), code: 0, log: '' }
    }
  }
}

/** A non-listening libp2p that dials TCP, WebSockets and WebRTC-direct on loopback. */
export async function clientLibp2p (): Promise<Libp2p> {
  return await createLibp2p({
    transports: [tcp(), webSockets(), webRTCDirect({ rtcConfiguration: { iceServers: [] } })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: () => false },
    services: { identify: identify() }
  })
}
