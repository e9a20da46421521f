// The adversary's DA-cell lies on their own (no devnet; real KZG cells of a real blob): what
// `withhold-cells` and `corrupt-cells` make of an honest sample answer, their scope, and that a
// corrupted column fails the verification a light node runs while an untouched one passes.
import { beforeAll, describe, expect, it } from 'vitest'
import { createNativeKzg } from '../../../fullnode/da/native-kzg.js'
import { jsKzg, packBlob, verifyColumn, type EncodedBlob } from '../../../protocol/da/index.js'
import { SampleStatus, type SampleResponse } from '../../../protocol/wire/index.js'
import { patternBytes } from '../../helpers/bytes.js'
import { AdversaryConfigError, corruptCells, createAdversary, withheldSample } from '../../adversary/index.js'

let blob: EncodedBlob
const COLUMNS = [3, 77, 127]

beforeAll(async () => {
  const kzg = await createNativeKzg({ precompute: false })
  blob = await kzg.encodeBlob(packBlob(patternBytes(5000, 5), 0))
}, 60_000)

// An honest answer's shape for one blob (the inclusion proofs don't matter to the lies).
const answer = (height = 9n): SampleResponse => ({
  status: SampleStatus.OK,
  message: '',
  height,
  blobs: [{ commitment: blob.commitment, txIndex: 0 }],
  txs: [],
  columns: COLUMNS.map(c => ({ index: c, cells: [blob.cells[c]], proofs: [blob.proofs[c]] }))
})

const verifies = async (res: SampleResponse, i: number): Promise<boolean> =>
  await verifyColumn({ column: res.columns[i].index, commitments: res.blobs.map(b => b.commitment), cells: res.columns[i].cells, proofs: res.columns[i].proofs }, { backend: jsKzg() })

describe('DA-cell lies', () => {
  it('corrupt-cells flips one bit per column: every column then fails KZG verification, the honest one passes', async () => {
    const honest = answer()
    const adv = createAdversary({ modes: ['corrupt-cells'] })
    const lie = adv.lieAboutSample(honest)
    expect(adv.lies['corrupt-cells']).toBe(1)
    expect(lie.blobs).toEqual(honest.blobs)
    for (let i = 0; i < COLUMNS.length; i++) {
      expect(lie.columns[i].cells[0][31]).toBe(honest.columns[i].cells[0][31] ^ 1)
      expect(lie.columns[i].proofs).toEqual(honest.columns[i].proofs)
      expect(await verifies(honest, i)).toBe(true)
      expect(await verifies(lie, i)).toBe(false)
    }
    // the input is never mutated
    expect(honest.columns[0].cells[0]).toEqual(blob.cells[COLUMNS[0]])
    expect(corruptCells(honest).columns[1].cells[0]).toEqual(lie.columns[1].cells[0])
  })

  it('withhold-cells answers NOT_AVAILABLE with nothing in it', () => {
    const adv = createAdversary({ modes: ['withhold-cells'] })
    expect(adv.lieAboutSample(answer(12n))).toEqual({ status: SampleStatus.NOT_AVAILABLE, message: 'cells of block 12 are not held here', height: 12n, blobs: [], txs: [], columns: [] })
    expect(adv.lies['withhold-cells']).toBe(1)
    expect(withheldSample({ height: 3n }).status).toBe(SampleStatus.NOT_AVAILABLE)
  })

  it('leaves alone answers without cells (empty blocks, refusals), heights out of scope, and no-lie modes', () => {
    const adv = createAdversary({ modes: ['withhold-cells', 'corrupt-cells'], heights: [9] })
    const empty = { ...answer(9n), blobs: [], columns: [] }
    expect(adv.lieAboutSample(empty)).toBe(empty)
    const refused = { ...answer(9n), status: SampleStatus.NOT_FOUND }
    expect(adv.lieAboutSample(refused)).toBe(refused)
    const other = answer(10n)
    expect(adv.lieAboutSample(other)).toBe(other)
    expect(adv.lies['withhold-cells'] + adv.lies['corrupt-cells']).toBe(0)
    // withholding wins when both are on
    expect(adv.lieAboutSample(answer(9n)).status).toBe(SampleStatus.NOT_AVAILABLE)
    adv.set({ modes: ['forge-header'] })
    const honest = answer(9n)
    expect(adv.lieAboutSample(honest)).toBe(honest)
  })

  it('an unknown mode is a typed config error', () => {
    expect(() => createAdversary({ modes: ['withhold-cellz' as any] })).toThrow(AdversaryConfigError)
    expect(() => createAdversary().set({ modes: ['corrupt-cell' as any] })).toThrow(/unknown mode 'corrupt-cell'/)
  })
})
