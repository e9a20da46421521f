// `glowmesh da encode FILE` through the CLI's own dispatcher with a captured io, checked cell for
// cell against @crate-crypto/node-eth-kzg fed with blobs packed here independently (a check of
// the packing, not only of the encoder).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import nodeEthKzg from '@crate-crypto/node-eth-kzg'
import { run } from '../../../cli/main.js'
import { blobFromCells, unpackBlobs } from '../../../protocol/da/index.js'
import { equalBytes, fromHex, toHex } from '../../../protocol/bytes.js'

let dir: string
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'glowmesh-da-')) })
afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

async function glowmesh (...argv: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  let stdout = ''
  let stderr = ''
  const code = await run(argv, { stdout: (t) => { stdout += t }, stderr: (t) => { stderr += t }, stdoutBytes: async () => { throw new Error('da commands write no raw bytes') } })
  return { code, stdout, stderr }
}

// DESIGN §3, written out independently of protocol/da/pack.ts.
function referencePack (payload: Uint8Array): Uint8Array[] {
  const blobs: Uint8Array[] = []
  for (let start = 0; start < payload.length; start += 126976) {
    const blob = new Uint8Array(131072)
    for (let i = 0; i < 126976 && start + i < payload.length; i++) blob[32 * Math.floor(i / 31) + 1 + (i % 31)] = payload[start + i]
    blobs.push(blob)
  }
  return blobs
}

describe('glowmesh da encode', () => {
  it('prints size and per-blob commitment, 128 cells, 128 proofs, equal to node-eth-kzg', async () => {
    // 2 blobs and a bit, ending in zeros that only `size` keeps.
    const size = 2 * 126976 + 4321
    const payload = new Uint8Array(size)
    for (let i = 0; i < size - 300; i++) payload[i] = (i * 2654435761) >>> 24
    const file = join(dir, 'payload.bin')
    await writeFile(file, payload)

    const { code, stdout, stderr } = await glowmesh('da', 'encode', file)
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(stdout.endsWith('\n')).toBe(true)
    const out = JSON.parse(stdout) // exactly one JSON document
    expect(Object.keys(out)).toEqual(['size', 'blobs'])
    expect(out.size).toBe(size)
    expect(out.blobs).toHaveLength(3)

    const ctx = nodeEthKzg.DasContextJs.create({ usePrecomp: false })
    const blobs = referencePack(payload)
    for (const [i, blob] of blobs.entries()) {
      const got = out.blobs[i]
      expect(Object.keys(got)).toEqual(['commitment', 'cells', 'proofs'])
      expect(got.commitment).toBe(toHex(ctx.blobToKzgCommitment(blob)))
      const want = ctx.computeCellsAndKzgProofs(blob)
      expect(got.cells).toHaveLength(128)
      expect(got.proofs).toHaveLength(128)
      for (let j = 0; j < 128; j++) {
        expect(got.cells[j]).toBe(toHex(want.cells[j]))
        expect(got.proofs[j]).toBe(toHex(want.proofs[j]))
      }
    }
    // And back: the first 64 cells of each blob, unpacked with `size`, are the file.
    const back = unpackBlobs(out.blobs.map((b: any) => blobFromCells(b.cells.map((c: string) => fromHex(c, 2048)))), out.size)
    expect(equalBytes(back, payload)).toBe(true)
  })

  it('an empty file is EmptyPayloadError, exit 2', async () => {
    const file = join(dir, 'empty.bin')
    await writeFile(file, new Uint8Array(0))
    const { code, stdout, stderr } = await glowmesh('da', 'encode', file)
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expect(stderr).toMatch(/EmptyPayloadError: .*empty/)
  })

  it('a missing file, a folder, no FILE or an unknown option is a usage error, exit 2', async () => {
    for (const argv of [[join(dir, 'nope.bin')], [dir], [], ['a', 'b'], ['--fast', 'x']]) {
      const { code, stdout, stderr } = await glowmesh('da', 'encode', ...argv)
      expect(code).toBe(2)
      expect(stdout).toBe('')
      expect(stderr).toMatch(/usage: glowmesh da encode FILE/)
    }
    expect((await glowmesh('da', 'encode', join(dir, 'nope.bin'))).stderr).toMatch(/ENOENT/)
  })
})
