// Uploads carry both addresses, on a real 4-validator devnet: `put --json` records the CID on chain
// (equal to @helia/unixfs's), `get` takes a CID, and an upload whose declared CID is wrong is
// rejected on its completing segment (422 CID_MISMATCH), tombstoned, never served, while the node
// keeps serving everyone else.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync, writeFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { unixfs } from '@helia/unixfs'
import { startTestDevnet, type TestDevnet } from '../../helpers/devnet.js'
import { runCli } from '../../helpers/cli.js'
import { patternBytes } from '../../helpers/bytes.js'
import { createWallet } from '../../../fullnode/rpc/wallet.js'
import { generateKey } from '../../../protocol/chain/index.js'
import { toHex } from '../../../protocol/bytes.js'
import { SegmentTree, fileLayout, segmentBytes } from '../../../protocol/storage/index.js'
import { fileCid, cidToSubmission } from '../../../protocol/cid/index.js'
import { createWasmHasher } from '../../../wasm/keccak/index.js'

let devnet: TestDevnet
beforeAll(async () => {
  devnet = await startTestDevnet({ blockTimeMs: 200 })
  expect((await cli('keys', 'new')).code).toBe(0)
  expect((await cli('faucet', '--json')).code).toBe(0)
}, 180_000)
afterAll(async () => { await devnet?.cleanup() }, 60_000)

const cli = async (...args: string[]) => await runCli(...args, '--home', devnet.home)
const sleep = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms))

async function heliaCid (bytes: Uint8Array): Promise<string> {
  return (await unixfs({ blockstore: { put: async (c: any) => c } } as any).addBytes(bytes)).toString()
}

/** A funded key of our own, for transactions the CLI would never send. */
async function fundedWallet (): Promise<ReturnType<typeof createWallet>> {
  const rpc = devnet.rpc(0)
  const key = generateKey()
  await rpc.faucet(key.address)
  for (let i = 0; i < 100 && BigInt((await rpc.account(key.address)).balance) === 0n; i++) await sleep(200)
  return createWallet({ rpc, key, chainId: (await rpc.status()).chainId })
}

