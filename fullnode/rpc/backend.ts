/**
 * The RpcBackend of a running full node: CometBFT's RPC for headers, validators, transactions and
 * ABCI queries (queries go through the engine so they are serialised with consensus), the flow
 * store for segments, the libp2p node for addresses, and a devnet faucet.
 */
import type { NodeConfig } from '../config.js'
import type { Genesis } from '../genesis.js'
import type { Engine } from '../engine/index.js'
import type { FlowStore } from '../store/index.js'
import type { NetNode } from '../net/index.js'
import type { NodeStatusJson, RpcBackend } from './server.js'
import { HttpError } from './http.js'
import { mempoolRefusal } from './mempool.js'
import { decodeRecord } from '../../protocol/chain/state-proof.js'
import { encodeTx, signTx, keyFromFile, type Ed25519Key } from '../../protocol/chain/index.js'
import { encodeBody } from '../../protocol/chain/bodies.js'
import { fromHex, toHex } from '../../protocol/bytes.js'
import { canonicalCid, cidFromSubmission } from '../../protocol/cid/index.js'

/** A submission's recorded CID as text: canonical CIDv1 base32, '' for none, the hex of bytes that are no CID. */
const submissionCidText = (bytes: Uint8Array): string => {
  try { const cid = cidFromSubmission(bytes); return cid === undefined ? '' : canonicalCid(cid) } catch { return toHex(bytes) }
}

export interface BackendOptions {
  config: NodeConfig
  key: Ed25519Key
  genesis: Genesis
  genesisBytes: Uint8Array
  engine: Engine
  store: FlowStore
  net: NetNode
  log: (line: string) => void
  /** The node's IPFS trustless gateway (fullnode/ipfs), reported in /status. */
  gatewayUrl?: string
}

const lower0x = (hex: string): string => '0x' + hex.toLowerCase().replace(/^0x/, '')
const isoTime = (rfc3339: string): string => new Date(rfc3339.replace(/(\.\d{3})\d+/, '$1')).toISOString()

/** Maps store errors onto HTTP statuses. */
function storeError (err: any): never {
  const code = String(err?.code ?? '')
  if (code === 'CID_MISMATCH') throw new HttpError(422, code, err.message) // the completing segment's upload was rejected and tombstoned
  if (/UNKNOWN_FILE|SEGMENT_MISSING|NOT_FOUND/.test(code)) throw new HttpError(404, code, err.message)
  if (/PRUNED|TOMBSTONED/.test(code)) throw new HttpError(410, code, err.message)
  if (/PROOF|OUT_OF_RANGE|INVALID|MALFORMED/.test(code)) throw new HttpError(400, code, err.message)
  throw err
}

