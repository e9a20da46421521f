import { open, stat } from 'node:fs/promises'
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

/** `glowmesh put FILE`: submit the file on chain, upload its segments with proofs, print the root. */
export const putCommand: Command = {
  path: ['put'],
  summary: 'store a file: submit it on chain, upload every segment with its proof; prints the root',
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
    const hasher = createWasmHasher()
    const fh = await open(path, 'r')
    try {
      const roots: Uint8Array[] = []
      for (let i = 0; i < layout.dataSegments; i++) roots.push(segmentRoot(await readSegment(fh, layout, i), segmentChunkCount(layout, i), hasher))
      const tree = SegmentTree.fromDataSegmentRoots(layout, roots, hasher)
      const root = toHex(tree.root)
      const rpc = await rpcFor(home, flags)
      const key = await loadKey(home, (flags.name as string) ?? 'default')
      const wallet = createWallet({ rpc, key, chainId: (await rpc.status()).chainId })
      let height: number
      let txHash = ''
      try {
        const sent = await wallet.send('storage.submit', { root: tree.root, cid: new Uint8Array(), size: layout.size, durationEpochs: epochs })
        height = sent.height
        txHash = sent.txHash
      } catch (err) {
        // Already submitted and still live: resume the upload instead of paying twice.
        if (!(err instanceof TxFailedError)) throw err
        const existing = await rpc.file(root).catch(() => undefined)
        if (existing === undefined || existing.expired === true || existing.size !== layout.size) throw err
        io.stderr(`${root} is already on chain (height ${existing.submittedHeight}); uploading what is missing\n`)
        height = existing.submittedHeight
      }
      const bar = progressBar('upload', layout.dataSegments, io.stderr)
      await pool(layout.dataSegments, 4, async (i) => {
        await rpc.putSegment(root, i, await readSegment(fh, layout, i), tree.proof(i))
        bar.tick()
      })
      bar.done()
      io.stdout(flags.json === true ? JSON.stringify({ root, cid: '', size: layout.size, height, txHash }) + '\n' : root + '\n')
      return 0
    } finally {
      await fh.close()
    }
  }
}

/** `glowmesh get ROOT --out FILE`: download a file, every segment verified against the root. */
export const getCommand: Command = {
  path: ['get'],
  summary: 'fetch a stored file by root, verifying every segment against it',
  usage: 'glowmesh get ROOT --out FILE|- [--node N | --rpc URL] [--home DIR]',
  async run (argv, io) {
    const { home, rest } = takeHome(argv)
    const { flags, positional } = parseFlags(rest, [...RPC_FLAGS, 'out'])
    if (positional.length !== 1) throw new UsageError('expected exactly one ROOT')
    if (typeof flags.out !== 'string') throw new UsageError('--out FILE (or - for standard output) is required')
    const root = positional[0]
    if (!/^0x[0-9a-f]{64}$/.test(root)) throw new UsageError('ROOT must be 0x + 64 lowercase hex digits')
    const rpc = await rpcFor(home, flags)
    const file = await rpc.file(root).catch((err) => {
      if (err instanceof RpcError && err.status === 404) throw new GlowmeshError('UNKNOWN_FILE', `no file with root ${root} on this chain`, { exitCode: 2 })
      throw err
    })
    if (file.expired === true) throw new GlowmeshError('FILE_PRUNED', `file ${root} expired and was pruned: its bytes are gone`, { exitCode: 2 })
    const layout = fileLayout(file.size)
    const rootBytes = fromHex(root, 32)
    const out = flags.out === '-' ? undefined : await open(flags.out, 'w')
    const bar = progressBar('download', layout.dataSegments, io.stderr)
    try {
      for (let i = 0; i < layout.dataSegments; i++) {
        const seg = await rpc.getSegment(root, i).catch((err) => {
          if (err instanceof RpcError && err.status === 410) throw new GlowmeshError('FILE_PRUNED', `file ${root}: ${err.message}`, { exitCode: 2 })
          throw err
        })
        if (seg.proof.index !== i || !verifySegmentProof(rootBytes, layout, seg.bytes, seg.proof)) {
          throw new GlowmeshError('BAD_SEGMENT', `segment ${i} from ${rpc.url} does not verify against ${root}; nothing past segment ${i - 1} was written`)
        }
        if (out === undefined) await new Promise<void>((resolve, reject) => process.stdout.write(seg.bytes, (err) => err == null ? resolve() : reject(err)))
        else await out.write(seg.bytes, 0, seg.bytes.length, i * SEGMENT_SIZE)
        bar.tick()
      }
      bar.done()
    } finally {
      await out?.close()
    }
    return 0
  }
}
