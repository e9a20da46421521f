import { open, stat, rm } from 'node:fs/promises'
import { type Command, UsageError } from '../command.js'
import { parseFlags, takeHome } from '../home.js'
import { rpcFor, RPC_FLAGS } from '../rpc.js'
import { progressBar } from '../progress.js'
import { loadKey } from './keys.js'
import { createWallet, TxFailedError } from '../../fullnode/rpc/wallet.js'
import { RpcError } from '../../fullnode/rpc/client.js'
import { fileLayout, segmentChunkCount, segmentRoot, SegmentTree, verifySegmentProof, SEGMENT_SIZE, type FileLayout } from '../../protocol/storage/index.js'
import { createWasmHasher } from '../../wasm/keccak/index.js'
import { toHex, fromHex } from '../../protocol/bytes.js'
import { GlowmeshError } from '../../protocol/errors.js'
import { type CID, UnixfsCidBuilder, CID_LEAF_SIZE, canonicalCid, cidToSubmission, parseCid } from '../../protocol/cid/index.js'
import { nodeSha256 } from '../../fullnode/store/cid-check.js'
import type { ChunkHasher } from '../../protocol/storage/index.js'

async function readSegment (fh: Awaited<ReturnType<typeof open>>, layout: FileLayout, i: number): Promise<Uint8Array> {
  const len = Math.min(SEGMENT_SIZE, layout.size - i * SEGMENT_SIZE)
  const buf = new Uint8Array(len)
  let got = 0
  while (got < len) {
    const { bytesRead } = await fh.read(buf, got, len - got, i * SEGMENT_SIZE + got)
    if (bytesRead === 0) throw new GlowmeshError('FILE_READ', 'file shrank while reading')
    got += bytesRead
  }
  return buf
}

/** Runs `fn` over 0..n-1 with at most `limit` in flight, in any order. */
async function pool (n: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: Math.min(limit, n) }, async () => {
    while (next < n) await fn(next++)
  }))
}

/**
 * The 0G segment tree and the CID of a file in one pass over it: each 1 MiB read feeds its four
 * segment roots (keccak) and one CID leaf (SHA-256).
 * @example const { tree, cid } = await rootAndCidOfFile(fh, fileLayout(size))
 */
export async function rootAndCidOfFile (fh: Awaited<ReturnType<typeof open>>, layout: FileLayout, hasher: ChunkHasher = createWasmHasher()): Promise<{ tree: SegmentTree, cid: CID }> {
  const roots: Uint8Array[] = []
  const cid = new UnixfsCidBuilder({ sha256: nodeSha256 })
  const buf = new Uint8Array(CID_LEAF_SIZE)
  for (let off = 0; off < layout.size; off += CID_LEAF_SIZE) {
    const len = Math.min(CID_LEAF_SIZE, layout.size - off)
    let got = 0
    while (got < len) {
      const { bytesRead } = await fh.read(buf, got, len - got, off + got)
      if (bytesRead === 0) throw new GlowmeshError('FILE_READ', 'file shrank while reading')
      got += bytesRead
    }
    const piece = buf.subarray(0, len)
    cid.update(piece)
    for (let s = 0; s < len; s += SEGMENT_SIZE) {
      const i = roots.length
      roots.push(segmentRoot(piece.subarray(s, Math.min(s + SEGMENT_SIZE, len)), segmentChunkCount(layout, i), hasher))
    }
  }
  return { tree: SegmentTree.fromDataSegmentRoots(layout, roots, hasher), cid: cid.digest() }
}

