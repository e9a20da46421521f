// A full node that joined by state sync at height H follows the chain from H + 1: its cell store
// records that first height (`base`, kept across restarts), and the sample service answers
// NOT_AVAILABLE below it instead of "no blobs" (which a light node would take as an empty block).
import { afterEach, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CellStore } from '../../../fullnode/da/cell-store.js'
import { createSampleService } from '../../../fullnode/da/sample-service.js'
import { NotAvailableError } from '../../../fullnode/da/errors.js'
import { nativeKzg } from './fixtures.js'

const dirs: string[] = []
const stores: CellStore[] = []
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
const open = async (dir: string): Promise<CellStore> => { const s = await CellStore.open({ dir, kzg: await nativeKzg(), windowBlocks: 600 }); stores.push(s); return s }

describe('CellStore base (state-synced nodes)', () => {
  it('a node that started following at 1201 answers NOT_AVAILABLE below it, across a restart; a genesis node does not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glowmesh-base-')); dirs.push(dir)
    const store = await open(dir)
    expect(store.base).toBe(0)
    await store.advance(1201)
    await store.advance(1202)
    expect(store.base).toBe(1201)
    const block = async (): Promise<never> => { throw new Error('no block source needed below the base') }
    const svc = createSampleService({ store, block })
    const err = await svc.sample(1150n, [1, 2], {}).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(NotAvailableError)
    expect((err as Error).message).toMatch(/below 1201, the first block this node followed \(it joined by state sync\)/)
    // at the base and above with no submissions: an empty block, as before
    expect((await svc.sample(1201n, [1], {})).blobs).toEqual([])
    await store.close(); stores.length = 0
    const again = await open(dir)
    expect(again.base).toBe(1201)

    const dir2 = mkdtempSync(join(tmpdir(), 'glowmesh-base-')); dirs.push(dir2)
    const genesis = await open(dir2)
    await genesis.advance(1)
    await genesis.advance(2)
    expect(genesis.base).toBe(1)
    expect((await createSampleService({ store: genesis, block }).sample(1n, [0], {})).blobs).toEqual([])
  })
})