describe('content addressing on a devnet', () => {
  it('put --json prints the CID @helia/unixfs gives the file; the chain records it; get by CID returns the bytes', async () => {
    const path = join(devnet.home, 'two-leaves.bin')
    const data = patternBytes(1_048_576 + 300_000, 15)
    writeFileSync(path, data)
    const put = await cli('put', path, '--json')
    expect(put.code, put.stderr).toBe(0)
    const out = JSON.parse(put.stdout)
    expect(Object.keys(out).sort()).toEqual(['cid', 'height', 'root', 'size', 'txHash'])
    expect(out.cid).toBe(await heliaCid(data))
    expect(out.cid.startsWith('bafybei')).toBe(true)
    expect((await cli('cid', path)).stdout).toBe(out.cid + '\n')

    const file = await devnet.rpc(0).file(out.root)
    expect(file.cid).toBe(out.cid)
    expect(file.local.status).toBe('complete')
    const byCid = await (await fetch(`${devnet.rpc(0).url}/cids/${out.cid}`)).json() as any
    expect(byCid).toMatchObject({ root: out.root, cid: out.cid, size: data.length, status: 'complete' })

    // get by CID from another full node (replicated there, CID-checked there too).
    const back = join(devnet.home, 'two-leaves.back')
    for (let attempt = 0; ; attempt++) {
      const get = await cli('get', out.cid, '--out', back, '--node', '2')
      if (get.code === 0) break
      if (attempt > 100) throw new Error(get.stderr)
      await sleep(200)
    }
    expect(readFileSync(back).equals(Buffer.from(data))).toBe(true)
    expect((await devnet.rpc(2).file(out.root)).local.status).toBe('complete')
    // A one-leaf file is its raw leaf CID.
    const small = join(devnet.home, 'small.bin')
    writeFileSync(small, patternBytes(5000, 3))
    const p2 = JSON.parse((await cli('put', small, '--json')).stdout)
    expect(p2.cid).toBe(await heliaCid(patternBytes(5000, 3)))
    expect(p2.cid.startsWith('bafkrei')).toBe(true)
    const get2 = await cli('get', p2.cid, '--out', '-')
    expect(get2.code, get2.stderr).toBe(0)
    expect(Buffer.from(get2.stdoutBytes!).equals(Buffer.from(patternBytes(5000, 3)))).toBe(true)
  })

  it('rejects an upload whose declared CID is wrong: 422 CID_MISMATCH on the completing segment, tombstoned, node keeps serving', async () => {
    const rpc = devnet.rpc(0)
    const wallet = await fundedWallet()
    const data = patternBytes(3 * 262_144 + 999, 99)
    const layout = fileLayout(data.length)
    const tree = SegmentTree.fromBytes(layout, data, createWasmHasher())
    const root = toHex(tree.root)
    const wrong = fileCid(patternBytes(10, 1))
    await wallet.send('storage.submit', { root: tree.root, cid: cidToSubmission(wrong), size: data.length, durationEpochs: 5 })
    for (let i = 0; i < 50 && (await rpc.file(root).catch(() => undefined))?.local == null; i++) await sleep(100)
    expect((await rpc.file(root)).cid).toBe(wrong.toString())

    for (let i = 0; i < layout.dataSegments - 1; i++) await rpc.putSegment(root, i, segmentBytes(data, i), tree.proof(i))
    const last = layout.dataSegments - 1
    const err = await rpc.putSegment(root, last, segmentBytes(data, last), tree.proof(last)).catch((e) => e)
    expect(err).toMatchObject({ status: 422, code: 'CID_MISMATCH' })
    expect(err.message).toContain(wrong.toString())
    expect(err.message).toContain(fileCid(data).toString())

    const file = await rpc.file(root)
    expect(file.local.status).toBe('tombstoned')
    await expect(rpc.getSegment(root, 0)).rejects.toMatchObject({ status: 410, code: 'FILE_TOMBSTONED' })
    await expect(rpc.putSegment(root, last, segmentBytes(data, last), tree.proof(last))).rejects.toMatchObject({ status: 410 })
    const byCid = await (await fetch(`${rpc.url}/cids/${wrong.toString()}`)).json() as any
    expect(byCid).toMatchObject({ root, status: 'tombstoned' })
    const get = await cli('get', wrong.toString(), '--out', join(devnet.home, 'never.bin'))
    expect(get.code).toBe(2)
    expect(get.stderr).toMatch(/FILE_TOMBSTONED|tombstoned/)
    expect(existsSync(join(devnet.home, 'never.bin'))).toBe(false)
    const getRoot = await cli('get', root, '--out', '-')
    expect(getRoot.code).toBe(2)
    expect(getRoot.stderr).toMatch(/tombstoned/)

    // The node keeps serving: status, and a good upload right after.
    expect((await rpc.status()).height).toBeGreaterThan(0)
    const path = join(devnet.home, 'after.bin')
    writeFileSync(path, patternBytes(70_000, 4))
    const put = await cli('put', path, '--json')
    expect(put.code, put.stderr).toBe(0)
    expect((await rpc.file(JSON.parse(put.stdout).root)).local.status).toBe('complete')
  })

  it('a submission whose CID bytes are no CID is tombstoned when committed', async () => {
    const rpc = devnet.rpc(1)
    const wallet = await fundedWallet()
    const data = patternBytes(1000, 5)
    const tree = SegmentTree.fromBytes(fileLayout(data.length), data, createWasmHasher())
    const root = toHex(tree.root)
    await wallet.send('storage.submit', { root: tree.root, cid: new Uint8Array(36).fill(0xee), size: data.length, durationEpochs: 5 })
    let status: string | undefined
    for (let i = 0; i < 50 && status !== 'tombstoned'; i++) { status = (await rpc.file(root).catch(() => undefined))?.local?.status; if (status !== 'tombstoned') await sleep(100) }
    expect(status).toBe('tombstoned')
    await expect(rpc.putSegment(root, 0, data, tree.proof(0))).rejects.toMatchObject({ status: 410 })
  })

  it('GET /cids answers bad input with clear errors', async () => {
    const url = devnet.rpc(0).url
    const bad = await fetch(`${url}/cids/not-a-cid`)
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as any).error.code).toBe('INVALID_CID')
    const unknown = await fetch(`${url}/cids/${fileCid(patternBytes(77, 77)).toString()}`)
    expect(unknown.status).toBe(404)
    expect(((await unknown.json()) as any).error.code).toBe('UNKNOWN_CID')
    expect((await cli('get', 'bafkreinotacid', '--out', '-')).code).toBe(2)
    const miss = await cli('get', fileCid(patternBytes(77, 77)).toString(), '--out', '-')
    expect(miss.code).toBe(2)
    expect(miss.stderr).toMatch(/no file with CID/)
  })
})