/** Builds the backend and its block poller; `close()` stops the poller. */
export function createRpcBackend (o: BackendOptions): RpcBackend & { close: () => void } {
  const { engine, store, net, genesis } = o
  const rpc = engine.rpc
  const listeners = new Set<(b: { height: number, hash: string, time: string, txs: number }) => void>()
  let lastHeight = 0n
  let closed = false

  // New blocks: poll the engine (cheap on loopback), publish each new light block on gossip, feed SSE.
  const poll = async (): Promise<void> => {
    while (!closed) {
      try {
        const st = await rpc.status({ timeoutMs: 5000 })
        if (st.latestBlockHeight < 1n) throw new Error('no block yet')
        for (let h = lastHeight === 0n ? st.latestBlockHeight : lastHeight + 1n; h <= st.latestBlockHeight && !closed; h++) {
          lastHeight = h
          const block = await rpc.block(h)
          const event = { height: Number(h), hash: lower0x(block.blockIdHash), time: isoTime(block.raw.block.header.time), txs: block.txs.length }
          for (const l of listeners) l(event)
          // The commit for h arrives with h+1: gossip the newest light block we can prove.
          if (h > 1n) net.publishHeader(await rpc.lightBlock(h - 1n)).catch(() => {})
        }
      } catch (err: any) {
        if (!closed && err?.message !== 'no block yet') o.log(`rpc poller: ${String(err?.message ?? err)}`)
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(50, Math.min(500, (o.config.blockTimeMs ?? 1000) / 4))))
    }
  }
  void poll()

  const query = async (path: string, prove: boolean): Promise<{ value: Uint8Array, height: bigint, proof?: string }> => {
    const r = await rpc.abciQuery(path, undefined, { prove })
    if (r.code !== 0) throw new HttpError(r.code === 2 ? 400 : r.code === 3 ? 404 : 500, 'QUERY_FAILED', r.log)
    const ops = (r.proofOps as any)?.ops
    return { value: r.value, height: r.height, proof: prove && Array.isArray(ops) && ops[0] !== undefined ? toHex(Buffer.from(ops[0].data, 'base64')) : undefined }
  }

  // Devnet faucet: one transfer at a time, nonces tracked locally so back-to-back drips don't collide.
  const faucetKey = genesis.faucet === undefined ? undefined : keyFromFile(genesis.faucet)
  let faucetQueue: Promise<unknown> = Promise.resolve()
  let faucetNonce = -1n
  // Every devnet node runs a faucet with the same key, so two nodes can pick the same nonce: when
  // CheckTx names the nonce it expects (it counts pending txs), retry with that one.
  const drip = async (address: string): Promise<unknown> => {
    const key = faucetKey!
    const { value } = await query(`/account/${key.address}`, false)
    const committed = value.length === 0 ? 0n : decodeRecord('account', value).nonce
    if (committed > faucetNonce) faucetNonce = committed
    const amount = BigInt(genesis.faucet!.dripAmount)
    for (let attempt = 0; ; attempt++) {
      const tx = encodeTx(signTx({ chainId: genesis.chainId, nonce: faucetNonce, fee: BigInt(genesis.params.minFee), kind: 'transfer', body: encodeBody('transfer', { to: fromHex(address, 20), amount }) }, key.privateKey))
      const res = await rpc.broadcastTxSync(tx)
      if (res.code === 0) {
        faucetNonce++
        return { txHash: lower0x(res.hash), amount: amount.toString(), to: address }
      }
      const expected = /expected (\d+)/.exec(res.log)?.[1]
      if (expected === undefined || attempt >= 4) {
        faucetNonce = -1n
        throw new HttpError(503, 'FAUCET_FAILED', `faucet transfer refused (code ${res.code}): ${res.log}`)
      }
      faucetNonce = BigInt(expected)
    }
  }

  // A node that joined by state sync (issue 13) never saw the submissions before its first block:
  // it holds no bytes of those files. Say so, rather than "unknown file".
  const notHeld = async (root: Uint8Array, err: any): Promise<void> => {
    if (err?.code !== 'UNKNOWN_FILE') return
    const q = await query(`/file/${toHex(root)}`, false).catch(() => undefined)
    if (q === undefined || q.value.length === 0) return
    const first = (await rpc.status().catch(() => undefined))?.earliestBlockHeight ?? 1n
    const rec = decodeRecord('file', q.value)
    if (rec.expired === 1) throw new HttpError(410, 'FILE_PRUNED', `file ${toHex(root)} expired and was pruned: its bytes are gone`)
    if (BigInt(rec.submittedHeight) < first) throw new HttpError(404, 'NOT_HELD', `file ${toHex(root)} was submitted at height ${rec.submittedHeight}, before block ${first}, the first this node holds (it joined by state sync): it has none of its bytes; fetch it from another full node`)
  }

  return {
    close: () => { closed = true; listeners.clear() },
    genesis: () => o.genesisBytes,
    async status (): Promise<NodeStatusJson> {
      const [st, vals, info] = await Promise.all([rpc.status(), rpc.validators().catch((err: Error) => err), rpc.netInfo()])
      // A node still state-syncing (issue 13) has no validator set yet: it reports none, catchingUp true.
      if (vals instanceof Error && !st.catchingUp) throw vals
      return {
        height: Number(st.latestBlockHeight),
        lastBlockTime: isoTime(st.latestBlockTime),
        validators: vals instanceof Error ? [] : vals.validators.map((v) => ({ address: toHex(v.address), power: Number(v.votingPower) })),
        peers: info.peers.length,
        multiaddrs: net.multiaddrs().map(String),
        ...(o.gatewayUrl === undefined ? {} : { gateway: o.gatewayUrl }),
        chainId: genesis.chainId,
        nodeId: toHex(o.key.publicKey),
        catchingUp: st.catchingUp
      }
    },
    async bootstrap () {
      // Browser-dialable first (WebSockets, WebRTC-direct), then the rest.
      const addrs = net.multiaddrs().map(String)
      const rank = (a: string): number => a.includes('/ws') ? 0 : a.includes('webrtc-direct') ? 1 : 2
      // connected full nodes' browser-dialable listen addresses (from identify), so a page reaches
      // several full nodes (and their relays) from one bootstrap; light peers (no listeners) add none
      const others: string[] = []
      for (const peer of net.libp2p.getPeers().slice(0, 16)) {
        const known = await net.libp2p.peerStore.get(peer).catch(() => undefined)
        for (const { multiaddr: ma } of known?.addresses ?? []) {
          const s = ma.toString()
          if ((/\/ws(\/|$)/.test(s) || s.includes('/webrtc-direct/certhash/')) && !s.includes('/p2p-circuit')) others.push(s.includes('/p2p/') ? s : `${s}/p2p/${peer.toString()}`)
        }
      }
      return [...addrs.sort((a, b) => rank(a) - rank(b)), ...others.sort((a, b) => rank(a) - rank(b)), ...(o.config.peers?.libp2p ?? [])]
    },
    async header (height) {
      const h = height === 'latest' ? (await rpc.status()).latestBlockHeight - 1n : height
      const c = await rpc.commit(h).catch((err) => { throw new HttpError(404, 'NO_HEADER', `no header at height ${h}: ${String(err.message)}`) })
      const sh = c.raw.signed_header
      return { height: Number(h), hash: lower0x(sh.commit.block_id.hash), header: sh.header, commit: sh.commit, canonical: c.canonical }
    },
    async validators (height) {
      const h = height === 'latest' ? undefined : height
      // a height above the head or below the earliest kept block: 404 like /headers, not 500
      const v = await rpc.validators(h).catch((err) => {
        if (err?.code === 'COMET_RPC' && /must be less than or equal to the current blockchain height|is not available|lowest height/i.test(String(err.message))) throw new HttpError(404, 'NO_VALIDATORS', `no validator set at height ${String(h)}: ${String(err.message)}`)
        throw err
      })
      return { height: Number(v.blockHeight), validators: v.raw.flatMap((page: any) => page.validators) }
    },
    async submitTx (bytes) {
      const r = await rpc.broadcastTxSync(bytes).catch(mempoolRefusal) // a resubmission is 409, not 500
      return { txHash: lower0x(r.hash), code: r.code, log: r.log }
    },
    async tx (hash) {
      try {
        const t = await rpc.tx(hash)
        return { txHash: toHex(hash), height: Number(t.height), index: t.index, code: t.code, log: t.raw?.tx_result?.log ?? '', events: t.raw?.tx_result?.events ?? [] }
      } catch (err: any) {
        if (/not found/i.test(String(err?.message))) return undefined
        throw err
      }
    },
    async account (address, prove) {
      const q = await query(`/account/${address}`, prove)
      const rec = q.value.length === 0 ? { balance: 0n, nonce: 0n } : decodeRecord('account', q.value)
      return { address, balance: rec.balance.toString(), nonce: Number(rec.nonce), height: Number(q.height), proof: q.proof }
    },
    async registryEntry (nodeId, prove) {
      const q = await query(`/node/${toHex(nodeId)}`, prove)
      if (q.value.length === 0 && !prove) throw new HttpError(404, 'NOT_REGISTERED', `node ${toHex(nodeId)} is not registered`)
      const rec = q.value.length === 0 ? null : decodeRecord('node', q.value)
      return { nodeId: toHex(nodeId), height: Number(q.height), entry: rec === null ? null : { ...rec, owner: toHex(rec.owner), commR: toHex(rec.commR), bond: rec.bond.toString(), rewards: rec.rewards.toString(), penalties: rec.penalties.toString() }, proof: q.proof }
    },
    async file (root) {
      const q = await query(`/file/${toHex(root)}`, false)
      if (q.value.length === 0) throw new HttpError(404, 'UNKNOWN_FILE', `no storage submission with root ${toHex(root)}`)
      const rec = decodeRecord('file', q.value)
      const local = await store.getFile(root).catch(() => undefined)
      return {
        root: toHex(root), size: rec.size, cid: submissionCidText(rec.cid), owner: toHex(rec.owner), flowStart: rec.flowStart,
        paddedChunks: rec.paddedChunks, submittedHeight: rec.submittedHeight, expiryEpoch: rec.expiryEpoch, expired: rec.expired === 1,
        local: local === undefined ? null : { status: local.status, received: local.received, dataSegments: local.dataSegments }
      }
    },
    async putSegment (root, index, seg) {
      try { return await store.putSegment(root, index, seg.bytes, seg.proof) } catch (err) { storeError(err) }
    },
    async getSegment (root, index) {
      try { return await store.getSegment(root, index) } catch (err) { await notHeld(root, err); storeError(err) }
    },
    faucet: faucetKey === undefined
      ? undefined
      : async (address) => {
        const p = faucetQueue.then(async () => await drip(address))
        faucetQueue = p.catch(() => {})
        return await p
      },
    onBlock (listener) {
      listeners.add(listener)
      return () => { listeners.delete(listener) }
    }
  }
}