/** `glowmesh put FILE`: submit the file (root + CID) on chain, upload its segments with proofs, print the root. */
export const putCommand: Command = {
  path: ['put'],
  summary: 'store a file: submit its root and CID on chain, upload every segment with its proof; prints the root',
  usage: 'glowmesh put FILE [--epochs N] [--name KEY] [--json] [--node N | --rpc URL] [--home DIR]',
  async run (argv, io) {
    const { home, rest } = takeHome(argv)
    const { flags, positional } = parseFlags(rest, [...RPC_FLAGS, 'name', 'epochs'], ['json'])
    if (positional.length !== 1) throw new UsageError('expected exactly one FILE')
    const path = positional[0]
    const info = await stat(path).catch((err: NodeJS.ErrnoException) => { throw new UsageError(`cannot read ${path}: ${err.code ?? err.message}`) })
    if (!info.isFile()) throw new UsageError(`${path} is not a regular file`)
    const epochs = flags.epochs === undefined ? 10 : Number(flags.epochs)
    if (!Number.isInteger(epochs) || epochs < 1) throw new UsageError('--epochs takes a positive integer')
    const layout = fileLayout(info.size) // EmptyFileError for an empty file
    const fh = await open(path, 'r')
    try {
      const { tree, cid: cidObj } = await rootAndCidOfFile(fh, layout)
      const root = toHex(tree.root)
      const cid = canonicalCid(cidObj)
      const rpc = await rpcFor(home, flags)
      const key = await loadKey(home, (flags.name as string) ?? 'default')
      const wallet = createWallet({ rpc, key, chainId: (await rpc.status()).chainId })
      let height: number
      let txHash = ''
      try {
        const sent = await wallet.send('storage.submit', { root: tree.root, cid: cidToSubmission(cidObj), size: layout.size, durationEpochs: epochs })
        height = sent.height
        txHash = sent.txHash
      } catch (err) {
        // Already submitted and still live: resume the upload instead of paying twice.
        if (!(err instanceof TxFailedError)) throw err
        const existing = await rpc.file(root).catch(() => undefined)
        if (existing === undefined || existing.expired === true || existing.size !== layout.size) throw err
        if (existing.cid !== '' && existing.cid !== cid) {
          throw new GlowmeshError('CID_MISMATCH', `${root} is already on chain with CID ${String(existing.cid)}, but this file's CID is ${cid}: full nodes will reject its bytes`, { exitCode: 2 })
        }
        if (existing.local?.status === 'tombstoned') throw new GlowmeshError('FILE_TOMBSTONED', `${root} is on chain but its upload was rejected and tombstoned; submit it again once it expires`, { exitCode: 2 })
        io.stderr(`${root} is already on chain (height ${existing.submittedHeight}); uploading what is missing\n`)
        height = existing.submittedHeight
      }
      const bar = progressBar('upload', layout.dataSegments, io.stderr)
      await pool(layout.dataSegments, 4, async (i) => {
        await rpc.putSegment(root, i, await readSegment(fh, layout, i), tree.proof(i)).catch((err) => {
          if (err instanceof RpcError && err.code === 'CID_MISMATCH') throw new GlowmeshError('CID_MISMATCH', err.message, { exitCode: 2 })
          throw err
        })
        bar.tick()
      })
      bar.done()
      io.stdout(flags.json === true ? JSON.stringify({ root, cid, size: layout.size, height, txHash }) + '\n' : root + '\n')
      return 0
    } finally {
      await fh.close()
    }
  }
}

/** Asks the node which root a CID belongs to (`GET /cids/{cid}`). */
async function resolveCid (rpcUrl: string, cid: string): Promise<{ root: string, status: string }> {
  let res: Response
  try {
    res = await fetch(`${rpcUrl}/cids/${cid}`, { signal: AbortSignal.timeout(30_000) })
  } catch (err: any) {
    throw new RpcError(0, 'UNREACHABLE', `GET ${rpcUrl}/cids/${cid}: ${String(err?.cause?.code ?? err?.message ?? err)}`)
  }
  const body = await res.json().catch(() => ({})) as any
  if (res.status === 404) throw new GlowmeshError('UNKNOWN_FILE', `no file with CID ${cid} on this chain`, { exitCode: 2 })
  if (!res.ok) throw new RpcError(res.status, String(body?.error?.code ?? `HTTP_${res.status}`), String(body?.error?.message ?? res.statusText))
  if (typeof body?.root !== 'string' || !/^0x[0-9a-f]{64}$/.test(body.root)) throw new RpcError(502, 'BAD_RESPONSE', `GET /cids/${cid} answered no root`)
  return { root: body.root, status: String(body.status) }
}

