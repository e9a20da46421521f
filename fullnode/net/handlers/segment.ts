/** /glowmesh/segment/1.0.0: one 256 KiB segment of a file, with its merkle proof against the 0G root. */
import { SEGMENT_PROTOCOL, SegmentStatus } from '../../../protocol/wire/index.js'
import { defineHandler, type Refusal } from '../handler.js'

const STATUS: Record<Refusal, SegmentStatus> = {
  NOT_FOUND: SegmentStatus.NOT_FOUND,
  PRUNED: SegmentStatus.PRUNED,
  BAD_REQUEST: SegmentStatus.BAD_REQUEST,
  RATE_LIMITED: SegmentStatus.RATE_LIMITED,
  INTERNAL: SegmentStatus.INTERNAL
}

export const segmentHandler = defineHandler({
  protocol: SEGMENT_PROTOCOL,
  // 64 segments (16 MiB) back to back, then 32/s (8 MiB/s) per peer
  rate: { burst: 64, perSecond: 32 },
  async handle (req, { services, signal }) {
    const { bytes, proof } = await services.segment(req.root, req.index, { signal })
    if (BigInt(proof.index) !== req.index) throw new Error(`segment(${req.index}) returned a proof for ${proof.index}`)
    return {
      status: SegmentStatus.OK,
      message: '',
      data: bytes,
      proof: { siblings: proof.siblings, leafIndex: BigInt(proof.index), leafCount: BigInt(proof.leafCount) }
    }
  },
  refuse: (refusal, message) => ({ status: STATUS[refusal], message, data: new Uint8Array() })
})
