/** /glowmesh/sync/1.0.0: light blocks (signed header + validator set) by height, or the newest. */
import { SYNC_PROTOCOL, SyncStatus, MAX_SYNC_COUNT } from '../../../protocol/wire/index.js'
import type { LightBlock as WireLightBlock } from '../../../protocol/wire/index.js'
import { defineHandler, type Refusal } from '../handler.js'
import type { LightBlock } from '../../../protocol/chain/index.js'
import { lightBlockToWire } from '../lightblock.js'

// the light-block cache hands every client the same objects: convert each once
const wireOf = new WeakMap<LightBlock, WireLightBlock>()
function toWire (lb: LightBlock): WireLightBlock {
  let w = wireOf.get(lb)
  if (w === undefined) { w = lightBlockToWire(lb); wireOf.set(lb, w) }
  return w
}

// …and answer `latest` with one response object per light block, which the server encodes once
const latestOf = new WeakMap<LightBlock, { status: SyncStatus, message: string, lightBlocks: WireLightBlock[] }>()
function latestAnswer (lb: LightBlock): { status: SyncStatus, message: string, lightBlocks: WireLightBlock[] } {
  let r = latestOf.get(lb)
  if (r === undefined) { r = { status: SyncStatus.OK, message: '', lightBlocks: [toWire(lb)] }; latestOf.set(lb, r) }
  return r
}

const STATUS: Record<Refusal, SyncStatus> = {
  NOT_FOUND: SyncStatus.NOT_FOUND,
  PRUNED: SyncStatus.NOT_FOUND,
  BAD_REQUEST: SyncStatus.BAD_REQUEST,
  RATE_LIMITED: SyncStatus.RATE_LIMITED,
  INTERNAL: SyncStatus.INTERNAL
}

export const syncHandler = defineHandler({
  protocol: SYNC_PROTOCOL,
  // a light node catching up asks for 32 blocks per request; 20 back to back, then 10/s
  rate: { burst: 20, perSecond: 10 },
  async handle (req, { services, signal }) {
    if (req.latest) return latestAnswer(await services.lightBlock('latest', { signal }))
    const blocks: WireLightBlock[] = []
    const count = Math.min(req.count, MAX_SYNC_COUNT)
    for (let h = req.fromHeight; h < req.fromHeight + BigInt(count); h++) {
      let lb
      try {
        lb = await services.lightBlock(h, { signal })
      } catch (err) {
        // past the head: answer what we have (a light node then asks again later)
        if ((err as { code?: unknown }).code === 'NOT_FOUND' && blocks.length > 0) break
        throw err
      }
      if (lb.signedHeader.header.height !== h) throw new Error(`lightBlock(${h}) returned height ${lb.signedHeader.header.height}`)
      blocks.push(toWire(lb))
    }
    return { status: SyncStatus.OK, message: '', lightBlocks: blocks }
  },
  refuse: (refusal, message) => ({ status: STATUS[refusal], message, lightBlocks: [] })
})
