/**
 * /glowmesh/flow/1.0.0: one segment (256 KiB) of the raw flow log at a segment-aligned chunk
 * position — the input a light node seals (PoRA). A node still receiving a submission in that range
 * answers NOT_AVAILABLE (its bytes would read as zeros) so the light node asks another full node.
 */
import { FLOW_PROTOCOL, FlowStatus, FLOW_SEGMENT_CHUNKS } from '../../../protocol/wire/index.js'
import { defineHandler, type Refusal } from '../handler.js'

const STATUS: Record<Refusal, FlowStatus> = {
  NOT_FOUND: FlowStatus.NOT_FOUND,
  PRUNED: FlowStatus.NOT_AVAILABLE,
  BAD_REQUEST: FlowStatus.BAD_REQUEST,
  RATE_LIMITED: FlowStatus.RATE_LIMITED,
  INTERNAL: FlowStatus.INTERNAL
}

export const flowHandler = defineHandler({
  protocol: FLOW_PROTOCOL,
  // sealing reads whole sectors: 64 segments (16 MiB) back to back, then 32/s per peer
  rate: { burst: 64, perSecond: 32 },
  async handle (req, { services, signal }) {
    if (services.flow === undefined) return { status: FlowStatus.NOT_AVAILABLE, message: 'this node does not serve the flow', data: new Uint8Array() }
    if (req.position > BigInt(Number.MAX_SAFE_INTEGER)) return { status: FlowStatus.NOT_FOUND, message: 'position past the flow', data: new Uint8Array() }
    try {
      const data = await services.flow(Number(req.position), FLOW_SEGMENT_CHUNKS, { signal })
      return { status: FlowStatus.OK, message: '', data }
    } catch (err) {
      if ((err as { code?: string }).code === 'SEGMENT_MISSING') return { status: FlowStatus.NOT_AVAILABLE, message: 'a submission in this range is still being received', data: new Uint8Array() }
      throw err
    }
  },
  refuse: (refusal, message) => ({ status: STATUS[refusal], message, data: new Uint8Array() })
})