/** `glowmesh get ROOT|CID --out FILE`: download a file, every segment verified against the root (and, by CID, the whole file against the CID). */
export const getCommand: Command = {
  path: ['get'],
  summary: 'fetch a stored file by root or CID, verifying every segment against the root (and the bytes against the CID)',
  usage: 'glowmesh get ROOT|CID --out FILE|- [--node N | --rpc URL] [--home DIR]',
  async run (argv, io) {
    const { home, rest } = takeHome(argv)
    const { flags, positional } = parseFlags(rest, [...RPC_FLAGS, 'out'])
    if (positional.length !== 1) throw new UsageError('expected exactly one ROOT or CID')
    if (typeof flags.out !== 'string') throw new UsageError('--out FILE (or - for standard output) is required')
    let root = positional[0]
    let wantCid: string | undefined
    if (!/^0x[0-9a-f]{64}$/.test(root)) {
      try { wantCid = canonicalCid(parseCid(root)) } catch { throw new UsageError('expected a ROOT (0x + 64 lowercase hex digits) or a CID (bafy…, bafk…)') }
    }
    const rpc = await rpcFor(home, flags)
    if (wantCid !== undefined) {
      const found = await resolveCid(rpc.url, wantCid)
      if (found.status === 'tombstoned') throw new GlowmeshError('FILE_TOMBSTONED', `the upload with CID ${wantCid} (root ${found.root}) was rejected and tombstoned: its bytes are never served`, { exitCode: 2 })
      root = found.root
    }
    const file = await rpc.file(root).catch((err) => {
      if (err instanceof RpcError && err.status === 404) throw new GlowmeshError('UNKNOWN_FILE', `no file with root ${root} on this chain`, { exitCode: 2 })
      throw err
    })
    if (file.expired === true) throw new GlowmeshError('FILE_PRUNED', `file ${root} expired and was pruned: its bytes are gone`, { exitCode: 2 })
    const layout = fileLayout(file.size)
    const rootBytes = fromHex(root, 32)
    const out = flags.out === '-' ? undefined : await open(flags.out, 'w')
    const bar = progressBar('download', layout.dataSegments, io.stderr)
    // By CID, the node's word that the CID belongs to this root is checked too: the bytes must hash to it.
    const cidCheck = wantCid === undefined ? undefined : new UnixfsCidBuilder({ sha256: nodeSha256 })
    let cidBad = false
    try {
      for (let i = 0; i < layout.dataSegments; i++) {
        const seg = await rpc.getSegment(root, i).catch((err) => {
          if (err instanceof RpcError && err.status === 410) throw new GlowmeshError(err.code === 'FILE_TOMBSTONED' ? 'FILE_TOMBSTONED' : 'FILE_PRUNED', `file ${root}: ${err.message}`, { exitCode: 2 })
          throw err
        })
        if (seg.proof.index !== i || !verifySegmentProof(rootBytes, layout, seg.bytes, seg.proof)) {
          throw new GlowmeshError('BAD_SEGMENT', `segment ${i} from ${rpc.url} does not verify against ${root}; nothing past segment ${i - 1} was written`)
        }
        cidCheck?.update(seg.bytes)
        if (out === undefined) await io.stdoutBytes(seg.bytes)
        else await out.write(seg.bytes, 0, seg.bytes.length, i * SEGMENT_SIZE)
        bar.tick()
      }
      bar.done()
      if (cidCheck !== undefined) {
        const got = canonicalCid(cidCheck.digest())
        cidBad = got !== wantCid
        if (cidBad) throw new GlowmeshError('CID_MISMATCH', `${rpc.url} said CID ${wantCid} is root ${root}, but that file's CID is ${got}${out === undefined ? '' : `; ${String(flags.out)} was removed`}`)
      }
    } finally {
      await out?.close()
      if (cidBad && out !== undefined) await rm(flags.out, { force: true })
    }
    return 0
  }
}
