import { open, readFile, stat } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { type Command, UsageError } from '../command.js'
import { toHex } from '../../protocol/bytes.js'
import {
  blobCount, EmptyPayloadError, type EncodedBlob, packBlob, PAYLOAD_BYTES_PER_BLOB
} from '../../protocol/da/index.js'
import { createNativeKzg } from '../../fullnode/da/index.js'
import { submitPayload } from '../../fullnode/da/client.js'
import { MAX_SUBMISSION_BLOBS } from '../../fullnode/da/submission.js'
import { SubmissionTooLargeError } from '../../fullnode/da/errors.js'
import { parseFlags, takeHome } from '../home.js'
import { rpcFor, RPC_FLAGS } from '../rpc.js'
import { loadKey } from './keys.js'

// Precomputed tables cost ≈0.7–1.2 s more start-up and save ≈90 ms per blob (measured, 2 cores): worth it
// from about this many blobs.
const PRECOMPUTE_FROM_BLOBS = 8

function blobJson (e: EncodedBlob): string {
  const list = (xs: Uint8Array[]): string => '[' + xs.map((x) => `"${toHex(x)}"`).join(',') + ']'
  return `{"commitment":"${toHex(e.commitment)}","cells":${list(e.cells)},"proofs":${list(e.proofs)}}`
}

/**
 * `glowmesh da encode FILE`: packs the file into blobs and prints, as one JSON document, its size
 * and each blob's KZG commitment, 128 cells and 128 proofs (EIP-7594), encoded natively. The JSON
 * is written blob by blob, a few blobs in flight at once, so big files never become one string.
 */
export const daEncodeCommand: Command = {
  path: ['da', 'encode'],
  summary: 'print a file\'s DA encoding: blob commitments, 128 cells and proofs each (JSON)',
  usage: 'glowmesh da encode FILE',
  async run (args, io) {
    const files: string[] = []
    for (const a of args) {
      if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`)
      files.push(a)
    }
    if (files.length !== 1) throw new UsageError('expected exactly one FILE')
    const [file] = files
    const info = await stat(file).catch((err: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot read ${file}: ${err.code ?? err.message}`)
    })
    if (!info.isFile()) throw new UsageError(`${file} is not a regular file`)
    if (info.size === 0) throw new EmptyPayloadError(`${file} is empty: there is nothing to make available`)

    const count = blobCount(info.size)
    const kzg = await createNativeKzg({ precompute: count >= PRECOMPUTE_FROM_BLOBS })
    const handle = await open(file, 'r')
    const window = Math.max(1, availableParallelism())
    const inFlight: Array<Promise<string>> = []
    try {
      const encode = async (i: number): Promise<string> => {
        // Each blob's payload is read on its own, so memory stays a few blobs whatever the file size.
        const start = i * PAYLOAD_BYTES_PER_BLOB
        const length = Math.min(PAYLOAD_BYTES_PER_BLOB, info.size - start)
        const part = new Uint8Array(length)
        const { bytesRead } = await handle.read(part, 0, length, start)
        if (bytesRead !== length) throw new Error(`${file} changed while being read (short read at byte ${start + bytesRead})`)
        return blobJson(await kzg.encodeBlob(packBlob(part, 0)))
      }
      io.stdout(`{"size":${info.size},"blobs":[`)
      for (let next = 0, written = 0; written < count; written++) {
        while (next < count && inFlight.length < window) {
          const p = encode(next++)
          p.catch(() => {}) // a failure surfaces when its turn is awaited, not as an unhandled rejection
          inFlight.push(p)
        }
        const json = await (inFlight.shift() as Promise<string>)
        io.stdout((written === 0 ? '' : ',') + json)
      }
      io.stdout(']}\n')
    } finally {
      await Promise.allSettled(inFlight)
      await handle.close()
    }
    return 0
  }
}

/**
 * `glowmesh da submit FILE`: makes a payload available. By default the CLI packs and encodes it
 * natively and sends the signed `da.submit` tx with every blob's 128 cells and proofs, which the
 * node batch-verifies before relaying the tx; `--raw` sends the bytes and the node encodes (two
 * steps: `/da/encode` → commitments, then the tx signed over them). Waits for the block, prints
 * `{ height, size, commitments, txHash }` (`--json`: exactly that document).
 */
export const daSubmitCommand: Command = {
  path: ['da', 'submit'],
  summary: 'make a file available as DA blobs (≤ 64 blobs ≈ 7.75 MiB): encode, sign, send; prints the height and commitments',
  usage: 'glowmesh da submit FILE [--raw] [--json] [--name KEY] [--node N | --rpc URL] [--home DIR]',
  async run (argv, io) {
    const { home, rest } = takeHome(argv)
    const { flags, positional } = parseFlags(rest, [...RPC_FLAGS, 'name'], ['raw', 'json'])
    if (positional.length !== 1) throw new UsageError('expected exactly one FILE')
    const file = positional[0]
    const info = await stat(file).catch((err: NodeJS.ErrnoException) => { throw new UsageError(`cannot read ${file}: ${err.code ?? err.message}`) })
    if (!info.isFile()) throw new UsageError(`${file} is not a regular file`)
    if (info.size === 0) throw new EmptyPayloadError(`${file} is empty: there is nothing to make available`)
    const count = blobCount(info.size)
    if (count > MAX_SUBMISSION_BLOBS) throw new SubmissionTooLargeError(`${file} is ${info.size} bytes = ${count} blobs; one submission carries at most ${MAX_SUBMISSION_BLOBS} (${MAX_SUBMISSION_BLOBS * PAYLOAD_BYTES_PER_BLOB} bytes)`)
    const payload = new Uint8Array(await readFile(file))
    const rpc = await rpcFor(home, flags)
    const key = await loadKey(home, (flags.name as string) ?? 'default')
    const raw = flags.raw === true
    const kzg = raw ? undefined : await createNativeKzg({ precompute: count >= PRECOMPUTE_FROM_BLOBS })
    io.stderr(`${raw ? 'sending' : 'encoding'} ${info.size} bytes (${count} blob${count === 1 ? '' : 's'})${raw ? ' for the node to encode' : ''}…\n`)
    const out = await submitPayload({ rpc, key, payload, raw, kzg })
    if (flags.json === true) io.stdout(JSON.stringify({ height: out.height, size: out.size, commitments: out.commitments, txHash: out.txHash }) + '\n')
    else io.stdout(`height ${out.height}: ${out.size} bytes in ${out.commitments.length} blob(s), tx ${out.txHash}\n${out.commitments.map((c) => `  ${c}\n`).join('')}`)
    return 0
  }
}
