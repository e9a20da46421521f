/**
 * The adversary's behaviour, shared by its HTTP and libp2p faces and switchable while they run:
 * which lies are on, which heights and segments they touch, how late answers are. It also
 * applies the chain, segment and DA-cell lies in one place and counts every lie told (tests assert the
 * adversary really lied, not just that the client refused).
 */
import { GlowmeshError } from '../../protocol/errors.js'
import type { LightBlock } from '../../protocol/chain/index.js'
import type { MerkleProof } from '../../protocol/storage/index.js'
import { SampleStatus, type SampleResponse } from '../../protocol/wire/index.js'
import { corruptCells, corruptSegment, fakeValidatorKeys, forgeCommit, forgeHeader, insufficientCommit, otherSegmentIndex, withheldSample, wrongProof, type ForgeField } from './lies.js'

/** Every lie the adversary knows; later issues add PoRA modes. */
export const ADVERSARY_MODES = ['forge-header', 'forge-commit', 'insufficient-commit', 'corrupt-segment', 'wrong-proof', 'withhold', 'late', 'stale', 'withhold-cells', 'corrupt-cells'] as const
export type AdversaryMode = typeof ADVERSARY_MODES[number]

/** What the adversary does; every field can be changed at run time with `set`. */
export interface AdversaryBehaviour {
  /** The lies that are on (combinable); empty = an honest proxy. */
  modes: AdversaryMode[]
  /** `forge-header`: the header field to change (default appHash). */
  forgeField: ForgeField
  /** `late`: delay before every answer, ms (default 1000). */
  lateMs: number
  /** `stale`: the height served as the head; default the upstream head when the mode was switched on. */
  staleHeight?: number
  /** Segment indices the segment lies touch; undefined = every segment. */
  segments?: number[]
  /** Heights the header and DA-cell lies touch; undefined = every height. */
  heights?: number[]
}

/** A behaviour that isn't one (unknown mode, negative delay…). */
export class AdversaryConfigError extends GlowmeshError {
  override name = 'AdversaryConfigError'
  constructor (message: string) { super('ADVERSARY_CONFIG', message, { exitCode: 2 }) }
}

/** The upstream answer `withhold` replaces: the client sees "not found". */
export class WithheldError extends GlowmeshError {
  override name = 'WithheldError'
  constructor (what: string) { super('NOT_FOUND', `${what} not found`) }
}

/** Counts of lies told, by mode. */
export type LieCounts = Record<AdversaryMode, number>

/** How a segment lie fetches the honest answer for another index (for `wrong-proof`). */
export type SegmentFetch = (index: number) => Promise<{ bytes: Uint8Array, proof: MerkleProof }>

export interface Adversary {
  readonly behaviour: Readonly<AdversaryBehaviour>
  /** Lies told so far, by mode. */
  readonly lies: LieCounts
  /** Changes the behaviour (partial); `modes` replaces the list. Returns the new behaviour. */
  set: (change: Partial<AdversaryBehaviour>) => Readonly<AdversaryBehaviour>
  has: (mode: AdversaryMode) => boolean
  /** The chain lies that are on, applied to an honest light block at `height`. */
  lieAboutLightBlock: (lb: LightBlock) => LightBlock
  /** The segment lies that are on; throws WithheldError under `withhold`. */
  lieAboutSegment: (index: number, honest: { bytes: Uint8Array, proof: MerkleProof }, fetchOther: SegmentFetch) => Promise<{ bytes: Uint8Array, proof: MerkleProof }>
  /**
   * The DA-cell lies that are on, applied to the upstream's sample answer: `withhold-cells` turns an
   * answer with blobs into NOT_AVAILABLE, `corrupt-cells` flips a bit in a cell of every column.
   * Answers without blobs (empty blocks, refusals) pass as they are: there are no cells to lie about.
   */
  lieAboutSample: (res: SampleResponse) => SampleResponse
  /** Waits `lateMs` when `late` is on (aborted by `signal`). */
  delay: (signal?: AbortSignal) => Promise<void>
  /** The head to serve: `stale`'s frozen height when on (fixed on first use via `currentHead`), else `head`. */
  head: (head: number) => number
}

