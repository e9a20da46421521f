import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { type Command, UsageError } from '../command.js'
import { parseFlags, takeHome } from '../home.js'
import { UnixfsCidBuilder, CID_LEAF_SIZE } from '../../protocol/cid/index.js'
import { nodeSha256 } from '../../fullnode/store/cid-check.js'

/**
 * The CID of a file or of standard input, streamed in constant memory (what `@helia/unixfs`
 * `addBytes` gives the same bytes).
 * @example const cid = await cidOfFile('model.bin') // CID
 */
export async function cidOfFile (path: string): Promise<ReturnType<UnixfsCidBuilder['digest']>> {
  const builder = new UnixfsCidBuilder({ sha256: nodeSha256 })
  const source = path === '-' ? process.stdin : createReadStream(path, { highWaterMark: 4 * CID_LEAF_SIZE })
  for await (const piece of source) builder.update(piece as Uint8Array)
  return builder.digest()
}

/** `glowmesh cid FILE`: the file's IPFS CID (CIDv1, raw leaves, 1 MiB chunks, balanced), streamed. */
export const cidCommand: Command = {
  path: ['cid'],
  summary: "print a file's IPFS CID (what @helia/unixfs addBytes gives it), streamed",
  usage: 'glowmesh cid FILE|-',
  async run (argv, io) {
    const { positional: files } = parseFlags(takeHome(argv).rest, [])
    if (files.length !== 1) throw new UsageError('expected exactly one FILE (or - for standard input)')
    const [file] = files
    if (file !== '-') {
      const info = await stat(file).catch((err: NodeJS.ErrnoException) => { throw new UsageError(`cannot read ${file}: ${err.code ?? err.message}`) })
      if (!info.isFile()) throw new UsageError(`${file} is not a regular file`)
    }
    io.stdout((await cidOfFile(file)).toString() + '\n')
    return 0
  }
}
