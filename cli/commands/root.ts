import { stat } from 'node:fs/promises'
import { type Command, UsageError } from '../command.js'
import { rootOfFile } from '../../fullnode/store/root-file.js'
import { FileRootBuilder } from '../../protocol/storage/index.js'
import { createWasmHasher } from '../../wasm/keccak/index.js'
import { toHex } from '../../protocol/bytes.js'

/** `glowmesh root FILE`: the file's 0G Storage merkle root, streamed, on every core. */
export const rootCommand: Command = {
  path: ['root'],
  summary: "print a file's 0G Storage merkle root (0x + 64 hex digits)",
  usage: 'glowmesh root FILE|- [--workers N]',
  async run (args, io) {
    let workers: number | undefined
    const files: string[] = []
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '--workers') {
        workers = Number(args[++i])
        if (!Number.isInteger(workers) || workers < 0) throw new UsageError('--workers takes a non-negative integer')
      } else if (args[i].startsWith('--')) throw new UsageError(`unknown option ${args[i]}`)
      else files.push(args[i])
    }
    if (files.length !== 1) throw new UsageError('expected exactly one FILE (or - for standard input)')
    const [file] = files
    if (file === '-') {
      const builder = new FileRootBuilder(createWasmHasher())
      for await (const chunk of process.stdin) builder.update(chunk as Uint8Array)
      io.stdout(toHex(builder.digest()) + '\n')
      return 0
    }
    const info = await stat(file).catch((err: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot read ${file}: ${err.code ?? err.message}`)
    })
    if (!info.isFile()) throw new UsageError(`${file} is not a regular file`)
    const { root } = await rootOfFile(file, { workers })
    io.stdout(toHex(root) + '\n')
    return 0
  }
}