function check (b: AdversaryBehaviour): AdversaryBehaviour {
  if (!Array.isArray(b.modes)) throw new AdversaryConfigError('modes must be an array')
  for (const m of b.modes) if (!(ADVERSARY_MODES as readonly string[]).includes(m)) throw new AdversaryConfigError(`unknown mode '${String(m)}' (known: ${ADVERSARY_MODES.join(', ')})`)
  if (!['appHash', 'dataHash', 'height', 'time'].includes(b.forgeField)) throw new AdversaryConfigError(`forgeField must be appHash, dataHash, height or time, not '${String(b.forgeField)}'`)
  if (!Number.isFinite(b.lateMs) || b.lateMs < 0) throw new AdversaryConfigError('lateMs must be a non-negative number')
  if (b.staleHeight !== undefined && (!Number.isInteger(b.staleHeight) || b.staleHeight < 1)) throw new AdversaryConfigError('staleHeight must be a positive integer')
  for (const [k, list] of [['segments', b.segments], ['heights', b.heights]] as const) {
    if (list !== undefined && (!Array.isArray(list) || !list.every((n) => Number.isInteger(n) && n >= 0))) throw new AdversaryConfigError(`${k} must be an array of non-negative integers`)
  }
  return b
}

/**
 * A behaviour controller (what `startAdversaryRpc` / `startAdversaryNet` create when given options).
 * @example const adv = createAdversary({ modes: ['corrupt-segment'], segments: [2] }); adv.set({ modes: ['withhold'] })
 */
export function createAdversary (init: Partial<AdversaryBehaviour> = {}): Adversary {
  let b = check({ modes: [], forgeField: 'appHash', lateMs: 1000, ...init })
  const lies = Object.fromEntries(ADVERSARY_MODES.map((m) => [m, 0])) as LieCounts
  const strangers = new Map<number, ReturnType<typeof fakeValidatorKeys>>()
  const has = (m: AdversaryMode): boolean => b.modes.includes(m)
  const touches = (list: number[] | undefined, n: number): boolean => list === undefined || list.includes(n)

  return {
    get behaviour () { return b },
    lies,
    has,
    set (change) {
      const next = check({ ...b, ...change })
      // Switching stale on (again) freezes the head anew unless a height is given.
      if (change.modes !== undefined && next.modes.includes('stale') && !b.modes.includes('stale') && change.staleHeight === undefined) next.staleHeight = undefined
      b = next
      return b
    },
    lieAboutLightBlock (lb) {
      if (!touches(b.heights, Number(lb.signedHeader.header.height))) return lb
      let out = lb
      if (has('forge-header')) { out = forgeHeader(out, b.forgeField); lies['forge-header']++ }
      if (has('forge-commit')) {
        const n = out.validators.length
        if (!strangers.has(n)) strangers.set(n, fakeValidatorKeys(n))
        out = forgeCommit(out, strangers.get(n)!)
        lies['forge-commit']++
      }
      if (has('insufficient-commit')) { out = insufficientCommit(out); lies['insufficient-commit']++ }
      return out
    },
    async lieAboutSegment (index, honest, fetchOther) {
      if (!touches(b.segments, index)) return honest
      if (has('withhold')) { lies.withhold++; throw new WithheldError(`segment ${index}`) }
      let { bytes, proof } = honest
      if (has('corrupt-segment')) { bytes = corruptSegment(bytes); lies['corrupt-segment']++ }
      if (has('wrong-proof')) {
        let other: MerkleProof | undefined
        for (const j of otherSegmentIndex(index)) {
          try { other = (await fetchOther(j)).proof; break } catch {}
        }
        proof = wrongProof(index, other, proof)
        lies['wrong-proof']++
      }
      return { bytes, proof }
    },
    lieAboutSample (res) {
      if (res.status !== SampleStatus.OK || res.blobs.length === 0 || !touches(b.heights, Number(res.height))) return res
      if (has('withhold-cells')) { lies['withhold-cells']++; return withheldSample(res) }
      if (has('corrupt-cells')) { lies['corrupt-cells']++; return corruptCells(res) }
      return res
    },
    async delay (signal) {
      if (!has('late') || b.lateMs === 0) return
      lies.late++
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve() }, b.lateMs)
        const onAbort = (): void => { clearTimeout(t); reject(signal?.reason) }
        signal?.addEventListener('abort', onAbort, { once: true })
      })
    },
    head (head) {
      if (!has('stale')) return head
      if (b.staleHeight === undefined) b = { ...b, staleHeight: head }
      if (b.staleHeight! < head) lies.stale++
      return Math.min(b.staleHeight!, head)
    }
  }
}
